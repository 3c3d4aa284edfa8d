"""Release jobs: queued with the DELETE, claimed by a worker, finished when the carrier confirms."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, insert, or_, select, update

from exopool.entities import Actor
from exopool.errors import IllegalTransition
from exopool.lifecycle import NumberState, check_transition
from exopool.models import PhoneNumber, ReleaseJob
from exopool.services.events import record_event
from exopool.statements import Prepared

WORKER_ACTOR = Actor(label="worker")
_QUEUE = Prepared(insert(ReleaseJob), columns=(
    "sid", "number_id", "phone_number", "account_id", "state", "attempts", "next_attempt_at", "request_id",
    "created_at", "updated_at",
))


class JobState:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


def queue_release(conn: Connection, now: datetime, actor: Actor, number_id: int, sid: str, phone_number: str) -> str:
    """A release job row, written in the caller's transaction."""
    _QUEUE.run(
        conn, sid=sid, number_id=number_id, phone_number=phone_number, account_id=actor.account_id,
        state=JobState.QUEUED, attempts=0, next_attempt_at=now, request_id=actor.request_id,
        created_at=now, updated_at=now,
    )
    return sid


def _due(now: datetime) -> Any:
    return or_(
        (ReleaseJob.state == JobState.QUEUED) & (ReleaseJob.next_attempt_at <= now),
        (ReleaseJob.state == JobState.RUNNING) & (ReleaseJob.lease_until < now),
    )


def claim_release_jobs(conn: Connection, now: datetime, worker: str, lease_s: float, limit: int = 10) -> list[Any]:
    """Claim up to limit due jobs; each claim is a guarded UPDATE, so no two workers hold one job."""
    candidates = conn.execute(
        select(ReleaseJob.id).where(_due(now)).order_by(ReleaseJob.next_attempt_at).limit(limit)
    ).scalars().all()
    claimed = []
    for job_id in candidates:
        row = conn.execute(
            update(ReleaseJob).where(ReleaseJob.id == job_id, _due(now))
            .values(state=JobState.RUNNING, attempts=ReleaseJob.attempts + 1, worker=worker,
                    lease_until=now + timedelta(seconds=lease_s), updated_at=now)
            .returning(ReleaseJob)
        ).first()
        if row is not None:
            claimed.append(row)
    return claimed


def move_number(conn: Connection, number_id: int, current: str, target: str, **values: Any) -> None:
    """A guarded state change: only from current, only if the lifecycle allows it."""
    check_transition(current, target)
    done = conn.execute(
        update(PhoneNumber).where(PhoneNumber.id == number_id, PhoneNumber.state == current)
        .values(state=target, **values)
    )
    if done.rowcount != 1:
        raise IllegalTransition(f"Number {number_id} is no longer {current}")


def confirm_release(conn: Connection, now: datetime, job: Any, aging_period_s: int) -> bool:
    """The carrier confirmed: the number starts aging; False if the job was already finished elsewhere."""
    finished = conn.execute(
        update(ReleaseJob).where(ReleaseJob.id == job.id, ReleaseJob.state == JobState.RUNNING,
                                 ReleaseJob.worker == job.worker, ReleaseJob.attempts == job.attempts)
        .values(state=JobState.DONE, completed_at=now, updated_at=now, lease_until=None, last_error=None)
    )
    if finished.rowcount != 1:
        return False
    free_at = now + timedelta(seconds=aging_period_s)
    move_number(conn, job.number_id, NumberState.RELEASING, NumberState.AGING, free_at=free_at, date_updated=now)
    common = {"number_id": job.number_id, "phone_number": job.phone_number, "number_sid": job.sid,
              "account_id": job.account_id}
    record_event(conn, now, "release.carrier_confirmed", _worker(job), data={"attempt": job.attempts}, **common)
    record_event(conn, now, "number.aging", _worker(job), data={"until": free_at.isoformat() + "Z"}, **common)
    return True


def _worker(job: Any) -> Actor:
    return Actor(label=f"worker:{job.worker}", request_id=job.request_id)
