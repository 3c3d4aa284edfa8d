"""Restore over HTTP: a number released by mistake comes back to its account, as it was."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from click.testing import CliRunner
from sqlalchemy import select

from exopool.app import create_app
from exopool.backoff import Backoff
from exopool.carriers.factory import carrier_for
from exopool.carriers.simulated import deprovisionings, reprovisionings
from exopool.cli import main
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.errors import RestoreBusy
from exopool.jobs.restorer import Restorer
from exopool.jobs.worker import ReleaseWorker
from exopool.lifecycle import JobState
from exopool.models import Event, PhoneNumber, ReleaseJob
from exopool.services.releases import claim_release_jobs, confirm_release, get_release, record_failed_attempt
from exopool.services.restores import Taken, take_restore
from tests.conftest import Persona, ServerThread
from tests.releases.conftest import queue_releases
from tests.releases.test_cli import cli_env
from tests.releases.test_webhook import SECRET as WEBHOOK_SECRET
from tests.releases.test_webhook import Receiver
from tests.support import assert_buckets_match_a_recount, assert_error, numbers_path

NUMBER = "+918048332510"
AGING_S = 3600
SETTINGS = {"FriendlyName": "Support line", "VoiceUrl": "https://acme.example/voice",
            "SmsUrl": "https://acme.example/sms"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The release tests' settings with an hour of aging: the restore window, by default."""
    return settings.replace(aging_period_s=AGING_S)


@pytest.fixture
def app(settings: Settings, clock: ManualClock) -> Iterator[Any]:
    made = create_app(settings, clock=clock)
    yield made
    made.state.runtime.db.dispose()


@pytest.fixture
def http(app: Any) -> Iterator[httpx.Client]:
    with ServerThread(app) as server, \
            httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}, timeout=30) as client:
        yield client


def worker(app: Any) -> ReleaseWorker:
    rt = app.state.runtime
    return ReleaseWorker(rt.db, rt.settings, rt.carrier, rt.clock)


def bought(http: httpx.Client, persona: Persona) -> dict[str, Any]:
    response = http.post(numbers_path(persona), data={"PhoneNumber": NUMBER, **SETTINGS}, auth=persona.auth)
    assert response.status_code == 200, response.text
    return response.json()


def release(http: httpx.Client, persona: Persona, sid: str) -> None:
    assert http.delete(f"{numbers_path(persona)}/{sid}", auth=persona.auth).status_code == 202


def restore(http: httpx.Client, persona: Persona, sid: str, **headers: str) -> httpx.Response:
    return http.post(f"{numbers_path(persona)}/{sid}/Restore", auth=persona.auth, headers=headers)


def restored_events(db: Database) -> list[Any]:
    with db.begin() as conn:
        return list(conn.execute(select(Event).where(Event.kind == "number.restored")).all())


def jobs(db: Database) -> list[tuple[str, str]]:
    with db.begin() as conn:
        return [(row.sid, row.state) for row in conn.execute(select(ReleaseJob.sid, ReleaseJob.state)
                                                             .order_by(ReleaseJob.id))]


def carrier_ledger(db: Database) -> tuple[list[Any], list[Any]]:
    with db.begin() as conn:
        return deprovisionings(conn), reprovisionings(conn)


def without_date_updated(number: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in number.items() if key != "date_updated"}


def test_a_restored_number_is_listed_and_routable_with_its_old_settings(
    http: httpx.Client, db: Database, alice: Persona,
) -> None:
    number = bought(http, alice)
    before = http.get(f"{numbers_path(alice)}/{number['sid']}", auth=alice.auth).json()
    release(http, alice, number["sid"])
    assert http.get(f"{numbers_path(alice)}/{number['sid']}", auth=alice.auth).status_code == 404

    response = restore(http, alice, number["sid"])

    assert response.status_code == 200, response.text
    assert without_date_updated(response.json()) == without_date_updated(before)
    assert (response.json()["sid"], response.json()["voice_url"], response.json()["sms_url"]) == (
        number["sid"], SETTINGS["VoiceUrl"], SETTINGS["SmsUrl"])
    got = http.get(f"{numbers_path(alice)}/{number['sid']}", auth=alice.auth).json()
    assert without_date_updated(got) == without_date_updated(before)
    listed = http.get(numbers_path(alice), auth=alice.auth).json()["incoming_phone_numbers"]
    assert [n["sid"] for n in listed] == [number["sid"]]
    [event] = restored_events(db)
    assert (event.number_sid, event.account_id, event.data["from_state"]) == (number["sid"], alice.account_id,
                                                                              "releasing")
    assert [state for _, state in jobs(db)] == [JobState.CANCELLED]
    assert carrier_ledger(db) == ([], [])  # the release never reached the carrier: nothing to provision again
    assert_buckets_match_a_recount(db)


