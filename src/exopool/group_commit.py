"""Group commit: the units of work an event loop submits together share one SQLite transaction.

A SQLite commit writes every page the transaction touched to the WAL, and concurrent
requests touch the same table and index pages, so committing them together costs little
more than committing one. Each unit still runs alone in order (in a savepoint, so a
failing unit undoes only its own writes), and no unit's caller resumes before the commit
that holds its writes: an answer is never sent for work that is not yet durable.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine

T = TypeVar("T")
_Unit = tuple[Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]"]


class GroupCommit:
    """Runs work(conn, *args) for one event loop's callers, committing each loop turn's units at once."""

    def __init__(self, engine: Engine, one_writer: AbstractContextManager[Any]) -> None:
        self.engine, self.one_writer = engine, one_writer
        self._conn: Connection | None = None
        self._pending: list[_Unit] = []
        self._loop: asyncio.AbstractEventLoop | None = None

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:  # units left by a loop that stopped before its flush can never run
            self._loop, self._pending = loop, []
        future: asyncio.Future[T] = loop.create_future()
        if not self._pending:
            # After the callbacks already ready: the other requests of this turn join the batch.
            loop.call_soon(self._flush)
        self._pending.append((work, args, future))
        return await future

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _flush(self) -> None:
        batch, self._pending = [u for u in self._pending if not u[2].cancelled()], []
        if not batch:
            return
        try:
            conn = self._connection()
            with self.one_writer, conn.begin():
                outcomes = [_run_alone(conn, work, args) for work, args, _ in batch]
        except BaseException as error:  # the commit (or BEGIN) failed: no unit's work is durable
            for _, _, future in batch:
                if not future.done():
                    future.set_exception(error)
            return
        for (_, _, future), (ok, value) in zip(batch, outcomes, strict=True):
            if future.done():
                continue
            if ok:
                future.set_result(value)
            else:
                future.set_exception(value)

    def _connection(self) -> Connection:
        # One connection for the loop: a pool checkout per transaction costs more than the SQL.
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = self.engine.connect()
        return self._conn


def _run_alone(conn: Connection, work: Callable[..., Any], args: tuple[Any, ...]) -> tuple[bool, Any]:
    """(True, result) or (False, exception); a failed unit's writes are rolled back to its savepoint."""
    driver: Any = conn.connection.dbapi_connection
    driver.execute("SAVEPOINT unit")
    try:
        result = work(conn, *args)
    except Exception as error:  # noqa: BLE001 - handed to the unit's caller
        driver.execute("ROLLBACK TO unit")
        driver.execute("RELEASE unit")
        return False, error
    driver.execute("RELEASE unit")
    return True, result
