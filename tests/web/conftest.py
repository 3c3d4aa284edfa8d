"""The dashboard's test pieces: users with passwords, a logged-in HTTP client, and a real Chromium."""

from __future__ import annotations

import html
import os
import re
import shlex
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.services.users import create_operator_user, create_user
from tests.conftest import Persona, ServerThread

PASSWORD = "correct horse battery staple"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
ROOT = Path(__file__).resolve().parents[2]
# `make screenshots` points this at docs/screenshots; a plain test run leaves the docs alone.
SCREENSHOTS = Path(os.environ.get("EXOPOOL_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "exopool-screenshots")
ENSURE_CHROMIUM = ROOT / "scripts" / "ensure-chromium"


@dataclass(frozen=True)
class DashboardUser:
    email: str
    password: str
    persona: Persona


@pytest.fixture
def clock() -> ManualClock:
    """Time that stands still unless a test moves it: exact waits, and the same dates in every screenshot."""
    return ManualClock(start=datetime(2026, 3, 2, 9, 30))


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The shared settings with a short pause after a wrong password, so the suite stays fast."""
    return settings.replace(login_failure_delay_s=0.01)


def make_user(db: Database, clock: ManualClock, persona: Persona) -> DashboardUser:
    email = f"{persona.sid}@example.com"
    db.transact(create_user, clock, persona.sid, email, PASSWORD)
    return DashboardUser(email, PASSWORD, persona)


@pytest.fixture
def alice_user(db: Database, clock: ManualClock, alice: Persona) -> DashboardUser:
    return make_user(db, clock, alice)


@pytest.fixture
def bob_user(db: Database, clock: ManualClock, bob: Persona) -> DashboardUser:
    return make_user(db, clock, bob)


OPERATOR_EMAIL = "ops@example.com"


@pytest.fixture
def operator_user(db: Database, clock: ManualClock) -> str:
    """A dashboard user who is an operator, of no account; their email (the password is PASSWORD)."""
    return str(db.transact(create_operator_user, clock, OPERATOR_EMAIL, PASSWORD))


@pytest.fixture
def web(server: ServerThread) -> Iterator[httpx.Client]:
    """A browser-like HTTP client of the dashboard: keeps cookies, does not follow redirects."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        yield client


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, "the page has no CSRF token"
    return found.group(1)


def field_error(page: str, field: str) -> str | None:
    """The error a form shows beside a field (by the field's name), as text; None when it shows none."""
    found = re.search(rf'<p class="field-error" id="{field}-error" role="alert">([^<]*)</p>', page)
    return html.unescape(found.group(1)) if found else None


def log_in(client: httpx.Client, email: str, password: str) -> httpx.Response:
    token = csrf_of(client.get("/dashboard/login").text)
    return client.post("/dashboard/login", data={"csrf_token": token, "email": email, "password": password})


def post_form(client: httpx.Client, page: str, action: str, **fields: Any) -> httpx.Response:
    """Submit a form the way a browser would: with the CSRF token of the page it sits on."""
    token = csrf_of(client.get(page).text)
    return client.post(action, data={"csrf_token": token, **fields})


def run_curl_line(line: str) -> httpx.Response:
    """Do what the page's curl command does (its -u, its -H, its URL), without needing curl installed."""
    words = shlex.split(line)
    assert words[0] == "curl"
    options = dict(zip(words[1:-1:2], words[2:-1:2], strict=True))
    user, _, password = options.pop("-u").partition(":")
    headers = dict([options.pop("-H").split(": ", 1)]) if "-H" in options else {}
    assert options == {}
    return httpx.get(words[-1], auth=(user, password), headers=headers)


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium driven by Playwright; installed by scripts/ensure-chromium when missing."""
    from playwright.sync_api import expect, sync_playwright

    if not CHROMIUM.exists():
        subprocess.run([str(ENSURE_CHROMIUM)], check=True)
    # A busy shared machine can take seconds per step; waiting longer costs nothing when it is quick.
    expect.set_options(timeout=20_000)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def browser_page(chromium: Any) -> Iterator[Any]:
    context = chromium.new_context(viewport={"width": 1200, "height": 800}, color_scheme="light")
    context.grant_permissions(["clipboard-read", "clipboard-write"])
    page = context.new_page()
    page.set_default_timeout(20_000)
    yield page
    context.close()


def screenshot(page: Any, name: str, **options: Any) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), **options)
    assert path.read_bytes().startswith(b"\x89PNG"), f"no screenshot written to {path}"
