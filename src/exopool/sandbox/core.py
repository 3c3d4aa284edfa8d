"""What a sandbox holds: its seed and snapshot, journal, fault rules, clock and carrier."""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime
from typing import Any

import anyio.to_thread
from sqlalchemy import Connection

from exopool.clock import Clock, ManualClock
from exopool.config import Settings
from exopool.http.runtime import Runtime
from exopool.jobs.webhooks import DeliveryWorker
from exopool.jobs.worker import ReleaseWorker
from exopool.sandbox import magic, state
from exopool.sandbox.carrier import SandboxCarrier, Timing
from exopool.sandbox.faults import Faults
from exopool.sandbox.journal import Journal
from exopool.sandbox.seed import Seed, default_seed, load_seed_file
from exopool.services import deliveries, releases

log = logging.getLogger("exopool.sandbox")
JOURNAL_SIZE = 1000
SETTLE_S = 30.0  # the longest a move of the clock waits for what became due
HAND = "sandbox"  # the claimant of a release completed or failed through the control plane
# Test suites start many sandboxes from one seed in one process: the rows a seed produced (for
# one secret, on one engine) are kept with when they were seeded, and the next sandbox restores them
# instead of seeding again.
_SEEDED: dict[tuple[str, str, str], tuple[state.Snapshot, datetime]] = {}
_SEEDED_KEPT = 8


def seeded(conn: Connection, clock: Clock, secret: str, seed: Seed) -> state.Snapshot:
    """The database holding exactly the seed; the rows, to reset to."""
    key = (json.dumps(seed.source, sort_keys=True, default=str), secret, conn.dialect.name)
    now = clock.now()
    # Rows seeded at a later time than this clock's (another sandbox of the process, on a clock set in the
    # past) would hold numbers this sandbox sees as bought or aging in its future: seed those afresh.
    if key in _SEEDED and _SEEDED[key][1] <= now:
        state.restore(conn, _SEEDED[key][0])
        return _SEEDED[key][0]
    rows = state.apply_seed(conn, clock, secret, seed)
    _SEEDED[key] = (rows, clock.now())  # no row of the seed is later than this
    while len(_SEEDED) > _SEEDED_KEPT:
        del _SEEDED[next(iter(_SEEDED))]
    return rows


class Sandbox:
    """The sandbox of one running app.

    It makes the runtime's clock controllable, its carrier the sandbox's, and its purchases
    answer the magic numbers. Releases complete through one driver, the release worker on the
    sandbox's clock: the server's own, as time passes, and the sandbox's `advance`, which runs
    what a move of the clock made due before it answers. Webhook retries follow the same clock.
    """

    def __init__(self, runtime: Runtime) -> None:
        if not isinstance(runtime.clock, ManualClock):
            runtime.clock = ManualClock()
        self.carrier = SandboxCarrier(runtime.clock, runtime.carrier)
        runtime.carrier = self.carrier
        runtime.purchase_refusal = magic.refuse_purchase
        self.runtime = runtime
        self.clock: ManualClock = runtime.clock
        self.journal = Journal(JOURNAL_SIZE)
        self.faults = Faults()
        self.seed: Seed | None = None
        self.advanced_seconds = 0.0
        self.worker = ReleaseWorker(runtime.db, runtime.settings, self.carrier, self.clock)
        self.webhooks: DeliveryWorker | None = None  # made at start, once the settings hold the instance's key
        self._snapshot: state.Snapshot | None = None

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def start(self) -> None:
        """Load the seed: a seed file at once; the default seed only into an empty database."""
        db, secret = self.runtime.db, self.settings.secret_key
        self.webhooks = DeliveryWorker(db, self.settings, self.clock)
        if self.settings.sandbox_seed:
            self.seed = load_seed_file(self.settings.sandbox_seed)
            self._snapshot = db.transact(seeded, self.clock, secret, self.seed)
            log.info("sandbox seeded from %s", self.settings.sandbox_seed)
            return
        self.seed = default_seed()
        if db.transact(state.is_empty):
            self._snapshot = db.transact(seeded, self.clock, secret, self.seed)
            log.info("sandbox seeded with the demo seed")
        else:
            added = db.transact(state.add_magic_numbers, self.clock)
            log.info("sandbox on existing data; %s magic numbers added; reset loads the demo seed", added)

    async def reset(self) -> None:
        """Back to the seeded state: data, journal, fault rules and release timing (the clock keeps its time)."""
        db = self.runtime.db
        if self._snapshot is None:
            self._snapshot = await db.run(seeded, self.clock, self.settings.secret_key, self.seed)
        else:
            await db.run(state.restore, self._snapshot)
        self.journal.clear()
        self.faults.clear()
        self.carrier.reset()

    async def load(self, seed: Seed) -> None:
        """A new seed, applied now; later resets return to it."""
        self._snapshot = await self.runtime.db.run(seeded, self.clock, self.settings.secret_key, seed)
        self.seed = seed
        self.journal.clear()
        self.carrier.reset()

    async def advance(self, seconds: float) -> None:
        """Move the clock, then let everything that became due happen before answering.

        Due release jobs run here, through the release worker, even when the server runs no worker
        of its own: the sandbox's time exists only in this process.
        """
        self.clock.advance(seconds)
        self.advanced_seconds += seconds
        await anyio.to_thread.run_sync(self._settle_due)

    async def set_timing(self, timing: Timing) -> None:
        """New timing for the carrier; releases waiting for it are asked again now, under the new timing."""
        self.carrier.set_timing(timing)
        if await self.runtime.db.run(releases.ask_carrier_again, self.clock.now()):
            await anyio.to_thread.run_sync(self._settle_due)

    def _settle_due(self) -> None:
        """Run what is due until nothing is due or in a claimant's hands (the server's own worker may
        have claimed part of it): when this returns, everything due has happened."""
        deadline = time.monotonic() + SETTLE_S
        while True:
            self.worker.run_due()
            if self.webhooks is not None:
                self.webhooks.run_due()
            if self._nothing_in_hand():
                return
            if time.monotonic() > deadline:
                log.warning("sandbox: releases or webhooks still in hand %s s after the clock moved", SETTLE_S)
                return
            time.sleep(0.01)

    def _nothing_in_hand(self) -> bool:
        now, db = self.clock.now(), self.runtime.db
        return db.transact(releases.releases_in_hand, now) == 0 and db.transact(deliveries.deliveries_in_hand, now) == 0

    async def complete_release(self, sid: str) -> Any:
        """Confirm a release by hand, as the carrier would: the number starts aging."""
        aging = self.settings.aging_period_s
        job = await self.runtime.db.run(self._settle, sid, lambda conn, now, job: releases.confirm_release(
            conn, now, job, aging))
        self.carrier.forget(sid)
        return job

    async def fail_release(self, sid: str, reason: str) -> Any:
        """Refuse a release by hand, for good: the number waits in release_failed for an operator."""
        job = await self.runtime.db.run(self._settle, sid, lambda conn, now, job: releases.fail_release(
            conn, now, job, reason))
        self.carrier.forget(sid)
        return job

    def _settle(self, conn: Connection, sid: str, outcome: Any) -> Any:
        now = self.clock.now()
        outcome(conn, now, releases.claim_release(conn, now, sid, HAND, self.settings.release_lease_s))
        return releases.get_release(conn, sid)

    def now_text(self) -> str:
        return self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")

