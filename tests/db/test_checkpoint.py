"""The serving process checkpoints the WAL on a thread of its own, never inside a commit."""

from __future__ import annotations

import time
from pathlib import Path

from sqlalchemy import text

from exopool.config import Settings
from exopool.db import Database


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
