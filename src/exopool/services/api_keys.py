"""API keys: the key is the public lookup id; only an HMAC of the token is stored."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from exopool.clock import Clock
from exopool.config import CLUSTER_HOSTS
from exopool.db import Prepared, execute, first, rows, transaction_memo
from exopool.entities import Actor
from exopool.errors import AccountSuspended, ApiKeyNotFound, Unauthorized
from exopool.ids import new_api_key, new_api_token
from exopool.models import Account, ApiKey
from exopool.services.accounts import get_account
from exopool.services.events import record_event
from exopool.text import bounded_text, is_storable

LAST_USED_RESOLUTION = timedelta(seconds=60)
MAX_LABEL = 200  # api_keys.label's length
# Compared against when the key is unknown, so that a 401 costs the same either way.
_DUMMY_HMAC = "0" * 64

_LOOKUP = Prepared(
    select(
        ApiKey.id, ApiKey.token_hmac, ApiKey.revoked_at, ApiKey.last_used_at,
        Account.id.label("account_id"), Account.sid.label("account_sid"),
        Account.cluster, Account.country, Account.status,
    )
    .join(Account, Account.id == ApiKey.account_id)
    .where(ApiKey.key == bindparam("key"))
)
_TOUCH = Prepared(update(ApiKey).where(ApiKey.id == bindparam("b_id")).values(last_used_at=bindparam("b_now")))


@dataclass(frozen=True)
class IssuedKey:
    key: str
    token: str
    label: str
    account_sid: str
    created_at: datetime


def hash_token(secret: str, token: str) -> str:
    return hmac.new(secret.encode(), token.encode(), hashlib.sha256).hexdigest()


def create_api_key(
    conn: Connection, clock: Clock, secret: str, account_sid: str, label: str = "",
    actor: Actor | None = None, *, key: str | None = None, token: str | None = None,
) -> IssuedKey:
    """A new key and token for an account; the token is returned here and never again."""
    bounded_text("label", label, MAX_LABEL)
    account = get_account(conn, account_sid)
    key, token, now = key or new_api_key(), token or new_api_token(), clock.now()
    execute(conn, insert(ApiKey).values(key=key, token_hmac=hash_token(secret, token), account_id=account.id,
                                        label=label, created_at=now))
    record_event(conn, now, "api_key.created", actor or Actor(label="cli"), account_id=account.id,
                 data={"key": key, "label": label})
    return IssuedKey(key, token, label, account.sid, now)


def revoke_api_key(
    conn: Connection, clock: Clock, key: str, actor: Actor | None = None, *, account_id: int | None = None
) -> Any:
    """Revoke a key at once; limited to one account's keys when account_id is given."""
    query = select(ApiKey).where(ApiKey.key == key)
    if account_id is not None:
        query = query.where(ApiKey.account_id == account_id)
    row = first(conn, query) if is_storable(key) else None
    if row is None:
        raise ApiKeyNotFound(key)
    now = clock.now()
    execute(conn, update(ApiKey).where(ApiKey.id == row.id, ApiKey.revoked_at.is_(None)).values(revoked_at=now))
    record_event(conn, now, "api_key.revoked", actor or Actor(label="cli"), account_id=row.account_id,
                 data={"key": key})
    return row


def list_api_keys(conn: Connection, account_id: int) -> list[Any]:
    return rows(conn, select(ApiKey).where(ApiKey.account_id == account_id).order_by(ApiKey.id))


def authenticate(
    conn: Connection, now: datetime, secret: str, key: str, token: str, account_sid: str, cluster: str,
    request_id: str | None = None,
) -> Actor:
    """The actor behind a key and token, if they are valid for this account in this cluster.

    Every failure is the same 401, and the HMAC is compared even for an unknown key. The 401
    records which part did not match (its `reason`), for an edge that may say so (the sandbox).
    """
    row, token_ok = _checked(conn, secret, key, token)
    reason = _mismatch(key, row, token_ok, account_sid, cluster)
    if reason is not None:
        raise Unauthorized(reason=reason)
    if row.status != "active":
        raise AccountSuspended(account_sid)
    if row.last_used_at is None or now - row.last_used_at > LAST_USED_RESOLUTION:
        execute(conn, _TOUCH, b_id=row.id, b_now=now)
        transaction_memo(conn)[_CHECKS, key, token] = (row._replace(last_used_at=now), token_ok)
    return Actor(row.account_id, row.account_sid, row.cluster, row.country, key, f"key:{key}", request_id)


def _mismatch(key: str, row: Any, token_ok: bool, account_sid: str, cluster: str) -> str | None:
    """Which part of the credentials does not match, in a sentence; None when they all do."""
    if not key:
        return "the request carries no credentials: send the API key as the user name and its token as the password"
    if row is None:
        return f"there is no API key {key}"
    if not token_ok:
        return f"the token is not the token of API key {key}"
    if row.revoked_at is not None:
        return f"API key {key} was revoked"
    if row.account_sid != account_sid:
        return f"API key {key} belongs to account {row.account_sid}, not to account {account_sid} of the path"
    if row.cluster != cluster:
        return (f"account {account_sid} is in cluster {row.cluster}, and this host selects cluster {cluster}: "
                f"send Host: {CLUSTER_HOSTS[row.cluster]}")
    return None


def _checked(conn: Connection, secret: str, key: str, token: str) -> tuple[Any, bool]:
    """The key's row and whether token is its token, looked up once per transaction.

    A batch of requests sharing a transaction (group commit) mostly carries one client's key;
    within one transaction the key's row cannot change under it, so later units reuse the check.
    """
    memo = transaction_memo(conn)
    found: tuple[Any, bool] | None = memo.get((_CHECKS, key, token))
    if found is None:
        row = first(conn, _LOOKUP, key=key)
        expected = row.token_hmac if row is not None else _DUMMY_HMAC
        found = memo[_CHECKS, key, token] = (row, hmac.compare_digest(expected, hash_token(secret, token)))
    return found


_CHECKS = "api_key"
