"""The operator's pages in a real Chromium: onboard and suspend a customer, fill the pool (with the upload's
progress shown), retry a failed release and export the event log, each checked over HTTP or in the database.

These tests also take the operator pages' screenshots shown in docs/dashboard.md.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import expect
from sqlalchemy import select

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.models import PhoneNumber
from exopool.services.phone_numbers import purchase_phone_number, release_phone_number
from exopool.services.releases import claim_release, fail_release, get_release
from tests.conftest import Persona, ServerThread
from tests.web.conftest import OPERATOR_EMAIL, PASSWORD, screenshot
from tests.web.test_dashboard_browser import UNLABELLED

NUMBERS = "/v2_beta/Accounts/acme/IncomingPhoneNumbers"
GOOD_CSV = ("phone_number,cluster,type,region\n"
            + "".join(f"+9180400{n:05d},in,landline,KA\n" for n in range(20_000)))
HELD = ["+918048332520", "+918048332521", "+918048332522", "+918048332523", "+918048332524"]
BAD_CSV = ("phone_number,cluster,type,region\n+918040100001,in,landline,KA\n+91804,in,landline,KA\n"
           "+918040100003,mars,landline,KA\n+918040100001,in,landline,KA\n")


def log_in_as_operator(page: Any, server: ServerThread) -> None:
    page.goto(f"{server.url}/dashboard/login")
    page.get_by_label("Email").fill(OPERATOR_EMAIL)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Accounts")).to_be_visible()


def csv_file(name: str, text: str) -> dict[str, Any]:
    return {"name": name, "mimeType": "text/csv", "buffer": text.encode()}


def test_an_operator_onboards_a_customer_then_suspends_and_resumes_it(
    browser_page: Any, server: ServerThread, operator_user: str, alice: Persona, http: httpx.Client,
) -> None:
    page = browser_page
    log_in_as_operator(page, server)
    page.get_by_label("Account sid").fill("acme")
    page.get_by_label("Name").fill("Acme Ltd")
    page.get_by_label("Cluster").select_option("in")
    page.get_by_role("button", name="Create account").click()
    expect(page.get_by_role("status")).to_contain_text("Created account acme")
    page.get_by_label("Label").fill("production")
    page.get_by_role("button", name="Issue key").click()
    expect(page.get_by_text("it is shown only this once")).to_be_visible()
    key, token = page.locator("#new-key").inner_text(), page.locator("#new-token").inner_text()
    page.get_by_role("button", name="Copy the API token").click()
    expect(page.get_by_role("button", name="Copy the API token")).to_have_text("Copied")
    assert page.evaluate("navigator.clipboard.readText()") == token
    screenshot(page, "operator-account", full_page=True)
    assert http.get(NUMBERS, auth=(key, token)).status_code == 200
    page.reload()
    assert token not in page.content()

    page.get_by_role("link", name="Suspend").click()
    expect(page.get_by_role("heading", name="Suspend account acme?")).to_be_visible()
    screenshot(page, "operator-suspend")
    assert http.get(NUMBERS, auth=(key, token)).status_code == 200  # asked, not done
    page.get_by_role("button", name="Suspend acme").click()
    expect(page.get_by_role("status")).to_contain_text("Account acme is suspended")
    assert http.get(NUMBERS, auth=(key, token)).status_code == 403
    page.get_by_role("link", name="Resume").click()
    page.get_by_role("button", name="Resume acme").click()
    expect(page.get_by_role("status")).to_contain_text("Account acme is active again")
    assert http.get(NUMBERS, auth=(key, token)).status_code == 200

    page.get_by_role("link", name="Accounts").click()
    rows = page.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("Acme Ltd")
    screenshot(page, "operator-accounts")
    assert page.evaluate(UNLABELLED) == []


def numbers_in_every_state(db: Database, clock: ManualClock, persona: Persona) -> None:
    """Of the persona's cluster: some held, one releasing, one whose release failed."""
    sids = [db.transact(purchase_phone_number, clock, persona.actor, number).sid for number in HELD]
    for sid in sids[:2]:
        db.transact(release_phone_number, clock, persona.actor, sid)
    db.transact(lambda conn: fail_release(conn, clock.now(), claim_release(conn, clock.now(), sids[0], "w1", 30),
                                          "carrier refused"))


