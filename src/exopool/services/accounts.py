"""Accounts: who owns numbers, in which cluster."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, exc, insert, select, update

from exopool.clock import Clock
from exopool.config import CLUSTERS
from exopool.db import execute, first, rows
from exopool.errors import AccountNotFound, Conflict, InvalidParameter
from exopool.models import Account
from exopool.phone import parse_country
from exopool.text import bounded_text

ACCOUNT_SID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_NAME = 200  # accounts.name's length
STATUSES = ("active", "suspended")


def create_account(
    conn: Connection, clock: Clock, sid: str, name: str, cluster: str, country: str = "IN"
) -> Any:
    """A new account; its sid is the path segment clients use."""
    if not ACCOUNT_SID.match(sid):
        raise InvalidParameter("sid", f"{sid!r} must be 1-64 letters, digits, '-' or '_'")
    if cluster not in CLUSTERS:
        raise InvalidParameter("cluster", f"{cluster!r} is not one of {', '.join(CLUSTERS)}")
    if not bounded_text("name", name, MAX_NAME).strip():
        raise InvalidParameter("name", "must not be blank")
    values = {"sid": sid, "name": name, "cluster": cluster, "country": parse_country(country),
              "status": "active", "created_at": clock.now()}
    try:
        with conn.begin_nested():
            execute(conn, insert(Account).values(values))
    except exc.IntegrityError as error:
        raise Conflict(f"Account {sid} already exists") from error
    return get_account(conn, sid)


def get_account(conn: Connection, sid: str) -> Any:
    row = first(conn, select(Account).where(Account.sid == sid))
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