def test_a_restore_after_the_carrier_deprovisioned_it_has_it_provisioned_again(
    http: httpx.Client, app: Any, db: Database, alice: Persona,
) -> None:
    number = bought(http, alice)
    release(http, alice, number["sid"])
    assert worker(app).run_due() == 1
    assert carrier_ledger(db) == ([(number["sid"], 1, False)], [])

    response = restore(http, alice, number["sid"])

    assert response.status_code == 200, response.text
    assert (response.json()["voice_url"], response.json()["friendly_name"]) == (SETTINGS["VoiceUrl"], "Support line")
    assert carrier_ledger(db)[1] == [(number["sid"], NUMBER)]
    assert restored_events(db)[0].data["from_state"] == "aging"
    # Released again, under the same sid: a new release for the carrier, not a repeat of the first.
    release(http, alice, number["sid"])
    assert worker(app).run_due() == 1
    assert carrier_ledger(db)[0] == [(number["sid"], 1, False), (number["sid"], 1, False)]
    assert [state for _, state in jobs(db)] == [JobState.CANCELLED, JobState.DONE]
    assert jobs(db)[1][0] == number["sid"]


def test_a_restore_past_the_window_is_404_and_changes_nothing(
    http: httpx.Client, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    number = bought(http, alice)
    release(http, alice, number["sid"])
    clock.advance(AGING_S + 1)
    body = assert_error(restore(http, alice, number["sid"]), 404, 1000)
    assert body["RestException"]["Message"] == f"ExoPhone {number['sid']} not found"
    assert [state for _, state in jobs(db)] == [JobState.QUEUED]
    assert restored_events(db) == []


def test_a_restore_window_of_its_own_setting_is_kept(
    settings: Settings, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    with ServerThread(create_app(settings.replace(restore_window_s=60), clock=clock)) as server, \
            httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}, timeout=30) as http:
        first, second = bought(http, alice), None
        release(http, alice, first["sid"])
        clock.advance(61)
        assert_error(restore(http, alice, first["sid"]), 404, 1000)
        second = http.post(numbers_path(alice), data={"PhoneNumber": "+918048332511"}, auth=alice.auth).json()
        release(http, alice, second["sid"])
        clock.advance(59)
        assert restore(http, alice, second["sid"]).status_code == 200


def test_another_account_cannot_restore_it_and_learns_nothing(
    http: httpx.Client, db: Database, alice: Persona, bob: Persona,
) -> None:
    number = bought(http, alice)
    release(http, alice, number["sid"])
    refused = assert_error(restore(http, bob, number["sid"]), 404, 1000)
    unknown = assert_error(restore(http, bob, "f" * 32), 404, 1000)
    assert refused["RestException"]["Message"] == f"ExoPhone {number['sid']} not found"
    assert unknown["RestException"]["Message"] == f"ExoPhone {'f' * 32} not found"
    assert http.post(f"{numbers_path(bob)}/{number['sid']}/Restore", auth=alice.auth).status_code == 401
    assert restored_events(db) == []
    assert restore(http, alice, number["sid"]).status_code == 200


def test_a_number_still_held_or_named_by_its_digits_is_not_restorable(http: httpx.Client, alice: Persona) -> None:
    number = bought(http, alice)
    assert_error(restore(http, alice, number["sid"]), 404, 1000)
    release(http, alice, number["sid"])
    assert_error(restore(http, alice, NUMBER), 404, 1000)
    assert_error(http.get(f"{numbers_path(alice)}/{number['sid']}/Restore", auth=alice.auth), 405, 1004)