def test_an_upload_shows_its_progress_and_a_bad_file_lists_every_bad_line(
    browser_page: Any, server: ServerThread, operator_user: str, alice: Persona, db: Database, clock: ManualClock,
) -> None:
    numbers_in_every_state(db, clock, alice)
    page = browser_page
    log_in_as_operator(page, server)
    page.get_by_role("link", name="Pool", exact=True).click()
    chart = page.get_by_role("img", name="Numbers by state in each cluster")
    expect(chart).to_have_attribute("aria-label", re.compile(r"in 85, \d+ available, 3 active, 1 releasing, "
                                                             r"1 release_failed"))
    screenshot(page, "operator-pool", full_page=True)
    page.get_by_label("CSV file").set_input_files(csv_file("bad.csv", BAD_CSV))
    page.get_by_role("button", name="Import").click()
    expect(page.get_by_text("bad.csv: 3 invalid row(s); nothing was imported")).to_be_visible()
    problems = page.locator("ul.problems li")
    expect(problems).to_have_count(3)
    expect(problems.nth(0)).to_contain_text("Line 3")
    expect(problems.nth(2)).to_contain_text("repeats line 2")
    assert page.url.endswith("/dashboard/operator/pool")  # the refusal stays on the page the form was on
    screenshot(page, "operator-pool-errors", full_page=True)

    held: list[Any] = []
    page.route("**/operator/pool/imports", lambda route: held.append(route))
    page.get_by_label("CSV file").set_input_files(csv_file("numbers.csv", GOOD_CSV))
    page.get_by_role("button", name="Import").click()
    bar = page.get_by_role("progressbar", name="Upload")
    expect(bar).to_be_visible()
    expect(page.get_by_role("button", name="Import")).to_be_disabled()
    page.wait_for_function("() => document.querySelector('#upload-status').textContent.length > 0")
    assert len(held) == 1 and len(held[0].request.post_data_buffer) > len(GOOD_CSV)
    screenshot(page, "operator-pool-uploading", full_page=True)
    held[0].continue_()
    expect(page.get_by_role("status").first).to_contain_text("Imported 20000 number(s) from numbers.csv",
                                                            timeout=120_000)
    page.unroute("**/operator/pool/imports")
    with db.begin() as conn:
        imported = conn.execute(select(PhoneNumber.id).where(PhoneNumber.phone_number.like("+9180400%"))).all()
    assert len(imported) == 20_000


def test_a_failed_release_is_retried_and_the_log_is_filtered_and_exported(
    browser_page: Any, server: ServerThread, operator_user: str, alice: Persona, db: Database, clock: ManualClock,
    tmp_path: Path,
) -> None:
    sid = db.transact(purchase_phone_number, clock, alice.actor, "+918048332520").sid
    db.transact(release_phone_number, clock, alice.actor, sid)
    db.transact(lambda conn: fail_release(conn, clock.now(), claim_release(conn, clock.now(), sid, "w1", 30),
                                          "carrier refused: number under port-out"))
    page = browser_page
    log_in_as_operator(page, server)
    page.get_by_role("link", name="Releases").click()
    expect(page.get_by_role("heading", name="Failed (1)")).to_be_visible()
    screenshot(page, "operator-releases", full_page=True)
    page.get_by_role("button", name="Retry the release of +918048332520").click()
    expect(page.get_by_role("status")).to_contain_text("Release of +918048332520 is queued again")
    assert db.transact(get_release, sid).state == "queued"

    page.get_by_role("link", name="Event log").click()
    page.get_by_label("Account").fill("alice")
    page.get_by_role("button", name="Filter").click()
    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("Release retried by an operator")
    expect(rows.first).to_contain_text(f"user:{OPERATOR_EMAIL}")
    screenshot(page, "operator-events", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="NDJSON").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    records = [json.loads(line) for line in saved.read_text().splitlines()]
    assert {r["account_sid"] for r in records} == {"alice"} and records[-1]["kind"] == "release.retried"
    assert [r["id"] for r in records] == sorted(r["id"] for r in records)
