"""Finishing a release by hand: claim its job, then confirm it or fail it.

The job is claimed with a guarded UPDATE, as a worker would, so a worker that asked the carrier
at the same moment cannot finish it twice. Confirming is the release pipeline's own step.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, select, update

from exopool.errors import NotFound
from exopool.models import ReleaseJob
from exopool.services import releases as pipeline
from exopool.services.releases import JobState, confirm_release

HAND = "sandbox"
UNFINISHED = (JobState.QUEUED, JobState.RUNNING, JobState.WAITING)


def claim_release_by_sid(conn: Connection, now: datetime, sid: str, lease_s: float) -> Any:
    """The unfinished release job of this number sid, now held by the sandbox; NotFound if none."""
    row = conn.execute(
        update(ReleaseJob).where(ReleaseJob.sid == sid, ReleaseJob.state.in_(UNFINISHED))
        .values(state=JobState.RUNNING, attempts=ReleaseJob.attempts + 1, worker=HAND,
                lease_until=now + timedelta(seconds=lease_s), updated_at=now)
        .returning(ReleaseJob)
    ).first()
    if row is None:
        raise NotFound(f"No release in progress for number sid {sid}")
    return row


def complete_release(conn: Connection, now: datetime, sid: str, aging_period_s: int, lease_s: float) -> Any:
    """The carrier confirmed by hand: the number starts aging, as after any confirmation."""
    job = claim_release_by_sid(conn, now, sid, lease_s)
    confirm_release(conn, now, job, aging_period_s)
    return release_view(conn, sid)


def fail_release(conn: Connection, now: datetime, sid: str, lease_s: float, reason: str) -> Any:
    """The carrier refused for good: the job fails and the number waits in release_failed for an operator."""
    job = claim_release_by_sid(conn, now, sid, lease_s)
    pipeline.fail_release(conn, now, job, reason)
    return release_view(conn, sid)


def release_view(conn: Connection, sid: str) -> dict[str, Any]:
    row = conn.execute(select(ReleaseJob).where(ReleaseJob.sid == sid)).first()
    if row is None:
        raise NotFound(f"No release of number sid {sid}")
    return _view(row)


def list_releases(conn: Connection, limit: int = 200) -> list[dict[str, Any]]:
    rows = conn.execute(select(ReleaseJob).order_by(ReleaseJob.id.desc()).limit(limit))
    return [_view(row) for row in rows]


def _view(row: Any) -> dict[str, Any]:
    return {"sid": row.sid, "phone_number": row.phone_number, "state": row.state, "attempts": row.attempts,
            "last_error": row.last_error, "created_at": _iso(row.created_at), "completed_at": _iso(row.completed_at)}


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None
