"""The dashboard in a real Chromium: what a person does, checked over HTTP with the API key they made.

These tests also take the screenshots shown in docs/dashboard.md.
"""

from __future__ import annotations

from typing import Any

import httpx
from playwright.sync_api import expect

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.services.phone_numbers import purchase_phone_number
from tests.conftest import ServerThread
from tests.web.conftest import DashboardUser, run_curl_line, screenshot

MOBILE = "+919845001200"
NUMBERS = "/v2_beta/Accounts/alice/IncomingPhoneNumbers"


def log_in_page(page: Any, server: ServerThread, user: DashboardUser) -> None:
    page.goto(f"{server.url}/dashboard/login")
    page.get_by_label("Email").fill(user.email)
    page.get_by_label("Password").fill(user.password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="ExoPhones")).to_be_visible()


def create_key_in_page(page: Any, label: str) -> tuple[str, str, str]:
    page.get_by_role("link", name="API settings").click()
    page.get_by_label("Label").fill(label)
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    key, token = page.locator("#new-key").inner_text(), page.locator("#new-token").inner_text()
    return key, token, page.get_by_label("Try it").input_value()


def buy_in_page(page: Any) -> None:
    page.get_by_role("link", name="Buy a number").click()
    page.get_by_label("Type", exact=True).select_option("Mobile")
    page.get_by_label("Region").select_option("KA")
    page.get_by_label("SMS").select_option("yes")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("button", name=f"Buy {MOBILE}")).to_be_visible()


def test_a_user_makes_a_key_buys_and_releases_a_number_then_revokes_the_key(
    browser_page: Any, server: ServerThread, alice_user: DashboardUser, http: httpx.Client,
) -> None:
    page = browser_page
    page.goto(f"{server.url}/dashboard/login")
    screenshot(page, "login")
    log_in_page(page, server, alice_user)
    expect(page.get_by_text("No numbers yet")).to_be_visible()

    key, token, curl = create_key_in_page(page, "billing-app")
    assert f"-u '{key}:{token}'" in curl and "/v2_beta/Accounts/alice/IncomingPhoneNumbers.json" in curl
    page.get_by_role("button", name="Copy the API token").click()
    expect(page.get_by_role("button", name="Copy the API token")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == token
    screenshot(page, "api-settings-new-token", full_page=True)
    listed = run_curl_line(curl)
    assert listed.status_code == 200 and listed.json()["incoming_phone_numbers"] == []
    page.reload()
    expect(page.get_by_text("billing-app")).to_be_visible()
    assert token not in page.content()

    page.get_by_role("link", name="ExoPhones").click()
    buy_in_page(page)
    screenshot(page, "buy")
    page.get_by_role("button", name=f"Buy {MOBILE}").click()
    expect(page.get_by_role("status")).to_contain_text(f"Bought {MOBILE}")
    expect(page.get_by_role("heading", name="History")).to_be_visible()  # the number's own page
    page.get_by_role("link", name=f"Edit {MOBILE}").click()
    page.get_by_label("Friendly name").fill("Support line")
    page.get_by_label("Voice URL").fill("https://example.com/alice/voice")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text(f"Saved {MOBILE}")
    expect(page.locator("tbody tr").nth(1)).to_contain_text("Number updated")
    page.get_by_role("link", name="ExoPhones").click()
    screenshot(page, "exophones")
    (bought,) = http.get(NUMBERS, auth=(key, token)).json()["incoming_phone_numbers"]
    assert (bought["phone_number"], bought["friendly_name"]) == (MOBILE, "Support line")
    assert bought["voice_url"] == "https://example.com/alice/voice" and bought["sms_url"] is None

    page.get_by_role("link", name=f"Release {MOBILE}").click()
    page.get_by_label(f"Type {MOBILE} to confirm").fill(MOBILE)
    screenshot(page, "release-confirmation")
    page.get_by_role("button", name="Release this number").click()
    expect(page.get_by_role("status")).to_contain_text(f"Release of {MOBILE} accepted")
    expect(page.get_by_text("No numbers yet")).to_be_visible()
    screenshot(page, "release-accepted")
    assert http.get(f"{NUMBERS}/{bought['sid']}", auth=(key, token)).status_code == 404

    page.get_by_role("link", name="API settings").click()
    page.get_by_role("link", name="Revoke key billing-app").click()
    expect(page.get_by_text("will stop working at once")).to_be_visible()
    page.get_by_role("button", name="Revoke key").click()
    expect(page.get_by_role("status")).to_contain_text(f"API key {key} is revoked")
    assert http.get(NUMBERS, auth=(key, token)).status_code == 401

    page.get_by_role("link", name="Events").click()
    rows = page.locator("tbody tr")
    expected = ["API key revoked", "Release accepted", "Number updated", "Number bought", "API key created"]
    for i, what in enumerate(expected):
        expect(rows.nth(i)).to_contain_text(what)
        expect(rows.nth(i)).to_contain_text("user:alice@example.com")
    screenshot(page, "events")


UNLABELLED = """() => [...document.querySelectorAll('input:not([type=hidden]), select, textarea, button, a')]
  .filter(el => !(el.labels && el.labels.length) && !el.getAttribute('aria-label') && !el.textContent.trim())
  .map(el => el.outerHTML)"""


def test_every_control_has_an_accessible_name(
    browser_page: Any, server: ServerThread, alice_user: DashboardUser, db: Database, clock: ManualClock,
) -> None:
    page = browser_page
    number = db.transact(purchase_phone_number, clock, alice_user.persona.actor, MOBILE)
    page.goto(f"{server.url}/dashboard/login")
    assert page.evaluate(UNLABELLED) == []
    log_in_page(page, server, alice_user)
    create_key_in_page(page, "labels")
    assert page.evaluate(UNLABELLED) == []
    for path in ("numbers", "numbers/buy", f"numbers/{number.sid}", f"numbers/{number.sid}/edit",
                 f"numbers/{number.sid}/release", "events", "nothing-here"):
        page.goto(f"{server.url}/dashboard/{path}")
        assert page.evaluate(UNLABELLED) == [], path
