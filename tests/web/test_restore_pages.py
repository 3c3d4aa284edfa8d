"""Restoring a released number from the dashboard: in a real Chromium, and the form's guards over HTTP."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.services.phone_numbers import purchase_phone_number, release_phone_number
from tests.conftest import ServerThread
from tests.web.conftest import DashboardUser, log_in, post_form, screenshot
from tests.web.test_dashboard_browser import log_in_page

MOBILE = "+919845001200"
NUMBERS = "/v2_beta/Accounts/alice/IncomingPhoneNumbers"
VOICE = "https://example.com/alice/voice"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(restore_window_s=3600)


def released(db: Database, clock: ManualClock, user: DashboardUser) -> str:
    """A number the user's account bought, named and routed, then released; its sid."""
    actor = user.persona.actor

    def buy_and_release(conn: Any) -> str:
        number = purchase_phone_number(conn, clock, actor, MOBILE, voice_url=VOICE, friendly_name="Support line")
        release_phone_number(conn, clock, actor, number.sid)
        return number.sid

    return db.transact(buy_and_release)


def test_a_user_restores_a_number_released_by_mistake(
    browser_page: Any, server: ServerThread, alice_user: DashboardUser, db: Database, clock: ManualClock,
    http: httpx.Client,
) -> None:
    sid = released(db, clock, alice_user)
    page = browser_page
    log_in_page(page, server, alice_user)
    expect(page.get_by_text("No numbers yet")).to_be_visible()
    page.get_by_role("link", name="Recently released").click()
    row = page.locator("tbody tr")
    expect(row).to_have_count(1)
    expect(row).to_contain_text(MOBILE)
    expect(row).to_contain_text("Support line")
    expect(row).to_contain_text("2026-03-02 10:30")  # restorable for the hour of the window
    screenshot(page, "recently-released")
    page.get_by_role("link", name=f"Restore {MOBILE}").click()
    expect(page.get_by_role("heading", name=f"Restore {MOBILE}?")).to_be_visible()
    page.get_by_role("button", name="Restore this number").click()
    expect(page.get_by_role("status")).to_contain_text(f"Restored {MOBILE}")
    expect(page.locator("tbody tr")).to_contain_text(VOICE)
    persona = alice_user.persona
    got = http.get(f"{NUMBERS}/{sid}", auth=persona.auth).json()
    assert (got["sid"], got["friendly_name"], got["voice_url"]) == (sid, "Support line", VOICE)
    page.get_by_role("link", name="Recently released").click()
    expect(page.get_by_text("No released number can be restored now.")).to_be_visible()
    page.get_by_role("link", name="Events").click()
    expect(page.locator("tbody tr").first).to_contain_text("Number restored")
    expect(page.locator("tbody tr").first).to_contain_text("user:alice@example.com")


def test_a_restore_needs_the_forms_csrf_token_and_the_accounts_own_release(
    web: httpx.Client, alice_user: DashboardUser, bob_user: DashboardUser, db: Database, clock: ManualClock,
    http: httpx.Client,
) -> None:
    sid = released(db, clock, alice_user)
    assert log_in(web, bob_user.email, bob_user.password).status_code == 303
    assert MOBILE not in web.get("/dashboard/released").text
    assert web.get(f"/dashboard/released/{sid}/restore").status_code == 404
    assert post_form(web, "/dashboard/released", f"/dashboard/released/{sid}/restore").status_code == 404
    web.post("/dashboard/logout", data={"csrf_token": ""})
    web.cookies.clear()
    assert log_in(web, alice_user.email, alice_user.password).status_code == 303
    page = f"/dashboard/released/{sid}/restore"
    assert web.post(page, data={"csrf_token": "forged"}).status_code == 403
    assert http.get(f"{NUMBERS}/{sid}", auth=alice_user.persona.auth).status_code == 404
    done = post_form(web, page, page)
    assert done.status_code == 303 and done.headers["location"].endswith("/dashboard/numbers")
    assert http.get(f"{NUMBERS}/{sid}", auth=alice_user.persona.auth).json()["voice_url"] == VOICE


def test_the_release_page_says_until_when_a_release_can_be_undone(
    web: httpx.Client, alice_user: DashboardUser, db: Database, clock: ManualClock,
) -> None:
    actor = alice_user.persona.actor
    sid = db.transact(lambda conn: purchase_phone_number(conn, clock, actor, MOBILE).sid)
    assert log_in(web, alice_user.email, alice_user.password).status_code == 303
    text = web.get(f"/dashboard/numbers/{sid}/release").text
    until = (clock.now() + timedelta(hours=1)).strftime("%Y-%m-%d %H:%M")
    assert f"Until {until} UTC" in text and 'href="/dashboard/released"' in text
    assert "cannot be undone" not in text
