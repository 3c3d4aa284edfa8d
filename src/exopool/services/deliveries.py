"""The webhook outbox: queue, claim, deliver, fail, retry and redeliver deliveries of number events.

A delivery is queued in the transaction of the change it tells of (`queue_deliveries`, called by
the event log), so a change and its webhooks commit together or not at all. A worker claims due
deliveries (as it claims release jobs: a lease, `attempts` bumped, every later write guarded on
the claim), sends them outside any transaction, and records the outcome. A delivery is not due
while an earlier delivery of the same number to the same endpoint is unfinished: a number's
events reach an endpoint in the order they happened.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, bindparam, exists, func, insert, or_, select, update
from sqlalchemy.orm import aliased

from exopool.backoff import Backoff
from exopool.db import Prepared, execute, first, notify, rows
from exopool.db.dialects import skip_locked
from exopool.entities import Number
from exopool.lifecycle import UNFINISHED_DELIVERIES, DeliveryState, EndpointState
from exopool.models import Account, PhoneNumber, ReleaseJob, WebhookAttempt, WebhookDelivery, WebhookEndpoint
from exopool.shown import number_to_wire, timestamp

WEBHOOK_QUEUED = "webhook.queued"  # the topic delivery workers wait on (db.notify)
# The event log's kinds that are webhook events, and the type each is sent as.
EVENT_TYPES = {
    "number.purchased": "number.purchased",
    "number.updated": "number.updated",
    "number.release_accepted": "number.release_accepted",
    "release.carrier_confirmed": "number.released",
    "release.failed": "number.release_failed",
    "number.restored": "number.restored",
}
WEBHOOK_TYPES = tuple(dict.fromkeys(EVENT_TYPES.values()))
RELEASE_TYPES = {"number.release_accepted", "number.released", "number.release_failed"}

# The account's endpoints, and the operators' (of no account), which are sent every account's events.
_ENDPOINTS = Prepared(select(WebhookEndpoint.id, WebhookEndpoint.events).where(
    or_(WebhookEndpoint.account_id == bindparam("b_account"), WebhookEndpoint.account_id.is_(None)),
    WebhookEndpoint.state == EndpointState.ENABLED.value).order_by(WebhookEndpoint.id))
_NUMBER = select(
    PhoneNumber.id, PhoneNumber.sid, PhoneNumber.phone_number, PhoneNumber.friendly_name, PhoneNumber.voice,
    PhoneNumber.sms, PhoneNumber.country, PhoneNumber.region, PhoneNumber.number_type, PhoneNumber.voice_url,
    PhoneNumber.sms_url, PhoneNumber.rental_price_micros, PhoneNumber.one_time_price_micros,
    PhoneNumber.incoming_rate_micros, PhoneNumber.currency, PhoneNumber.state, PhoneNumber.date_created,
    PhoneNumber.date_updated,
)
_QUEUE = Prepared(insert(WebhookDelivery), columns=(
    "sid", "endpoint_id", "number_id", "event_type", "payload", "state", "attempts", "next_attempt_at",
    "created_at", "updated_at",
))


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(16)


def queue_deliveries(conn: Connection, at: datetime, kind: str, account_id: int | None, number_id: int | None,
                     number_sid: str | None) -> int:
    """A delivery of this event to each enabled endpoint of the account, or of an operator, that wants its
    type; how many.

    The body is made now, so it shows the number as the change left it, whenever it is sent.
    """
    event_type = EVENT_TYPES.get(kind)
    if event_type is None or account_id is None:
        return 0
    wanted = [e.id for e in rows(conn, _ENDPOINTS, b_account=account_id) if event_type in e.events.split(",")]
    if not wanted:
        return 0
    payload = json.dumps(event_body(conn, at, event_type, account_id, number_id, number_sid), separators=(",", ":"))
    for endpoint_id in wanted:
        execute(conn, _QUEUE, sid=new_message_id(), endpoint_id=endpoint_id, number_id=number_id,
                event_type=event_type, payload=payload, state=DeliveryState.PENDING.value, attempts=0,
                next_attempt_at=at, created_at=at, updated_at=at)
    notify(conn, WEBHOOK_QUEUED)
    return len(wanted)


def event_body(conn: Connection, at: datetime, event_type: str, account_id: int, number_id: int | None,
               number_sid: str | None) -> dict[str, Any]:
    """{"type", "timestamp", "data"}: data is the number object, with the release for release events."""
    data: dict[str, Any] = {}
    if number_id is not None:
        account_sid = first(conn, select(Account.sid).where(Account.id == account_id)).sid
        row = first(conn, _NUMBER.where(PhoneNumber.id == number_id))
        data = number_to_wire(Number(row.id, row.sid, account_sid, *row[2:]))
    if event_type in RELEASE_TYPES and number_sid is not None:
        data["release"] = _release_of(conn, number_sid)
    return {"type": event_type, "timestamp": timestamp(at), "data": data}


def _release_of(conn: Connection, sid: str) -> dict[str, Any]:
    """The release of the number's sid; just accepted, its job is queued after the event is recorded."""
    job = first(conn, select(ReleaseJob.sid, ReleaseJob.attempts, ReleaseJob.last_error)
                .where(ReleaseJob.sid == sid))
    if job is None:
        return {"sid": sid, "attempts": 0, "last_error": None}
    return {"sid": job.sid, "attempts": job.attempts, "last_error": job.last_error}


