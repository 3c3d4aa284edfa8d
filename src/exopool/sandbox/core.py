"""What a sandbox holds: its seed and snapshot, journal, fault rules, clock and carrier."""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import anyio.to_thread
from sqlalchemy import Connection

from exopool.api.runtime import Runtime
from exopool.clock import Clock, ManualClock
from exopool.config import Settings
from exopool.errors import ExopoolError, NotFound
from exopool.jobs.worker import ReleaseWorker
from exopool.sandbox import releases, state
from exopool.sandbox.carrier import SandboxCarrier, Timing
from exopool.sandbox.faults import Faults
from exopool.sandbox.journal import Journal
from exopool.sandbox.seed import Seed, default_seed, load_seed_file

log = logging.getLogger("exopool.sandbox")
JOURNAL_SIZE = 1000
MAX_WORKER_PASSES = 50
TICK_S = 0.25
# Test suites start many sandboxes from one seed in one process: the rows a seed produced (for
# one secret, on one engine) are kept, and the next sandbox restores them instead of seeding again.
_SEEDED: dict[tuple[str, str, str], state.Snapshot] = {}
_SEEDED_KEPT = 8


def seeded(conn: Connection, clock: Clock, secret: str, seed: Seed) -> state.Snapshot:
    """The database holding exactly the seed; the rows, to reset to."""
    key = (json.dumps(seed.source, sort_keys=True, default=str), secret, conn.dialect.name)
    if key in _SEEDED:
        state.restore(conn, _SEEDED[key])
        return _SEEDED[key]
    rows = _SEEDED[key] = state.apply_seed(conn, clock, secret, seed)
    while len(_SEEDED) > _SEEDED_KEPT:
        del _SEEDED[next(iter(_SEEDED))]
    return rows


class Sandbox:
    """The sandbox of one running app. It makes the runtime's clock controllable and its carrier the sandbox's."""

    def __init__(self, runtime: Runtime) -> None:
        if not callable(getattr(runtime.clock, "advance", None)):
            runtime.clock = ManualClock()
        self.carrier = SandboxCarrier(runtime.clock, runtime.carrier)
        runtime.carrier = self.carrier
        self.runtime = runtime
        self.clock: ManualClock = runtime.clock  # type: ignore[assignment]
        self.journal = Journal(JOURNAL_SIZE)
        self.faults = Faults()
        self.seed: Seed | None = None
        self.advanced_seconds = 0.0
        self._snapshot: state.Snapshot | None = None
        self._stopping = threading.Event()

    @property
    def settings(self) -> Settings:
        return self.runtime.settings

    def start(self) -> None:
        """Load the seed (a seed file at once; the default seed only into an empty database) and start ticking."""
        threading.Thread(target=self._tick, name="sandbox-tick", daemon=True).start()
        db, secret = self.runtime.db, self.settings.secret_key
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

        Due release jobs run here, through the sandbox's carrier, even when the server has no
        worker of its own: the sandbox's time exists only in this process.
        """
        self.clock.advance(seconds)
        self.advanced_seconds += seconds
        await self.finish_due_releases()
        await anyio.to_thread.run_sync(self._run_due_jobs)
        self.runtime.releases_queued.set()

    def _run_due_jobs(self) -> None:
        worker = ReleaseWorker(self.runtime.db, self.settings, self.carrier, self.clock)
        for _ in range(MAX_WORKER_PASSES):
            if worker.run_once() == 0:
                return

    async def finish_due_releases(self) -> None:
        if self.carrier.due_releases():  # in memory: most requests find nothing due and pay nothing
            await anyio.to_thread.run_sync(self.finish_due_releases_now)

    def finish_due_releases_now(self) -> int:
        """Confirm the delayed releases whose time has come; how many."""
        finished = 0
        for sid in self.carrier.due_releases():
            try:
                self.runtime.db.transact(releases.complete_release, self.clock.now(), sid,
                                         self.settings.aging_period_s, self.settings.release_lease_s)
                finished += 1
            except NotFound:
                pass  # finished elsewhere, or reset away
            self.carrier.forget(sid)
        return finished

    def _tick(self) -> None:
        """Delays run on sandbox time, which also passes by itself: look for due releases now and then."""
        while not self._stopping.wait(TICK_S):
            try:
                self.finish_due_releases_now()
            except ExopoolError:
                log.warning("sandbox: due releases not finished this tick", exc_info=True)

    def stop(self) -> None:
        self._stopping.set()

    async def complete_release(self, sid: str) -> dict[str, Any]:
        settings = self.settings
        view = await self.runtime.db.run(releases.complete_release, self.clock.now(), sid,
                                         settings.aging_period_s, settings.release_lease_s)
        self.carrier.forget(sid)
        return view

    async def fail_release(self, sid: str, reason: str) -> dict[str, Any]:
        view = await self.runtime.db.run(releases.fail_release, self.clock.now(), sid,
                                         self.settings.release_lease_s, reason)
        self.carrier.forget(sid)
        return view

    def set_timing(self, timing: Timing) -> None:
        self.carrier.set_timing(timing)

    def now_text(self) -> str:
        return self.clock.now().strftime("%Y-%m-%dT%H:%M:%S.%fZ")
