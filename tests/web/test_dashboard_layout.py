"""Every dashboard page in a real Chromium, at a desktop's width and a phone's (390 px): nothing is wider
than the screen, and dates, numbers and URLs never wrap mid-word."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.services.users import create_operator_user
from tests.conftest import ServerThread
from tests.web.conftest import OPERATOR_EMAIL, PASSWORD, screenshot
from tests.web.test_dashboard_browser import UNLABELLED

DEMO_IN = ("demo_in_key", "demo_in_token")
NUMBERS_IN = "/v2_beta/Accounts/demo_in/IncomingPhoneNumbers"
FAILING = "+918048332510"
LONG_URL = "https://callbacks.example.com/exotel/incoming/voice/demo_in/support-line-bangalore?region=KA&retry=3"
BAD_CSV = (b"phone_number,cluster,type,region\n+91804,in,landline,KA\n"
           b"+918040100003,mars,landline,KA-with-a-region-name-far-too-long-for-any-column\n")
WIDTHS = {"desktop": (1280, 800), "phone": (390, 844)}

# Every element's right edge, against the width of the page (hidden table heads and screen-reader text aside).
WIDER_THAN_SCREEN = """() => {
  const width = document.documentElement.clientWidth;
  return [...document.querySelectorAll('body *')]
    .filter(el => !el.closest('thead, .sr-only'))
    .map(el => [el, el.getBoundingClientRect()])
    .filter(([el, box]) => box.width > 0 && box.right > width + 0.5)
    .map(([el, box]) => `<${el.tagName.toLowerCase()} class="${el.className}"> ends at ${Math.round(box.right)}px`)
    .concat(document.documentElement.scrollWidth > width
            ? [`the page scrolls to ${document.documentElement.scrollWidth}px`] : []);
}"""
# Text that must stay on one line: its line boxes all share one top.
WRAPPED = """() => [...document.querySelectorAll('.when, td.url > *, dd.long')].filter(el => {
  const range = document.createRange();
  range.selectNodeContents(el);
  return new Set([...range.getClientRects()].filter(r => r.width > 0).map(r => Math.round(r.top))).size > 1;
}).map(el => el.textContent.trim())"""


@pytest.fixture
def sandbox(settings: Settings, db: Database, clock: ManualClock) -> Iterator[ServerThread]:
    """A sandbox on the demo seed, with journal entries, a fault rule, a number with a long URL, a failed
    release and an operator user."""
    # The dashboard tests' fixed clock, so every screenshot shows the same dates. A day of aging: the number
    # released on the way stays restorable for the released and restore pages.
    aging = settings.replace(sandbox=True, run_worker=True, aging_period_s=86_400)
    with ServerThread(create_app(aging, clock=clock)) as server:
        with httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}, timeout=10) as api:
            sid = api.get(NUMBERS_IN, auth=DEMO_IN).json()["incoming_phone_numbers"][0]["sid"]
            api.post(f"{NUMBERS_IN}/{sid}", data={"VoiceUrl": LONG_URL, "FriendlyName": "Support line"}, auth=DEMO_IN)
            api.put("/_sandbox/releases", json={"timing": "manual"})
            failing = api.post(NUMBERS_IN, data={"PhoneNumber": FAILING}, auth=DEMO_IN)
            assert failing.status_code == 200, failing.text
            failing_sid = failing.json()["sid"]
            api.delete(f"{NUMBERS_IN}/{failing_sid}", auth=DEMO_IN)
            api.post(f"/_sandbox/releases/{failing_sid}/fail", json={"reason": "the carrier refused: port-out pending"})
            db.transact(create_operator_user, clock, OPERATOR_EMAIL, PASSWORD)
            api.post(NUMBERS_IN, data={"PhoneNumber": "+918040000402"}, auth=DEMO_IN)
            api.get(NUMBERS_IN, auth=("demo_in_key", "not-the-token"))
            api.post("/_sandbox/faults", json={"action": "error", "status": 503, "method": "POST",
                                               "path": "/v2_beta/Accounts/*/IncomingPhoneNumbers/*", "count": 2})
        yield server


def log_in(page: Any, server: ServerThread) -> None:
    page.goto(f"{server.url}/dashboard/login")
    page.get_by_label("Email").fill("demo_in@example.com")
    page.get_by_label("Password").fill("exopool-demo")
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="ExoPhones")).to_be_visible()


def every_page(page: Any, server: ServerThread) -> Iterator[str]:
    """Visit each page (and each page's error state); yield its name once it is shown."""
    page.goto(f"{server.url}/dashboard/login")
    yield "login"
    log_in(page, server)
    yield "numbers"
    page.get_by_role("link", name="+91").first.click()
    expect(page.get_by_role("heading", name="History")).to_be_visible()
    number_page = page.url
    yield "number"
    page.get_by_role("link", name="Edit").first.click()
    page.get_by_label("Voice URL").fill("ftp://not-a-callback")
    page.get_by_role("button", name="Save").click()
    expect(page.locator("#voice_url-error")).to_be_visible()
    yield "number-edit-error"
    page.goto(number_page)
    page.get_by_role("link", name="Release").first.click()
    expect(page.get_by_role("button", name="Release this number")).to_be_visible()
    yield "release"
    page.get_by_label("to confirm").fill(page.locator("label[for=confirm] strong").inner_text())
    page.get_by_role("button", name="Release this number").click()
    expect(page.get_by_role("status")).to_contain_text("Release of")
    page.goto(f"{server.url}/dashboard/released")
    yield "released"
    page.get_by_role("link", name="Restore").first.click()
    expect(page.get_by_role("button", name="Restore this number")).to_be_visible()
    yield "restore"
    page.goto(f"{server.url}/dashboard/numbers/buy?type=Landline&region=KA")
    yield "buy"
    page.goto(f"{server.url}/dashboard/numbers/buy?contains=12ab")
    yield "buy-error"
    page.goto(f"{server.url}/dashboard/api-settings")
    page.get_by_label("Label").fill("billing-app-with-a-rather-long-label-for-its-purpose")
    page.get_by_role("button", name="Create key").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    yield "api-settings"
    page.get_by_role("link", name="Revoke key billing-app").click()
    expect(page.get_by_text("will stop working at once")).to_be_visible()
    yield "revoke"
    page.goto(f"{server.url}/dashboard/events")
    yield "events"
    page.goto(f"{server.url}/dashboard/webhooks")
    page.get_by_label("URL", exact=True).fill("https://hooks.example.com/exopool/numbers/a-rather-long-path-for-a-phone")
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.locator("#new-secret")).to_contain_text("whsec_")
    yield "webhooks"
    page.goto(f"{server.url}/dashboard/sandbox")
    yield "sandbox"
    page.goto(f"{server.url}/dashboard/no/such/page")
    yield "not-found"
    yield from operator_pages(page, server)


