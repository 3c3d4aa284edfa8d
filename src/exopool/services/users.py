"""Dashboard users: people who log in with an email and a password, to one account or, as operators, to all."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, and_, exc, insert, or_, select, update

from exopool.clock import Clock
from exopool.db import execute, first, one
from exopool.entities import Actor
from exopool.errors import Conflict, InvalidParameter
from exopool.models import Account, User
from exopool.services.accounts import get_account
from exopool.services.events import record_event
from exopool.text import is_storable

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024

# OWASP's minimum for argon2id (19 MiB, two passes): strong, and cheap enough not to stall a small server.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@dataclass(frozen=True, slots=True)
class SessionUser:
    """A logged-in person and the account they act for."""

    id: int
    email: str
    account_id: int
    account_sid: str
    account_name: str
    cluster: str
    country: str
    sessions_valid_after: datetime | None

    @classmethod
    def of(cls, row: Any) -> SessionUser:
        return cls(row.id, row.email, row.account_id, row.account_sid, row.account_name, row.cluster, row.country,
                   row.sessions_valid_after)

    def actor(self, request_id: str | None = None) -> Actor:
        return Actor(self.account_id, self.account_sid, self.cluster, self.country, None,
                     f"user:{self.email}", request_id)


@dataclass(frozen=True, slots=True)
class OperatorUser:
    """A logged-in operator: a person of no account, who sees the operator's pages of every account."""

    id: int
    email: str
    sessions_valid_after: datetime | None

    def actor(self, request_id: str | None = None) -> Actor:
        # user:EMAIL, as for an account's user: emails are unique among users, so the actor names one person.
        return Actor(label=f"user:{self.email}", request_id=request_id)


LoginUser = SessionUser | OperatorUser

_USER = (
    select(User.id, User.email, User.account_id, Account.sid.label("account_sid"),
           Account.name.label("account_name"), Account.cluster, Account.country,
           User.sessions_valid_after, User.password_hash, User.operator)
    .outerjoin(Account, Account.id == User.account_id)
)
# Who may log in: an operator (of no account), or the user of an account that is not suspended.
_MAY_LOG_IN = or_(and_(User.operator.is_(True), User.account_id.is_(None)), Account.status == "active")


def login_user_of(row: Any) -> LoginUser:
    """A user row as who logs in: an operator, or an account's user."""
    if row.operator and row.account_id is None:
        return OperatorUser(row.id, row.email, row.sessions_valid_after)
    return SessionUser.of(row)


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def checked_email(raw: str) -> str:
    """The email a user logs in with, normalized, or InvalidParameter."""
    email = normalize_email(raw)
    if not EMAIL.match(email) or len(email) > 320 or not is_storable(email):
        raise InvalidParameter("email", f"{email!r} is not an email address")
    return email


def check_password(password: str, field: str = "password") -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidParameter(field, f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long")


def create_user(conn: Connection, clock: Clock, account_sid: str, email: str, password: str,
                actor: Actor | None = None) -> SessionUser:
    """A new user of the account's dashboard; the password is stored as an argon2 hash.

    Recorded as an event when an actor is named.
    """
    account = get_account(conn, account_sid)
    _insert_user(conn, clock, email, password, account_id=account.id)
    user = SessionUser.of(one(conn, _USER.where(User.email == checked_email(email))))
    if actor is not None:
        record_event(conn, clock.now(), "user.created", actor, account_id=account.id, data={"email": user.email})
    return user


def create_operator_user(conn: Connection, clock: Clock, email: str, password: str) -> str:
    """A dashboard user of no account who sees the operator's pages; their email."""
    return _insert_user(conn, clock, email, password, account_id=None, operator=True)


def _insert_user(conn: Connection, clock: Clock, email: str, password: str, *, account_id: int | None,
                 operator: bool = False) -> str:
    email = checked_email(email)
    check_password(password)
    values = {"account_id": account_id, "email": email, "password_hash": _hasher.hash(password),
              "created_at": clock.now(), "operator": operator}
    try:
        with conn.begin_nested():
            execute(conn, insert(User).values(values))
    except exc.IntegrityError as error:
        raise Conflict(f"A user with email {email} already exists") from error
    return email


def get_session_user(conn: Connection, user_id: int) -> LoginUser | None:
    row = first(conn, _USER.where(User.id == user_id, _MAY_LOG_IN))
    return login_user_of(row) if row is not None else None


def log_out(conn: Connection, clock: Clock, user_id: int) -> None:
    """Void every session of the user issued until now."""
    execute(conn, update(User).where(User.id == user_id).values(sessions_valid_after=clock.now()))


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so that answer takes as long as a wrong password."""
    return _hasher.hash("not a password anyone has")


def verify_password(password_hash: str | None, password: str) -> bool:
    """Whether password is the one hashed; with no hash (no such user), as long to say no."""
    try:
        return _hasher.verify(password_hash or _dummy_hash(), password[:MAX_PASSWORD]) and password_hash is not None
    except (VerificationError, InvalidHashError):
        return False


def find_login_user(conn: Connection, email: str) -> Any:
    """The user who may log in with this email (see _MAY_LOG_IN), with their password hash; None if none."""
    normalized = normalize_email(email)
    if not is_storable(normalized):
        return None  # no such email can exist, and PostgreSQL refuses a NUL in a statement
    return first(conn, _USER.where(User.email == normalized, _MAY_LOG_IN))
