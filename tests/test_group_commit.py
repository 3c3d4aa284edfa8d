"""Group commit on SQLite: units of one loop turn share a commit, yet succeed or fail alone."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from sqlalchemy import Connection, select

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.entities import Actor
from exopool.errors import NotFound
from exopool.models import Event
from exopool.services.events import record_event

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

    a, b, c = asyncio.run(together())
    assert (a, c) == ("a", "c") and isinstance(b, NotFound)
    assert sorted(kinds(db)) == ["a", "c"]  # on a database server the units run in threads, in any order


def test_work_is_committed_before_its_caller_resumes(db: Database) -> None:
    async def one_then_look() -> list[str]:
        await db.run(write, "durable")
        return kinds(db)  # another connection: sees only committed rows

    assert asyncio.run(one_then_look()) == ["durable"]


def test_a_lone_failing_unit_raises_and_writes_nothing(db: Database) -> None:
    with pytest.raises(NotFound):
        asyncio.run(db.run(write, "lonely", True))
    assert kinds(db) == []
