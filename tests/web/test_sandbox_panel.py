"""The dashboard in sandbox mode, over real HTTP: magic numbers answer as in the API, and the sandbox
panel does what the control plane does (journal filters, fault rules, clock, reset)."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from tests.conftest import ServerThread
from tests.web.conftest import csrf_of, field_error, log_in, post_form
from tests.web.test_dashboard_pages import cells

DEMO_IN = ("demo_in_key", "demo_in_token")
DEMO_SG = ("demo_sg_key", "demo_sg_token")
NUMBERS_IN = "/v2_beta/Accounts/demo_in/IncomingPhoneNumbers"
PANEL = "/dashboard/sandbox"


@pytest.fixture
def sandbox_settings(settings: Settings) -> Settings:
    return settings.replace(sandbox=True, run_worker=True)


@pytest.fixture
def sandbox_server(sandbox_settings: Settings) -> Iterator[ServerThread]:
    with ServerThread(create_app(sandbox_settings, clock=ManualClock())) as running:
        yield running


@pytest.fixture
def panel(sandbox_server: ServerThread) -> Iterator[httpx.Client]:
    """A browser-like client logged in as the demo seed's Mumbai user."""
    with httpx.Client(base_url=sandbox_server.url, timeout=10) as client:
        assert log_in(client, "demo_in@example.com", "exopool-demo").status_code == 303
        yield client


@pytest.fixture
def api(sandbox_server: ServerThread) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=sandbox_server.url, headers={"Host": "api.in.exotel.com"}, timeout=10) as client:
        yield client


def send(client: httpx.Client, target: str, /, **fields: str) -> httpx.Response:
    """Submit one of the panel's forms with the panel's CSRF token."""
    return client.post(target, data={"csrf_token": csrf_of(client.get(PANEL).text), **fields})


def test_a_magic_number_bought_in_the_dashboard_answers_as_in_the_api(panel: httpx.Client, api: httpx.Client) -> None:
    for number, status, words in (("+918040000402", 402, "The account balance is too low to buy +918040000402"),
                                  ("+918040000403", 403, "KYC verification of this account is pending")):
        refused = post_form(panel, "/dashboard/numbers/buy", "/dashboard/numbers/buy", phone_number=number)
        by_api = api.post(NUMBERS_IN, data={"PhoneNumber": number}, auth=DEMO_IN)
        assert refused.status_code == by_api.status_code == status, number
        assert words in refused.text and words in by_api.json()["RestException"]["Message"]
    held = api.get(NUMBERS_IN, auth=DEMO_IN).json()["incoming_phone_numbers"]
    assert not [n for n in held if n["phone_number"].startswith("+918040000")]


def test_the_panel_is_in_the_navigation_in_sandbox_mode(panel: httpx.Client) -> None:
    page = panel.get("/dashboard/numbers").text
    assert f'href="{PANEL}"' in page
    shown = panel.get(PANEL)
    assert shown.status_code == 200 and "<h1>Sandbox</h1>" in shown.text and "Request journal" in shown.text


def test_the_journal_filters_by_path_status_and_key(panel: httpx.Client, api: httpx.Client) -> None:
    api.get(NUMBERS_IN, auth=DEMO_IN)
    api.post(NUMBERS_IN, data={"PhoneNumber": "+918040000402"}, auth=DEMO_IN)
    api.get(NUMBERS_IN, auth=("demo_in_key", "wrong"))
    api.get("/v2_beta/Accounts/demo_sg/IncomingPhoneNumbers", auth=DEMO_SG, headers={"Host": "api.exotel.com"})
    assert len(cells(panel.get(PANEL).text, "Request")) == 4
    failed = panel.get(PANEL, params={"status": "402"}).text
    assert cells(failed, "Request") == [f"POST {NUMBERS_IN}"]
    assert "The account balance is too low" in failed
    refused = panel.get(PANEL, params={"status": "401"}).text
    assert cells(refused, "API key") == ["demo_in_key"]
    assert "the token is not the token of API key demo_in_key" in cells(refused, "Answer")[0]
    assert cells(panel.get(PANEL, params={"api_key": "demo_sg_key"}).text, "Request") == [
        "GET /v2_beta/Accounts/demo_sg/IncomingPhoneNumbers"]
    assert len(cells(panel.get(PANEL, params={"path": "demo_in"}).text, "Request")) == 3
    assert len(cells(panel.get(PANEL, params={"path": "/v2_beta/*/demo_sg/*"}).text, "Request")) == 1
    assert "No requests match these filters" in panel.get(PANEL, params={"path": "nothing"}).text
    bad = panel.get(PANEL, params={"status": "abc"})
    assert bad.status_code == 400 and field_error(bad.text, "journal_status") == \
        "Status must be a whole number from 100 to 599, not 'abc'"


def test_a_fault_rule_added_in_the_panel_fails_requests_until_it_is_removed(
    panel: httpx.Client, api: httpx.Client,
) -> None:
    added = send(panel, f"{PANEL}/faults", action="error", method="GET", path="*/IncomingPhoneNumbers",
                      status="503", count="", probability="", latency_ms="", account="")
    assert added.status_code == 303
    page = panel.get(PANEL).text
    assert "Fault rule 1 added: error on GET */IncomingPhoneNumbers" in page
    assert cells(page, "Answer")[0] == "503" and cells(page, "Fired") == ["0 of 0"]
    assert api.get(NUMBERS_IN, auth=DEMO_IN).status_code == 503
    assert cells(panel.get(PANEL).text, "Fired") == ["1 of 1"]
    removed = send(panel, f"{PANEL}/faults/1/delete")
    assert removed.status_code == 303 and "No fault rules" in panel.get(PANEL).text
    assert api.get(NUMBERS_IN, auth=DEMO_IN).status_code == 200
    assert send(panel, f"{PANEL}/faults/1/delete").status_code == 404


