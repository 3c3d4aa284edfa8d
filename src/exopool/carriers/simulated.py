"""A stand-in for an upstream carrier: slow when told, failing when told, and keeping a ledger."""

from __future__ import annotations

import random
import time
from datetime import datetime

from sqlalchemy import Connection, insert, select

from exopool.carriers import CarrierError, ReleaseOrder
from exopool.clock import Clock, SystemClock
from exopool.db import Database
from exopool.models import CarrierDeprovisioning


class SimulatedCarrier:
    """De-provisions into a ledger table, idempotently per release sid, like a careful real carrier.

    Whether an attempt fails is decided by a random generator seeded from (seed, release sid,
    attempt), so the same settings give the same outcomes in any worker process, in any order.
    The first fail_attempts attempts of every release fail, for tests and demos of retries.
    """

    def __init__(self, db: Database, *, latency_ms: int = 0, failure_rate: float = 0.0, seed: int | None = None,
                 fail_attempts: int = 0, clock: Clock | None = None) -> None:
        self.db, self.clock = db, clock or SystemClock()
        self.latency_s = latency_ms / 1000
        self.failure_rate, self.seed, self.fail_attempts = failure_rate, seed, fail_attempts

    def deprovision(self, order: ReleaseOrder) -> None:
        if self._fails(order):
            time.sleep(self.latency_s)
            raise CarrierError(f"simulated carrier refused attempt {order.attempt} for {order.phone_number}")
        self.db.transact(record_deprovisioning, self.clock.now(), order)
        # The answer arrives only after the work is done: a worker dying here leaves a
        # de-provisioned number unconfirmed, which the repeat request must not de-provision again.
        time.sleep(self.latency_s)

    def _fails(self, order: ReleaseOrder) -> bool:
        if order.attempt <= self.fail_attempts:
            return True
        rng = random.Random(f"{self.seed}:{order.release_sid}:{order.attempt}") if self.seed is not None else random
        return rng.random() < self.failure_rate


def record_deprovisioning(conn: Connection, now: datetime, order: ReleaseOrder) -> bool:
    """Note the request in the ledger; True if it de-provisioned, False if it was a repeat."""
    seen = conn.execute(
        select(CarrierDeprovisioning.id).where(CarrierDeprovisioning.release_sid == order.release_sid).limit(1)
    ).first()
    conn.execute(insert(CarrierDeprovisioning), {
        "release_sid": order.release_sid, "phone_number": order.phone_number, "attempt": order.attempt,
        "repeat": seen is not None, "at": now,
    })
    return seen is None


def deprovisionings(conn: Connection, release_sid: str | None = None) -> list[tuple[str, int, bool]]:
    """The ledger as (release sid, attempt, repeat), oldest first."""
    query = select(CarrierDeprovisioning.release_sid, CarrierDeprovisioning.attempt, CarrierDeprovisioning.repeat)
    if release_sid is not None:
        query = query.where(CarrierDeprovisioning.release_sid == release_sid)
    return [tuple(row) for row in conn.execute(query.order_by(CarrierDeprovisioning.id))]  # type: ignore[misc]
