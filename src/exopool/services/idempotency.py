"""Idempotency keys: a keyed write runs once, and its answer is replayed to its repeats for a day.

The key is claimed in the transaction of the write it guards, before the write runs, and the
answer is kept in that same transaction: a repeat either finds the answer committed with the
write, or (on PostgreSQL, arriving while the first is still running) waits for the first to
commit and then finds it. The write never runs twice, and a repeat never gets another answer.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, select, text, update

from exopool.db import Prepared, execute, first
from exopool.errors import IdempotencyKeyReused, InvalidParameter
from exopool.models import IdempotencyRecord

KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255
# The same text on SQLite and PostgreSQL. On PostgreSQL a concurrent claim of the same key waits
# here until the first transaction ends: then it inserts nothing if the first committed.
_CLAIM = Prepared(text(
    "INSERT INTO idempotency_keys (account_id, key, request_hash, status, body, created_at) "
    "VALUES (:account_id, :key, :request_hash, 0, '', :created_at) "
    "ON CONFLICT (account_id, key) DO NOTHING RETURNING id"
))


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: str


def fingerprint(method: str, path: str, query: bytes, body: bytes) -> str:
    """What makes two requests "the same request": method, path, query and body, byte for byte."""
    digest = hashlib.sha256()
    for part in (method.encode(), path.encode(), query, body):
        digest.update(len(part).to_bytes(8, "big"))
        digest.update(part)
    return digest.hexdigest()


def validate_key(key: str) -> str:
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise InvalidParameter("idempotency_key", f"must be 1 to {MAX_KEY_LENGTH} characters")
    return key


def claim_idempotency_key(
    conn: Connection, now: datetime, account_id: int, key: str, request_hash: str,
) -> Answer | None:
    """Claim the key for the write about to run (None), or the answer already given under it.

    IdempotencyKeyReused (422) if the key was used with another request; a key older than a day is
    free again.
    """
    _forget_expired(conn, now, account_id, key)
    if first(conn, _CLAIM, account_id=account_id, key=key, request_hash=request_hash, created_at=now) is not None:
        return None
    held = first(conn, select(IdempotencyRecord.request_hash, IdempotencyRecord.status, IdempotencyRecord.body)
                 .where(IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key))
    if held is None:  # expired and removed by a concurrent request meanwhile: a rare race, decided by retrying
        return claim_idempotency_key(conn, now, account_id, key, request_hash)
    if held.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return Answer(held.status, held.body)


def keep_idempotent_answer(conn: Connection, account_id: int, key: str, answer: Answer | None) -> None:
    """Keep the answer of the write that claimed the key; None gives the key back (an answer worth retrying)."""
    where = (IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key)
    if answer is None:
        execute(conn, delete(IdempotencyRecord).where(*where))
    else:
        execute(conn, update(IdempotencyRecord).where(*where).values(status=answer.status, body=answer.body))


def _forget_expired(conn: Connection, now: datetime, account_id: int, key: str) -> None:
    """Drop this key's record if it is past its lifetime, and every other expired one with it."""
    execute(conn, delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= now - KEY_LIFETIME))
