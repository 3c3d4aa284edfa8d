"""Dashboard users: people who log in to one account with an email and a password."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, exc, insert, select, update

from exopool.clock import Clock
from exopool.db import Database, execute, first, one
from exopool.entities import Actor
from exopool.errors import Conflict, InvalidParameter
from exopool.models import Account, User
from exopool.services.accounts import get_account

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
MIN_PASSWORD = 8
MAX_PASSWORD = 1024
# Failures allowed before each further attempt must wait; the wait doubles with each failure.
FREE_FAILURES = 3
BACKOFF_BASE_S = 2
BACKOFF_MAX_S = 15 * 60

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

    def actor(self, request_id: str | None = None) -> Actor:
        return Actor(self.account_id, self.account_sid, self.cluster, self.country, None,
                     f"user:{self.email}", request_id)


@dataclass(frozen=True, slots=True)
class Login:
    """What a login attempt came to: a user, or how long to wait before the next try."""

    user: SessionUser | None
    retry_after_s: int = 0


_USER = (
    select(User.id, User.email, User.account_id, Account.sid.label("account_sid"),
           Account.name.label("account_name"), Account.cluster, Account.country,
           User.sessions_valid_after, User.password_hash, User.failed_logins, User.last_failed_at)
    .join(Account, Account.id == User.account_id)
)


def normalize_email(raw: str) -> str:
    return raw.strip().lower()


def checked_email(raw: str) -> str:
    """The email a user logs in with, normalized, or InvalidParameter."""
    email = normalize_email(raw)
    if not EMAIL.match(email) or len(email) > 320:
        raise InvalidParameter("email", f"{email!r} is not an email address")
    return email


def check_password(password: str, field: str = "password") -> None:
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise InvalidParameter(field, f"must be {MIN_PASSWORD} to {MAX_PASSWORD} characters long")


def create_user(conn: Connection, clock: Clock, account_sid: str, email: str, password: str) -> SessionUser:
    """A new user of the account's dashboard; the password is stored as an argon2 hash."""
    account = get_account(conn, account_sid)
    email = checked_email(email)
    check_password(password)
    values = {"account_id": account.id, "email": email, "password_hash": _hasher.hash(password),
              "failed_logins": 0, "created_at": clock.now()}
    try:
        with conn.begin_nested():
            execute(conn, insert(User).values(values))
    except exc.IntegrityError as error:
        raise Conflict(f"A user with email {email} already exists") from error
    return _session_user(one(conn, _USER.where(User.email == email)))


def get_session_user(conn: Connection, user_id: int) -> SessionUser | None:
    row = first(conn, _USER.where(User.id == user_id, Account.status == "active"))
    return _session_user(row) if row is not None else None


def log_in(db: Database, clock: Clock, email: str, password: str) -> Login:
    """Check an email and password; failures are counted per user and slow the next attempts.

    Takes the database rather than a connection: the argon2 check (a deliberately slow third of a
    second) runs between two short transactions, so it never holds a write lock. Call it in a thread.
    """
    row = db.transact(lambda conn: first(conn, _USER.where(User.email == normalize_email(email),
                                                           Account.status == "active")))
    if row is not None:
        wait = _wait_s(row.failed_logins, row.last_failed_at, clock.now())
        if wait > 0:
            return Login(None, wait)
    verified = _verifies(row.password_hash if row is not None else _dummy_hash(), password)
    if row is None:
        return Login(None)
    db.transact(_record_attempt, clock.now(), row.id, verified)
    return Login(_session_user(row) if verified else None)


def _record_attempt(conn: Connection, now: datetime, user_id: int, verified: bool) -> None:
    if verified:
        execute(conn, update(User).where(User.id == user_id, User.failed_logins != 0)
                .values(failed_logins=0, last_failed_at=None))
    else:
        execute(conn, update(User).where(User.id == user_id)
                .values(failed_logins=User.failed_logins + 1, last_failed_at=now))


def log_out(conn: Connection, clock: Clock, user_id: int) -> None:
    """Void every session of the user issued until now."""
    execute(conn, update(User).where(User.id == user_id).values(sessions_valid_after=clock.now()))


def backoff_s(failed_logins: int) -> int:
    """How long the next attempt must wait after this many failures in a row."""
    if failed_logins < FREE_FAILURES:
        return 0
    return int(min(BACKOFF_BASE_S * 2 ** (failed_logins - FREE_FAILURES), BACKOFF_MAX_S))


def _wait_s(failed_logins: int, last_failed_at: datetime | None, now: datetime) -> int:
    if last_failed_at is None:
        return 0
    remaining = last_failed_at + timedelta(seconds=backoff_s(failed_logins)) - now
    return max(0, int(remaining.total_seconds() + 0.999))


@functools.cache
def _dummy_hash() -> str:
    """Verified against when the email is unknown, so that answer takes as long as a wrong password."""
    return _hasher.hash("not a password anyone has")


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password[:MAX_PASSWORD])
    except (VerificationError, InvalidHashError):
        return False


def _session_user(row: Any) -> SessionUser:
    return SessionUser(row.id, row.email, row.account_id, row.account_sid, row.account_name,
                       row.cluster, row.country, row.sessions_valid_after)
