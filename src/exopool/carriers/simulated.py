"""A stand-in for an upstream carrier: slow when told, failing when told, and keeping a ledger."""

from __future__ import annotations

import random
import time
from datetime import datetime

from sqlalchemy import Boolean, Column, Connection, DateTime, Integer, MetaData, String, Table, func, insert, select

from exopool.carriers import CarrierError, ReleaseOrder, RestoreOrder
from exopool.clock import Clock, SystemClock
from exopool.db import Database, execute, first, rows
from exopool.db.dialects import migration_lock

# The carrier's own ledger: not part of exopool's schema, but in its database, so that every worker
# process writes to one ledger. Created by the carrier on first use.
LEDGER = Table(
    "simulated_carrier_ledger", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("release_sid", String(32), index=True, nullable=False),
    Column("phone_number", String(20), nullable=False),
    Column("attempt", Integer, nullable=False),
    Column("repeat", Boolean, nullable=False),  # a request for a release already de-provisioned
    Column("at", DateTime, nullable=False),
)
# Numbers provisioned again by a restore. after_id is the ledger's last row for the release then:
# a de-provisioning of the release recorded after it is a new one, not a repeat.
REPROVISIONINGS = Table(
    "simulated_carrier_ledger_reprovisionings", MetaData(),
    Column("id", Integer, primary_key=True),
    Column("release_sid", String(32), index=True, nullable=False),
    Column("phone_number", String(20), nullable=False),
    Column("after_id", Integer, nullable=False),
    Column("at", DateTime, nullable=False),
)


class SimulatedCarrier:
    """De-provisions into a ledger, idempotently per release sid, like a careful real carrier.

    Whether an attempt fails is decided by a random generator seeded from (seed, release sid,
    attempt), so the same settings give the same outcomes in any worker process, in any order.
    The first fail_attempts attempts of every release fail, for tests and demos of retries.
    """

    def __init__(self, db: Database, *, latency_ms: int = 0, failure_rate: float = 0.0, seed: int | None = None,
                 fail_attempts: int = 0, clock: Clock | None = None) -> None:
        self.db, self.clock = db, clock or SystemClock()
        self.latency_s = latency_ms / 1000
        self.failure_rate, self.seed, self.fail_attempts = failure_rate, seed, fail_attempts
        self._ledger_ready = False

    def deprovision(self, order: ReleaseOrder) -> None:
        if self._fails(order):
            time.sleep(self.latency_s)
            raise CarrierError(f"simulated carrier refused attempt {order.attempt} for {order.phone_number}")
        self._ready()
        self.db.transact(record_deprovisioning, self.clock.now(), order)
        # The answer arrives only after the work is done: a worker dying here leaves a
        # de-provisioned number unconfirmed, which the repeat request must not de-provision again.
        time.sleep(self.latency_s)

    def reprovision(self, order: RestoreOrder) -> None:
        self._ready()
        self.db.transact(record_reprovisioning, self.clock.now(), order)
        time.sleep(self.latency_s)

    def _ready(self) -> None:
        if not self._ledger_ready:
            with migration_lock(self.db.engine):  # worker processes starting together take turns creating it
                self.db.transact(create_ledger)
            self._ledger_ready = True

    def _fails(self, order: ReleaseOrder) -> bool:
        if order.attempt <= self.fail_attempts:
            return True
        rng = random.Random(f"{self.seed}:{order.release_sid}:{order.attempt}") if self.seed is not None else random
        return rng.random() < self.failure_rate


def create_ledger(conn: Connection) -> None:
    LEDGER.create(conn, checkfirst=True)
    REPROVISIONINGS.create(conn, checkfirst=True)


def record_deprovisioning(conn: Connection, now: datetime, order: ReleaseOrder) -> bool:
    """Note the request in the ledger; True if it de-provisioned, False if it was a repeat."""
    since = _last_reprovisioned(conn, order.release_sid)
    seen = first(conn, select(LEDGER.c.id).where(LEDGER.c.release_sid == order.release_sid, LEDGER.c.id > since)
                 .limit(1))
    execute(conn, insert(LEDGER).values(release_sid=order.release_sid, phone_number=order.phone_number,
                                        attempt=order.attempt, repeat=seen is not None, at=now))
    return seen is None


def record_reprovisioning(conn: Connection, now: datetime, order: RestoreOrder) -> None:
    """Note that the number of this release is provisioned again."""
    last = first(conn, select(func.coalesce(func.max(LEDGER.c.id), 0).label("id"))
                 .where(LEDGER.c.release_sid == order.release_sid))
    execute(conn, insert(REPROVISIONINGS).values(release_sid=order.release_sid, phone_number=order.phone_number,
                                                 after_id=last.id if last else 0, at=now))


def _last_reprovisioned(conn: Connection, release_sid: str) -> int:
    """The ledger id after which this release's de-provisionings count anew (0: never reprovisioned)."""
    last = first(conn, select(func.coalesce(func.max(REPROVISIONINGS.c.after_id), 0).label("id"))
                 .where(REPROVISIONINGS.c.release_sid == release_sid))
    return int(last.id) if last else 0


def reprovisionings(conn: Connection, release_sid: str | None = None) -> list[tuple[str, str]]:
    """The numbers provisioned again, as (release sid, phone number), oldest first."""
    create_ledger(conn)
    query = select(REPROVISIONINGS.c.release_sid, REPROVISIONINGS.c.phone_number)
    if release_sid is not None:
        query = query.where(REPROVISIONINGS.c.release_sid == release_sid)
    return [(row.release_sid, row.phone_number) for row in rows(conn, query.order_by(REPROVISIONINGS.c.id))]


def deprovisionings(conn: Connection, release_sid: str | None = None) -> list[tuple[str, int, bool]]:
    """The ledger as (release sid, attempt, repeat), oldest first."""
    create_ledger(conn)
    query = select(LEDGER.c.release_sid, LEDGER.c.attempt, LEDGER.c.repeat)
    if release_sid is not None:
        query = query.where(LEDGER.c.release_sid == release_sid)
    return [(row.release_sid, row.attempt, row.repeat) for row in rows(conn, query.order_by(LEDGER.c.id))]
