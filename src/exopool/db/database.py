"""The database of a process: its engine, and how units of work run in transactions on it."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import Any, TypeVar

import anyio.to_thread
from sqlalchemy import Connection, exc
from sqlalchemy.engine import make_url

from exopool.config import Settings
from exopool.db.checkpoint import Checkpointer
from exopool.db.engine import create_database_engine, is_unreachable
from exopool.db.group_commit import GroupCommit
from exopool.db.outage import Outage
from exopool.db.units import Notifier, run_hooks, take_hooks
from exopool.db.writer import WriterSlot
from exopool.errors import ServiceUnavailable

T = TypeVar("T")


class Database:
    """One engine, and `run` (async) and `transact` (sync) to run units of work on it."""

    def __init__(self, settings: Settings, *, background_checkpoints: bool = False) -> None:
        """background_checkpoints: on a SQLite file, checkpoint the WAL on a thread, never in a commit."""
        self.settings = settings
        self.is_sqlite = settings.is_sqlite
        self.notifier = Notifier()
        self.outage = Outage()
        url = make_url(settings.database_url)
        file = url.database if self.is_sqlite and url.database not in (None, "", ":memory:") else None
        self._writer = WriterSlot()
        self.checkpointer = (Checkpointer(file, writer=self._writer, limit_bytes=settings.sqlite_wal_limit_bytes)
                             if background_checkpoints and file else None)
        self.engine = create_database_engine(settings, self.notifier,
                                             checkpoints_elsewhere=self.checkpointer is not None)
        self._one_writer: AbstractContextManager[Any] = self._writer if self.is_sqlite else nullcontext()
        self._inline = GroupCommit(self.engine, self._writer)
        self._limiter: anyio.CapacityLimiter | None = None
        self._limited_loop: asyncio.AbstractEventLoop | None = None

    @contextmanager
    def begin(self) -> Iterator[Connection]:
        """A connection in a transaction, committed on success; an unreachable database is a 503."""
        try:
            with self._one_writer, self.engine.connect() as conn:
                take_hooks(conn)  # none should be left, but a rolled-back transaction's must never run
                try:
                    with conn.begin():
                        yield conn
                finally:
                    hooks = take_hooks(conn)  # reached with the commit done, or by an error (then unused)
        except exc.OperationalError as error:
            if is_unreachable(error):
                self.outage.failed(error)
                raise ServiceUnavailable() from error
            raise
        except (exc.InterfaceError, exc.TimeoutError) as error:
            self.outage.failed(error)
            raise ServiceUnavailable() from error
        self.outage.succeeded()
        run_hooks(hooks)

    def transact(self, work: Callable[..., T], *args: Any) -> T:
        """Run work(conn, *args) in a transaction on this thread."""
        with self.begin() as conn:
            return work(conn, *args)

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        """Run work(conn, *args) in a transaction: inline on SQLite (microseconds), in a thread elsewhere.

        On SQLite the units submitted in one turn of the event loop share a transaction (group commit).
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
