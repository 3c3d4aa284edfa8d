"""The sandbox clock and release timing: aging ends, delayed releases complete, manual ones wait for a hand."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from tests.conftest import ServerThread
from tests.sandbox.conftest import DEMO_IN, NUMBERS_IN, buy, owned_sids, release_of, wait_for

NINETY_DAYS = 90 * 86400


def release(api: httpx.Client) -> str:
    sid = owned_sids(api)[0]
    assert api.delete(f"{NUMBERS_IN}/{sid}", auth=DEMO_IN).status_code == 202
    return sid


def phone_of(api: httpx.Client, sid: str) -> str:
    return release_of(api, sid)["phone_number"]


def state_is(api: httpx.Client, sid: str, state: str) -> bool:
    return release_of(api, sid)["state"] == state


def test_clock_reads_and_advances(api: httpx.Client) -> None:
    before = api.get("/_sandbox/clock").json()
    after = api.post("/_sandbox/clock", json={"days": 2, "hours": 1}).json()
    assert after["advanced_seconds"] == 2 * 86400 + 3600
    assert after["now"][:10] > before["now"][:10]


def test_clock_refuses_to_go_backwards_or_nowhere(api: httpx.Client) -> None:
    for body in ({}, {"seconds": -5}, {"weeks": 1}, {"seconds": "10"}, {"seconds": 0}):
        response = api.post("/_sandbox/clock", json=body)
        assert response.status_code == 400, body
    assert api.get("/_sandbox/clock").json()["advanced_seconds"] == 0


@pytest.fixture
def aging_api(sandbox_settings: Settings) -> Iterator[httpx.Client]:
    """A sandbox whose released numbers age for ninety days, as in production."""
    settings = sandbox_settings.replace(aging_period_s=NINETY_DAYS)
    with ServerThread(create_app(settings, clock=ManualClock())) as server, \
            httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as client:
        yield client


def test_advancing_the_clock_makes_an_aging_number_buyable_again(aging_api: httpx.Client) -> None:
    sid = release(aging_api)
    wait_for(lambda: state_is(aging_api, sid, "done"))
    number = phone_of(aging_api, sid)
    assert buy(aging_api, number).status_code == 400
    aging_api.post("/_sandbox/clock", json={"days": 89})
    assert buy(aging_api, number).status_code == 400
    aging_api.post("/_sandbox/clock", json={"days": 1})
    assert buy(aging_api, number).status_code == 200


def test_manual_release_waits_until_completed_by_hand(api: httpx.Client) -> None:
    assert api.put("/_sandbox/releases", json={"timing": "manual"}).json() == {
        "timing": {"mode": "manual", "seconds": 0.0}}
    sid = release(api)
    wait_for(lambda: release_of(api, sid)["attempts"] >= 1)  # the carrier was asked and said "not yet"
    api.post("/_sandbox/clock", json={"seconds": 30})
    assert not state_is(api, sid, "done")
    assert buy(api, phone_of(api, sid)).status_code == 400
    completed = api.post(f"/_sandbox/releases/{sid}/complete")
    assert completed.status_code == 200 and completed.json()["state"] == "done"
    assert buy(api, phone_of(api, sid)).status_code == 200
    assert api.post(f"/_sandbox/releases/{sid}/complete").status_code == 404


def test_manual_release_failed_by_hand_leaves_the_number_release_failed(api: httpx.Client) -> None:
    api.put("/_sandbox/releases", json={"timing": "manual"})
    sid = release(api)
    failed = api.post(f"/_sandbox/releases/{sid}/fail", json={"reason": "carrier says no"})
    assert failed.status_code == 200
    assert (failed.json()["state"], failed.json()["last_error"]) == ("failed", "carrier says no")
    assert buy(api, phone_of(api, sid)).status_code == 400
    assert api.post(f"/_sandbox/releases/{sid}/complete").status_code == 404
    assert api.post(f"/_sandbox/releases/{sid}/fail").status_code == 404


def test_finishing_an_unknown_release_is_404(api: httpx.Client) -> None:
    for action in ("complete", "fail"):
        response = api.post(f"/_sandbox/releases/{'c' * 32}/{action}")
        assert response.status_code == 404 and response.json()["RestException"]["Code"] == 1000


def test_delayed_release_completes_once_the_clock_passes_the_delay(api: httpx.Client) -> None:
    api.put("/_sandbox/releases", json={"timing": "delay", "seconds": 600})
    sid = release(api)
    wait_for(lambda: release_of(api, sid)["attempts"] >= 1)
    api.post("/_sandbox/clock", json={"seconds": 599})
    assert not state_is(api, sid, "done")
    api.post("/_sandbox/clock", json={"seconds": 1})
    assert state_is(api, sid, "done")


def test_delayed_release_waits_without_spending_attempts_and_completes_as_time_passes(api: httpx.Client) -> None:
    api.put("/_sandbox/releases", json={"timing": "delay", "seconds": 1})
    sid = release(api)
    wait_for(lambda: release_of(api, sid)["state"] == "waiting")
    assert release_of(api, sid)["attempts"] == 1
    wait_for(lambda: state_is(api, sid, "done"))
    assert release_of(api, sid)["attempts"] == 2  # the sandbox's own claim settles it


def test_immediate_release_is_the_default(api: httpx.Client) -> None:
    assert api.get("/_sandbox/releases").json()["timing"] == {"mode": "immediate", "seconds": 0.0}
    sid = release(api)
    wait_for(lambda: state_is(api, sid, "done"))
    assert buy(api, phone_of(api, sid)).status_code == 200


def test_release_timing_is_validated(api: httpx.Client) -> None:
    for body in ({"timing": "later"}, {"timing": "delay"}, {"timing": "delay", "seconds": -1}, {}):
        assert api.put("/_sandbox/releases", json=body).status_code == 400, body


def test_reset_puts_release_timing_back_to_immediate(api: httpx.Client) -> None:
    api.put("/_sandbox/releases", json={"timing": "manual"})
    api.post("/_sandbox/reset")
    assert api.get("/_sandbox/releases").json()["timing"]["mode"] == "immediate"
