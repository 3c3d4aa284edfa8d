"""The release pipeline: queue, claim, confirm, fail, retry and list release jobs.

A job is queued with the DELETE, claimed by a worker (or, in the sandbox, by a hand), and
finished when the carrier confirms. It is held by one claimant at a time: the claim sets
`worker`, bumps `attempts` and grants a lease. Every later write about that attempt is guarded
on (state, worker, attempts), so a worker whose lease ran out and whose job another worker took
over can no longer change anything.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, bindparam, func, insert, or_, select, update

from exopool.backoff import Backoff
from exopool.db import Prepared, execute, first, notify, rows
from exopool.db.dialects import skip_locked
from exopool.entities import Actor
from exopool.errors import IllegalTransition, ReleaseNotFound
from exopool.lifecycle import UNFINISHED_JOBS, JobState, NumberState, check_transition
from exopool.models import PhoneNumber, ReleaseJob
from exopool.services.events import record_event
from exopool.text import is_storable

RELEASE_QUEUED = "release.queued"  # the topic release workers wait on (db.notify)
_QUEUE = Prepared(insert(ReleaseJob), columns=(
    "sid", "number_id", "phone_number", "account_id", "state", "attempts", "next_attempt_at", "request_id",
    "created_at", "updated_at",
))


def queue_release(conn: Connection, now: datetime, actor: Actor, number_id: int, sid: str, phone_number: str) -> str:
    """A release job row, written in the caller's transaction; the workers hear of it once it commits."""
    execute(
        conn, _QUEUE, sid=sid, number_id=number_id, phone_number=phone_number, account_id=actor.account_id,
        state=JobState.QUEUED.value, attempts=0, next_attempt_at=now, request_id=actor.request_id,
        created_at=now, updated_at=now,
    )
    notify(conn, RELEASE_QUEUED)
    return sid


def _due(now: datetime) -> Any:
    """Due for an attempt: queued and its time has come, held by a worker whose lease ran out (presumed
    dead), or waiting for a carrier that asked to be asked again by now."""
    return or_(
        (ReleaseJob.state == JobState.QUEUED) & (ReleaseJob.next_attempt_at <= now),
        (ReleaseJob.state == JobState.RUNNING) & (ReleaseJob.lease_until < now),
        (ReleaseJob.state == JobState.WAITING) & (ReleaseJob.next_attempt_at <= now),
    )


def claim_release_jobs(conn: Connection, now: datetime, worker: str, lease_s: float, limit: int = 20) -> list[Any]:
    """Claim up to limit due jobs for worker, each for lease_s seconds; no two workers hold one job.

    The due ids are read first, then claimed in one UPDATE guarded by the due condition again,
    so a job another worker claimed in between is skipped. The ids are read skipping rows other
    transactions hold (dialects.skip_locked), so concurrent workers take different jobs instead of
    queueing behind each other. (Read apart from the UPDATE: as an IN subquery PostgreSQL may run it
    more than once and claim more than limit jobs.)
    """
    due = select(ReleaseJob.id).where(_due(now)).order_by(ReleaseJob.next_attempt_at, ReleaseJob.id).limit(limit)
    ids = [row.id for row in rows(conn, skip_locked(conn, due))]
    if not ids:
        return []
    claimed = _claim(conn, now, worker, lease_s, ReleaseJob.id.in_(ids), _due(now))
    return sorted(claimed, key=lambda job: (job.next_attempt_at is None, job.next_attempt_at, job.id))


def claim_release(conn: Connection, now: datetime, sid: str, worker: str, lease_s: float) -> Any:
    """Claim the unfinished release job of this number sid, due or not (a hand settling it); not found if none."""
    claimed = _claim(conn, now, worker, lease_s, ReleaseJob.sid == sid, ReleaseJob.state.in_(UNFINISHED_JOBS))
    if not claimed:
        raise ReleaseNotFound(sid, in_progress=True)
    return claimed[0]


def _claim(conn: Connection, now: datetime, worker: str, lease_s: float, *where: Any) -> list[Any]:
    claimed = rows(conn, update(ReleaseJob).where(*where)
                   .values(state=JobState.RUNNING, attempts=ReleaseJob.attempts + 1, worker=worker,
                           lease_until=now + timedelta(seconds=lease_s), updated_at=now)
                   .returning(*ReleaseJob.__table__.c))
    for job in claimed:
        _record(conn, now, job, "release.attempt_started", {"attempt": job.attempts, "worker": worker})
    return claimed