def test_a_repeat_with_the_same_idempotency_key_gets_the_first_answer(
    http: httpx.Client, app: Any, db: Database, alice: Persona,
) -> None:
    number = bought(http, alice)
    release(http, alice, number["sid"])
    worker(app).run_due()
    first = restore(http, alice, number["sid"], **{"Idempotency-Key": "restore-1"})
    again = restore(http, alice, number["sid"], **{"Idempotency-Key": "restore-1"})
    assert first.status_code == again.status_code == 200
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert len(restored_events(db)) == 1 and len(carrier_ledger(db)[1]) == 1
    other = http.post(f"{numbers_path(alice)}/{number['sid']}/Restore?x=1", auth=alice.auth,
                      headers={"Idempotency-Key": "restore-1"})
    assert_error(other, 422, 1009)


def at_once(*calls: Callable[[], Any]) -> list[Any]:
    """Each call on a thread of its own, all released together; their results."""
    barrier, results = threading.Barrier(len(calls)), [None] * len(calls)

    def run(index: int) -> None:
        barrier.wait()
        results[index] = calls[index]()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(calls))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results


@pytest.mark.parametrize("after_carrier", [False, True], ids=["releasing", "aging"])
def test_restores_sent_at_once_restore_it_once(
    http: httpx.Client, app: Any, db: Database, alice: Persona, after_carrier: bool,
) -> None:
    number = bought(http, alice)
    release(http, alice, number["sid"])
    if after_carrier:
        worker(app).run_due()
    answers = at_once(*[lambda: restore(http, alice, number["sid"])] * 6)
    assert [answer.status_code for answer in answers] == [200] * 6, [a.text for a in answers]
    assert all(answer.json()["sid"] == number["sid"] for answer in answers)
    assert len(restored_events(db)) == 1
    assert [state for _, state in jobs(db)] == [JobState.CANCELLED]
    assert len(carrier_ledger(db)[1]) == (1 if after_carrier else 0)
    assert_buckets_match_a_recount(db)


def test_a_restore_racing_the_workers_carrier_call_ends_restored_and_provisioned(
    settings: Settings, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    slow = settings.replace(carrier_latency_ms=300)
    app = create_app(slow, clock=clock)
    try:
        with ServerThread(app) as server, \
                httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}, timeout=30) as http:
            for round_ in range(3):
                number = bought(http, alice)
                release(http, alice, number["sid"])
                _, restored = at_once(worker(app).run_due, lambda n=number: restore(http, alice, n["sid"]))
                assert restored.status_code == 200, restored.text
                got = http.get(f"{numbers_path(alice)}/{number['sid']}", auth=alice.auth).json()
                assert got["voice_url"] == SETTINGS["VoiceUrl"]
                with db.begin() as conn:
                    state = conn.execute(select(PhoneNumber.state).where(PhoneNumber.sid == number["sid"])).scalar()
                    deprovisioned = [d for d in deprovisionings(conn, number["sid"]) if not d[2]]
                    provisioned = reprovisionings(conn, number["sid"])
                assert state == "active", round_
                # Whichever came first, the carrier ends with the number provisioned: a restore that found
                # the worker's call in flight waited for it, then had the number provisioned again.
                assert len(provisioned) == len(deprovisioned) <= 1, (deprovisioned, provisioned)
                release(http, alice, number["sid"])
                worker(app).run_due()
                clock.advance(AGING_S * 2)  # aged out: the next round buys it again
    finally:
        app.state.runtime.db.dispose()


