"""Every answered write survives a power loss by default: SQLite syncs at each commit unless told not to."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from exopool.config import Settings
from exopool.db import Database
from exopool.errors import ConfigurationError

LEVELS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


def synchronous_of(settings: Settings) -> str:
    db = Database(settings)
    try:
        return LEVELS[db.transact(lambda conn: conn.execute(text("PRAGMA synchronous")).scalar())]
    finally:
        db.dispose()


def test_sqlite_syncs_every_commit_by_default(tmp_path: Path) -> None:
    assert Settings().sqlite_synchronous == "FULL"
    assert synchronous_of(Settings(database_url=f"sqlite:///{tmp_path / 'a.db'}")) == "FULL"


def test_normal_is_there_for_those_who_choose_it(tmp_path: Path) -> None:
    chosen = Settings.from_env({"EXOPOOL_SQLITE_SYNCHRONOUS": "normal",
                                "EXOPOOL_DATABASE_URL": f"sqlite:///{tmp_path / 'b.db'}"})
    assert synchronous_of(chosen) == "NORMAL"


def test_a_level_that_may_corrupt_the_database_is_refused_at_start() -> None:
    with pytest.raises(ConfigurationError, match="sqlite_synchronous"):
        Settings(sqlite_synchronous="OFF")
