"""The operator's view of the pool: every number, whoever holds it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, case, func, select
from sqlalchemy.sql import ColumnElement

from exopool.db import rows
from exopool.db.dialects import number_contains
from exopool.lifecycle import NumberState
from exopool.models import Account, PhoneNumber
from exopool.text import storable_text


def effective_state(now: datetime) -> ColumnElement[str]:
    """The state as users see it: an aging number whose period is over is available."""
    over = and_(PhoneNumber.state == NumberState.AGING.value, PhoneNumber.free_at <= now)
    return case((over, NumberState.AVAILABLE.value), else_=PhoneNumber.state)


def list_numbers(
    conn: Connection, now: datetime, *, cluster: str | None = None, state: str | None = None,
    account_sid: str | None = None, limit: int = 100,
) -> list[Any]:
    """Numbers of the whole inventory, filtered, ordered by number."""
    current = effective_state(now).label("state")
    query = (
        select(PhoneNumber.sid, PhoneNumber.phone_number, PhoneNumber.cluster, PhoneNumber.number_type,
               PhoneNumber.region, current, Account.sid.label("account_sid"), PhoneNumber.free_at)
        .outerjoin(Account, Account.id == PhoneNumber.account_id)
        .order_by(PhoneNumber.phone_number)
        .limit(limit)
    )
    if cluster:
        query = query.where(PhoneNumber.cluster == cluster)
    if state:
        query = query.where(effective_state(now) == NumberState(state).value)
    if account_sid:
        query = query.where(Account.sid == account_sid)
    return rows(conn, query)


def count_numbers(conn: Connection) -> dict[str, int]:
    """How many numbers of the pool are in each (stored) lifecycle state."""
    counted = select(PhoneNumber.state, func.count().label("count")).group_by(PhoneNumber.state)
    return {row.state: row.count for row in rows(conn, counted)}


def pool_stats(conn: Connection, now: datetime, *, by_region: bool = False) -> list[Any]:
    """How many numbers there are per cluster, state (as users see it) and type, and region when asked."""
    state = effective_state(now).label("state")
    keys: list[Any] = [PhoneNumber.cluster, state, PhoneNumber.number_type]
    if by_region:
        keys.append(PhoneNumber.region)
    query = select(*keys, func.count().label("count")).group_by(*keys).order_by(*keys)
    return rows(conn, query)


def numbers_page(
    conn: Connection, now: datetime, *, cluster: str | None = None, state: str | None = None,
    account_sid: str | None = None, contains: str | None = None, after: str | None = None, limit: int = 100,
) -> list[Any]:
    """Numbers of the whole inventory in E.164 order after the number `after`, filtered."""
    current = effective_state(now)
    query = (
        select(PhoneNumber.sid, PhoneNumber.phone_number, PhoneNumber.cluster, PhoneNumber.country,
               PhoneNumber.number_type, PhoneNumber.region, current.label("state"),
               Account.sid.label("account_sid"), PhoneNumber.free_at, PhoneNumber.created_at)
        .outerjoin(Account, Account.id == PhoneNumber.account_id)
        .order_by(PhoneNumber.phone_number)
        .limit(limit)
    )
    if cluster:
        query = query.where(PhoneNumber.cluster == cluster)
    if state:
        query = query.where(current == NumberState(state).value)
    if account_sid:
        query = query.where(Account.sid == storable_text("account", account_sid))
    if contains:
        query = query.where(number_contains(conn, contains))
    if after is not None:
        query = query.where(PhoneNumber.phone_number > after)
    return rows(conn, query)
