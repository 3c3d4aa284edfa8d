"""The serving process checkpoints the WAL on a thread of its own, never inside a commit."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import Connection, text

from exopool.config import Settings
from exopool.db import Database
from exopool.errors import ConfigurationError
from tests.support import run_async


def test_commits_leave_the_wal_to_the_checkpoint_thread(tmp_path: Path) -> None:
    path = tmp_path / "c.db"
    db = Database(Settings(database_url=f"sqlite:///{path}"), background_checkpoints=True)
    try:
        with db.begin() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 0
            conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, blob TEXT)"))
        for _ in range(30):  # ~1,200 pages: past the 1,000 at which a commit would checkpoint itself
            with db.begin() as conn:
                conn.execute(text("INSERT INTO t (blob) VALUES (:b)"), [{"b": "x" * 3000}] * 40)
        # No commit copied the log into the database file: the rows are only in the WAL so far.
        assert path.stat().st_size < 1_000_000
        assert (tmp_path / "c.db-wal").stat().st_size > 4_000_000
        db.start()
        deadline = time.monotonic() + 10
        while path.stat().st_size < 3_600_000 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert path.stat().st_size >= 3_600_000  # the thread copied the 1,200 rows of 3 kB in
        assert db.checkpointer.checkpoints >= 1  # type: ignore[union-attr]
    finally:
        db.dispose()
    assert db.checkpointer._thread is None  # type: ignore[union-attr]


def test_other_processes_keep_sqlites_own_checkpoints(tmp_path: Path) -> None:
    db = Database(Settings(database_url=f"sqlite:///{tmp_path / 'o.db'}"))
    try:
        assert db.checkpointer is None
        with db.begin() as conn:
            assert conn.exec_driver_sql("PRAGMA wal_autocheckpoint").scalar() == 1000
    finally:
        db.dispose()


def test_writes_without_a_pause_keep_the_wal_near_its_limit(tmp_path: Path) -> None:
    """A PASSIVE pass never catches up with group commits that follow each other without a gap;
    the thread then finishes the log holding the writer slot, and the log starts over."""
    path = tmp_path / "w.db"
    db = Database(Settings(database_url=f"sqlite:///{path}", sqlite_wal_limit_mb=1), background_checkpoints=True)
    checkpointer = db.checkpointer
    assert checkpointer is not None
    checkpointer.interval_s = 0.01
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, blob TEXT)"))
    largest = 0

    def insert(conn: Connection) -> None:
        conn.exec_driver_sql("INSERT INTO t (blob) VALUES (?)", ("x" * 3000,))

    async def write(rows: int) -> None:
        nonlocal largest
        for _ in range(rows):
            await db.run(insert)
            largest = max(largest, (tmp_path / "w.db-wal").stat().st_size)

    async def writers() -> None:
        await asyncio.gather(*(write(400) for _ in range(40)))  # 16,000 rows of 3 kB: a page each, ~64 MB of log

    db.start()
    try:
        run_async(writers())
    finally:
        db.dispose()
    # Unchecked, the log holds every page written (~64 MB); kept, it holds the limit and what the writers
    # add while a pass runs, however much they write in all (~2-12 MB, the more the busier the machine).
    assert largest < 24 << 20, largest
    assert checkpointer.finished_logs >= 1
    with sqlite3.connect(path) as check:
        assert check.execute("SELECT count(*) FROM t").fetchone()[0] == 16000


def test_the_wal_limit_is_checked() -> None:
    with pytest.raises(ConfigurationError, match="sqlite_wal_limit_mb"):
        Settings(sqlite_wal_limit_mb=0)


def test_a_log_pinned_by_another_readers_snapshot_does_not_pause_writers_every_interval(tmp_path: Path) -> None:
    """While another connection's read transaction needs the log, a pass holding the writer slot
    cannot finish it; after one such pass the thread leaves the slot alone for a while, and once
    the reader is gone it finishes the log again."""
    path = tmp_path / "p.db"
    db = Database(Settings(database_url=f"sqlite:///{path}", sqlite_wal_limit_mb=1), background_checkpoints=True)
    checkpointer = db.checkpointer
    assert checkpointer is not None
    checkpointer.interval_s, checkpointer.pinned_pause_s = 0.01, 0.5
    with db.begin() as conn:
        conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, blob TEXT)"))

    def insert(conn: Connection) -> None:
        conn.exec_driver_sql("INSERT INTO t (blob) VALUES (?)", ("x" * 3000,))

    async def write(rows: int) -> None:
        for _ in range(rows):
            await db.run(insert)

    async def writers(until: Callable[[], bool]) -> None:
        while not until():
            await asyncio.gather(*(write(50) for _ in range(40)))  # ~8 MB of log a round

    reader = sqlite3.connect(path, isolation_level=None)
    db.start()
    try:
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM t").fetchone()  # a snapshot the log must keep serving
        started = time.monotonic()
        run_async(writers(until=lambda: time.monotonic() - started > 1.0))
        pinned_for = time.monotonic() - started
        assert checkpointer.finished_logs == 0
        # Once per pause at most, not once per 10 ms interval (~100 times in 1 s).
        assert 1 <= checkpointer.pinned_logs <= pinned_for / checkpointer.pinned_pause_s + 2
        reader.execute("COMMIT")
        deadline = time.monotonic() + 20
        run_async(writers(until=lambda: checkpointer.finished_logs > 0 or time.monotonic() > deadline))
        assert checkpointer.finished_logs > 0
    finally:
        reader.close()
        db.dispose()
