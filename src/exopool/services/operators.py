"""Operators: the people (or systems) who run the service through the admin API.

An operator token has no public part: it is looked up by its HMAC, which only this instance's
secret key can compute, and is shown once, when created.
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, exc, insert, select, update

from exopool.clock import Clock
from exopool.db import execute, first, rows
from exopool.entities import Actor
from exopool.errors import Conflict, InvalidParameter, NotFound, Unauthorized
from exopool.models import Operator
from exopool.services.api_keys import LAST_USED_RESOLUTION, hash_token
from exopool.services.events import record_event
from exopool.text import is_storable

OPERATOR_NAME = re.compile(r"^[A-Za-z0-9_.@-]{1,64}$")
TOKEN_PREFIX = "exo_op_"


@dataclass(frozen=True)
class IssuedOperator:
    name: str
    token: str
    created_at: datetime


class OperatorNotFound(NotFound):
    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"Operator {name} not found")


def operator_actor(name: str, request_id: str | None = None) -> Actor:
    """Who an operator's changes are recorded as: no account, its name as the actor."""
    return Actor(label=f"operator:{name}", request_id=request_id)


def create_operator(
    conn: Connection, clock: Clock, secret: str, name: str, actor: Actor | None = None
) -> IssuedOperator:
    """A new operator and its token, returned here and never again."""
    if not OPERATOR_NAME.match(name):
        raise InvalidParameter("name", f"{name!r} must be 1-64 letters, digits, '.', '@', '-' or '_'")
    token, now = TOKEN_PREFIX + secrets.token_hex(24), clock.now()
    try:
        with conn.begin_nested():
            execute(conn, insert(Operator).values(name=name, token_hmac=hash_token(secret, token), created_at=now))
    except exc.IntegrityError as error:
        raise Conflict(f"Operator {name} already exists") from error
    record_event(conn, now, "operator.created", actor or Actor(label="cli"), data={"name": name})
    return IssuedOperator(name, token, now)


def list_operators(conn: Connection) -> list[Any]:
    return rows(conn, select(Operator.name, Operator.created_at, Operator.last_used_at, Operator.revoked_at)
                .order_by(Operator.name))


def revoke_operator(conn: Connection, clock: Clock, name: str, actor: Actor | None = None) -> None:
    """Revoke the operator's token at once; its name stays taken, so the log keeps meaning one party."""
    found = first(conn, select(Operator.id).where(Operator.name == name)) if is_storable(name) else None
    if found is None:
        raise OperatorNotFound(name)
    now = clock.now()
    execute(conn, update(Operator).where(Operator.id == found.id, Operator.revoked_at.is_(None))
            .values(revoked_at=now))
    record_event(conn, now, "operator.revoked", actor or Actor(label="cli"), data={"name": name})


def authenticate_operator(conn: Connection, now: datetime, secret: str, token: str,
                          request_id: str | None = None) -> Actor:
    """The operator a Bearer token belongs to, as an actor; every failure is the same 401."""
    if not token or not is_storable(token):
        raise Unauthorized("Send an operator token: Authorization: Bearer TOKEN")
    # Looked up by the HMAC itself: a caller cannot choose its bits, so the look-up's timing tells nothing.
    row = first(conn, select(Operator).where(Operator.token_hmac == hash_token(secret, token)))
    if row is None or row.revoked_at is not None:
        raise Unauthorized("The operator token is not valid")
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        execute(conn, update(Operator).where(Operator.id == row.id).values(last_used_at=now))
    return operator_actor(row.name, request_id)
