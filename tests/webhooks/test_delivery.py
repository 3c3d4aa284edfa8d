"""Number events reach a real receiver, signed, in order per number, and are never lost."""

from __future__ import annotations

import threading
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.entities import Actor
from exopool.jobs.webhooks import DeliveryWorker
from exopool.models import Account, PhoneNumber
from exopool.services.events import record_event
from tests.conftest import Persona, ServerThread
from tests.support import IN_LANDLINE, IN_MOBILE, bought_sid, numbers_path
from tests.webhooks.conftest import Receiver, create_endpoint, endpoints_path, first_arrivals, wait_for

DEMO_IN = ("demo_in_key", "demo_in_token")
DEMO = Persona("demo_in", "in", *DEMO_IN, 0)
FAILING_RELEASE = "+918040000555"  # a sandbox magic number


@pytest.fixture
def sandbox(settings: Settings) -> Iterator[httpx.Client]:
    """A sandbox server (demo seed) with its in-process workers, and a client on the Mumbai host."""
    with ServerThread(create_app(settings.replace(sandbox=True), clock=ManualClock())) as running, \
            httpx.Client(base_url=running.url, headers={"Host": "api.in.exotel.com"}, timeout=10) as client:
        yield client


def test_every_event_type_arrives_signed_with_the_number_and_the_release(
        sandbox: httpx.Client, receiver: Receiver, db: Database) -> None:
    create_endpoint(sandbox, DEMO, receiver)
    assert sandbox.put("/_sandbox/releases", json={"timing": "manual"}).status_code == 200
    kept = bought_sid(sandbox, DEMO, IN_LANDLINE, FriendlyName="front desk")
    sandbox.post(f"{numbers_path(DEMO)}/{kept}", data={"VoiceUrl": "https://example.com/voice"}, auth=DEMO_IN)
    assert sandbox.delete(f"{numbers_path(DEMO)}/{kept}", auth=DEMO_IN).status_code == 202
    assert sandbox.post(f"/_sandbox/releases/{kept}/complete").status_code == 200
    failing = bought_sid(sandbox, DEMO, FAILING_RELEASE)
    assert sandbox.delete(f"{numbers_path(DEMO)}/{failing}", auth=DEMO_IN).status_code == 202
    assert sandbox.post(f"/_sandbox/releases/{failing}/fail", json={"reason": "carrier says no"}).status_code == 200
    _record_restored(db, failing)
    of_kept = ["number.purchased", "number.updated", "number.release_accepted", "number.released"]
    of_failing = ["number.purchased", "number.release_accepted", "number.release_failed", "number.restored"]
    wait_for(lambda: len(first_arrivals(receiver.received())) == len(of_kept) + len(of_failing))
    calls = first_arrivals(receiver.received())
    assert all(call.verified for call in calls), "every signature verifies with standardwebhooks"
    # In order per number; the two numbers' deliveries may interleave.
    kept_calls = [c for c in calls if c.event["data"]["sid"] == kept]
    failing_calls = [c for c in calls if c.event["data"]["sid"] == failing]
    assert [c.event["type"] for c in kept_calls] == of_kept
    assert [c.event["type"] for c in failing_calls] == of_failing
    purchased, updated, accepted, released = (c.event for c in kept_calls)
    assert purchased["data"]["sid"] == kept and purchased["data"]["friendly_name"] == "front desk"
    assert purchased["data"]["account_sid"] == "demo_in" and purchased["data"]["voice_url"] is None
    assert updated["data"]["voice_url"] == "https://example.com/voice"
    assert accepted["data"]["release"] == {"sid": kept, "attempts": 0, "last_error": None}
    assert released["data"]["release"]["sid"] == kept and released["data"]["release"]["attempts"] >= 1
    assert purchased["timestamp"].endswith("Z") and set(purchased) == {"type", "timestamp", "data"}
    failed = failing_calls[2].event["data"]
    assert failed["sid"] == failing and failed["release"]["last_error"] == "carrier says no"


def _record_restored(db: Database, sid: str) -> None:
    """A restore records number.restored: the event log alone makes it a webhook."""

    def record(conn):  # type: ignore[no-untyped-def]
        number = conn.execute(select(PhoneNumber.id, PhoneNumber.phone_number).where(PhoneNumber.sid == sid)).one()
        account = conn.execute(select(Account.id).where(Account.sid == "demo_in")).scalar_one()
        record_event(conn, ManualClock().now(), "number.restored", Actor(account, "demo_in"), number_id=number.id,
                     phone_number=number.phone_number, number_sid=sid)

    db.transact(record)


def test_only_the_chosen_event_types_are_sent(http: httpx.Client, alice: Persona, receiver: Receiver) -> None:
    create_endpoint(http, alice, receiver, events="number.updated")
    sid = bought_sid(http, alice, IN_LANDLINE)
    http.post(f"{numbers_path(alice)}/{sid}", data={"FriendlyName": "renamed"}, auth=alice.auth)
    wait_for(receiver.received)
    http.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth)
    assert [c.event["type"] for c in receiver.received()] == ["number.updated"]


