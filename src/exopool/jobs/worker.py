"""Claim due release jobs, call the carrier outside any transaction, then record the outcome."""

from __future__ import annotations

import logging
import os
import socket
import threading

from exopool.carriers import Carrier, CarrierError, ReleaseOrder
from exopool.clock import Clock
from exopool.config import Settings
from exopool.db import Database
from exopool.services.releases import claim_release_jobs, confirm_release

log = logging.getLogger("exopool.worker")


def worker_name() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident() % 100000}"


class ReleaseWorker:
    """Runs release jobs until told to stop."""

    def __init__(self, db: Database, settings: Settings, carrier: Carrier, clock: Clock) -> None:
        self.db, self.settings, self.carrier, self.clock = db, settings, carrier, clock
        self.name = worker_name()
        self.stopping = threading.Event()
        self.wake = threading.Event()

    def run_once(self, limit: int = 20) -> int:
        """Claim and run one batch; how many jobs it handled."""
        jobs = self.db.transact(claim_release_jobs, self.clock.now(), self.name, self.settings.release_lease_s, limit)
        for job in jobs:
            self.run_job(job)
        return len(jobs)

    def run_job(self, job: object) -> None:
        order = ReleaseOrder(job.sid, job.phone_number, job.attempts)  # type: ignore[attr-defined]
        try:
            self.carrier.deprovision(order)
        except CarrierError as error:
            log.warning("release %s attempt %s failed: %s", order.release_sid, order.attempt, error)
            return
        self.db.transact(confirm_release, self.clock.now(), job, self.settings.aging_period_s)

    def run_forever(self) -> None:
        while not self.stopping.is_set():
            if self.run_once() == 0:
                self.wake.wait(self.settings.worker_poll_s)
                self.wake.clear()

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
