"""After-commit hooks and notifications: what a unit hands its transaction happens once, after the commit
that holds its writes, and never for writes that were rolled back, however often group commit runs the unit."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection

from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database, after_commit, notify, transaction_memo
from exopool.entities import Actor
from exopool.errors import NotFound
from exopool.migrations import upgrade
from exopool.services.events import record_event
from tests.support import run_async

ACTOR = Actor(label="test")


def unit(done: list[str], name: str, *, write: bool = True, fail: bool = False) -> Callable[[Connection], str]:
    """A unit that records an event (or not), asks for name to be noted after commit, then fails (or not)."""

    def work(conn: Connection) -> str:
        if write:
            record_event(conn, ManualClock().now(), name, ACTOR)
        after_commit(conn, lambda: done.append(name))
        if fail:
            raise NotFound(f"{name} failed")
        return name

    return work


def test_a_transaction_runs_its_hooks_once_after_its_commit(db: Database) -> None:
    done: list[str] = []

    def twice(conn: Connection) -> None:
        unit(done, "a")(conn)
        unit(done, "b", write=False)(conn)
        assert done == []  # not before the commit

    db.transact(twice)
    assert done == ["a", "b"]


def test_a_rolled_back_transaction_runs_no_hook_and_leaves_none_for_the_next(db: Database) -> None:
    done: list[str] = []
    with pytest.raises(NotFound):
        db.transact(unit(done, "doomed", fail=True))
    db.transact(unit(done, "next"))
    assert done == ["next"]


def test_units_run_together_run_their_hooks_once_each_and_a_failed_ones_never(db: Database) -> None:
    done: list[str] = []

    async def together() -> list[Any]:
        return await asyncio.gather(
            db.run(unit(done, "a")), db.run(unit(done, "b", fail=True)), db.run(unit(done, "c", write=False)),
            db.run(unit(done, "d", write=False, fail=True)), return_exceptions=True)

    results = run_async(together())
    assert results[0] == "a" and results[2] == "c"
    assert sorted(done) == ["a", "c"]  # b failed after writing (the batch ran again), d before writing


@pytest.fixture
def sqlite_db(tmp_path: Any) -> Any:
    database = Database(Settings(database_url=f"sqlite:///{tmp_path / 'units.db'}"))
    upgrade(database.engine)
    yield database
    database.dispose()


def test_a_unit_group_commit_runs_twice_asks_for_its_hook_once(sqlite_db: Database) -> None:
    done: list[str] = []
    runs: list[str] = []

    def counted(name: str, fail: bool = False) -> Callable[[Connection], str]:
        inner = unit(done, name, fail=fail)

        def work(conn: Connection) -> str:
            runs.append(name)
            return inner(conn)

        return work

    async def together() -> list[Any]:
        return await asyncio.gather(sqlite_db.run(counted("a")), sqlite_db.run(counted("b", fail=True)),
                                    return_exceptions=True)

    run_async(together())
    assert runs == ["a", "b", "a", "b"]  # the batch was replayed in savepoints
    assert done == ["a"]


def test_a_notification_reaches_its_subscribers_after_the_commit_only(db: Database) -> None:
    heard, other = db.notifier.subscribe("release.queued"), db.notifier.subscribe("something.else")

    def queue(conn: Connection) -> None:
        notify(conn, "release.queued")
        assert not heard.is_set()

    db.transact(queue)
    assert heard.is_set() and not other.is_set()
    heard.clear()
    with pytest.raises(NotFound):
        db.transact(lambda conn: (notify(conn, "release.queued"), unit([], "x", fail=True)(conn)))
    assert not heard.is_set()


def test_a_memo_lasts_one_transaction(db: Database) -> None:
    def remember(conn: Connection) -> Any:
        memo = transaction_memo(conn)
        seen = memo.get("k")
        memo["k"] = "kept"
        assert transaction_memo(conn)["k"] == "kept"
        return seen

    assert db.transact(remember) is None
    assert db.transact(remember) is None  # a new transaction starts with an empty memo
