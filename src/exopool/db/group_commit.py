"""Group commit: the units of work an event loop submits together share one SQLite transaction.

A SQLite commit writes every page the transaction touched to the WAL, and concurrent
requests touch the same table and index pages, so committing them together costs little
more than committing one. No unit's caller resumes before the commit that holds its writes:
an answer is never sent for work that is not yet durable.

Two things keep the event loop's thread for Python work only:

- The COMMIT (writing the WAL) runs on a thread of its own; SQLite releases the GIL while it
  writes, so the loop goes on parsing requests meanwhile. The units that arrive during a
  commit form the next batch, which begins as soon as that commit ends. A batch that changed
  no row (GETs, say) has nothing to write: its COMMIT runs on the loop at once, sparing it the
  trip to the thread and back.
- Units run without a savepoint each. A unit that fails having changed no row (a 404, a 401,
  a refused purchase) leaves nothing to undo. Only when a unit fails after changing rows is
  the batch rolled back and run again, each unit then in its own savepoint, so the failing
  unit's writes go and the others' stay. Units are therefore run at most twice; they must
  change nothing but the database (the rate limiter counts a request once, see api.runtime).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection, Engine, RootTransaction

from exopool.db.units import hooks_of, run_hooks, take_hooks
from exopool.db.writer import Slot

T = TypeVar("T")
_Unit = tuple[Callable[..., Any], tuple[Any, ...], "asyncio.Future[Any]"]
_Outcome = tuple[bool, Any]  # (True, result) or (False, the exception it raised)


class GroupCommit:
    """Runs work(conn, *args) for one event loop's callers; each loop turn's units share a commit."""

    def __init__(self, engine: Engine, writer: Slot) -> None:
        self.engine, self.writer = engine, writer
        self._conn: Connection | None = None
        self._pending: list[_Unit] = []
        self._loop: asyncio.AbstractEventLoop | None = None
        self._committer: concurrent.futures.ThreadPoolExecutor | None = None
        self._committing: concurrent.futures.Future[None] | None = None  # the commit in flight

    async def run(self, work: Callable[..., T], *args: Any) -> T:
        loop = asyncio.get_running_loop()
        if loop is not self._loop:
            self._adopt(loop)
        future: asyncio.Future[T] = loop.create_future()
        if not self._pending and self._committing is None:
            # After the callbacks already ready: the other requests of this turn join the batch.
            loop.call_soon(self._flush)
        self._pending.append((work, args, future))
        return await future

    def close(self) -> None:
        self._wait_for_commit()
        if self._committer is not None:
            self._committer.shutdown()
            self._committer = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    def _adopt(self, loop: asyncio.AbstractEventLoop) -> None:
        """Units left by a loop that stopped can never run; a commit it left in flight is waited for."""
        self._wait_for_commit()
        self._loop, self._pending = loop, []

    def _wait_for_commit(self) -> None:
        if self._committing is not None:
            concurrent.futures.wait([self._committing])
            self._committing = None

    def _flush(self) -> None:
        if self._committing is not None:
            return  # the commit in flight starts the next batch when it ends
        batch, self._pending = [u for u in self._pending if not u[2].cancelled()], []
        if not batch:
            return
        self.writer.take()
        try:
            conn = self._connection()
            changes_before = _changes(conn)
            transaction, outcomes = _run_batch(conn, batch)
        except Exception as error:  # noqa: BLE001 - BEGIN (or a rollback) failed: nothing of this batch is written
            if self._conn is not None:
                self._conn.invalidate()  # whatever it was left in, the next batch starts on a new connection
            self.writer.give_back()
            _settle(batch, [], error)
            return
        hooks = take_hooks(conn)
        if _changes(conn) == changes_before:  # nothing to write: the COMMIT runs here, ending as on the thread
            self._committed(batch, outcomes, hooks, _done_here(self._commit, conn, transaction))
            return
        loop, committer = self._loop, self._committer_thread()
        self._committing = committer.submit(self._commit, conn, transaction)
        self._committing.add_done_callback(
            lambda done: _call_soon(loop, self._committed, batch, outcomes, hooks, done))

    def _commit(self, conn: Connection, transaction: RootTransaction) -> None:
        """On the commit thread, or the loop's for a batch that wrote nothing.

        A failed commit leaves the connection unusable: it is dropped (rolling back)."""
        try:
            transaction.commit()
        except Exception:  # raised again: the batch's callers get it through the done future
            conn.invalidate()
            raise
        finally:
            self.writer.give_back()

    def _committed(self, batch: list[_Unit], outcomes: list[_Outcome], hooks: list[Callable[[], None]],
                   done: concurrent.futures.Future[None]) -> None:
        self._committing = None
        if done.exception() is None:
            run_hooks(hooks)
        _settle(batch, outcomes, done.exception())
        if self._pending and self._loop is not None:
            self._loop.call_soon(self._flush)

    def _committer_thread(self) -> concurrent.futures.ThreadPoolExecutor:
        if self._committer is None:
            self._committer = concurrent.futures.ThreadPoolExecutor(1, thread_name_prefix="exopool-commit")
        return self._committer

    def _connection(self) -> Connection:
        # One connection for the loop: a pool checkout per transaction costs more than the SQL.
        if self._conn is None or self._conn.closed or self._conn.invalidated:
            self._conn = self.engine.connect()
        return self._conn


def _done_here(call: Callable[..., None], *args: Any) -> concurrent.futures.Future[None]:
    """call(*args) run on this thread, its outcome in a finished future, as the commit thread reports one."""
    done: concurrent.futures.Future[None] = concurrent.futures.Future()
    try:
        call(*args)
        done.set_result(None)
    except Exception as error:  # noqa: BLE001 - handed to the batch's callers
        done.set_exception(error)
    return done


def _changes(conn: Connection) -> int:
    """Rows changed on this connection so far: a batch that leaves it as it was wrote no row.

    (SQLite does not count schema changes; such a batch is committed on the loop, as durably.)"""
    driver: Any = conn.connection.dbapi_connection
    changes: int = driver.total_changes
    return changes


def _run_batch(conn: Connection, batch: list[_Unit]) -> tuple[RootTransaction, list[_Outcome]]:
    """Begin, run every unit, and return the transaction (still to commit) with each unit's outcome."""
    take_hooks(conn)
    transaction = conn.begin()
    hooks = hooks_of(conn)
    outcomes = _run_plainly(conn, batch, hooks)
    if outcomes is None:  # a unit failed after writing: start over, each unit in a savepoint
        transaction.rollback()
        hooks.clear()  # the first run's: its writes are gone, and every unit runs again
        transaction = conn.begin()
        outcomes = [_run_alone(conn, work, args, hooks) for work, args, _ in batch]
    return transaction, outcomes


