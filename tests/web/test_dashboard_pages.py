"""The dashboard's pages over real HTTP: one number and its history, the 404 page, paging through the
offer, form errors beside their field, and words for every event kind."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import httpx

from exopool.carriers.factory import carrier_for
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.jobs.worker import ReleaseWorker
from exopool.services.deliveries import EVENT_TYPES, WEBHOOK_QUEUED
from exopool.services.phone_numbers import purchase_phone_number, release_phone_number, update_phone_number
from exopool.web.labels import EVENTS
from tests.conftest import Persona
from tests.web.conftest import DashboardUser, field_error, log_in, post_form

NUMBER = "+918048332520"
SRC = Path(__file__).resolve().parents[2] / "src" / "exopool"


def cells(page: str, label: str) -> list[str]:
    """The text of every table cell of a column, by its label."""
    return [re.sub(r"<[^>]+>", "", cell).strip()
            for cell in re.findall(rf'<td data-label="{label}"[^>]*>(.*?)</td>', page, re.S)]


def test_a_numbers_page_shows_its_sid_dates_settings_and_history_in_words(
    web: httpx.Client, alice_user: DashboardUser, db: Database, clock: ManualClock,
) -> None:
    actor = alice_user.persona.actor
    number = db.transact(purchase_phone_number, clock, actor, NUMBER)
    clock.advance(60)
    db.transact(lambda conn: update_phone_number(conn, clock, actor, number.sid, voice_url="https://example.com/v"))
    log_in(web, alice_user.email, alice_user.password)
    page = web.get(f"/dashboard/numbers/{number.sid}")
    assert page.status_code == 200
    assert f'<code id="number-sid">{number.sid}</code>' in page.text
    assert "2026-03-02 09:30:00" in page.text and "2026-03-02 09:31:00" in page.text  # bought, updated
    assert "https://example.com/v" in page.text
    assert cells(page.text, "What") == ["Number bought", "Number updated"]
    assert cells(page.text, "When") == ["2026-03-02 09:30:00", "2026-03-02 09:31:00"]
    assert f'href="/dashboard/numbers/{number.sid}/edit"' in page.text
    assert f'href="/dashboard/numbers/{number.sid}/release"' in page.text
    assert "number.purchased</td>" not in page.text


def test_a_numbers_history_holds_only_the_current_ownership(
    web: httpx.Client, alice_user: DashboardUser, bob: Persona, db: Database, clock: ManualClock, settings: Settings,
) -> None:
    """Bob held the number before: what he did with it is his, and Alice's earlier ownership is over."""
    first = db.transact(purchase_phone_number, clock, bob.actor, NUMBER)
    db.transact(lambda conn: update_phone_number(conn, clock, bob.actor, first.sid, friendly_name="Bob's line"))
    db.transact(release_phone_number, clock, bob.actor, first.sid)
    ReleaseWorker(db, settings, carrier_for(settings, db, clock), clock).run_due()
    clock.advance(1)
    mine = db.transact(purchase_phone_number, clock, alice_user.persona.actor, NUMBER)
    log_in(web, alice_user.email, alice_user.password)
    page = web.get(f"/dashboard/numbers/{mine.sid}").text
    assert cells(page, "What") == ["Number bought"]
    assert "Bob&#39;s line" not in page and "bob" not in page and first.sid not in page
    assert web.get(f"/dashboard/numbers/{first.sid}").status_code == 404


def test_buying_and_saving_lead_to_the_numbers_page(web: httpx.Client, alice_user: DashboardUser) -> None:
    log_in(web, alice_user.email, alice_user.password)
    bought = post_form(web, "/dashboard/numbers/buy", "/dashboard/numbers/buy", phone_number=NUMBER)
    assert bought.status_code == 303
    page = web.get(bought.headers["location"])
    assert page.status_code == 200 and f"Bought {NUMBER}" in page.text and cells(page.text, "What") == ["Number bought"]


