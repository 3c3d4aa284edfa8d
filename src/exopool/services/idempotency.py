"""Idempotency keys: the first answer to a keyed write, replayed to its repeats for a day."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Connection, delete, exc, insert, select

from exopool.errors import IdempotencyKeyReused, InvalidParameter
from exopool.models import IdempotencyRecord

KEY_LIFETIME = timedelta(hours=24)
MAX_KEY_LENGTH = 255


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
        raise InvalidParameter(f"Idempotency-Key must be 1 to {MAX_KEY_LENGTH} characters")
    return key


def find_idempotent_answer(conn: Connection, now: datetime, account_id: int, key: str, request_hash: str) -> Answer | None:
    """The answer already given under this key, None if there is none yet; 422 if the key was used otherwise."""
    row = conn.execute(
        select(IdempotencyRecord.request_hash, IdempotencyRecord.status, IdempotencyRecord.body,
               IdempotencyRecord.created_at)
        .where(IdempotencyRecord.account_id == account_id, IdempotencyRecord.key == key)
    ).first()
    if row is None or row.created_at <= now - KEY_LIFETIME:
        return None
    if row.request_hash != request_hash:
        raise IdempotencyKeyReused()
    return Answer(row.status, row.body)


def record_idempotent_answer(conn: Connection, now: datetime, account_id: int, key: str, request_hash: str,
                             answer: Answer) -> None:
    """Keep answer for repeats; the first of two concurrent requests with one key wins."""
    conn.execute(delete(IdempotencyRecord).where(IdempotencyRecord.created_at <= now - KEY_LIFETIME))
    try:
        with conn.begin_nested():
            conn.execute(insert(IdempotencyRecord).values(
                account_id=account_id, key=key, request_hash=request_hash, status=answer.status,
                body=answer.body, created_at=now))
    except exc.IntegrityError:
        pass
