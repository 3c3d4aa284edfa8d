"""Idempotency-Key (spec 7): the first answer replayed for a day, per account; another request is a 422."""

from __future__ import annotations

import httpx

from exopool.clock import ManualClock
from tests.conftest import Persona

NUMBERS = "/v2_beta/Accounts/{}/IncomingPhoneNumbers"


def buy(http: httpx.Client, persona: Persona, number: str, key: str | None, **extra: str) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return http.post(NUMBERS.format(persona.sid), data={"PhoneNumber": number, **extra}, auth=persona.auth,
                     headers=headers)


def test_same_key_and_request_replays_the_first_answer(http: httpx.Client, alice: Persona) -> None:
    first = buy(http, alice, "+918048332510", "k1")
    again = buy(http, alice, "+918048332510", "k1")
    assert (first.status_code, again.status_code) == (200, 200)
    assert again.json() == first.json() and again.headers["Idempotent-Replayed"] == "true"
    assert again.headers["X-Request-Id"] != first.headers["X-Request-Id"]
    listed = http.get(NUMBERS.format("alice"), auth=alice.auth).json()["incoming_phone_numbers"]
    assert len(listed) == 1


def test_same_key_with_another_request_is_422(http: httpx.Client, alice: Persona) -> None:
    assert buy(http, alice, "+918048332510", "k1").status_code == 200
    reused = buy(http, alice, "+918048332511", "k1")
    assert reused.status_code == 422
    assert reused.json()["RestException"]["Code"] == 1009
    assert reused.json()["response"]["error_data"]["code"] == 1009


def test_an_error_answer_is_replayed_too(http: httpx.Client, alice: Persona) -> None:
    path = f"{NUMBERS.format('alice')}/{'0' * 32}"
    first = http.delete(path, auth=alice.auth, headers={"Idempotency-Key": "gone"})
    again = http.delete(path, auth=alice.auth, headers={"Idempotency-Key": "gone"})
    assert (first.status_code, again.status_code) == (404, 404) and again.json() == first.json()


def test_a_401_is_not_kept_so_a_corrected_retry_goes_through(http: httpx.Client, alice: Persona) -> None:
    wrong = http.post(NUMBERS.format("alice"), data={"PhoneNumber": "+918048332510"}, auth=(alice.key, "bad"),
                      headers={"Idempotency-Key": "k1"})
    assert wrong.status_code == 401
    assert buy(http, alice, "+918048332510", "k1").status_code == 200


def test_keys_belong_to_one_account(http: httpx.Client, alice: Persona, bob: Persona) -> None:
    assert buy(http, alice, "+918048332510", "shared").status_code == 200
    assert buy(http, bob, "+918048332511", "shared").status_code == 200


def test_a_key_older_than_a_day_is_free_again(http: httpx.Client, alice: Persona, clock: ManualClock) -> None:
    sid = buy(http, alice, "+918048332510", "k1").json()["sid"]
    clock.advance(24 * 3600 + 1)
    released = http.delete(f"{NUMBERS.format('alice')}/{sid}", auth=alice.auth)
    assert released.status_code == 202
    assert buy(http, alice, "+918048332511", "k1").status_code == 200


def test_an_overlong_key_is_400(http: httpx.Client, alice: Persona) -> None:
    assert buy(http, alice, "+918048332510", "k" * 256).status_code == 400


def test_requests_without_a_key_are_not_replayed(http: httpx.Client, alice: Persona) -> None:
    assert buy(http, alice, "+918048332510", None).status_code == 200
    assert buy(http, alice, "+918048332510", None).status_code == 409
