"""Magic numbers: a purchase of one answers with its outcome, in the full Exotel error body."""

from __future__ import annotations

import httpx
import pytest

from exopool.sandbox import magic
from tests.sandbox.conftest import DEMO_IN, DEMO_SG, NUMBERS_IN, NUMBERS_SG, buy, release_of, wait_for

OUTCOMES = [("+918040000400", 400, 1002), ("+918040000402", 402, 1020), ("+918040000403", 403, 1003),
            ("+918040000409", 409, 1008), ("+918040000429", 429, 1030), ("+918040000500", 500, 1500)]


@pytest.mark.parametrize(("number", "status", "code"), OUTCOMES)
def test_buying_a_magic_number_answers_its_outcome_in_the_exotel_error_body(
    api: httpx.Client, number: str, status: int, code: int
) -> None:
    response = buy(api, number)
    assert response.status_code == status
    body = response.json()
    assert body["RestException"]["Status"] == status and body["RestException"]["Code"] == code
    assert body["http_code"] == status and body["method"] == "POST"
    assert body["response"]["status"] == "failure" and body["response"]["error_data"]["code"] == code
    assert body["request_id"] == response.headers["x-request-id"]


def test_rate_limited_magic_number_sends_retry_after(api: httpx.Client) -> None:
    response = buy(api, "+918040000429")
    assert response.headers["retry-after"] == "30"
    assert response.headers["x-ratelimit-remaining"] == "0"


def test_magic_numbers_work_in_every_form_and_body_encoding(api: httpx.Client) -> None:
    assert api.post(NUMBERS_IN + ".json", json={"PhoneNumber": "08040000402"}, auth=DEMO_IN).status_code == 402
    assert api.post(NUMBERS_IN, data={"phone_number": "918040000403"}, auth=DEMO_IN).status_code == 403


def test_magic_numbers_of_the_singapore_cluster_answer_too(api: httpx.Client) -> None:
    response = buy(api, "+911140000402", auth=DEMO_SG, path=NUMBERS_SG)
    assert response.status_code == 401  # the Mumbai host: credentials first, as the real route
    with httpx.Client(base_url=str(api.base_url), headers={"Host": "api.exotel.com"}) as sg:
        assert buy(sg, "+911140000402", auth=DEMO_SG, path=NUMBERS_SG).status_code == 402


def test_magic_number_with_a_wrong_token_is_401_not_its_outcome(api: httpx.Client) -> None:
    response = buy(api, "+918040000402", auth=("demo_in_key", "wrong"))
    assert response.status_code == 401


def test_magic_numbers_can_be_found_by_search(api: httpx.Client) -> None:
    found = api.get("/v2_beta/Accounts/demo_in/AvailablePhoneNumbers/IN/Landline", params={"Contains": "8040000"},
                    auth=DEMO_IN).json()
    assert {n["phone_number"] for n in found} == {n for n in magic.MAGIC if n.startswith("+91804")}


def test_magic_numbers_stay_available_after_their_failed_purchase(api: httpx.Client) -> None:
    for _ in range(2):
        assert buy(api, "+918040000409").status_code == 409


def test_release_of_the_failing_magic_number_fails_at_the_carrier_until_retried(api: httpx.Client) -> None:
    sid = buy(api, "+918040000555").json()["sid"]
    assert api.delete(f"{NUMBERS_IN}/{sid}", auth=DEMO_IN).status_code == 202
    wait_for(lambda: release_of(api, sid)["attempts"] >= 1)
    assert release_of(api, sid)["state"] != "done"
    api.post("/_sandbox/clock", json={"hours": 1})  # the retry comes due, and succeeds
    job = wait_for(lambda: (lambda r: r if r["state"] == "done" else None)(release_of(api, sid)))
    assert job["attempts"] >= 2
    assert buy(api, "+918040000555").status_code == 200


def test_every_sandbox_seed_holds_the_magic_numbers(api: httpx.Client) -> None:
    api.post("/_sandbox/seed", json={"accounts": [], "pool": []})
    table = api.get("/_sandbox/magic-numbers").json()["magic_numbers"]
    assert {row["phone_number"] for row in table} == set(magic.MAGIC)
    api.post("/_sandbox/seed", json={"accounts": [{"sid": "s1", "cluster": "sg",
                                                   "api_keys": [{"key": "k1", "token": "t1"}]}]})
    with httpx.Client(base_url=str(api.base_url), headers={"Host": "api.exotel.com"}) as sg_search:
        found = sg_search.get("/v2_beta/Accounts/s1/AvailablePhoneNumbers/IN/Landline", auth=("k1", "t1")).json()
    assert {n["phone_number"] for n in found} == {n for n in magic.MAGIC if n.startswith("+91114")}


def test_demo_data_served_in_sandbox_mode_holds_the_magic_numbers(sandbox_settings, db, clock) -> None:  # type: ignore[no-untyped-def]
    from exopool.app import create_app
    from exopool.services.demo import seed_demo
    from tests.conftest import ServerThread

    db.transact(seed_demo, clock, sandbox_settings.secret_key)  # what `exopool serve --sandbox --demo` does first
    with ServerThread(create_app(sandbox_settings, clock=clock)) as server, \
            httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as client:
        found = client.get("/v2_beta/Accounts/demo_in/AvailablePhoneNumbers/IN/Landline",
                           params={"Contains": "8040000"}, auth=DEMO_IN).json()
        assert {n["phone_number"] for n in found} == {n for n in magic.MAGIC if n.startswith("+91804")}
        assert len(client.get(NUMBERS_IN, auth=DEMO_IN).json()["incoming_phone_numbers"]) == 3


@pytest.mark.parametrize("body", [
    (b"PhoneNumber=%2B918040000400", "multipart/form-data"),  # no boundary
    (b"--x\r\nbroken", "multipart/form-data; boundary=y"),
    (b"[" * 30_000 + b"]" * 30_000, "application/json"),  # nested deeper than the parser follows
])
def test_a_purchase_body_that_cannot_be_read_is_the_routes_400_not_a_magic_outcome(
    api: httpx.Client, body: tuple[bytes, str]
) -> None:
    response = api.post(NUMBERS_IN, content=body[0], headers={"Content-Type": body[1]}, auth=DEMO_IN)
    assert response.status_code == 400, response.text
    assert response.json()["RestException"]["Message"].startswith(("The multipart body cannot be read: ",
                                                                     "The request body is not valid JSON"))
    [entry] = api.get("/_sandbox/requests", params={"method": "POST"}).json()["requests"]
    assert entry["status"] == 400
