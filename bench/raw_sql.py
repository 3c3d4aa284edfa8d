"""The ceiling for any Python server's release: exopool's SQL with nothing of exopool around it.

    python bench/raw_sql.py PORT   (EXOPOOL_DATABASE_URL and EXOPOOL_SECRET_KEY as for exopool)

A plain ASGI callable, served by uvicorn with exopool's options like bench/bare.py, that answers
each `DELETE .../Accounts/{sid}/IncomingPhoneNumbers/{number_sid}` with the SQL text exopool's
services compile (the key lookup, the conditional UPDATE, the event, the release job, the
listing bucket), bound by hand on a bare `sqlite3` connection with exopool's pragmas. Requests
of one loop turn share a transaction and its COMMIT runs on a thread, as in exopool's group
commit; the WAL is checkpointed on a thread and kept near its limit by holding the writer slot,
as in exopool (without the limit the log grew by ~100 MB/s, gigabytes per benchmark, and its
writeback slowed the other servers' runs). Nothing else: no SQLAlchemy, no
services, no unit of work, no request id, log line, metrics, routing or error shapes. Its
requests/s bound what any Python server can do with this schema's release on this machine.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import hmac
import sqlite3
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from ceiling import release_app, serve
from exopool.config import Settings
from exopool.db.checkpoint import Checkpointer
from exopool.db.writer import WriterSlot
from exopool.services import api_keys, events, listing, phone_numbers, releases

DIALECT = create_engine("sqlite://").dialect


def compiled(prepared: Any) -> tuple[str, tuple[tuple[str, Any], ...], dict[str, Any]]:
    """exopool's SQL text for a prepared statement, its parameters in order with their conversions,
    and the values the statement itself fixes."""
    found = prepared._compiled_for(DIALECT)
    return found.sql, found.plan, dict(found.fixed)


LOOKUP, RELEASE = compiled(api_keys._LOOKUP), compiled(phone_numbers._RELEASE["sid"])
EVENT, JOB, COUNT_OUT = compiled(events._INSERT_WITHOUT_DATA), compiled(releases._QUEUE), compiled(listing._COUNT_OUT)


def bound(statement: tuple[str, tuple[tuple[str, Any], ...], dict[str, Any]], **values: Any) -> tuple[Any, ...]:
    values = {**statement[2], **values}
    return tuple([values[name] if convert is None else convert(values[name]) for name, convert in statement[1]])


PRAGMAS = ("journal_mode=WAL", "synchronous=FULL", "foreign_keys=ON", "wal_autocheckpoint=0")


def write_release(conn: sqlite3.Connection, now: datetime, key: str, account: int, sid: str,
                  leave_out: frozenset[str] = frozenset()) -> bool:
    """The release's writes for an authenticated key: the UPDATE, then the event, the job and the
    bucket unless named in leave_out (bench/statements.py times each); False when nothing was released."""
    released = conn.execute(RELEASE[0], bound(RELEASE, b_ref=sid, b_account=account, b_now=now)).fetchone()
    if released is None:
        return False
    number_id, number_sid, number, ordinal = released
    if "event" not in leave_out:
        conn.execute(EVENT[0], bound(
            EVENT, at=now, kind="number.release_accepted", account_id=account, number_id=number_id,
            phone_number=number, number_sid=number_sid, api_key=key, actor=f"key:{key}", request_id="-"))
    if "job" not in leave_out:
        conn.execute(JOB[0], bound(
            JOB, sid=number_sid, number_id=number_id, phone_number=number, account_id=account, state="queued",
            attempts=0, next_attempt_at=now, request_id="-", created_at=now, updated_at=now))
    if "bucket" not in leave_out:
        conn.execute(COUNT_OUT[0], bound(COUNT_OUT, b_account=account, b_bucket=ordinal // listing.BUCKET,
                                                 b_slot=ordinal % listing.SLOTS))
    return True


class Releases:
    """One connection; each loop turn's releases in one transaction, committed on a thread."""

    def __init__(self, path: str, secret: str, writer: WriterSlot, wal_limit_bytes: int) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in (*PRAGMAS, f"journal_size_limit={wal_limit_bytes}"):
            self.conn.execute(f"PRAGMA {pragma}")
        self.secret, self.writer, self.pending, self.committing = secret, writer, [], False
        self.committer = concurrent.futures.ThreadPoolExecutor(1)

    async def release(self, key: str, token: str, account: str, sid: str) -> int:
        loop = asyncio.get_running_loop()
        future = loop.create_future()
        if not self.pending and not self.committing:
            loop.call_soon(self.flush)
        self.pending.append((key, token, account, sid, future))
        return await future

    def flush(self) -> None:
        if self.committing or not self.pending:
            return
        batch, self.pending, self.committing = self.pending, [], True
        self.writer.take()  # given back by the commit thread, as exopool's group commit does
        self.conn.execute("BEGIN IMMEDIATE")
        statuses = [self.one(*unit[:4]) for unit in batch]
        loop = asyncio.get_running_loop()

        def commit() -> None:
            try:
                self.conn.execute("COMMIT")
                answered = statuses
            except sqlite3.Error:  # nothing of the batch is durable: every request is an error, not a hang
                self.conn.execute("ROLLBACK")
                answered = [503] * len(batch)
            finally:
                self.writer.give_back()
            loop.call_soon_threadsafe(self.committed, batch, answered)

        self.committer.submit(commit)

    def one(self, key: str, token: str, account: str, sid: str) -> int:
        now = datetime.now(UTC).replace(tzinfo=None)
        row = self.conn.execute(LOOKUP[0], bound(LOOKUP, key=key)).fetchone()
        if row is None or not hmac.compare_digest(row[1], api_keys.hash_token(self.secret, token)) \
                or row[2] is not None or row[5] != account or row[8] != "active":
            return 401
        return 202 if write_release(self.conn, now, key, row[4], sid) else 404

    def committed(self, batch: list[Any], statuses: list[int]) -> None:
        self.committing = False
        for (*_, future), status in zip(batch, statuses, strict=True):
            if not future.done():
                future.set_result(status)
        if self.pending:
            asyncio.get_running_loop().call_soon(self.flush)


def make_app(settings: Settings):  # type: ignore[no-untyped-def]
    path = str(make_url(settings.database_url).database)
    writer = WriterSlot()
    checkpointer = Checkpointer(path, writer=writer, limit_bytes=settings.sqlite_wal_limit_bytes)
    releases = Releases(path, settings.secret_key, writer, settings.sqlite_wal_limit_bytes)
    return release_app(releases.release, checkpointer.start, checkpointer.stop)


if __name__ == "__main__":
    serve(make_app(Settings.from_env()))
