"""Webhook endpoints: create, list, get and delete them, their delivery history, and redelivery.

An endpoint belongs to the actor's account. An operator (an actor of no account) registers
endpoints of no account, which are sent the events of every account; each side sees only its own.

An endpoint's secret (`whsec_` and base64, as Standard Webhooks' libraries read it) is shown
once, when the endpoint is created. It must be read back to sign every delivery, so it cannot be
stored as an HMAC like an API token: it is encrypted (Fernet: AES and an HMAC) with a key derived
from the instance's secret key, so a copy of the table alone does not give it away.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import Connection, insert, select, update

from exopool.clock import Clock
from exopool.db import execute, first, notify, one, rows
from exopool.entities import Actor
from exopool.errors import DeliveryNotFound, InvalidParameter, MissingParameter, WebhookEndpointNotFound
from exopool.lifecycle import DeliveryState, EndpointState
from exopool.models import WebhookAttempt, WebhookDelivery, WebhookEndpoint
from exopool.services.deliveries import WEBHOOK_QUEUED, WEBHOOK_TYPES, finish_deliveries
from exopool.services.events import record_event
from exopool.services.phone_numbers import validate_url
from exopool.text import is_storable

SECRET_PREFIX = "whsec_"
SID_PREFIX = "we_"
HISTORY = 100  # deliveries shown per endpoint, newest first


@dataclass(frozen=True)
class Endpoint:
    sid: str
    url: str
    events: list[str]
    state: str
    disabled_reason: str | None
    date_created: datetime
    secret: str | None = None  # only when just created


def _fernet(instance_secret: str) -> Fernet:
    key = hmac.new(instance_secret.encode(), b"exopool webhook endpoint secrets", hashlib.sha256).digest()
    return Fernet(base64.urlsafe_b64encode(key))


def seal(instance_secret: str, secret: str) -> str:
    return _fernet(instance_secret).encrypt(secret.encode()).decode()


def unseal(instance_secret: str, sealed: str) -> str:
    return _fernet(instance_secret).decrypt(sealed.encode()).decode()


def new_endpoint_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def parse_events(value: str | None) -> list[str]:
    """Comma-separated event types, in their canonical order; every type when empty."""
    if value is None or not value.strip():
        return list(WEBHOOK_TYPES)
    asked = {part.strip() for part in value.split(",") if part.strip()}
    unknown = sorted(asked - set(WEBHOOK_TYPES))
    if unknown:
        raise InvalidParameter("events", f"{unknown[0]!r} is not one of {', '.join(WEBHOOK_TYPES)}")
    return [kind for kind in WEBHOOK_TYPES if kind in asked]


def create_webhook_endpoint(conn: Connection, clock: Clock, instance_secret: str, actor: Actor, url: str | None,
                            events: str | None = None) -> Endpoint:
    """A new endpoint of the actor's account (of none for an operator); its secret is in the answer, and never
    again."""
    if not url:
        raise MissingParameter("url")
    checked = validate_url("url", url)
    assert checked is not None
    kinds, secret, now = parse_events(events), new_endpoint_secret(), clock.now()
    sid = SID_PREFIX + secrets.token_hex(16)
    execute(conn, insert(WebhookEndpoint).values(
        sid=sid, account_id=actor.account_id, url=checked, events=",".join(kinds),
        secret_sealed=seal(instance_secret, secret), state=EndpointState.ENABLED, created_at=now, updated_at=now))
    record_event(conn, now, "webhook_endpoint.created", actor, data={"sid": sid, "url": checked, "events": kinds})
    return Endpoint(sid, checked, kinds, EndpointState.ENABLED.value, None, now, secret)


def _row(conn: Connection, actor: Actor, sid: str) -> Any:
    """The account's endpoint sid, not deleted; another account's is not found, as an unknown one."""
    found = first(conn, select(WebhookEndpoint).where(
        WebhookEndpoint.sid == sid, WebhookEndpoint.account_id == actor.account_id,
        WebhookEndpoint.state != EndpointState.DELETED)) if is_storable(sid) else None
    if found is None:
        raise WebhookEndpointNotFound(sid)
    return found


def _endpoint(row: Any) -> Endpoint:
    return Endpoint(row.sid, row.url, row.events.split(","), row.state, row.disabled_reason, row.created_at)


def get_webhook_endpoint(conn: Connection, actor: Actor, sid: str) -> Endpoint:
    return _endpoint(_row(conn, actor, sid))


def list_webhook_endpoints(conn: Connection, actor: Actor, after: str | None = None,
                           limit: int | None = None) -> list[Endpoint]:
    """The actor's endpoints, oldest first; from after the endpoint sid `after`, up to limit of them."""
    query = select(WebhookEndpoint).where(
        WebhookEndpoint.account_id == actor.account_id, WebhookEndpoint.state != EndpointState.DELETED)
    if after is not None:
        query = query.where(WebhookEndpoint.id > select(WebhookEndpoint.id).where(
            WebhookEndpoint.sid == after).scalar_subquery())
    found = rows(conn, query.order_by(WebhookEndpoint.id).limit(limit))
    return [_endpoint(row) for row in found]


