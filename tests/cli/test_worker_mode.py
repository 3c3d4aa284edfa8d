"""A worker started apart from the server follows the mode the database's server runs in."""

from __future__ import annotations

import logging

import pytest

from exopool.cli.worker import following_the_server
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.services.instance import record_mode


def test_a_worker_without_sandbox_mode_follows_a_sandboxs_database(
    db: Database, settings: Settings, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch,
) -> None:
    for name in ("EXOPOOL_AGING_PERIOD_S", "EXOPOOL_CARRIER", "EXOPOOL_SANDBOX"):
        monkeypatch.delenv(name, raising=False)
    db.transact(record_mode, ManualClock().now(), True)
    production = settings.replace(sandbox=False, aging_period_s=90 * 86400, carrier="none")
    with caplog.at_level(logging.WARNING):
        followed = following_the_server(db, production)
    assert (followed.sandbox, followed.aging_period_s, followed.carrier) == (True, 0, "simulated")
    assert "follows it" in caplog.text and "0 seconds" in caplog.text


def test_a_worker_in_the_servers_own_mode_keeps_its_settings(db: Database, settings: Settings) -> None:
    db.transact(record_mode, ManualClock().now(), False)
    production = settings.replace(sandbox=False)
    assert following_the_server(db, production) is production
