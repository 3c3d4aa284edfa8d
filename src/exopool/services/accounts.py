"""Accounts: who owns numbers, in which cluster."""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import Connection, exc, insert, select

from exopool.clock import Clock
from exopool.config import CLUSTERS
from exopool.errors import Conflict, InvalidParameter, NotFound
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
        raise InvalidParameter(f"Account sid {sid!r} must be 1-64 letters, digits, '-' or '_'")
    if cluster not in CLUSTERS:
        raise InvalidParameter(f"Cluster {cluster!r} is not one of {', '.join(CLUSTERS)}")
    if not bounded_text("The account name", name, MAX_NAME).strip():
        raise InvalidParameter("The account name must not be blank")
    values = {"sid": sid, "name": name, "cluster": cluster, "country": parse_country(country),
              "status": "active", "created_at": clock.now()}
    try:
        with conn.begin_nested():
            conn.execute(insert(Account), values)
    except exc.IntegrityError as error:
        raise Conflict(f"Account {sid} already exists") from error
    return get_account(conn, sid)


def get_account(conn: Connection, sid: str) -> Any:
    row = conn.execute(select(Account).where(Account.sid == sid)).first()
    if row is None:
        raise NotFound(f"Account {sid} not found")
    return row


def list_accounts(conn: Connection) -> list[Any]:
    return list(conn.execute(select(Account).order_by(Account.sid)))


def set_account_status(conn: Connection, sid: str, status: str) -> Any:
    if status not in STATUSES:
        raise InvalidParameter(f"Status {status!r} is not one of {', '.join(STATUSES)}")
    account = get_account(conn, sid)
    conn.execute(Account.__table__.update().where(Account.id == account.id).values(status=status))
    return get_account(conn, sid)
