"""What every background worker shares: run batches until none is due, sleep until woken or the poll interval
passes, survive a batch that fails, stop when asked."""

from __future__ import annotations

import logging
import threading
from abc import ABC, abstractmethod

from exopool.config import Settings

log = logging.getLogger("exopool.worker")


class PollingWorker(ABC):
    """A worker whose run_once claims and handles one batch, returning how many items it claimed."""

    what = "worker"  # for log lines: "release worker", "webhook worker"
    name: str
    settings: Settings
    stopping: threading.Event
    wake: threading.Event

    @abstractmethod
    def run_once(self) -> int:
        """Claim and handle one batch; how many items were claimed."""

    def run_due(self, most_batches: int = 50) -> int:
        """Run batches until none is due (or most_batches ran); how many items were claimed."""
        claimed = 0
        for _ in range(most_batches):
            batch = self.run_once()
            claimed += batch
            if batch == 0:
                break
        return claimed

    def run_forever(self) -> None:
        while not self.stopping.is_set():
            if self._run_once_safely() == 0:
                self.wake.wait(self.settings.worker_poll_s)
                self.wake.clear()

    def _run_once_safely(self) -> int:
        """run_once, surviving a database outage: what it claimed stays leased and comes back."""
        try:
            return self.run_once()
        except Exception:
            log.exception("%s %s: batch interrupted", self.what, self.name)
            return 0

    def stop(self) -> None:
        self.stopping.set()
        self.wake.set()
