"""A release seen from outside: the DELETE, the worker, aging, and the number back in the pool."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.services.history import BACK_IN_POOL, find_number, number_history
from tests.conftest import Persona, ServerThread
from tests.releases.conftest import WorkerProcess, wait_for

NUMBER = "+918048332510"
AGING_S = 3600


def numbers_path(persona: Persona) -> str:
    return f"/v2_beta/Accounts/{persona.sid}/IncomingPhoneNumbers"


def buy(http: httpx.Client, persona: Persona) -> httpx.Response:
    return http.post(numbers_path(persona), data={"PhoneNumber": NUMBER}, auth=persona.auth)


def offered(http: httpx.Client, persona: Persona) -> bool:
    found = http.get(f"/v2_beta/Accounts/{persona.sid}/AvailablePhoneNumbers/IN/Landline",
                     params={"Contains": NUMBER[3:], "PageSize": 100}, auth=persona.auth)
    assert found.status_code == 200
    return NUMBER in [n["phone_number"] for n in found.json()]


def state(db: Database, clock: ManualClock) -> str:
    return db.transact(find_number, clock.now(), NUMBER).state


def client(settings: Settings, clock: ManualClock) -> Iterator[httpx.Client]:
    with ServerThread(create_app(settings, clock=clock)) as server, \
            httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}, timeout=10) as http:
        yield http


@pytest.fixture
def aging_settings(settings: Settings) -> Settings:
    return settings.replace(aging_period_s=AGING_S, carrier_latency_ms=300)


@pytest.fixture
def http(aging_settings: Settings, clock: ManualClock) -> Iterator[httpx.Client]:
    yield from client(aging_settings, clock)


def test_a_release_goes_through_every_state_back_to_available(
    aging_settings: Settings, db: Database, clock: ManualClock, http: httpx.Client, alice: Persona, bob: Persona,
) -> None:
    assert state(db, clock) == "available" and offered(http, alice)
    sid = buy(http, alice).json()["sid"]
    assert state(db, clock) == "active" and not offered(http, alice)
    assert http.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 202
    assert state(db, clock) == "releasing"
    with WorkerProcess(aging_settings):
        wait_for(lambda: state(db, clock) == "aging")
    assert not offered(http, bob)
    refused = buy(http, bob)
    assert refused.status_code == 400 and refused.json()["RestException"]["Status"] == 400
    clock.advance(AGING_S + 1)
    assert state(db, clock) == "available" and offered(http, bob)
    assert buy(http, bob).status_code == 200
    history = db.transact(lambda conn: number_history(conn, clock.now(), find_number(conn, clock.now(), NUMBER).id))
    assert [entry.kind for entry in history] == [
        "number.purchased", "number.release_accepted", "release.attempt_started", "release.carrier_confirmed",
        "number.aging", BACK_IN_POOL, "number.purchased",
    ]
    release_accepted = history[1]
    assert release_accepted.api_key == alice.key and release_accepted.request_id
    # An event without data holds SQL NULL, not the JSON text 'null'.
    assert db.transact(lambda conn: conn.execute(text(
        "SELECT data IS NULL FROM events WHERE kind = 'number.release_accepted'")).scalars().all()) == [True]
    assert {entry.request_id for entry in history[1:6]} == {release_accepted.request_id}


def test_the_servers_own_worker_completes_a_release(settings: Settings, clock: ManualClock, db: Database,
                                                    alice: Persona) -> None:
    for http in client(settings.replace(run_worker=True, carrier="none"), clock):
        sid = buy(http, alice).json()["sid"]
        assert http.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 202
        wait_for(lambda: state(db, clock) == "available", timeout=10)
        assert offered(http, alice)
