"""Logging in to the dashboard: a throttle per email, counted before the password is checked.

The throttle is keyed by an HMAC of the email, whether or not anyone has that email, so a wrong
email and a wrong password get the same answers in the same order: FREE_FAILURES attempts, then a
wait that doubles with each failure. An attempt claims its place in the count in a transaction of
its own before the (slow, deliberately) password check, so attempts sent at once cannot all slip
past the count: each one sees the ones claimed before it.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, text, update

from exopool.clock import Clock
from exopool.db import Database, Prepared, execute, first
from exopool.models import LoginThrottle
from exopool.services.users import LoginUser, find_login_user, login_user_of, verify_password

FREE_FAILURES = 3  # attempts before each further one must wait
BACKOFF_BASE_S = 2
BACKOFF_MAX_S = 15 * 60
FORGET_AFTER = timedelta(days=1)  # a throttle untouched this long is dropped
_START = Prepared(text("INSERT INTO login_throttles (key, failures, updated_at) VALUES (:key, 0, :now) "
                       "ON CONFLICT (key) DO NOTHING"))


@dataclass(frozen=True, slots=True)
class Login:
    """What a login attempt came to: a user, or how long to wait before the next try."""

    user: LoginUser | None
    retry_after_s: int = 0


def throttle_key(secret: str, email: str) -> str:
    return hmac.new(secret.encode(), b"login:" + email.strip().lower().encode("utf-8", "replace"),
                    hashlib.sha256).hexdigest()


def backoff_s(failures: int) -> int:
    """How long the next attempt must wait after this many failures in a row."""
    if failures < FREE_FAILURES:
        return 0
    return int(min(BACKOFF_BASE_S * 2 ** (failures - FREE_FAILURES), BACKOFF_MAX_S))


def log_in(db: Database, clock: Clock, secret: str, email: str, password: str) -> Login:
    """Check an email and password, as the throttle allows.

    Takes the database rather than a connection: the argon2 check (a deliberately slow fraction of
    a second) runs between short transactions, never holding a write lock. Call it in a thread.
    """
    key = throttle_key(secret, email)
    wait = db.transact(claim_login_attempt, clock.now(), key)
    if wait:
        return Login(None, wait)
    row = db.transact(find_login_user, email)
    if verify_password(row.password_hash if row is not None else None, password) and row is not None:
        db.transact(clear_login_attempts, clock.now(), key)
        return Login(login_user_of(row))
    return Login(None)


def claim_login_attempt(conn: Connection, now: datetime, key: str) -> int:
    """Count an attempt before its check: 0 if it may go ahead, else the seconds it must wait.

    The count moves from what was read to one more, guarded on what was read, so an attempt that
    raced another sees the other's count (and its wait) instead of slipping past it.
    """
    execute(conn, _START, key=key, now=now)
    for _ in range(3):
        held = first(conn, select(LoginThrottle.failures, LoginThrottle.locked_until).where(LoginThrottle.key == key))
        if held.locked_until is not None and held.locked_until > now:
            return max(1, int((held.locked_until - now).total_seconds() + 0.999))
        wait = backoff_s(held.failures + 1)
        claimed = execute(conn, update(LoginThrottle).where(
            LoginThrottle.key == key, LoginThrottle.failures == held.failures,
        ).values(failures=held.failures + 1, locked_until=now + timedelta(seconds=wait) if wait else None,
                 updated_at=now))
        if claimed == 1:
            return 0
    return 1  # attempts of this email keep arriving together: this one waits a second


def clear_login_attempts(conn: Connection, now: datetime, key: str) -> None:
    """A right password: the email starts afresh; throttles nobody touched for a day go too."""
    execute(conn, update(LoginThrottle).where(LoginThrottle.key == key)
            .values(failures=0, locked_until=None, updated_at=now))
    execute(conn, delete(LoginThrottle).where(LoginThrottle.updated_at < now - FORGET_AFTER))