def test_unknown_dashboard_paths_get_the_dashboards_own_404_page(
    web: httpx.Client, alice_user: DashboardUser,
) -> None:
    for path in ("/dashboard/nothing", "/dashboard/numbers/buy/more", "/dashboard/sandbox"):
        anonymous = web.get(path)
        assert anonymous.status_code == 404 and anonymous.headers["content-type"].startswith("text/html"), path
        assert "<h1>Not found</h1>" in anonymous.text and "RestException" not in anonymous.text
    log_in(web, alice_user.email, alice_user.password)
    known = web.get("/dashboard/nothing")
    assert known.status_code == 404 and "<h1>Not found</h1>" in known.text
    assert 'aria-label="Main"' in known.text and "alice@example.com" in known.text  # the frame of a logged-in page
    assert ">Sandbox</a>" not in known.text  # no sandbox panel outside sandbox mode
    posted = web.post("/dashboard/nothing", data={"csrf_token": "any"})
    assert posted.status_code == 404 and "<h1>Not found</h1>" in posted.text
    wrong_method = web.delete("/dashboard/numbers")
    assert wrong_method.status_code == 405 and wrong_method.headers["content-type"].startswith("text/html")


def test_the_buy_page_pages_through_every_result_once(web: httpx.Client, alice_user: DashboardUser) -> None:
    log_in(web, alice_user.email, alice_user.password)
    search = "/dashboard/numbers/buy?type=Landline&region=KA"
    first = web.get(search).text
    assert 'rel="next"' in first and 'rel="prev"' not in first
    link = re.search(r'href="([^"]+)" rel="next"', first).group(1)  # type: ignore[union-attr]
    second = web.get(link.replace("&amp;", "&")).text
    assert "type=Landline" in link and "region=KA" in link and "page=1" in link
    assert 'rel="prev"' in second and 'rel="next"' not in second  # 40 numbers: two full pages, no third
    numbers = cells(first, "Number") + cells(second, "Number")
    assert numbers == [f"+9180483325{i:02d}" for i in range(40)]
    beyond = web.get(f"{search}&page=2").text
    assert cells(beyond, "Number") == [] and "No more numbers match these filters" in beyond


def test_a_label_too_long_is_refused_beside_the_label_field(
    web: httpx.Client, alice_user: DashboardUser,
) -> None:
    log_in(web, alice_user.email, alice_user.password)
    response = post_form(web, "/dashboard/api-settings", "/dashboard/api-settings/keys", label="x" * 201)
    assert response.status_code == 400
    assert field_error(response.text, "label") == "Label must be at most 200 characters"
    assert 'value="' + "x" * 201 + '"' in response.text  # what was typed stays in the field


def test_a_release_typed_wrong_says_so_beside_the_confirmation_field(
    web: httpx.Client, alice_user: DashboardUser, db: Database, clock: ManualClock,
) -> None:
    number = db.transact(purchase_phone_number, clock, alice_user.persona.actor, NUMBER)
    log_in(web, alice_user.email, alice_user.password)
    page = f"/dashboard/numbers/{number.sid}/release"
    refused = post_form(web, page, page, confirm="+918048332599")
    assert refused.status_code == 400
    assert field_error(refused.text, "confirm") == f"Type {NUMBER} exactly to release it."


def event_kinds_in_the_source() -> set[str]:
    """Every string literal of the services and jobs that looks like an event kind."""
    kinds = set()
    for path in [*(SRC / "services").rglob("*.py"), *(SRC / "jobs").rglob("*.py")]:
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) and \
                    re.fullmatch(r"(number|release|api_key|account|user|operator|pool|webhook)\.[a-z_]+", node.value):
                kinds.add(node.value)
    return kinds


def test_every_event_kind_has_words_of_its_own() -> None:
    # Webhook types named apart from the event kind they tell of, and the delivery workers' topic, are no kinds.
    webhook_only = set(EVENT_TYPES.values()) - set(EVENT_TYPES)
    kinds = event_kinds_in_the_source() - webhook_only - {WEBHOOK_QUEUED}
    assert {"number.purchased", "release.attempt_started", "number.back_in_pool"} <= kinds
    assert sorted(kinds - set(EVENTS)) == []
    assert all("." not in words and "_" not in words for words in EVENTS.values())


def test_the_events_page_words_release_steps_too(
    web: httpx.Client, alice_user: DashboardUser, db: Database, clock: ManualClock, settings: Settings,
) -> None:
    number = db.transact(purchase_phone_number, clock, alice_user.persona.actor, NUMBER)
    db.transact(release_phone_number, clock, alice_user.persona.actor, number.sid)
    ReleaseWorker(db, settings, carrier_for(settings, db, clock), clock).run_due()
    log_in(web, alice_user.email, alice_user.password)
    words = cells(web.get("/dashboard/events").text, "What")
    assert "Carrier asked to release" in words and "Release confirmed by the carrier" in words
    assert not [w for w in words if "." in w or "_" in w]
