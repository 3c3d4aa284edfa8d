"""Group commit on SQLite: units of one loop turn share a commit, yet succeed or fail alone."""

from __future__ import annotations

import asyncio
import threading
from typing import Any

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.exc import IntegrityError

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.entities import Actor
from exopool.errors import NotFound
from exopool.models import Event
from exopool.services.events import record_event
from tests.support import run_async

ACTOR = Actor(label="test")


def write(conn: Connection, kind: str, fail: bool = False) -> str:
    record_event(conn, ManualClock().now(), kind, ACTOR)
    if fail:
        raise NotFound(f"{kind} failed after writing")
    return kind


def kinds(db: Database) -> list[str]:
    with db.begin() as conn:
        return list(conn.execute(select(Event.kind).order_by(Event.id)).scalars())


def test_a_failing_unit_undoes_only_its_own_writes(db: Database) -> None:
    async def together() -> list[Any]:
        return await asyncio.gather(db.run(write, "a"), db.run(write, "b", True), db.run(write, "c"),
                                    return_exceptions=True)

    a, b, c = run_async(together())
    assert (a, c) == ("a", "c") and isinstance(b, NotFound)
    assert sorted(kinds(db)) == ["a", "c"]  # on a database server the units run in threads, in any order


def test_work_is_committed_before_its_caller_resumes(db: Database) -> None:
    async def one_then_look() -> list[str]:
        await db.run(write, "durable")
        return kinds(db)  # another connection: sees only committed rows

    assert run_async(one_then_look()) == ["durable"]


def test_a_lone_failing_unit_raises_and_writes_nothing(db: Database) -> None:
    with pytest.raises(NotFound):
        run_async(db.run(write, "lonely", True))
    assert kinds(db) == []


@pytest.fixture
def sqlite_db(tmp_path: Any) -> Any:
    """Group commit is SQLite's: these tests hold on any engine the suite runs against."""
    from exopool.config import Settings
    from exopool.migrations import upgrade

    database = Database(Settings(database_url=f"sqlite:///{tmp_path / 'group.db'}"))
    upgrade(database.engine)
    yield database
    database.dispose()


def counted(runs: list[str], kind: str, *, write_first: bool = True, fail: bool = False):  # type: ignore[no-untyped-def]
    def unit(conn: Connection) -> str:
        runs.append(kind)
        if write_first:
            record_event(conn, ManualClock().now(), kind, ACTOR)
        if fail:
            raise NotFound(f"{kind} failed")
        return kind
    return unit


def test_a_unit_failing_before_any_write_costs_its_neighbours_no_second_run(sqlite_db: Database) -> None:
    runs: list[str] = []

    async def together() -> list[Any]:
        return await asyncio.gather(sqlite_db.run(counted(runs, "a")),
                                    sqlite_db.run(counted(runs, "miss", write_first=False, fail=True)),
                                    sqlite_db.run(counted(runs, "c")), return_exceptions=True)

    a, miss, c = run_async(together())
    assert (a, c) == ("a", "c") and isinstance(miss, NotFound)
    assert runs == ["a", "miss", "c"]  # one pass: nothing needed undoing
    assert kinds(sqlite_db) == ["a", "c"]


def test_a_unit_failing_after_writing_replays_the_batch_in_savepoints(sqlite_db: Database) -> None:
    runs: list[str] = []

    async def together() -> list[Any]:
        return await asyncio.gather(sqlite_db.run(counted(runs, "a")), sqlite_db.run(counted(runs, "b", fail=True)),
                                    sqlite_db.run(counted(runs, "c")), return_exceptions=True)

    a, b, c = run_async(together())
    assert (a, c) == ("a", "c") and isinstance(b, NotFound)
    assert runs == ["a", "b", "a", "b", "c"]  # the first pass stopped at b's failure; the replay ran all
    assert kinds(sqlite_db) == ["a", "c"]


def test_a_failed_commit_fails_every_unit_of_its_batch_and_the_next_batch_still_commits(sqlite_db: Database) -> None:
    def breaks_at_commit(conn: Connection) -> str:
        # A deferred foreign key is checked at COMMIT: the commit itself fails, after every unit succeeded.
        conn.connection.dbapi_connection.execute("PRAGMA defer_foreign_keys=ON")  # type: ignore[union-attr]
        record_event(conn, ManualClock().now(), "orphan", ACTOR, account_id=999_999)
        return "orphan"

    async def batch_then_another() -> tuple[list[Any], str]:
        first = await asyncio.gather(sqlite_db.run(write, "a"), sqlite_db.run(breaks_at_commit),
                                     return_exceptions=True)
        return first, await sqlite_db.run(write, "after")

    (a, orphan), after = run_async(batch_then_another())
    assert all(isinstance(outcome, IntegrityError) for outcome in (a, orphan))  # neither is durable
    assert after == "after"
    assert kinds(sqlite_db) == ["after"]