def test_receiver_down_then_up_gets_every_event_in_order_per_number(http: httpx.Client, alice: Persona,
                                                                    receiver: Receiver) -> None:
    create_endpoint(http, alice, receiver)
    receiver.down()
    sids = [bought_sid(http, alice, number) for number in (IN_LANDLINE, IN_MOBILE)]
    for round_ in range(3):
        for sid in sids:
            http.post(f"{numbers_path(alice)}/{sid}", data={"FriendlyName": f"round {round_}"}, auth=alice.auth)
    for sid in sids:
        http.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth)
    deliveries = _deliveries(http, alice)
    firsts = {d["id"] for d in deliveries if d["type"] == "number.purchased"}
    wait_for(lambda: all(d["attempts"] >= 2 for d in _deliveries(http, alice) if d["id"] in firsts))
    waiting = _deliveries(http, alice)
    assert {d["status"] for d in waiting} <= {"pending", "sending"}
    assert all(d["last_error"] for d in waiting if d["id"] in firsts)
    assert all(d["next_attempt_at"] for d in waiting if d["id"] in firsts and d["status"] == "pending")
    # A number's later events wait behind its first: not one attempt while it is unfinished.
    assert {d["attempts"] for d in waiting if d["id"] not in firsts} == {0}
    receiver.up()
    wait_for(lambda: {d["status"] for d in _deliveries(http, alice)} == {"delivered"}, timeout=30)
    calls = first_arrivals(receiver.received())
    assert len(calls) == len(_deliveries(http, alice)) == 2 * (1 + 3 + 2)
    assert all(call.verified for call in calls)
    for sid in sids:
        of_number = [c.event for c in calls if c.event["data"]["sid"] == sid]
        names = [e["data"]["friendly_name"] for e in of_number if e["type"] == "number.updated"]
        assert names == ["round 0", "round 1", "round 2"]
        assert [e["type"] for e in of_number] == ["number.purchased", *["number.updated"] * 3,
                                                  "number.release_accepted", "number.released"]


def _deliveries(http: httpx.Client, persona: Persona) -> list[dict]:
    endpoint = http.get(endpoints_path(persona), auth=persona.auth).json()["webhook_endpoints"][0]["sid"]
    return http.get(f"{endpoints_path(persona)}/{endpoint}/Deliveries", auth=persona.auth).json()["deliveries"]


def test_two_workers_racing_send_each_delivery_once_and_in_order(
        settings: Settings, alice: Persona, receiver: Receiver) -> None:
    """Two workers with databases of their own (as two processes would have) drain one outbox."""
    quiet = settings.replace(run_worker=False)
    app = create_app(quiet, clock=ManualClock())
    with ServerThread(app) as server, httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as api:
        create_endpoint(api, alice, receiver)
        sids = [bought_sid(api, alice, number) for number in (IN_LANDLINE, IN_MOBILE)]
        for round_ in range(10):
            for sid in sids:
                api.post(f"{numbers_path(alice)}/{sid}", data={"FriendlyName": f"r{round_}"}, auth=alice.auth)
        databases = [Database(quiet.replace(secret_key=settings.secret_key)) for _ in range(2)]
        workers = [DeliveryWorker(db, quiet, ManualClock()) for db in databases]
        start = threading.Barrier(2)

        def drain(worker: DeliveryWorker) -> None:
            start.wait()
            wait_for(lambda: worker.run_due() == 0 and len(receiver.received()) >= 22)

        threads = [threading.Thread(target=drain, args=(w,)) for w in workers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        for db in databases:
            db.dispose()
    calls = receiver.received()
    assert len(calls) == 22 and len({c.webhook_id for c in calls}) == 22, "each delivery sent once"
    for sid in sids:
        names = [c.event["data"]["friendly_name"] for c in calls
                 if c.event["data"]["sid"] == sid and c.event["type"] == "number.updated"]
        assert names == [f"r{i}" for i in range(10)]


def test_a_secret_the_instance_key_cannot_read_is_a_failed_attempt_not_a_stuck_worker(
        settings: Settings, alice: Persona, receiver: Receiver, db: Database) -> None:
    quiet = settings.replace(run_worker=False)
    with ServerThread(create_app(quiet, clock=ManualClock())) as server, \
            httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as api:
        endpoint = create_endpoint(api, alice, receiver)["sid"]
        bought_sid(api, alice, IN_LANDLINE)
        other_key = DeliveryWorker(db, quiet.replace(secret_key="another-instance-key"), ManualClock())
        assert other_key.run_once() == 1
        [delivery] = api.get(f"{endpoints_path(alice)}/{endpoint}/Deliveries", auth=alice.auth).json()["deliveries"]
    assert receiver.received() == []
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert delivery["last_error"] == "the endpoint's secret cannot be read with this instance's secret key"
