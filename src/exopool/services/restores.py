"""Restore: an account takes back a number it released, within the restore window.

A restore runs in steps, like a release attempt. `take_restore` takes the number's release job out of
the pipeline (state restoring, held by the restore under a lease), so no release worker claims it
meanwhile; if the carrier may already have de-provisioned the number, it says so with a RestoreOrder,
and the caller has the carrier provision it again, outside any transaction. `restore_phone_number`
then gives the number back to its account and cancels the job, in one transaction; a restore that
stops before that gives the job back (`give_back_restore`), so the release carries on.
A job whose carrier call is in flight (running under a live lease) is never taken: the restore waits.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, and_, exists, null, select, update
from sqlalchemy.orm import aliased

from exopool.carriers import RestoreOrder
from exopool.clock import Clock
from exopool.db import execute, first, rows
from exopool.entities import Actor, Number
from exopool.errors import NumberNotRestorable, RestoreBusy
from exopool.ids import is_sid, new_sid
from exopool.lifecycle import RESTORABLE, JobState, NumberState
from exopool.models import Account, PhoneNumber, ReleaseJob
from exopool.services.events import record_event
from exopool.services.listing import count_in
from exopool.services.phone_numbers import NUMBER_COLUMNS, get_phone_number_by_id

# A job in these states may have reached the carrier: the number must be provisioned again.
_CARRIER_MAY_KNOW = (JobState.DONE, JobState.WAITING, JobState.RUNNING, JobState.RESTORING)
# What a given-back job becomes, by its number's state.
_GIVEN_BACK = {NumberState.AGING: JobState.DONE, NumberState.RELEASE_FAILED: JobState.FAILED,
               NumberState.RELEASING: JobState.QUEUED}


@dataclass(frozen=True)
class Taken:
    """What take_restore did: took the job (and the carrier order to run first, if any), or found it busy."""

    order: RestoreOrder | None = None
    busy: bool = False


@dataclass(frozen=True)
class Restorable:
    """A number the account released and may still restore."""

    sid: str
    phone_number: str
    friendly_name: str | None
    state: str
    released_at: datetime
    restorable_until: datetime


def _found(conn: Connection, now: datetime, actor: Actor, sid: str, window_s: float) -> tuple[Any, Any]:
    """The number named by sid and its latest release job, if actor released it within the window."""
    if not is_sid(sid):
        raise NumberNotRestorable(sid, f"{sid!r} is not a number's sid (32 hex characters)")
    number = first(conn, select(*NUMBER_COLUMNS, PhoneNumber.account_id, PhoneNumber.ordinal)
                   .where(PhoneNumber.sid == sid))
    if number is None:
        raise NumberNotRestorable(sid, "no number has this sid")
    job = first(conn, select(ReleaseJob).where(ReleaseJob.number_id == number.id)
                .order_by(ReleaseJob.id.desc()).limit(1))
    if job is None or job.account_id != actor.account_id:
        raise NumberNotRestorable(sid, "this account did not release it")
    if now - job.created_at > timedelta(seconds=window_s):
        hint = "" if window_s else "; EXOPOOL_RESTORE_WINDOW_S or EXOPOOL_AGING_PERIOD_S opens one"
        raise NumberNotRestorable(sid, f"it was released at {job.created_at:%Y-%m-%dT%H:%M:%SZ}, more than "
                                       f"the restore window of {window_s:g} seconds ago{hint}")
    if job.state == JobState.CANCELLED and number.account_id == actor.account_id and number.state == NumberState.ACTIVE:
        return number, job  # restored already
    if job.state == JobState.CANCELLED or number.state not in RESTORABLE or number.account_id is not None:
        raise NumberNotRestorable(sid, "it is not released any more")
    return number, job


def take_restore(conn: Connection, now: datetime, actor: Actor, sid: str, window_s: float, holder: str,
                 lease_s: float) -> Taken:
    """Take the number's release job for holder's restore, unless its carrier call is in flight (busy).

    Nothing to take when the number is restored already. A job held by a live lease, a worker's or
    another restore's, is busy; any other is taken with a guarded UPDATE, so of two takers one wins.
    """
    _number, job = _found(conn, now, actor, sid, window_s)
    if job.state == JobState.CANCELLED:
        return Taken()
    held = job.state in (JobState.RUNNING, JobState.RESTORING) and job.lease_until >= now
    if held and job.worker != holder:
        return Taken(busy=True)
    taken = execute(conn, update(ReleaseJob).where(
        ReleaseJob.id == job.id, ReleaseJob.state == job.state, ReleaseJob.attempts == job.attempts,
        ReleaseJob.worker.is_(None) if job.worker is None else ReleaseJob.worker == job.worker,
    ).values(state=JobState.RESTORING, worker=holder, lease_until=now + timedelta(seconds=lease_s), updated_at=now))
    if taken != 1:
        return Taken(busy=True)
    may_know = job.state in _CARRIER_MAY_KNOW
    return Taken(order=RestoreOrder(job.sid, job.phone_number) if may_know else None)


def give_back_restore(conn: Connection, now: datetime, holder: str) -> int:
    """Hand the job holder took back to the release pipeline, as it was; how many (0 once restored)."""
    return _give_back(conn, now, ReleaseJob.worker == holder)


def give_back_stale_restores(conn: Connection, now: datetime) -> int:
    """Hand back the jobs of restores whose lease ran out (their process died), so their releases go on."""
    return _give_back(conn, now, ReleaseJob.lease_until < now)


def _give_back(conn: Connection, now: datetime, which: Any) -> int:
    given = 0
    for job in rows(conn, select(ReleaseJob.id, ReleaseJob.worker, PhoneNumber.state).join(PhoneNumber)
                    .where(ReleaseJob.state == JobState.RESTORING, which)):
        given += execute(conn, update(ReleaseJob)
                         .where(ReleaseJob.id == job.id, ReleaseJob.state == JobState.RESTORING,
                                ReleaseJob.worker == job.worker)
                         .values(state=_GIVEN_BACK[NumberState(job.state)], worker=null(), lease_until=null(),
                                 next_attempt_at=now, updated_at=now))
    return given


def restore_phone_number(conn: Connection, clock: Clock, actor: Actor, sid: str, window_s: float,
                         holder: str) -> Number:
    """Give the number back to the account that released it, as it was; its release job is cancelled.

    The job must be held by holder's restore (take_restore), the carrier done with, if it had to be.
    A number restored already is answered as it is now, so a repeat of a restore gets the number.
    """
    now = clock.now()
    number, job = _found(conn, now, actor, sid, window_s)
    if job.state == JobState.CANCELLED:
        return get_phone_number_by_id(conn, actor, number.id)
    if job.state != JobState.RESTORING or job.worker != holder:
        raise RestoreBusy(sid)
    # The job gives up the number's sid, which a later release of the number names its job by.
    cancelled = execute(conn, update(ReleaseJob)
                        .where(ReleaseJob.id == job.id, ReleaseJob.state == JobState.RESTORING,
                               ReleaseJob.worker == holder)
                        .values(state=JobState.CANCELLED, sid=new_sid(), worker=null(), lease_until=null(),
                                completed_at=now, updated_at=now))
    if cancelled != 1:
        raise RestoreBusy(sid)
    back = execute(conn, update(PhoneNumber)
                   .where(PhoneNumber.id == number.id, PhoneNumber.state.in_([str(s) for s in RESTORABLE]),
                          PhoneNumber.account_id.is_(None))
                   .values(state=NumberState.ACTIVE.value, account_id=actor.account_id, free_at=null(),
                           date_updated=now))
    if back != 1:
        raise NumberNotRestorable(sid, "it is not released any more")
    assert actor.account_id is not None
    count_in(conn, actor.account_id, number.ordinal)
    record_event(conn, now, "number.restored", actor, number_id=number.id, phone_number=number.phone_number,
                 number_sid=number.sid, data={"from_state": number.state, "release_attempts": job.attempts})
    return get_phone_number_by_id(conn, actor, number.id)


def list_restorable_numbers(conn: Connection, now: datetime, actor: Actor, window_s: float,
                            sid: str | None = None) -> list[Restorable]:
    """The numbers the account released within the window and may restore, latest release first; with sid,
    that one number's entry, if it is one of them."""
    later = aliased(ReleaseJob)
    latest = ~exists().where(later.number_id == ReleaseJob.number_id, later.id > ReleaseJob.id)
    since = now - timedelta(seconds=window_s)
    query = (select(PhoneNumber.sid, PhoneNumber.phone_number, PhoneNumber.friendly_name, PhoneNumber.state,
                    ReleaseJob.created_at)
             .join(ReleaseJob, ReleaseJob.number_id == PhoneNumber.id)
             .where(latest, ReleaseJob.account_id == actor.account_id,
                    ReleaseJob.state != JobState.CANCELLED, ReleaseJob.created_at >= since,
                    PhoneNumber.account_id.is_(None), PhoneNumber.state.in_([str(s) for s in RESTORABLE]))
             .order_by(ReleaseJob.id.desc()).limit(200))
    if sid is not None:
        query = query.where(PhoneNumber.sid == sid)
    return [Restorable(row.sid, row.phone_number, row.friendly_name, row.state, row.created_at,
                       row.created_at + timedelta(seconds=window_s)) for row in rows(conn, query)]


def releasing_account(conn: Connection, sid: str, label: str) -> Actor:
    """An operator acting for the account that last released the number sid names."""
    job = first(conn, select(Account.id, Account.sid, Account.cluster, Account.country)
                .join(ReleaseJob, ReleaseJob.account_id == Account.id)
                .join(PhoneNumber, and_(PhoneNumber.id == ReleaseJob.number_id, PhoneNumber.sid == sid))
                .order_by(ReleaseJob.id.desc()).limit(1))
    if job is None:
        raise NumberNotRestorable(sid, "no account released a number with this sid")
    return Actor(job.id, job.sid, job.cluster, job.country, label=label)