def test_the_webhook_carrier_is_asked_to_provision_it_again_with_a_signed_request(
    settings: Settings, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    receiver = Receiver([200, 500])  # the de-provisioning, then a refused first re-provisioning
    configured = settings.replace(carrier="webhook", webhook_url=receiver.url, webhook_secret=WEBHOOK_SECRET,
                                  webhook_timeout_s=2)
    app = create_app(configured, clock=clock)
    try:
        with ServerThread(app) as server, \
                httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}, timeout=30) as http:
            number = bought(http, alice)
            release(http, alice, number["sid"])
            assert worker(app).run_due() == 1

            refused = assert_error(restore(http, alice, number["sid"]), 502, 1502)
            assert refused["RestException"]["Message"] == (
                f"The carrier could not provision number {number['sid']} again (webhook answered 500); "
                "it stays released: try the restore again later")
            assert http.get(f"{numbers_path(alice)}/{number['sid']}", auth=alice.auth).status_code == 404
            assert [state for _, state in jobs(db)] == [JobState.DONE]  # given back to the release as it was

            assert restore(http, alice, number["sid"]).status_code == 200
    finally:
        app.state.runtime.db.dispose()
        receiver.close()
    asked = {"type": "number.reprovision", "release_sid": number["sid"], "phone_number": NUMBER}
    assert [body["type"] for body, _ in receiver.calls] == ["number.deprovision", *["number.reprovision"] * 2]
    assert receiver.calls[1:] == [(asked, True), (asked, True)]  # each signed, verified by the receiver
    assert len(restored_events(db)) == 1


def test_an_operator_restores_it_with_the_cli(http: httpx.Client, settings: Settings, db: Database,
                                              alice: Persona) -> None:
    number = bought(http, alice)
    release(http, alice, number["sid"])
    result = CliRunner(env=cli_env(settings)).invoke(main, ["numbers", "restore", number["sid"]])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == f"{NUMBER} restored to account alice (sid {number['sid']})"
    assert http.get(f"{numbers_path(alice)}/{number['sid']}", auth=alice.auth).json()["voice_url"] == (
        SETTINGS["VoiceUrl"])
    [event] = restored_events(db)
    assert event.actor == "cli:numbers restore"
    again = CliRunner(env=cli_env(settings)).invoke(main, ["numbers", "restore", "e" * 32])
    assert again.exit_code == 1
    assert f"Number {'e' * 32} not found: no account released a number with this sid" in again.output


def test_a_restore_that_died_holding_the_release_lets_it_go_on_once_its_lease_ran_out(
    settings: Settings, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    taken = db.transact(take_restore, clock.now(), alice.actor, sid, AGING_S, "restore:dead", 10)
    assert taken == Taken()  # taken, and the carrier had not been asked yet
    pipeline = ReleaseWorker(db, settings, carrier_for(settings, db, clock), clock)
    assert pipeline.run_due() == 0  # held by the restore: no worker claims it
    clock.advance(11)
    assert ReleaseWorker(db, settings, carrier_for(settings, db, clock), clock).run_due() == 1
    assert [state for _, state in jobs(db)] == [JobState.DONE]
    assert carrier_ledger(db)[0] == [(sid, 1, False)]


def test_a_restore_waits_for_a_carrier_call_in_flight_and_past_its_wait_changes_nothing(
    settings: Settings, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    [held] = db.transact(claim_release_jobs, clock.now(), "w1", 10, 1)  # a worker calling the carrier now
    restorer = Restorer(db, settings, carrier_for(settings, db, clock), clock, wait_s=0.2)
    with pytest.raises(RestoreBusy) as info:
        restorer.restore_phone_number(alice.actor, sid)
    assert info.value.status == 503 and info.value.headers == {"Retry-After": "1"}
    with db.begin() as conn:
        job = get_release(conn, sid)
    assert (job.state, job.worker, job.attempts) == (JobState.RUNNING, "w1", 1)
    assert db.transact(confirm_release, clock.now(), held, AGING_S)  # the worker still holds its attempt
    assert restorer.restore_phone_number(alice.actor, sid).sid == sid


def test_a_release_the_carrier_refused_for_good_is_restored_without_asking_it(
    http: httpx.Client, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    number = bought(http, alice)
    release(http, alice, number["sid"])
    [job] = db.transact(claim_release_jobs, clock.now(), "w1", 10, 1)
    db.transact(record_failed_attempt, clock.now(), job, "carrier down", Backoff(max_attempts=1))
    assert restore(http, alice, number["sid"]).json()["voice_url"] == SETTINGS["VoiceUrl"]
    assert restored_events(db)[0].data == {"from_state": "release_failed", "release_attempts": 1}
    assert carrier_ledger(db) == ([], [])