def operator_pages(page: Any, server: ServerThread) -> Iterator[str]:
    """The operator's pages, and their error states, after logging out of the account's."""
    page.get_by_role("button", name="Log out").click()
    page.get_by_label("Email").fill(OPERATOR_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()
    yield "operator-accounts"
    page.get_by_label("Account sid").fill("not a sid")
    page.get_by_label("Name").fill("Acme Ltd")
    page.get_by_role("button", name="Create account").click()
    expect(page.locator("#sid-error")).to_be_visible()
    yield "operator-accounts-error"
    page.goto(f"{server.url}/dashboard/operator/accounts/demo_in")
    page.get_by_label("Label", exact=True).fill("billing-app-with-a-rather-long-label-for-its-purpose")
    page.get_by_role("button", name="Issue key").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    yield "operator-account"
    page.get_by_role("link", name="Suspend").click()
    yield "operator-suspend"
    page.goto(f"{server.url}/dashboard/operator/pool")
    yield "operator-pool"
    page.get_by_label("CSV file").set_input_files({"name": "bad.csv", "mimeType": "text/csv", "buffer": BAD_CSV})
    page.get_by_role("button", name="Import").click()
    expect(page.locator("ul.problems li")).to_have_count(2)
    yield "operator-pool-errors"
    page.goto(f"{server.url}/dashboard/operator/releases")
    expect(page.get_by_role("button", name=f"Retry the release of {FAILING}")).to_be_visible()
    yield "operator-releases"
    page.goto(f"{server.url}/dashboard/operator/events")
    yield "operator-events"
    page.goto(f"{server.url}/dashboard/operator/events?since=yesterday")
    yield "operator-events-error"


@pytest.mark.parametrize("size", WIDTHS)
def test_every_page_fits_the_screen_and_keeps_dates_and_urls_whole(
    chromium: Any, sandbox: ServerThread, size: str,
) -> None:
    width, height = WIDTHS[size]
    phone = size == "phone"
    context = chromium.new_context(viewport={"width": width, "height": height}, is_mobile=phone, has_touch=phone)
    page = context.new_page()
    page.set_default_timeout(20_000)
    seen = []
    try:
        for name in every_page(page, sandbox):
            seen.append(name)
            page.wait_for_load_state()
            assert page.evaluate(WIDER_THAN_SCREEN) == [], f"{name} at {width}px"
            assert page.evaluate(UNLABELLED) == [], name
            if not phone:
                assert page.evaluate(WRAPPED) == [], f"{name} at {width}px"
            if phone and name in ("numbers", "operator-pool"):
                screenshot(page, "phone" if name == "numbers" else "operator-phone", full_page=name != "numbers")
    finally:
        context.close()
    assert len(seen) == 24


def test_the_number_page_shows_a_long_url_whole_and_the_list_shows_it_cut(
    browser_page: Any, sandbox: ServerThread,
) -> None:
    page = browser_page
    log_in(page, sandbox)
    cell = page.locator("td.url > span").first
    assert cell.get_attribute("title") == LONG_URL
    assert page.evaluate("el => el.scrollWidth > el.clientWidth", cell.element_handle())  # cut, with an ellipsis
    page.get_by_role("link", name="+91").first.click()
    expect(page.locator("dd.long").first).to_have_text(LONG_URL)
    screenshot(page, "number", full_page=True)
    page.goto(f"{sandbox.url}/dashboard/sandbox")
    expect(page.get_by_role("heading", name="Request journal")).to_be_visible()
    screenshot(page, "sandbox", full_page=True)
