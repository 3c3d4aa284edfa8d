"""Claim due release jobs, call the carrier outside any transaction, then record the outcome."""

from __future__ import annotations

import logging
import os
import random
import socket
import threading
import time
from typing import Any

from exopool.backoff import Backoff
from exopool.carriers import Carrier, CarrierError, CarrierPending, ReleaseOrder
from exopool.clock import Clock
from exopool.config import Settings
from exopool.db import Database
from exopool.jobs.polling import PollingWorker
from exopool.services.releases import (
    RELEASE_QUEUED,
    await_carrier,
    claim_release_jobs,
    confirm_release,
    record_failed_attempt,
    renew_lease,
    unclaim_release_jobs,
)
from exopool.services.restores import give_back_stale_restores

log = logging.getLogger("exopool.worker")


def worker_name() -> str:
    return f"{socket.gethostname()[:32]}:{os.getpid()}:{threading.get_ident() % 100000}"


class ReleaseWorker(PollingWorker):
    """Runs release jobs until told to stop; a stop lets the job in hand finish.

    Woken by every release this process queues (db.notify), and looking for due jobs every
    worker_poll_s otherwise (releases queued by other processes, retries whose time has come).
    """

    what = "release worker"

    def __init__(self, db: Database, settings: Settings, carrier: Carrier, clock: Clock,
                 rng: random.Random | None = None) -> None:
        self.db, self.settings, self.carrier, self.clock = db, settings, carrier, clock
        self.backoff = Backoff(settings.release_max_attempts, settings.release_backoff_base_s,
                               settings.release_backoff_max_s)
        self.rng = rng or random.Random()
        self.name = worker_name()
        self.stopping = threading.Event()
        self.wake = db.notifier.subscribe(RELEASE_QUEUED)
        self._next_sweep = 0.0

    def run_once(self) -> int:
        """Claim and run one batch; how many jobs it claimed."""
        self._sweep_stale_restores()
        jobs = self.db.transact(claim_release_jobs, self.clock.now(), self.name, self.settings.release_lease_s,
                                self.settings.worker_batch)
        for index, job in enumerate(jobs):
            if self.stopping.is_set():
                self.db.transact(unclaim_release_jobs, self.clock.now(), jobs[index:])
                break
            self.run_job(job)
        return len(jobs)

    def _sweep_stale_restores(self) -> None:
        """Once a lease's time: releases a dead restore held go on (a restore lives seconds, not leases)."""
        if time.monotonic() < self._next_sweep:
            return
        self._next_sweep = time.monotonic() + self.settings.release_lease_s
        if given := self.db.transact(give_back_stale_restores, self.clock.now()):
            log.warning("gave %d release(s) of unfinished restores back to the queue", given)

    def run_job(self, job: Any) -> None:
        held = self._keep_lease(job)
        if held is None:
            log.warning("release %s: lease lost before its attempt started", job.sid, extra=self._about(job))
            return
        order = ReleaseOrder(held.sid, held.phone_number, held.attempts)
        try:
            self.carrier.deprovision(order)
        except CarrierError as error:
            self._failed(held, str(error))
            return
        except CarrierPending as pending:
            self.db.transact(await_carrier, self.clock.now(), held, pending.ask_again_at)
            return
        except Exception as error:  # a broken adapter must cost one attempt, not the worker
            log.exception("release %s: carrier adapter crashed", held.sid, extra=self._about(held))
            self._failed(held, f"carrier adapter error: {type(error).__name__}")
            return
        if not self.db.transact(confirm_release, self.clock.now(), held, self.settings.aging_period_s):
            log.warning("release %s: confirmed by the carrier, but another worker holds the job now", held.sid,
                        extra=self._about(held))

    def _keep_lease(self, job: Any) -> Any:
        """The job, its lease renewed first if less than half of it is left (later jobs of a batch)."""
        left = (job.lease_until - self.clock.now()).total_seconds()
        if left >= self.settings.release_lease_s / 2:
            return job
        return self.db.transact(renew_lease, self.clock.now(), job, self.settings.release_lease_s)

    def _failed(self, job: Any, error: str) -> None:
        outcome = self.db.transact(record_failed_attempt, self.clock.now(), job, error, self.backoff, self.rng)
        log.warning("release %s attempt %s failed (%s): %s", job.sid, job.attempts, outcome or "stale", error,
                    extra=self._about(job))

    def _about(self, job: Any) -> dict[str, Any]:
        return {"release_sid": job.sid, "worker": self.name, "request_id": job.request_id}
