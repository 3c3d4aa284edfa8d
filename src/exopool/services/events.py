"""The append-only event log, and the one place number events become webhooks.

Recording an event whose kind is a webhook event type (`deliveries.EVENT_TYPES`) also queues its
deliveries, in the same transaction: any service that records such an event sends its webhooks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, insert, select

from exopool.db import Prepared, execute, rows
from exopool.db.dialects import settled_events
from exopool.entities import Actor
from exopool.models import Account, Event
from exopool.services.deliveries import EVENT_TYPES, queue_deliveries
from exopool.text import storable_text

_COLUMNS = ("at", "kind", "account_id", "number_id", "phone_number", "number_sid", "api_key", "actor", "request_id")
_INSERT = Prepared(insert(Event), columns=(*_COLUMNS, "data"))
# Most events carry no data: leaving the column out stores its NULL without binding None, for which
# Python's sqlite3 looks for an adapter, raising and formatting two AttributeErrors.
_INSERT_WITHOUT_DATA = Prepared(insert(Event), columns=_COLUMNS)


def record_event(
    conn: Connection,
    at: datetime,
    kind: str,
    actor: Actor,
    *,
    account_id: int | None = None,
    number_id: int | None = None,
    phone_number: str | None = None,
    number_sid: str | None = None,
    data: dict[str, Any] | None = None,
) -> None:
    """Append one event, and queue its webhooks; the actor's account is used when none is named."""
    account_id = account_id if account_id is not None else actor.account_id
    execute(
        conn, _INSERT_WITHOUT_DATA if data is None else _INSERT,
        at=at,
        kind=kind,
        account_id=account_id,
        number_id=number_id,
        phone_number=phone_number,
        number_sid=number_sid,
        api_key=actor.api_key,
        actor=actor.label,
        request_id=actor.request_id,
        data=data,
    )
    if kind in EVENT_TYPES:
        queue_deliveries(conn, at, kind, account_id, number_id, number_sid)


def list_events(
    conn: Connection, *, account_id: int | None = None, number_id: int | None = None, limit: int = 100
) -> list[Any]:
    """Events, newest first, for an account or a number."""
    query = select(Event).order_by(Event.id.desc()).limit(limit)
    if account_id is not None:
        query = query.where(Event.account_id == account_id)
    if number_id is not None:
        query = query.where(Event.number_id == number_id)
    return rows(conn, query)


def events_after(
    conn: Connection, *, after: int = 0, account_id: int | None = None, kind: str | None = None,
    since: datetime | None = None, limit: int = 100,
) -> list[Any]:
    """Events, oldest first, with ids above `after`: what a reader resuming from a cursor gets next.

    Only committed events are ever behind a returned one (dialects.settled_events), so a reader
    that resumes after the last id it saw misses none and sees none twice.
    """
    settled_events(conn)
    query = (select(Event, Account.sid.label("account_sid")).outerjoin(Account, Account.id == Event.account_id)
             .where(Event.id > after).order_by(Event.id).limit(limit))
    if account_id is not None:
        query = query.where(Event.account_id == account_id)
    if kind:
        query = query.where(Event.kind == storable_text("kind", kind))
    if since is not None:
        query = query.where(Event.at >= since)
    return rows(conn, query)


def events_before(
    conn: Connection, *, before: int | None = None, account_id: int | None = None, kind: str | None = None,
    since: datetime | None = None, limit: int = 100,
) -> list[Any]:
    """Events, newest first, with ids below `before` (all, without it): the log as a person pages back through it."""
    query = (select(Event, Account.sid.label("account_sid")).outerjoin(Account, Account.id == Event.account_id)
             .order_by(Event.id.desc()).limit(limit))
    if before is not None:
        query = query.where(Event.id < before)
    if account_id is not None:
        query = query.where(Event.account_id == account_id)
    if kind:
        query = query.where(Event.kind == storable_text("kind", kind))
    if since is not None:
        query = query.where(Event.at >= since)
    return rows(conn, query)
