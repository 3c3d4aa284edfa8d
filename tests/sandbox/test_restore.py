"""Restore in the sandbox: the journal, the explanations, its clock and its carrier's timings."""

from __future__ import annotations

import httpx
import pytest

from exopool.config import Settings
from tests.sandbox.conftest import DEMO_IN, NUMBERS_IN, owned_sids, release_of, wait_for

AGING_S = 3600


@pytest.fixture
def sandbox_settings(settings: Settings) -> Settings:
    return settings.replace(sandbox=True, run_worker=True, aging_period_s=AGING_S)


def restore(api: httpx.Client, sid: str) -> httpx.Response:
    return api.post(f"{NUMBERS_IN}/{sid}/Restore", auth=DEMO_IN)


def test_a_restore_is_journaled_and_a_late_one_says_why_it_is_404(api: httpx.Client) -> None:
    first, second = owned_sids(api)[:2]
    for sid in (first, second):
        assert api.delete(f"{NUMBERS_IN}/{sid}", auth=DEMO_IN).status_code == 202
    wait_for(lambda: release_of(api, first)["state"] == "done")
    assert restore(api, first).status_code == 200
    entry = api.get("/_sandbox/requests", params={"limit": 1}).json()["requests"][0]
    assert (entry["method"], entry["path"], entry["status"]) == ("POST", f"{NUMBERS_IN}/{first}/Restore", 200)

    assert api.post("/_sandbox/clock", json={"seconds": AGING_S + 1}).status_code == 200
    late = restore(api, second)
    assert late.status_code == 404
    message = late.json()["RestException"]["Message"]
    assert message.startswith(f"ExoPhone {second} not found (it was released at ")
    assert message.endswith(f"more than the restore window of {AGING_S} seconds ago)")
    entry = api.get("/_sandbox/requests", params={"limit": 1}).json()["requests"][0]
    assert entry["status"] == 404 and "restore window" in entry["explanation"]
    unknown = restore(api, "0" * 32).json()["RestException"]["Message"]
    assert unknown == f"ExoPhone {'0' * 32} not found (no number has this sid)"


def test_a_release_the_carrier_still_holds_is_restored_and_never_confirmed(api: httpx.Client) -> None:
    assert api.put("/_sandbox/releases", json={"timing": "manual"}).status_code == 200
    sid = owned_sids(api)[0]
    assert api.delete(f"{NUMBERS_IN}/{sid}", auth=DEMO_IN).status_code == 202
    wait_for(lambda: release_of(api, sid)["state"] == "waiting")
    assert restore(api, sid).status_code == 200
    assert sid in owned_sids(api)
    [cancelled] = [r for r in api.get("/_sandbox/releases").json()["releases"] if r["state"] == "cancelled"]
    assert cancelled["phone_number"] and cancelled["sid"] != sid  # the number's sid is free for its next release
    assert api.post(f"/_sandbox/releases/{sid}/complete").status_code == 404  # nothing left to confirm