def _run_plainly(conn: Connection, batch: list[_Unit], hooks: list[Callable[[], None]]) -> list[_Outcome] | None:
    """Each unit's outcome; None when a failing unit had changed rows, which only a rollback undoes."""
    driver: Any = conn.connection.dbapi_connection
    outcomes: list[_Outcome] = []
    for work, args, _ in batch:
        changed, mark = driver.total_changes, len(hooks)
        try:
            outcomes.append((True, work(conn, *args)))
        except Exception as error:  # noqa: BLE001 - handed to the unit's caller
            if driver.total_changes != changed:
                return None
            del hooks[mark:]
            outcomes.append((False, error))
    return outcomes


def _run_alone(conn: Connection, work: Callable[..., Any], args: tuple[Any, ...],
               hooks: list[Callable[[], None]]) -> _Outcome:
    """The unit's outcome; a failed unit's writes are rolled back to its savepoint, its hooks dropped."""
    driver: Any = conn.connection.dbapi_connection
    mark = len(hooks)
    driver.execute("SAVEPOINT unit")
    try:
        result = work(conn, *args)
    except Exception as error:  # noqa: BLE001 - handed to the unit's caller
        del hooks[mark:]
        driver.execute("ROLLBACK TO unit")
        driver.execute("RELEASE unit")
        return False, error
    driver.execute("RELEASE unit")
    return True, result


def _settle(batch: list[_Unit], outcomes: list[_Outcome], error: BaseException | None) -> None:
    """Resume each unit's caller: with the error if the batch failed as a whole, else with its outcome."""
    for index, (_, _, future) in enumerate(batch):
        if future.done():
            continue
        if error is not None:
            future.set_exception(error)
        elif outcomes[index][0]:
            future.set_result(outcomes[index][1])
        else:
            future.set_exception(outcomes[index][1])


def _call_soon(loop: asyncio.AbstractEventLoop | None, callback: Callable[..., None], *args: Any) -> None:
    """From the commit thread: hand the outcome to the loop; a loop that has closed has no one to tell."""
    if loop is not None and not loop.is_closed():
        loop.call_soon_threadsafe(callback, *args)