def delete_webhook_endpoint(conn: Connection, clock: Clock, actor: Actor, sid: str) -> None:
    """Stop sending to the endpoint at once; its unfinished deliveries are cancelled, its history kept."""
    row, now = _row(conn, actor, sid), clock.now()
    execute(conn, update(WebhookEndpoint).where(WebhookEndpoint.id == row.id)
            .values(state=EndpointState.DELETED, updated_at=now))
    finish_deliveries(conn, now, row.id, DeliveryState.CANCELLED, "endpoint deleted")
    record_event(conn, now, "webhook_endpoint.deleted", actor, data={"sid": sid})


def list_deliveries(conn: Connection, actor: Actor, sid: str, limit: int = HISTORY,
                    before: int | None = None) -> list[Any]:
    """The endpoint's deliveries, newest first; only those older than the delivery id `before` if given."""
    endpoint = _row(conn, actor, sid)
    query = select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id)
    if before is not None:
        query = query.where(WebhookDelivery.id < before)
    return rows(conn, query.order_by(WebhookDelivery.id.desc()).limit(limit))


def redeliver(conn: Connection, clock: Clock, actor: Actor, sid: str, delivery_sid: str) -> Any:
    """Send a delivery again, now, with its webhook-id (receivers deduplicate on it).

    A delivery of a disabled endpoint enables the endpoint again: asking to redeliver says the
    receiver is back. A delivery in a worker's hands is left to it.
    """
    endpoint, now = _row(conn, actor, sid), clock.now()
    delivery = first(conn, select(WebhookDelivery).where(
        WebhookDelivery.sid == delivery_sid, WebhookDelivery.endpoint_id == endpoint.id)) \
        if is_storable(delivery_sid) else None
    if delivery is None:
        raise DeliveryNotFound(delivery_sid)
    if endpoint.state == EndpointState.DISABLED:
        execute(conn, update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint.id).values(
            state=EndpointState.ENABLED, disabled_reason=None, failing_since=None, updated_at=now))
    execute(conn, update(WebhookDelivery).where(
        WebhookDelivery.id == delivery.id, WebhookDelivery.state != DeliveryState.SENDING)
        .values(state=DeliveryState.PENDING, next_attempt_at=now, worker=None, updated_at=now))
    notify(conn, WEBHOOK_QUEUED)
    record_event(conn, now, "webhook_delivery.redelivered", actor, data={"endpoint": sid, "delivery": delivery_sid})
    return one(conn, select(WebhookDelivery).where(WebhookDelivery.id == delivery.id))


def list_attempts(conn: Connection, limit: int = 1000) -> list[Any]:
    """Every delivery attempt of every endpoint, oldest first (the sandbox shows them)."""
    return rows(conn, select(
        WebhookAttempt.attempt, WebhookAttempt.at, WebhookAttempt.webhook_timestamp, WebhookAttempt.signature,
        WebhookAttempt.status, WebhookAttempt.response, WebhookAttempt.error, WebhookAttempt.duration_ms,
        WebhookDelivery.sid.label("webhook_id"), WebhookDelivery.event_type, WebhookDelivery.payload,
        WebhookEndpoint.sid.label("endpoint_sid"), WebhookEndpoint.url,
    ).join(WebhookDelivery, WebhookDelivery.id == WebhookAttempt.delivery_id)
        .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .order_by(WebhookAttempt.id).limit(limit))
