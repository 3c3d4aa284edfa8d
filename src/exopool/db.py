"""The database: engine, transactions, SQLite pragmas, and the seam for engine-specific SQL."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Connection, Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from exopool.checkpoint import Checkpointer
from exopool.config import Settings
from exopool.errors import ServiceUnavailable
from exopool.group_commit import GroupCommit

T = TypeVar("T")


class Database:
    """One engine and how to run work in a transaction on it."""

    def __init__(self, settings: Settings, *, background_checkpoints: bool = False) -> None:
        """background_checkpoints: on a SQLite file, checkpoint the WAL on a thread, never in a commit."""
        self.settings = settings
        self.url = make_url(settings.database_url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        file = self.url.database if self.is_sqlite and self.url.database not in (None, "", ":memory:") else None
        # SQLite has one writer at a time; in-process writers queue on this slot, not in SQLite's
        # busy handler, whose growing sleeps stalled the event loop long after the lock was free.
        self._writer = WriterSlot()
        self.checkpointer = (Checkpointer(file, writer=self._writer, limit_bytes=settings.sqlite_wal_limit_bytes)
                             if background_checkpoints and file else None)
        self.engine = _create_engine(settings, self.is_sqlite, checkpoints_elsewhere=self.checkpointer is not None)
        self._one_writer: AbstractContextManager[Any] = self._writer if self.is_sqlite else nullcontext()
        self._inline = GroupCommit(self.engine, self._writer)
        self._limiter: anyio.CapacityLimiter | None = None
        self._limited_loop: asyncio.AbstractEventLoop | None = None

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction, committed on success; an unreachable database is a 503."""
        try:
            with self._one_writer, self.engine.begin() as conn:
                yield conn
        except exc.OperationalError as error:
            if _is_unreachable(error):
                raise ServiceUnavailable() from error
            raise
        except (exc.InterfaceError, exc.TimeoutError) as error:
            raise ServiceUnavailable() from error

    def transact(self, work: Callable[..., T], *args: object) -> T:
        with self.begin() as conn:
            return work(conn, *args)

    async def run(self, work: Callable[..., T], *args: object) -> T:
        """Run work(conn, *args) in a transaction: inline on SQLite (microseconds), in a thread elsewhere.

        On SQLite the units submitted in one turn of the event loop share a transaction (group commit),
        and a unit may run twice (see group_commit): work must change nothing but the database.
        """
        if self.is_sqlite:
            return await self._inline.run(work, *args)
        return await anyio.to_thread.run_sync(self.transact, work, *args, limiter=self._threads())

    def _threads(self) -> anyio.CapacityLimiter:
        """At most a pool's worth of transactions in threads; other callers wait on the event loop.

        Without it, up to 40 threads took turns on 10 pooled connections and the GIL, and their
        wake-ups cost more than the queries: 1.1k -> 1.6k releases/s on PostgreSQL.
        """
        loop, limiter = asyncio.get_running_loop(), self._limiter
        if limiter is None or self._limited_loop is not loop:  # a limiter's waiters belong to one event loop
            limiter = self._limiter = anyio.CapacityLimiter(self.settings.database_pool_size)
            self._limited_loop = loop
        return limiter

    def start(self) -> None:
        """Start the background work this database was made with (the WAL checkpoints)."""
        if self.checkpointer is not None:
            self.checkpointer.start()

    def dispose(self) -> None:
        self._inline.close()
        self.engine.dispose()
        if self.checkpointer is not None:
            self.checkpointer.stop()


class WriterSlot:
    """The process's one SQLite writer.

    As a context manager it is held by one thread for one transaction, and a thread already
    holding it may enter again (a transaction that calls code opening its own). Group commit
    takes it on the event loop's thread and its commit thread gives it back, so it is a plain
    lock, not an RLock, which only its owner may release.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._depth = threading.local()

    def take(self) -> None:
        self._lock.acquire()

    def give_back(self) -> None:
        self._lock.release()

    def __enter__(self) -> None:
        depth = getattr(self._depth, "n", 0)
        if depth == 0:
            self.take()
        self._depth.n = depth + 1

    def __exit__(self, *exc: object) -> None:
        self._depth.n -= 1
        if self._depth.n == 0:
            self.give_back()


def _create_engine(settings: Settings, is_sqlite: bool, *, checkpoints_elsewhere: bool = False) -> Engine:
    if not is_sqlite:
        return _create_server_engine(settings)
    url = make_url(settings.database_url)
    if url.database and url.database != ":memory:":
        Path(url.database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(settings.database_url, connect_args={"check_same_thread": False, "timeout": 30})
    synchronous = settings.sqlite_synchronous.upper()

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn, _record):  # type: ignore[no-untyped-def]
        # Let SQLAlchemy own transactions: BEGIN IMMEDIATE below takes the write lock up front,
        # so two writers never deadlock upgrading a read lock.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        if checkpoints_elsewhere:
            cursor.execute("PRAGMA wal_autocheckpoint=0")
            # When the log starts over, a file grown past the limit by a burst is cut back to it.
            cursor.execute(f"PRAGMA journal_size_limit={settings.sqlite_wal_limit_bytes}")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(conn):  # type: ignore[no-untyped-def]
        # Straight on the driver: through SQLAlchemy this one statement cost ~10% of a request.
        conn.connection.dbapi_connection.execute("BEGIN IMMEDIATE")

    return engine


def _create_server_engine(settings: Settings) -> Engine:
    """A pooled engine for a database server: stale connections are replaced, waits are bounded.

    pool_pre_ping tests each connection as it leaves the pool, so after the server restarts the
    first request gets a fresh connection instead of an error; the timeouts make an unreachable
    server a quick 503 rather than a hung request.
    """
    timeout = settings.database_timeout_s
    return create_engine(
        settings.database_url, pool_pre_ping=True, pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size, pool_timeout=timeout, pool_recycle=1800,
        connect_args={"connect_timeout": max(1, round(timeout)), "application_name": "exopool",
                      "options": f"-c statement_timeout={settings.database_statement_timeout_ms}"},
    )


def _is_unreachable(error: exc.OperationalError) -> bool:
    if error.connection_invalidated:
        return True
    text = str(error.orig).lower()
    markers = ("connection", "server closed", "terminating", "could not connect", "timeout", "shutting down")
    return any(marker in text for marker in markers) and "locked" not in text
