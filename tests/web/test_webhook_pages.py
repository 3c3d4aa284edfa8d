"""The Webhooks page in a real Chromium, and over HTTP: create (the secret once), deliveries, redeliver, delete."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from playwright.sync_api import expect

from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.jobs.webhooks import DeliveryWorker
from exopool.services.phone_numbers import purchase_phone_number
from tests.conftest import ServerThread
from tests.web.conftest import DashboardUser, log_in, post_form
from tests.web.test_dashboard_browser import log_in_page
from tests.webhooks.conftest import Receiver

LANDLINE = "+918048332510"


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    running.down()


def send_due(settings: Settings, db: Database, clock: ManualClock) -> int:
    """What the server's delivery worker does, run here while the page's clock stands still."""
    return DeliveryWorker(db, settings, clock).run_due()


def test_a_user_adds_an_endpoint_sees_its_deliveries_redelivers_and_deletes_it(
    browser_page: Any, server: ServerThread, alice_user: DashboardUser, receiver: Receiver, settings: Settings,
    db: Database, clock: ManualClock,
) -> None:
    page = browser_page
    log_in_page(page, server, alice_user)
    page.get_by_role("link", name="Webhooks").click()
    expect(page.get_by_text("No webhook endpoints yet")).to_be_visible()
    page.get_by_label("URL").fill(receiver.url)
    page.get_by_label("number.purchased").check()
    page.get_by_role("button", name="Add endpoint").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    receiver.secret = page.locator("#new-secret").inner_text()
    assert receiver.secret.startswith("whsec_")
    page.reload()
    expect(page.get_by_text("it is shown only this once")).to_have_count(0)
    expect(page.get_by_role("cell", name="number.purchased", exact=True)).to_be_visible()

    db.transact(lambda conn: purchase_phone_number(conn, clock, alice_user.persona.actor, LANDLINE))
    assert send_due(settings, db, clock) == 1
    page.get_by_role("link", name="Deliveries").click()
    expect(page.get_by_role("cell", name="delivered")).to_be_visible()
    expect(page.get_by_text("HTTP 200")).to_be_visible()
    page.get_by_role("button", name="Redeliver").click()
    expect(page.get_by_text("is sent again")).to_be_visible()
    assert send_due(settings, db, clock) == 1
    calls = receiver.received()
    assert len(calls) == 2 and calls[0].webhook_id == calls[1].webhook_id and all(c.verified for c in calls)

    page.get_by_role("link", name="Back to webhooks").click()
    page.get_by_role("link", name=f"Delete endpoint {receiver.url}").click()
    page.get_by_role("button", name="Delete endpoint").click()
    expect(page.get_by_text("nothing more is sent to it")).to_be_visible()
    expect(page.get_by_text("No webhook endpoints yet")).to_be_visible()


def test_a_bad_url_shows_the_form_again_saying_why(web: httpx.Client, alice_user: DashboardUser) -> None:
    log_in(web, alice_user.email, alice_user.password)
    answer = post_form(web, "/dashboard/webhooks", "/dashboard/webhooks", url="ftp://example.com/x")
    assert answer.status_code == 400
    assert "URL &#39;ftp://example.com/x&#39; must be an absolute http or https URL" in answer.text
    assert "No webhook endpoints yet" in answer.text


def test_another_accounts_endpoint_is_not_found(web: httpx.Client, alice_user: DashboardUser,
                                                bob_user: DashboardUser, receiver: Receiver) -> None:
    log_in(web, alice_user.email, alice_user.password)
    created = post_form(web, "/dashboard/webhooks", "/dashboard/webhooks", url=receiver.url)
    assert created.status_code == 303
    sid = web.get("/dashboard/webhooks").text.split("/dashboard/webhooks/")[1].split("/")[0]
    with httpx.Client(base_url=str(web.base_url), timeout=10) as bob:
        log_in(bob, bob_user.email, bob_user.password)
        for path in (f"/dashboard/webhooks/{sid}/deliveries", f"/dashboard/webhooks/{sid}/delete"):
            assert bob.get(path).status_code == 404