# Claiming


_Earlier = aliased(WebhookDelivery)
_BLOCKED = exists().where(
    _Earlier.endpoint_id == WebhookDelivery.endpoint_id, _Earlier.number_id == WebhookDelivery.number_id,
    _Earlier.id < WebhookDelivery.id, _Earlier.state.in_([s.value for s in UNFINISHED_DELIVERIES]),
)


def _due(now: datetime) -> Any:
    """Pending and its time has come, or held by a worker whose lease ran out (presumed dead); and no
    earlier delivery of its number to its endpoint unfinished."""
    return and_(or_(
        (WebhookDelivery.state == DeliveryState.PENDING) & (WebhookDelivery.next_attempt_at <= now),
        (WebhookDelivery.state == DeliveryState.SENDING) & (WebhookDelivery.lease_until < now),
    ), ~_BLOCKED)


@dataclass(frozen=True)
class Outgoing:
    """A claimed delivery with what sending it needs."""

    id: int
    sid: str
    attempts: int
    worker: str
    url: str
    secret_sealed: str
    payload: str
    endpoint_id: int
    created_at: datetime


def claim_deliveries(conn: Connection, now: datetime, worker: str, lease_s: float, limit: int = 20) -> list[Outgoing]:
    """Claim up to limit due deliveries for worker, each for lease_s seconds; no two workers hold one.

    As release jobs are claimed: the due ids read skipping rows other transactions hold, then one
    UPDATE guarded by the due condition again.
    """
    due = (select(WebhookDelivery.id).where(_due(now))
           .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit))
    ids = [row.id for row in rows(conn, skip_locked(conn, due))]
    if not ids:
        return []
    claimed = rows(conn, update(WebhookDelivery).where(WebhookDelivery.id.in_(ids), _due(now))
                   .values(state=DeliveryState.SENDING, attempts=WebhookDelivery.attempts + 1, worker=worker,
                           lease_until=now + timedelta(seconds=lease_s), updated_at=now)
                   .returning(WebhookDelivery.id))
    if not claimed:
        return []
    found = rows(conn, select(
        WebhookDelivery.id, WebhookDelivery.sid, WebhookDelivery.attempts, WebhookDelivery.worker,
        WebhookEndpoint.url, WebhookEndpoint.secret_sealed, WebhookDelivery.payload, WebhookDelivery.endpoint_id,
        WebhookDelivery.created_at,
    ).join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
        .where(WebhookDelivery.id.in_([row.id for row in claimed])).order_by(WebhookDelivery.id))
    return [Outgoing(*row) for row in found]


# Outcomes


@dataclass(frozen=True)
class Sent:
    """One attempt as it went: the headers' timestamp and signature, and the answer or the error."""

    webhook_timestamp: str
    signature: str
    status: int | None
    response: str | None
    error: str | None
    duration_ms: int

    @property
    def succeeded(self) -> bool:
        return self.status is not None and 200 <= self.status < 300


def _held(delivery: Outgoing) -> Any:
    return and_(WebhookDelivery.id == delivery.id, WebhookDelivery.state == DeliveryState.SENDING,
                WebhookDelivery.worker == delivery.worker, WebhookDelivery.attempts == delivery.attempts)