# Prebuilt: building SQLAlchemy expressions per job costs more than running them. The SET
# clause comes from the execution parameters; the h_ parameters name the attempt that holds the job.
_HELD = update(ReleaseJob).where(
    ReleaseJob.id == bindparam("h_id"), ReleaseJob.state == bindparam("h_state"),
    ReleaseJob.worker == bindparam("h_worker"), ReleaseJob.attempts == bindparam("h_attempts"),
)
_HELD_RETURNING = _HELD.returning(*ReleaseJob.__table__.c)
_MOVE = update(PhoneNumber).where(PhoneNumber.id == bindparam("m_id"), PhoneNumber.state == bindparam("m_from"))


def _held(job: Any, **values: Any) -> dict[str, Any]:
    """Parameters of a write that only the attempt holding the job can make: none once it moved on or changed hands.

    The attempt is the job as its holder saw it: running under a worker's claim, or waiting
    for a carrier that answers later. A job in any other state has no attempt to settle.
    """
    if job.state not in (JobState.RUNNING, JobState.WAITING):
        raise IllegalTransition(f"Release {job.sid} is {job.state}: no attempt is in progress")
    return {"h_id": job.id, "h_state": job.state, "h_worker": job.worker, "h_attempts": job.attempts, **values}


def renew_lease(conn: Connection, now: datetime, job: Any, lease_s: float) -> Any:
    """The job with a fresh lease, or None if this attempt no longer holds it."""
    return first(conn, _HELD_RETURNING, **_held(job, lease_until=now + timedelta(seconds=lease_s), updated_at=now))


def unclaim_release_jobs(conn: Connection, now: datetime, jobs: list[Any]) -> int:
    """Hand back claimed jobs that were never started (a worker told to stop); how many."""
    handed_back = 0
    for job in jobs:
        done = execute(conn, _HELD, **_held(job, state=JobState.QUEUED, attempts=job.attempts - 1, worker=None,
                                            lease_until=None, updated_at=now))
        if done == 1:
            handed_back += 1
            _record(conn, now, job, "release.attempt_handed_back", {"attempt": job.attempts})
    return handed_back


def await_carrier(conn: Connection, now: datetime, job: Any, ask_again_at: datetime | None = None) -> Any:
    """The carrier will answer later: park the job, unleased and with its attempts intact.

    With ask_again_at, the job is due again then, to ask the carrier once more; without, it waits
    until its answer is recorded by hand (claim_release, then confirm_release or fail_release).
    None if this attempt no longer holds the job.
    """
    waiting = first(conn, _HELD_RETURNING, **_held(job, state=JobState.WAITING, lease_until=None,
                                                    next_attempt_at=ask_again_at, updated_at=now))
    if waiting is not None:
        _record(conn, now, job, "release.awaiting_carrier", {"attempt": job.attempts})
    return waiting


def ask_carrier_again(conn: Connection, now: datetime) -> int:
    """Make every job waiting for the carrier due now (the carrier's timing changed); how many."""
    return execute(conn, update(ReleaseJob).where(ReleaseJob.state == JobState.WAITING)
                   .values(next_attempt_at=now, updated_at=now))


def move_number(conn: Connection, number_id: int, current: str, target: str, **values: Any) -> None:
    """A guarded state change: only from current, only if the lifecycle allows it."""
    check_transition(current, target)
    done = execute(conn, _MOVE, m_id=number_id, m_from=str(current), state=str(target), **values)
    if done != 1:
        raise IllegalTransition(f"Number {number_id} is no longer {current}")


def confirm_release(conn: Connection, now: datetime, job: Any, aging_period_s: float) -> bool:
    """The carrier confirmed: the number starts aging. False if this attempt no longer holds the job."""
    finished = execute(conn, _HELD, **_held(job, state=JobState.DONE, completed_at=now, updated_at=now,
                                            lease_until=None, last_error=None))
    if finished != 1:
        return False
    free_at = now + timedelta(seconds=aging_period_s)
    move_number(conn, job.number_id, NumberState.RELEASING, NumberState.AGING, free_at=free_at, date_updated=now)
    _record(conn, now, job, "release.carrier_confirmed", {"attempt": job.attempts})
    _record(conn, now, job, "number.aging", {"until": free_at.isoformat() + "Z"})
    return True