def test_a_bad_fault_rule_is_refused_beside_its_field_and_adds_nothing(panel: httpx.Client) -> None:
    for fields, field, reason in (
        ({"action": "error", "status": "700"}, "status", "Status must be a whole number from 400 to 599, not 700"),
        ({"action": "error", "status": "five"}, "status", "Status must be a whole number, not 'five'"),
        ({"action": "latency"}, "latency_ms", "Latency (ms) must be greater than 0 for a latency fault"),
        ({"action": "error", "probability": "2"}, "probability", "Probability must be a number from 0 to 1"),
        ({"action": "explode"}, "action", "Action must be one of error, latency, drop"),
    ):
        refused = send(panel, f"{PANEL}/faults", **fields)
        assert refused.status_code == 400, fields
        assert (field_error(refused.text, field) or "").startswith(reason), (fields, field_error(refused.text, field))
        if field in ("status", "probability"):  # what was typed stays in its field
            assert f'name="{field}" inputmode' in refused.text and f'value="{fields[field]}"' in refused.text
    assert "No fault rules" in panel.get(PANEL).text


def test_the_clock_moves_forward_from_the_panel(panel: httpx.Client, sandbox_server: ServerThread) -> None:
    before = httpx.get(f"{sandbox_server.url}/_sandbox/clock").json()
    moved = send(panel, f"{PANEL}/clock", amount="2", unit="days")
    assert moved.status_code == 303
    after = httpx.get(f"{sandbox_server.url}/_sandbox/clock").json()
    assert after["advanced_seconds"] - before["advanced_seconds"] == 2 * 86400
    page = panel.get(PANEL)
    assert page.status_code == 200, page.text
    page = page.text
    assert "The clock moved 2 days forward" in page and after["now"][:10] in page
    for amount, unit, field in (("0", "days", "amount"), ("x", "days", "amount"), ("1", "weeks", "unit")):
        refused = send(panel, f"{PANEL}/clock", amount=amount, unit=unit)
        assert refused.status_code == 400 and field_error(refused.text, field), (amount, unit)
    assert httpx.get(f"{sandbox_server.url}/_sandbox/clock").json()["advanced_seconds"] == after["advanced_seconds"]


def test_reset_from_the_panel_brings_back_the_seed(panel: httpx.Client, api: httpx.Client) -> None:
    held = len(api.get(NUMBERS_IN, auth=DEMO_IN).json()["incoming_phone_numbers"])
    assert api.post(NUMBERS_IN, data={"PhoneNumber": "+918048332510"}, auth=DEMO_IN).status_code == 200
    send(panel, f"{PANEL}/faults", action="latency", latency_ms="1")
    reset = send(panel, f"{PANEL}/reset")
    assert reset.status_code == 303
    page = panel.get(PANEL).text
    assert "back to its seed" in page and "No fault rules" in page and "No requests yet" in page
    assert len(api.get(NUMBERS_IN, auth=DEMO_IN).json()["incoming_phone_numbers"]) == held


def test_panel_forms_need_the_csrf_token(panel: httpx.Client, sandbox_server: ServerThread) -> None:
    for action, fields in ((f"{PANEL}/reset", {}), (f"{PANEL}/clock", {"amount": "1", "unit": "days"}),
                           (f"{PANEL}/faults", {"action": "drop"})):
        assert panel.post(action, data={"csrf_token": "forged", **fields}).status_code == 403
    assert httpx.get(f"{sandbox_server.url}/_sandbox/clock").json()["advanced_seconds"] == 0
    assert httpx.get(f"{sandbox_server.url}/_sandbox/faults").json() == {"faults": []}


def test_the_panel_needs_a_login(sandbox_server: ServerThread) -> None:
    with httpx.Client(base_url=sandbox_server.url) as anonymous:
        assert anonymous.get(PANEL).status_code == 303
        token = csrf_of(anonymous.get("/dashboard/login").text)
        assert anonymous.post(f"{PANEL}/reset", data={"csrf_token": token}).status_code == 303


def test_with_an_admin_token_the_panel_is_not_offered(sandbox_settings: Settings) -> None:
    """The control plane then needs the token; a dashboard login must not be a way around it."""
    app = create_app(sandbox_settings.replace(sandbox_admin_token="s3cret"), clock=ManualClock())
    with ServerThread(app) as server, httpx.Client(base_url=server.url) as client:
        log_in(client, "demo_in@example.com", "exopool-demo")
        assert client.get(PANEL).status_code == 404
        assert f'href="{PANEL}"' not in client.get("/dashboard/numbers").text


def test_the_control_plane_journal_filters_by_status_and_key_too(
    api: httpx.Client, sandbox_server: ServerThread,
) -> None:
    api.get(NUMBERS_IN, auth=DEMO_IN)
    api.get(NUMBERS_IN, auth=("demo_in_key", "wrong"))
    journal = f"{sandbox_server.url}/_sandbox/requests"
    assert [e["status"] for e in httpx.get(journal, params={"status": "401"}).json()["requests"]] == [401]
    assert len(httpx.get(journal, params={"api_key": "demo_in_key"}).json()["requests"]) == 2
    bad = httpx.get(journal, params={"status": "4xx"})
    assert bad.status_code == 400
    assert bad.json()["RestException"]["Message"] == "status must be a whole number, not '4xx'"
    negative = httpx.get(journal, params={"limit": "-1"}).json()
    assert negative["RestException"]["Message"] == "limit must be a whole number, not '-1'"