def record_attempt(conn: Connection, now: datetime, delivery: Outgoing, sent: Sent, backoff: Backoff,
                   retry_period_s: float, rng: random.Random | None = None) -> DeliveryState | None:
    """Keep the attempt and settle the delivery: delivered, pending a retry, or failed for good.

    The delivery's new state; None if this attempt no longer holds it (its lease ran out and
    another worker took it over), in which case only the attempt itself is kept.
    """
    execute(conn, insert(WebhookAttempt).values(
        delivery_id=delivery.id, attempt=delivery.attempts, at=now, webhook_timestamp=sent.webhook_timestamp,
        signature=sent.signature, status=sent.status, response=sent.response, error=sent.error,
        duration_ms=sent.duration_ms))
    answer = {"last_status": sent.status, "last_response": sent.response, "last_error": sent.error,
              "lease_until": None, "updated_at": now}
    if sent.succeeded:
        state, values = DeliveryState.DELIVERED, {"delivered_at": now}
    elif now - delivery.created_at >= timedelta(seconds=retry_period_s):
        state, values = DeliveryState.FAILED, {}
    else:
        state = DeliveryState.PENDING
        values = {"next_attempt_at": now + timedelta(seconds=backoff.delay_s(delivery.attempts, rng))}
    done = execute(conn, update(WebhookDelivery).where(_held(delivery)).values(state=state, **answer, **values))
    if done != 1:
        return None
    _endpoint_answered(conn, now, delivery.endpoint_id, sent, retry_period_s)
    return state


def _endpoint_answered(conn: Connection, now: datetime, endpoint_id: int, sent: Sent, retry_period_s: float) -> None:
    """A success clears the endpoint's failing spell; a failure starts one, or ends a spell as long as the
    retry period by disabling the endpoint."""
    endpoint = WebhookEndpoint.__table__.c
    if sent.succeeded:
        execute(conn, update(WebhookEndpoint).where(endpoint.id == endpoint_id, endpoint.failing_since.is_not(None))
                .values(failing_since=None))
        return
    execute(conn, update(WebhookEndpoint).where(endpoint.id == endpoint_id, endpoint.failing_since.is_(None))
            .values(failing_since=now))
    since = first(conn, select(endpoint.failing_since, endpoint.state).where(endpoint.id == endpoint_id))
    if since.state == EndpointState.ENABLED and now - since.failing_since >= timedelta(seconds=retry_period_s):
        last = sent.error or f"HTTP {sent.status}"
        reason = (f"every delivery failed from {timestamp(since.failing_since)} to {timestamp(now)} "
                  f"(the retry period, {retry_period_s:g} s); the last: {last}")
        disable_endpoint(conn, now, endpoint_id, reason)


def disable_endpoint(conn: Connection, now: datetime, endpoint_id: int, reason: str) -> None:
    """Stop sending to an endpoint: its unfinished deliveries fail, saying why."""
    execute(conn, update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
            .values(state=EndpointState.DISABLED, disabled_reason=reason, updated_at=now))
    finish_deliveries(conn, now, endpoint_id, DeliveryState.FAILED, f"endpoint disabled: {reason}")


def finish_deliveries(conn: Connection, now: datetime, endpoint_id: int, state: DeliveryState, why: str) -> int:
    """End every unfinished delivery of an endpoint (disabled or deleted); how many."""
    return execute(conn, update(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint_id, WebhookDelivery.state.in_(UNFINISHED_DELIVERIES))
        .values(state=state, last_error=why, lease_until=None, updated_at=now))


def unclaim_deliveries(conn: Connection, now: datetime, deliveries: list[Outgoing]) -> int:
    """Hand back claimed deliveries that were never sent (a worker told to stop); how many."""
    handed_back = 0
    for delivery in deliveries:
        handed_back += execute(conn, update(WebhookDelivery).where(_held(delivery)).values(
            state=DeliveryState.PENDING, attempts=delivery.attempts - 1, worker=None, lease_until=None,
            updated_at=now))
    return handed_back


def deliveries_in_hand(conn: Connection, now: datetime) -> int:
    """How many deliveries are due now or held by a worker."""
    busy = or_(_due(now), WebhookDelivery.state == DeliveryState.SENDING)
    return int(first(conn, select(func.count().label("n")).where(busy)).n)
