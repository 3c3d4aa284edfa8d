"""Real `exopool worker` processes against one database: retries, crashes, shutdowns, sharing a queue."""

from __future__ import annotations

import signal
from collections import Counter

from sqlalchemy import func, select

from exopool.carriers.simulated import deprovisionings
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.lifecycle import JobState
from exopool.models import Event, PhoneNumber, ReleaseJob
from exopool.services.releases import get_release
from tests.conftest import Persona
from tests.releases.conftest import WorkerProcess, big_pool, job_states, queue_releases, wait_for

NUMBER = "+918048332510"


def release(db: Database, sid: str):  # type: ignore[no-untyped-def]
    with db.begin() as conn:
        return get_release(conn, sid)


def events_of(db: Database, sid: str) -> Counter[str]:
    with db.begin() as conn:
        return Counter(conn.execute(select(Event.kind).where(Event.number_sid == sid)).scalars())


def number_states(db: Database) -> set[str]:
    with db.begin() as conn:
        return set(conn.execute(select(PhoneNumber.state)
                                .join(ReleaseJob, ReleaseJob.number_id == PhoneNumber.id)).scalars())


def ledger(db: Database, sid: str | None = None) -> list[tuple[str, int, bool]]:
    with db.begin() as conn:
        return deprovisionings(conn, sid)


def test_a_carrier_failing_twice_leads_to_one_deprovisioning_after_three_attempts(
    settings: Settings, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    with WorkerProcess(settings.replace(carrier_fail_attempts=2)):
        done = wait_for(lambda: release(db, sid).state == JobState.DONE)
    assert done
    job = release(db, sid)
    assert (job.attempts, job.last_error) == (3, None)
    assert ledger(db, sid) == [(sid, 3, False)]
    seen = events_of(db, sid)
    assert (seen["release.attempt_started"], seen["release.attempt_failed"],
            seen["release.carrier_confirmed"]) == (3, 2, 1)


def test_a_carrier_that_always_fails_ends_in_release_failed(settings: Settings, db: Database, clock: ManualClock,
                                                            alice: Persona) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    with WorkerProcess(settings.replace(carrier_failure_rate=1.0, carrier_seed=1, release_max_attempts=3)):
        wait_for(lambda: release(db, sid).state == JobState.FAILED)
    job = release(db, sid)
    assert job.attempts == 3 and "refused attempt 3" in job.last_error
    assert ledger(db, sid) == []
    assert events_of(db, sid)["release.failed"] == 1


def test_two_workers_share_a_queue_of_500_and_deprovision_each_release_once(
    settings: Settings, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    numbers = big_pool(db, clock, 500)
    # A few milliseconds at the carrier, outside any transaction, as a real one takes: on SQLite a
    # worker that commits and claims again at once could otherwise keep the write lock to itself
    # while the other sleeps in SQLite's busy handler, and do all 500 alone.
    fast = settings.replace(worker_batch=10, carrier_latency_ms=3)
    with WorkerProcess(fast), WorkerProcess(fast):
        sids = queue_releases(db, clock, alice, numbers)
        wait_for(lambda: job_states(db) == {JobState.DONE: 500}, timeout=90, every=0.5)
    rows = ledger(db)
    assert len(rows) == 500 and {sid for sid, _, _ in rows} == set(sids)
    assert not any(repeat for _, _, repeat in rows)
    with db.begin() as conn:
        confirmed = conn.execute(select(Event.actor, func.count()).where(Event.kind == "release.carrier_confirmed")
                                 .group_by(Event.actor)).all()
        attempts = conn.execute(select(func.count()).where(Event.kind == "release.attempt_started")).scalar_one()
    assert sum(count for _, count in confirmed) == 500 and attempts == 500
    assert len(confirmed) == 2  # both workers took part


def test_a_worker_killed_mid_job_loses_nothing_and_duplicates_nothing(
    settings: Settings, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    slow = settings.replace(carrier_latency_ms=1500, release_lease_s=2)
    with WorkerProcess(slow) as doomed:
        sids = queue_releases(db, clock, alice, [NUMBER, "+918048332511"])  # one in hand, one claimed
        wait_for(lambda: ledger(db))  # the carrier acted; its answer is still on the way
        doomed.signal(signal.SIGKILL)
        doomed.wait()
    assert any(release(db, sid).state == JobState.RUNNING for sid, _, _ in ledger(db)), "the kill missed the job"
    assert number_states(db) == {"releasing"}  # de-provisioned, but not back in the pool without a confirm
    with WorkerProcess(slow):
        wait_for(lambda: job_states(db) == {JobState.DONE: 2}, timeout=30)
    rows = ledger(db)
    assert Counter(sid for sid, _, repeat in rows if not repeat) == Counter(sids)
    assert [repeat for _, _, repeat in rows].count(True) <= 1  # the interrupted one, answered without acting
    for sid in sids:
        assert events_of(db, sid)["release.carrier_confirmed"] == 1


def test_sigterm_lets_the_job_in_hand_finish_and_hands_back_the_rest(
    settings: Settings, db: Database, clock: ManualClock, alice: Persona,
) -> None:
    slow = settings.replace(carrier_latency_ms=1500)
    with WorkerProcess(slow) as worker:
        sids = queue_releases(db, clock, alice, [NUMBER, "+918048332511", "+918048332512"])
        wait_for(lambda: ledger(db))
        worker.signal(signal.SIGTERM)
        assert worker.wait(10) == 0
    states = Counter(release(db, sid).state for sid in sids)
    assert states == {JobState.DONE: 1, JobState.QUEUED: 2}
    assert all(release(db, sid).attempts == 0 for sid in sids if release(db, sid).state == JobState.QUEUED)
