"""The states of a number, of its release job and of webhook deliveries, with the transitions a number may make."""

from __future__ import annotations

from enum import StrEnum

from exopool.errors import IllegalTransition


class NumberState(StrEnum):
    """Where a number is in its life."""

    AVAILABLE = "available"
    ACTIVE = "active"
    RELEASING = "releasing"
    AGING = "aging"
    RELEASE_FAILED = "release_failed"


class JobState(StrEnum):
    """Where a release job is: queued for an attempt, held by a worker, waiting for the carrier, or over."""

    QUEUED = "queued"
    RUNNING = "running"
    WAITING = "waiting"  # the carrier answers later; nobody holds a lease
    DONE = "done"
    FAILED = "failed"
    RESTORING = "restoring"  # taken from the pipeline by a restore, which may be asking the carrier
    CANCELLED = "cancelled"  # the number was restored: the release is over without its number


class DeliveryState(StrEnum):
    """Where a webhook delivery is: waiting for an attempt, held by a worker, or over."""

    PENDING = "pending"
    SENDING = "sending"
    DELIVERED = "delivered"
    FAILED = "failed"  # retried for the whole retry period, or its endpoint was disabled
    CANCELLED = "cancelled"  # its endpoint was deleted


class EndpointState(StrEnum):
    ENABLED = "enabled"
    DISABLED = "disabled"  # every delivery failed for the whole retry period
    DELETED = "deleted"


UNFINISHED_DELIVERIES = (DeliveryState.PENDING, DeliveryState.SENDING)
UNFINISHED_JOBS = (JobState.QUEUED, JobState.RUNNING, JobState.WAITING)
IN_QUEUE = (JobState.QUEUED, JobState.RUNNING)
# A released number its account may take back (services.restores): its own guarded UPDATE, not a
# transition of ALLOWED, so that a purchase's guard (sources_of(ACTIVE)) never admits these states.
RESTORABLE = (NumberState.RELEASING, NumberState.AGING, NumberState.RELEASE_FAILED)  # what the queue-depth gauge counts

ALLOWED = {
    (NumberState.AVAILABLE, NumberState.ACTIVE),
    (NumberState.AGING, NumberState.ACTIVE),  # bought again once aging is over
    (NumberState.ACTIVE, NumberState.RELEASING),
    (NumberState.RELEASING, NumberState.AGING),
    (NumberState.AGING, NumberState.AVAILABLE),
    (NumberState.RELEASING, NumberState.RELEASE_FAILED),
    (NumberState.RELEASE_FAILED, NumberState.RELEASING),  # an operator's retry
}


def check_transition(current: str, target: str) -> NumberState:
    """The target state, if moving there from current is allowed; IllegalTransition otherwise."""
    source, goal = NumberState(current), NumberState(target)
    if (source, goal) not in ALLOWED:
        raise IllegalTransition(f"A number cannot go from {source.value} to {goal.value}")
    return goal


def sources_of(target: str) -> tuple[str, ...]:
    """The states from which target may be reached: the guard of a conditional UPDATE."""
    goal = NumberState(target)
    return tuple(sorted(src.value for src, dst in ALLOWED if dst == goal))
