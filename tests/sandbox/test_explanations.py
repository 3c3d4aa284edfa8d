"""In sandbox mode a refusal says why, in its message and in the journal; outside it, never."""

from __future__ import annotations

import httpx
import pytest

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from tests.conftest import ServerThread
from tests.sandbox.conftest import DEMO_IN, DEMO_SG, NUMBERS_IN, NUMBERS_SG, buy, owned_sids

GENERIC = "Authentication failed: check the API key, the API token, the account sid and the host."


def refused(api: httpx.Client, path: str, auth: tuple[str, str] | None, host: str = "api.in.exotel.com") -> str:
    answer = api.get(path, auth=auth, headers={"Host": host})
    assert answer.status_code == 401, answer.text
    message: str = answer.json()["RestException"]["Message"]
    return message


@pytest.mark.parametrize(("auth", "path", "host", "says"), [
    (None, NUMBERS_IN, "api.in.exotel.com", "carries no credentials: send the API key as the user name"),
    (("nobody", "x"), NUMBERS_IN, "api.in.exotel.com", "there is no API key nobody"),
    (("demo_in_key", "wrong"), NUMBERS_IN, "api.in.exotel.com", "the token is not the token of API key demo_in_key"),
    (DEMO_SG, NUMBERS_IN, "api.in.exotel.com", "belongs to account demo_sg, not to account demo_in"),
    (DEMO_IN, NUMBERS_IN, "api.exotel.com", "send Host: api.in.exotel.com"),
])
def test_a_refused_request_says_which_part_did_not_match(
    api: httpx.Client, auth: tuple[str, str] | None, path: str, host: str, says: str,
) -> None:
    message = refused(api, path, auth, host)
    assert message.startswith(GENERIC) and says in message
    entry = api.get("/_sandbox/requests", params={"limit": 1}).json()["requests"][0]
    assert entry["status"] == 401 and says in entry["explanation"]


def test_a_missing_number_says_whether_it_is_anothers_released_or_unknown(api: httpx.Client) -> None:
    theirs = api.get(NUMBERS_SG, auth=DEMO_SG, headers={"Host": "api.exotel.com"}).json()[
        "incoming_phone_numbers"][0]["sid"]
    assert "belongs to another account" in api.get(f"{NUMBERS_IN}/{theirs}", auth=DEMO_IN).json()[
        "RestException"]["Message"]
    mine = owned_sids(api)[0]
    assert api.delete(f"{NUMBERS_IN}/{mine}", auth=DEMO_IN).status_code == 202
    gone = api.get(f"{NUMBERS_IN}/{mine}", auth=DEMO_IN).json()["RestException"]["Message"]
    assert gone == f"ExoPhone {mine} not found (this account released it)"
    unknown = api.get(f"{NUMBERS_IN}/{'0' * 32}", auth=DEMO_IN).json()["RestException"]["Message"]
    assert unknown == f"ExoPhone {'0' * 32} not found (no number has this sid)"
    assert api.get("/_sandbox/requests", params={"limit": 1}).json()["requests"][0]["explanation"] == \
        "no number has this sid"


def test_buying_a_number_still_aging_says_until_when(sandbox_settings: Settings) -> None:
    aging = sandbox_settings.replace(aging_period_s=86400)
    with ServerThread(create_app(aging, clock=ManualClock())) as server, \
            httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as api:
        sid = owned_sids(api)[0]
        number = api.get(f"{NUMBERS_IN}/{sid}", auth=DEMO_IN).json()["phone_number"]
        api.delete(f"{NUMBERS_IN}/{sid}", auth=DEMO_IN)
        api.post("/_sandbox/clock", json={"seconds": 1})  # the release completes; the number ages a day
        message = buy(api, number).json()["RestException"]["Message"]
    assert message.startswith(f"PhoneNumber {number} is not available in cluster in (it ages until 20")


def test_outside_sandbox_mode_a_refusal_says_nothing_more(settings: Settings) -> None:
    app = create_app(settings.replace(aging_period_s=86400, run_worker=True), clock=ManualClock())
    with ServerThread(app) as server, httpx.Client(base_url=server.url) as api:
        assert refused(api, "/v2_beta/Accounts/alice/IncomingPhoneNumbers", ("nobody", "x")) == GENERIC
        missing = api.get(f"/v2_beta/Accounts/alice/IncomingPhoneNumbers/{'0' * 32}", auth=("nobody", "x"))
        assert missing.status_code == 401
