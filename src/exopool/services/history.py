"""A number's whole life, from the event log: bought, updated, released, each carrier attempt, aging, back in pool."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select

from exopool.db import first, rows
from exopool.entities import Actor
from exopool.errors import InvalidParameter, NotFound
from exopool.ids import is_sid
from exopool.models import Account, Event, PhoneNumber
from exopool.phone import looks_like_number, to_e164
from exopool.services.inventory import effective_state

BACK_IN_POOL = "number.back_in_pool"


@dataclass(frozen=True)
class HistoryEntry:
    """One step of a number's life; derived entries were not written by anyone but follow from a timestamp."""

    at: datetime
    kind: str
    actor: str | None = None
    api_key: str | None = None
    request_id: str | None = None
    data: dict[str, Any] = field(default_factory=dict)
    derived: bool = False


def find_number(conn: Connection, now: datetime, ref: str, country: str = "IN") -> Any:
    """The number named by its E.164 form, its current sid, or any sid it had (a release's sid)."""
    query = (select(PhoneNumber.id, PhoneNumber.sid, PhoneNumber.phone_number, PhoneNumber.cluster,
                    PhoneNumber.number_type, effective_state(now).label("state"), PhoneNumber.free_at,
                    Account.sid.label("account_sid"))
             .outerjoin(Account, Account.id == PhoneNumber.account_id))
    if is_sid(ref):
        former = select(Event.number_id).where(Event.number_sid == ref).limit(1).scalar_subquery()
        row = first(conn, query.where((PhoneNumber.sid == ref) | (PhoneNumber.id == former)))
    elif looks_like_number(ref):
        row = first(conn, query.where(PhoneNumber.phone_number == _e164(ref, country)))
    else:
        row = None
    if row is None:
        raise NotFound(f"No number {ref} in the inventory")
    return row


def _e164(ref: str, country: str) -> str:
    try:
        return to_e164(ref, country)
    except InvalidParameter as error:
        raise NotFound(f"No number {ref} in the inventory") from error


def number_history(conn: Connection, now: datetime, number_id: int) -> list[HistoryEntry]:
    """Every event of the number, oldest first, with the moments aging ended added in."""
    events = rows(conn, select(Event).where(Event.number_id == number_id).order_by(Event.id))
    entries = [HistoryEntry(row.at, row.kind, row.actor, row.api_key, row.request_id, row.data or {}) for row in events]
    entries += [_back_in_pool(entry) for entry in entries if _aging_over(entry, now)]
    return sorted(entries, key=lambda entry: (entry.at, entry.derived))


def phone_number_history(conn: Connection, actor: Actor, sid: str) -> list[HistoryEntry]:
    """The events of one ownership of a number (its sid) on the actor's account, oldest first: what the
    account did and saw, never what another account did with the same number."""
    events = rows(conn, select(Event).where(Event.account_id == actor.account_id, Event.number_sid == sid)
                  .order_by(Event.id))
    return [HistoryEntry(row.at, row.kind, row.actor, row.api_key, row.request_id, row.data or {}) for row in events]


def _aging_over(entry: HistoryEntry, now: datetime) -> bool:
    return entry.kind == "number.aging" and _until(entry) <= now


def _until(entry: HistoryEntry) -> datetime:
    return datetime.fromisoformat(entry.data["until"].removesuffix("Z"))


def _back_in_pool(aging: HistoryEntry) -> HistoryEntry:
    """Aging ends by the clock, not by a job: the moment is free_at, recorded in the aging event."""
    return HistoryEntry(_until(aging), BACK_IN_POOL, "clock", None, aging.request_id, {}, derived=True)
