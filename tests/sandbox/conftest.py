"""A sandbox-mode server on the default seed (demo accounts and their fixed keys), and ways to watch it."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from tests.conftest import ServerThread

DEMO_IN = ("demo_in_key", "demo_in_token")
DEMO_SG = ("demo_sg_key", "demo_sg_token")
NUMBERS_IN = "/v2_beta/Accounts/demo_in/IncomingPhoneNumbers"
NUMBERS_SG = "/v2_beta/Accounts/demo_sg/IncomingPhoneNumbers"
POOL_NUMBER_IN = "+918048332510"  # in the demo pool, not owned


@pytest.fixture
def sandbox_settings(settings: Settings) -> Settings:
    return settings.replace(sandbox=True, run_worker=True)


@pytest.fixture
def sandbox_server(sandbox_settings: Settings) -> Iterator[ServerThread]:
    with ServerThread(create_app(sandbox_settings, clock=ManualClock())) as running:
        yield running


@pytest.fixture
def api(sandbox_server: ServerThread) -> Iterator[httpx.Client]:
    """A client of the sandbox server, on the Mumbai host."""
    with httpx.Client(base_url=sandbox_server.url, headers={"Host": "api.in.exotel.com"}, timeout=10) as client:
        yield client


def wait_for(probe: Callable[[], Any], timeout: float = 5.0) -> Any:
    """Poll until probe returns something truthy (the release worker runs in its own thread)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := probe():
            return value
        time.sleep(0.02)
    raise AssertionError("the condition did not come true in time")


def release_of(api: httpx.Client, sid: str) -> dict[str, Any]:
    return next(r for r in api.get("/_sandbox/releases").json()["releases"] if r["sid"] == sid)


def buy(api: httpx.Client, number: str, auth: tuple[str, str] = DEMO_IN, path: str = NUMBERS_IN) -> httpx.Response:
    return api.post(path, data={"PhoneNumber": number}, auth=auth)


def owned_sids(api: httpx.Client, auth: tuple[str, str] = DEMO_IN, path: str = NUMBERS_IN) -> list[str]:
    return [n["sid"] for n in api.get(path, auth=auth).json()["incoming_phone_numbers"]]


def pytest_configure(config: pytest.Config) -> None:
    # The plugin's own tests run pytest inside pytest.
    if not config.pluginmanager.has_plugin("pytester"):
        config.pluginmanager.import_plugin("pytester")
