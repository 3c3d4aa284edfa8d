"""Accounts: who owns numbers, in which cluster."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, and_, exc, func, insert, select, update

from exopool.clock import Clock
from exopool.config import CLUSTERS
from exopool.db import execute, first, rows
from exopool.entities import Actor
from exopool.errors import AccountNotFound, Conflict, InvalidParameter
from exopool.lifecycle import NumberState
from exopool.models import Account, PhoneNumber
from exopool.phone import parse_country
from exopool.services.events import record_event
from exopool.text import bounded_text, is_storable

ACCOUNT_SID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_NAME = 200  # accounts.name's length
STATUSES = ("active", "suspended")


def create_account(
    conn: Connection, clock: Clock, sid: str, name: str, cluster: str, country: str = "IN",
    actor: Actor | None = None,
) -> Any:
    """A new account; its sid is the path segment clients use. Recorded as an event when an actor is named."""
    if not ACCOUNT_SID.match(sid):
        raise InvalidParameter("sid", f"{sid!r} must be 1-64 letters, digits, '-' or '_'")
    if cluster not in CLUSTERS:
        raise InvalidParameter("cluster", f"{cluster!r} is not one of {', '.join(CLUSTERS)}")
    if not bounded_text("name", name, MAX_NAME).strip():
        raise InvalidParameter("name", "must not be blank")
    now = clock.now()
    values = {"sid": sid, "name": name, "cluster": cluster, "country": parse_country(country),
              "status": "active", "created_at": now}
    try:
        with conn.begin_nested():
            execute(conn, insert(Account).values(values))
    except exc.IntegrityError as error:
        raise Conflict(f"Account {sid} already exists") from error
    account = get_account(conn, sid)
    if actor is not None:
        record_event(conn, now, "account.created", actor, account_id=account.id,
                     data={"sid": sid, "name": name, "cluster": cluster})
    return account


def get_account(conn: Connection, sid: str) -> Any:
    row = first(conn, select(Account).where(Account.sid == sid)) if is_storable(sid) else None
    if row is None:
        raise AccountNotFound(sid)
    return row


def list_accounts(conn: Connection) -> list[Any]:
    return rows(conn, select(Account).order_by(Account.sid))


def set_account_status(conn: Connection, sid: str, status: str) -> Any:
    if status not in STATUSES:
        raise InvalidParameter("status", f"{status!r} is not one of {', '.join(STATUSES)}")
    account = get_account(conn, sid)
    execute(conn, update(Account).where(Account.id == account.id).values(status=status))
    return get_account(conn, sid)


def update_account(conn: Connection, clock: Clock, actor: Actor, sid: str, *, name: str | None = None,
                   status: str | None = None) -> Any:
    """Rename, suspend or resume an account; a suspended account's keys are refused from its next request."""
    if name is not None and not bounded_text("name", name, MAX_NAME).strip():
        raise InvalidParameter("name", "must not be blank")
    before = get_account(conn, sid)
    if status is not None:
        set_account_status(conn, sid, status)
    if name is not None:
        execute(conn, update(Account).where(Account.id == before.id).values(name=name))
    now = clock.now()
    if status is not None and status != before.status:
        record_event(conn, now, "account.suspended" if status == "suspended" else "account.resumed", actor,
                     account_id=before.id)
    if name is not None and name != before.name:
        record_event(conn, now, "account.renamed", actor, account_id=before.id, data={"name": name})
    return get_account(conn, sid)


def _held() -> Any:
    """How many numbers each account holds, as a correlated count."""
    return (select(func.count()).where(and_(PhoneNumber.account_id == Account.id,
                                            PhoneNumber.state == NumberState.ACTIVE.value))
            .scalar_subquery().label("numbers_held"))


def accounts_page(conn: Connection, *, after: str | None = None, limit: int = 100) -> list[Any]:
    """Accounts in sid order after the sid `after`, each with how many numbers it holds."""
    query = select(Account, _held()).order_by(Account.sid).limit(limit)
    if after is not None:
        query = query.where(Account.sid > after)
    return rows(conn, query)


def account_with_counts(conn: Connection, sid: str) -> Any:
    row = first(conn, select(Account, _held()).where(Account.sid == sid)) if is_storable(sid) else None
    if row is None:
        raise AccountNotFound(sid)
    return row
