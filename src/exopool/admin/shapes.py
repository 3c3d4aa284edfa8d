"""The admin API's JSON: what each of our rows looks like to an operator."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exopool.lifecycle import DeliveryState
from exopool.services.api_keys import IssuedKey
from exopool.services.history import HistoryEntry
from exopool.services.webhooks import Endpoint


def when(at: datetime | None) -> str | None:
    """A stored (naive UTC) time as RFC 3339."""
    return at.isoformat(timespec="seconds") + "Z" if at is not None else None


def account(row: Any) -> dict[str, Any]:
    return {"sid": row.sid, "name": row.name, "cluster": row.cluster, "country": row.country, "status": row.status,
            "created_at": when(row.created_at), "numbers_held": row.numbers_held}


def api_key(row: Any) -> dict[str, Any]:
    return {"key": row.key, "label": row.label, "created_at": when(row.created_at),
            "last_used_at": when(row.last_used_at), "revoked_at": when(row.revoked_at)}


def issued_key(issued: IssuedKey) -> dict[str, Any]:
    return {"key": issued.key, "token": issued.token, "label": issued.label, "account_sid": issued.account_sid,
            "created_at": when(issued.created_at)}


def number(row: Any) -> dict[str, Any]:
    return {"sid": row.sid, "phone_number": row.phone_number, "cluster": row.cluster, "country": row.country,
            "type": row.number_type, "region": row.region, "state": row.state, "account_sid": row.account_sid,
            "free_at": when(row.free_at)}


def history_entry(entry: HistoryEntry) -> dict[str, Any]:
    return {"at": when(entry.at), "kind": entry.kind, "actor": entry.actor, "api_key": entry.api_key,
            "request_id": entry.request_id, "data": entry.data, "derived": entry.derived}


def number_with_history(row: Any, history: list[HistoryEntry]) -> dict[str, Any]:
    return {"sid": row.sid, "phone_number": row.phone_number, "cluster": row.cluster, "type": row.number_type,
            "state": row.state, "account_sid": row.account_sid, "free_at": when(row.free_at),
            "history": [history_entry(entry) for entry in history]}


def release(row: Any) -> dict[str, Any]:
    return {"sid": row.sid, "phone_number": row.phone_number, "state": row.state, "attempts": row.attempts,
            "last_error": row.last_error, "next_attempt_at": when(row.next_attempt_at), "worker": row.worker,
            "created_at": when(row.created_at), "updated_at": when(row.updated_at),
            "completed_at": when(row.completed_at)}


def event(row: Any) -> dict[str, Any]:
    return {"id": row.id, "at": when(row.at), "kind": row.kind, "account_sid": row.account_sid,
            "phone_number": row.phone_number, "number_sid": row.number_sid, "api_key": row.api_key,
            "actor": row.actor, "request_id": row.request_id, "data": row.data}


def stat(row: Any, by_region: bool) -> dict[str, Any]:
    shown = {"cluster": row.cluster, "state": row.state, "type": row.number_type, "count": row.count}
    return {**shown, "region": row.region} if by_region else shown


def webhook_endpoint(endpoint: Endpoint) -> dict[str, Any]:
    """An operator's endpoint; its secret only in the answer that created it."""
    shown: dict[str, Any] = {"sid": endpoint.sid, "url": endpoint.url, "events": endpoint.events,
                             "status": endpoint.state, "disabled_reason": endpoint.disabled_reason,
                             "created_at": when(endpoint.date_created)}
    if endpoint.secret is not None:
        shown["secret"] = endpoint.secret
    return shown


def delivery(row: Any) -> dict[str, Any]:
    """A delivery: its id is the webhook-id header it is sent with."""
    pending = row.state == DeliveryState.PENDING
    return {"id": row.sid, "type": row.event_type, "status": row.state, "attempts": row.attempts,
            "last_response_status": row.last_status, "last_response_excerpt": row.last_response,
            "last_error": row.last_error, "next_attempt_at": when(row.next_attempt_at) if pending else None,
            "created_at": when(row.created_at), "delivered_at": when(row.delivered_at)}
