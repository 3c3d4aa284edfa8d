"""Sandboxes of one process share the rows a seed produced; one whose clock is behind the rows' times seeds anew."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import httpx

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from tests.conftest import ServerThread
from tests.sandbox.conftest import DEMO_IN, NUMBERS_IN, POOL_NUMBER_IN


def buy_in_a_fresh_sandbox(settings: Settings, path: Path, clock: ManualClock) -> httpx.Response:
    sandbox = settings.replace(sandbox=True, database_url=f"sqlite:///{path}")
    with ServerThread(create_app(sandbox, clock=clock)) as server:
        return httpx.post(f"{server.url}{NUMBERS_IN}", data={"PhoneNumber": POOL_NUMBER_IN}, auth=DEMO_IN,
                          headers={"Host": "api.in.exotel.com"})


def test_a_sandbox_on_a_clock_in_the_past_finds_the_demo_pool_free(settings: Settings, tmp_path: Path) -> None:
    assert buy_in_a_fresh_sandbox(settings, tmp_path / "now.db", ManualClock()).status_code == 200
    earlier = buy_in_a_fresh_sandbox(settings, tmp_path / "march.db", ManualClock(start=datetime(2026, 3, 2, 9, 30)))
    assert earlier.status_code == 200, earlier.text
    assert earlier.json()["date_created"].startswith("2026-03-02")
