"""Release jobs through the services on a real database: claims, leases, guarded outcomes."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from exopool.backoff import Backoff
from exopool.carriers import CarrierPending, ReleaseOrder
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.entities import Actor
from exopool.errors import IllegalTransition
from exopool.jobs.worker import ReleaseWorker
from exopool.lifecycle import JobState
from exopool.models import Event, PhoneNumber
from exopool.services.releases import (
    claim_release_jobs,
    confirm_release,
    get_release,
    move_number,
    record_failed_attempt,
    retry_release,
    unclaim_release_jobs,
)
from tests.conftest import Persona
from tests.releases.conftest import queue_releases

NUMBER = "+918048332510"
OPERATOR = Actor(label="operator")


def number_state(db: Database, sid: str) -> str:
    with db.begin() as conn:
        number_id = get_release(conn, sid).number_id
        return conn.execute(select(PhoneNumber.state).where(PhoneNumber.id == number_id)).scalar_one()


def kinds(db: Database, sid: str) -> list[str]:
    with db.begin() as conn:
        return list(conn.execute(select(Event.kind).where(Event.number_sid == sid).order_by(Event.id)).scalars())


def claim(db: Database, clock: ManualClock, worker: str, lease_s: float = 10) -> list:  # type: ignore[type-arg]
    return db.transact(claim_release_jobs, clock.now(), worker, lease_s, 20)


def test_a_claimed_job_is_not_claimed_again_until_its_lease_runs_out(db: Database, clock: ManualClock,
                                                                     alice: Persona) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    [job] = claim(db, clock, "a")
    assert (job.sid, job.state, job.attempts, job.worker) == (sid, JobState.RUNNING, 1, "a")
    assert claim(db, clock, "b") == []
    clock.advance(11)
    [again] = claim(db, clock, "b")
    assert (again.worker, again.attempts) == ("b", 2)


def test_a_stale_workers_confirm_is_refused_and_the_number_stays_releasing(db: Database, clock: ManualClock,
                                                                         alice: Persona) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    [stale] = claim(db, clock, "a")
    clock.advance(11)
    [current] = claim(db, clock, "b")
    assert db.transact(confirm_release, clock.now(), stale, 0) is False
    assert number_state(db, sid) == "releasing"
    assert db.transact(record_failed_attempt, clock.now(), stale, "late", Backoff()) is None
    assert db.transact(confirm_release, clock.now(), current, 0) is True
    assert number_state(db, sid) == "aging"
    assert kinds(db, sid).count("release.carrier_confirmed") == 1


def test_a_failed_attempt_records_its_error_and_when_to_try_next(db: Database, clock: ManualClock,
                                                               alice: Persona) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    [job] = claim(db, clock, "a")
    policy, failed_at = Backoff(max_attempts=3, base_s=10, max_s=100), clock.now()
    assert db.transact(record_failed_attempt, failed_at, job, "carrier said no", policy) == JobState.QUEUED
    with db.begin() as conn:
        queued = get_release(conn, sid)
    assert (queued.state, queued.last_error, queued.worker) == (JobState.QUEUED, "carrier said no", "a")
    assert 5 <= (queued.next_attempt_at - failed_at).total_seconds() <= 10
    assert claim(db, clock, "a") == []  # not before its time
    clock.advance(10)
    assert [j.attempts for j in claim(db, clock, "a")] == [2]


def test_the_last_failed_attempt_fails_the_release_and_retry_recovers_it(db: Database, clock: ManualClock,
                                                                        alice: Persona) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    policy = Backoff(max_attempts=2, base_s=1, max_s=1)
    for expected in (JobState.QUEUED, JobState.FAILED):
        [job] = claim(db, clock, "a")
        assert db.transact(record_failed_attempt, clock.now(), job, "no", policy) == expected
        clock.advance(2)
    assert number_state(db, sid) == "release_failed"
    assert claim(db, clock, "a") == []
    retried = db.transact(retry_release, clock.now(), OPERATOR, sid)
    assert (retried.state, retried.attempts) == (JobState.QUEUED, 0)
    assert number_state(db, sid) == "releasing"
    [job] = claim(db, clock, "a")
    assert db.transact(confirm_release, clock.now(), job, 0)
    assert number_state(db, sid) == "aging"
    assert "release.failed" in kinds(db, sid) and "release.retried" in kinds(db, sid)


def test_only_a_failed_release_can_be_retried(db: Database, clock: ManualClock, alice: Persona) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    with pytest.raises(IllegalTransition):
        db.transact(retry_release, clock.now(), OPERATOR, sid)


def test_a_number_cannot_be_moved_from_a_state_it_is_not_in(db: Database, clock: ManualClock,
                                                            alice: Persona) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    with db.begin() as conn:
        number_id = get_release(conn, sid).number_id
    with pytest.raises(IllegalTransition):
        db.transact(move_number, number_id, "aging", "available")  # it is releasing
    with pytest.raises(IllegalTransition):
        db.transact(move_number, number_id, "releasing", "active")  # never allowed
    assert number_state(db, sid) == "releasing"


def test_handed_back_jobs_are_queued_again_without_using_an_attempt(db: Database, clock: ManualClock,
                                                                   alice: Persona) -> None:
    queue_releases(db, clock, alice, [NUMBER, "+918048332511"])
    jobs = claim(db, clock, "a")
    assert db.transact(unclaim_release_jobs, clock.now(), jobs) == 2
    assert sorted(j.attempts for j in claim(db, clock, "b")) == [1, 1]


class LaterCarrier:
    """A carrier that answers later, like one settled by hand."""

    def deprovision(self, order: ReleaseOrder) -> None:
        raise CarrierPending()


def test_a_carrier_answering_later_parks_the_job_until_its_answer_is_recorded(
    settings: Settings, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    first, second = queue_releases(db, clock, alice, [NUMBER, "+918048332511"])
    ReleaseWorker(db, settings, LaterCarrier(), clock).run_once()
    waiting = [db.transact(get_release, sid) for sid in (first, second)]
    assert [(job.state, job.lease_until) for job in waiting] == [(JobState.WAITING, None)] * 2
    clock.advance(3600)
    assert claim(db, clock, "b") == []  # no lease to expire: nobody takes it over
    assert db.transact(confirm_release, clock.now(), waiting[0], 0) is True
    assert number_state(db, first) == "aging"
    outcome = db.transact(record_failed_attempt, clock.now(), waiting[1], "refused by hand", Backoff())
    assert outcome == JobState.QUEUED and number_state(db, second) == "releasing"
    with pytest.raises(IllegalTransition):
        db.transact(confirm_release, clock.now(), db.transact(get_release, first), 0)  # already done
    assert db.transact(confirm_release, clock.now(), waiting[0], 0) is False  # a stale copy changes nothing