def record_failed_attempt(
    conn: Connection, now: datetime, job: Any, error: str, backoff: Backoff, rng: random.Random | None = None,
) -> JobState | None:
    """The carrier did not confirm: schedule the next attempt, or fail the release once the budget is spent.

    The job's new state (queued or failed), or None if this attempt no longer holds the job.
    """
    if backoff.is_spent(job.attempts):
        return JobState.FAILED if fail_release(conn, now, job, error) else None
    next_at = now + timedelta(seconds=backoff.delay_s(job.attempts, rng))
    scheduled = execute(conn, _HELD, **_held(job, state=JobState.QUEUED, next_attempt_at=next_at, last_error=error,
                                             lease_until=None, updated_at=now))
    if scheduled != 1:
        return None
    _record(conn, now, job, "release.attempt_failed",
            {"attempt": job.attempts, "error": error, "next_attempt_at": next_at.isoformat() + "Z"})
    return JobState.QUEUED


def fail_release(conn: Connection, now: datetime, job: Any, error: str) -> bool:
    """Give up on the release: the number waits in release_failed for an operator. False if not held."""
    failed = execute(conn, _HELD, **_held(job, state=JobState.FAILED, last_error=error, lease_until=None,
                                          updated_at=now))
    if failed != 1:
        return False
    move_number(conn, job.number_id, NumberState.RELEASING, NumberState.RELEASE_FAILED, date_updated=now)
    _record(conn, now, job, "release.attempt_failed", {"attempt": job.attempts, "error": error})
    _record(conn, now, job, "release.failed", {"attempts": job.attempts, "error": error})
    return True


def retry_release(conn: Connection, now: datetime, actor: Actor, sid: str) -> Any:
    """An operator sends a failed release back to the queue with a fresh attempt budget."""
    job = get_release(conn, sid)
    if job.state != JobState.FAILED:
        raise IllegalTransition(f"Release {sid} is {job.state}; only a failed release can be retried")
    execute(conn, update(ReleaseJob).where(ReleaseJob.id == job.id, ReleaseJob.state == JobState.FAILED)
            .values(state=JobState.QUEUED, attempts=0, next_attempt_at=now, worker=None, updated_at=now))
    notify(conn, RELEASE_QUEUED)
    move_number(conn, job.number_id, NumberState.RELEASE_FAILED, NumberState.RELEASING, date_updated=now)
    record_event(conn, now, "release.retried", actor, data={"previous_attempts": job.attempts},
                 **_about(job))
    return get_release(conn, sid)


def get_release(conn: Connection, sid: str) -> Any:
    job = first(conn, select(ReleaseJob).where(ReleaseJob.sid == sid)) if is_storable(sid) else None
    if job is None:
        raise ReleaseNotFound(sid)
    return job


def list_releases(conn: Connection, *, state: str | None = None, limit: int = 100,
                  before: int | None = None) -> list[Any]:
    """Release jobs, newest first, optionally of one state, and only older than the job id `before`."""
    query = select(ReleaseJob).order_by(ReleaseJob.id.desc()).limit(limit)
    if state:
        query = query.where(ReleaseJob.state == state)
    if before is not None:
        query = query.where(ReleaseJob.id < before)
    return rows(conn, query)


def releases_in_hand(conn: Connection, now: datetime) -> int:
    """How many release jobs are due now or held by a claimant: none, once everything due has happened."""
    busy = or_(_due(now), ReleaseJob.state == JobState.RUNNING)
    return int(first(conn, select(func.count().label("n")).where(busy)).n)


def count_releases(conn: Connection) -> dict[str, int]:
    """How many release jobs are in each state."""
    return {row.state: row.count for row in rows(conn, select(ReleaseJob.state, func.count().label("count"))
                                                  .group_by(ReleaseJob.state))}


def _about(job: Any) -> dict[str, Any]:
    return {"number_id": job.number_id, "phone_number": job.phone_number, "number_sid": job.sid,
            "account_id": job.account_id}


def _record(conn: Connection, now: datetime, job: Any, kind: str, data: dict[str, Any]) -> None:
    actor = Actor(label=f"worker:{job.worker}" if job.worker else "worker", request_id=job.request_id)
    record_event(conn, now, kind, actor, data=data, **_about(job))
