"""Words the dashboard shows for our names: form fields as its pages label them, and event kinds."""

from __future__ import annotations

# Our field names as the dashboard's forms label them.
FIELDS = {
    "friendly_name": "Friendly name", "voice_url": "Voice URL", "sms_url": "SMS URL", "phone_number": "Phone number",
    "number_type": "Type", "type": "Type", "country": "Country", "region": "Region", "contains": "Contains digits",
    "sms": "SMS", "label": "Label", "email": "Email", "password": "Password", "page": "Page", "confirm": "Confirm",
    "action": "Action", "status": "Status", "latency_ms": "Latency (ms)", "probability": "Probability",
    "count": "Count", "retry_after": "Retry-After", "path": "Path", "method": "Method", "account": "Account",
    "message": "Message", "seed": "Seed", "seconds": "Seconds", "api_key": "API key", "url": "URL",
    "events": "Events",
    "sid": "Account sid", "name": "Name", "cluster": "Cluster", "file": "CSV file", "kind": "Kind", "since": "Since",
}

# Every kind of event, as a sentence fragment a person reads (the raw kind stays in the page's title).
EVENTS = {
    "number.purchased": "Number bought",
    "number.updated": "Number updated",
    "number.release_accepted": "Release accepted",
    "release.queued": "Release queued",
    "release.attempt_started": "Carrier asked to release",
    "release.awaiting_carrier": "Waiting for the carrier",
    "release.attempt_failed": "Carrier attempt failed",
    "release.attempt_handed_back": "Attempt handed back by a stopping worker",
    "release.retried": "Release retried by an operator",
    "release.failed": "Release failed",
    "release.carrier_confirmed": "Release confirmed by the carrier",
    "number.aging": "Number released (aging)",
    "number.back_in_pool": "Back in the pool",
    "number.restored": "Number restored",
    "api_key.created": "API key created",
    "api_key.revoked": "API key revoked",
    "account.created": "Account created",
    "account.renamed": "Account renamed",
    "account.suspended": "Account suspended",
    "account.resumed": "Account resumed",
    "user.created": "Dashboard user created",
    "operator.created": "Operator created",
    "operator.revoked": "Operator revoked",
    "pool.imported": "Numbers imported into the pool",
    "webhook_endpoint.created": "Webhook endpoint added",
    "webhook_endpoint.deleted": "Webhook endpoint deleted",
    "webhook_delivery.redelivered": "Webhook delivery sent again",
}


def field_label(field: str | None) -> str:
    return FIELDS.get(field or "", (field or "").replace("_", " ").capitalize())


def event_label(kind: str) -> str:
    """The words for an event kind; a kind added without words still reads as words, not as a dotted name."""
    return EVENTS.get(kind) or kind.replace(".", ": ").replace("_", " ").capitalize()
