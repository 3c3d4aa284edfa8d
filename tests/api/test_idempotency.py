"""Idempotency-Key (spec 7): the first answer replayed for a day, per account; another request is a 422."""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx
from sqlalchemy import func, select

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.models import PhoneNumber, ReleaseJob
from tests.conftest import Persona, ServerThread

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


ROUNDS = 10


def at_once(*calls: Callable[[], httpx.Response]) -> list[httpx.Response]:
    """Send every call at the same moment, each on its own connection."""
    barrier = threading.Barrier(len(calls))

    def go(call: Callable[[], httpx.Response]) -> httpx.Response:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(go, calls))


def test_two_identical_purchases_sent_at_once_buy_once_and_answer_alike(
    server: ServerThread, alice: Persona, db: Database,
) -> None:
    for round_no in range(ROUNDS):
        number = f"+91804833{2510 + round_no}"
        send = functools.partial(keyed, server, alice, "POST", NUMBERS.format(alice.sid), f"buy-{round_no}",
                                 {"PhoneNumber": number})
        first, second = at_once(send, send)
        assert (first.status_code, second.status_code) == (200, 200), (first.text, second.text)
        assert first.json() == second.json()
        assert sorted(r.headers.get("Idempotent-Replayed", "") for r in (first, second)) == ["", "true"]
    assert held(db, alice) == ROUNDS


def test_two_identical_releases_sent_at_once_release_once_and_every_repeat_is_the_202(
    server: ServerThread, alice: Persona, db: Database,
) -> None:
    with httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as client:
        sids = [client.post(NUMBERS.format(alice.sid), auth=alice.auth,
                            data={"PhoneNumber": f"+91804833{2510 + n}"}).json()["sid"] for n in range(ROUNDS)]
    for round_no, sid in enumerate(sids):
        send = functools.partial(keyed, server, alice, "DELETE", f"{NUMBERS.format(alice.sid)}/{sid}",
                                 f"release-{round_no}", None)
        answers = [*at_once(send, send), send()]
        assert [a.status_code for a in answers] == [202, 202, 202], [a.text for a in answers]
    assert held(db, alice) == 0
    with db.begin() as conn:
        assert conn.execute(select(func.count()).select_from(ReleaseJob)).scalar() == ROUNDS


def keyed(server: ServerThread, persona: Persona, method: str, path: str, key: str,
          data: dict[str, str] | None) -> httpx.Response:
    with httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}, timeout=30) as client:
        return client.request(method, path, auth=persona.auth, data=data, headers={"Idempotency-Key": key})


def held(db: Database, persona: Persona) -> int:
    with db.begin() as conn:
        return conn.execute(select(func.count()).select_from(PhoneNumber)
                            .where(PhoneNumber.account_id == persona.account_id)).scalar() or 0