def test_units_submitted_during_a_commit_wait_for_their_own(sqlite_db: Database) -> None:
    async def waves() -> list[str]:
        first = asyncio.ensure_future(asyncio.gather(*(sqlite_db.run(write, f"first-{i}") for i in range(5))))
        await asyncio.sleep(0)  # the first batch is running or committing
        second = await asyncio.gather(*(sqlite_db.run(write, f"second-{i}") for i in range(5)))
        await first
        return [*second, *kinds(sqlite_db)]

    seen = run_async(asyncio.wait_for(waves(), 10))
    answered, stored = seen[:5], seen[5:]
    assert answered == [f"second-{i}" for i in range(5)]
    assert sorted(stored) == sorted([f"first-{i}" for i in range(5)] + answered)


def read_kinds(conn: Connection) -> list[str]:
    return list(conn.execute(select(Event.kind).order_by(Event.id)).scalars())


def commit_threads() -> set[threading.Thread]:
    return {thread for thread in threading.enumerate() if thread.name.startswith("exopool-commit")}


def test_a_batch_that_only_reads_commits_on_the_loop_and_one_that_writes_on_the_commit_thread(
    sqlite_db: Database,
) -> None:
    async def reads() -> list[list[str]]:
        return await asyncio.gather(*(sqlite_db.run(read_kinds) for _ in range(5)))

    before = commit_threads()
    assert run_async(reads()) == [[]] * 5
    assert not commit_threads() - before  # nothing to write: no trip to a commit thread
    assert run_async(sqlite_db.run(write, "w")) == "w"
    assert commit_threads() - before  # a write's COMMIT runs on the thread
    assert run_async(reads()) == [["w"]] * 5


def test_reads_submitted_during_a_commit_see_its_writes(sqlite_db: Database) -> None:
    async def write_then_read() -> tuple[list[str], list[str]]:
        first = asyncio.ensure_future(asyncio.gather(*(sqlite_db.run(write, f"w-{i}") for i in range(5))))
        await asyncio.sleep(0)  # the writes' batch is running or committing
        seen = await sqlite_db.run(read_kinds)
        return seen, await first

    seen, written = run_async(asyncio.wait_for(write_then_read(), 10))
    assert written == [f"w-{i}" for i in range(5)]
    assert sorted(seen) == sorted(written)  # the read's batch began after the writes' commit ended


def test_the_writer_slot_is_reentrant_for_one_thread_and_given_back_by_another() -> None:
    import threading

    from exopool.db.writer import WriterSlot

    slot = WriterSlot()
    with slot, slot:  # a transaction that opens another on the same thread does not wait on itself
        pass
    slot.take()
    giver = threading.Thread(target=slot.give_back)
    giver.start()
    giver.join()
    entered = threading.Event()

    def enter() -> None:
        with slot:
            entered.set()

    other = threading.Thread(target=enter)
    other.start()
    other.join(timeout=5)
    assert entered.is_set()  # the slot was free again once the other thread gave it back


def test_no_more_transactions_run_at_once_than_the_pool_holds(settings: Any) -> None:
    """On a database server units run in threads: a pool's worth at a time, the rest wait their turn."""
    import threading
    import time
    from dataclasses import replace

    database = Database(replace(settings, database_pool_size=3))
    lock, running, most = threading.Lock(), [0], [0]

    def slow(conn: Connection, n: int) -> int:
        with lock:
            running[0] += 1
            most[0] = max(most[0], running[0])
        time.sleep(0.02)
        with lock:
            running[0] -= 1
        return n

    async def many() -> list[int]:
        return await asyncio.gather(*(database.run(slow, n) for n in range(12)))

    try:
        assert run_async(many()) == list(range(12))
    finally:
        database.dispose()
    assert most[0] <= 3  # on SQLite one at a time: the units of a turn run in turn on the loop's connection
    if not database.is_sqlite:
        assert most[0] == 3  # and the pool is used, not one connection at a time
