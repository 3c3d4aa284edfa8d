"""A database outage in the log: once when it starts, every so often while it lasts, once when it ends.

Every request during an outage is a 503, and logging each one (with its traceback) flooded the
log with a line per request: 1,255 in twelve seconds.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger("exopool.db")
STILL_DOWN_EVERY_S = 60.0


class Outage:
    def __init__(self, every_s: float = STILL_DOWN_EVERY_S) -> None:
        self.every_s = every_s
        self.since: float | None = None  # time.monotonic() of the first failure, while the outage lasts
        self._last_said, self._refused = 0.0, 0
        self._lock = threading.Lock()

    def failed(self, error: BaseException) -> None:
        """A transaction could not reach the database."""
        now = time.monotonic()
        with self._lock:
            self._refused += 1
            if self.since is None:
                self.since = self._last_said = now
                log.error("the database cannot be reached; answering 503 until it can: %s", error, exc_info=error)
            elif now - self._last_said >= self.every_s:
                self._last_said = now
                log.error("the database still cannot be reached after %.0f s; %d transactions refused so far: %s",
                          now - self.since, self._refused, error)

    def succeeded(self) -> None:
        """A transaction reached the database (cheap when there is no outage: one attribute read)."""
        if self.since is not None:
            self._ended()

    def _ended(self) -> None:
        with self._lock:
            since = self.since  # read again under the lock: another thread may have ended the outage
            if since is None:
                return
            log.warning("the database can be reached again after %.1f s; %d transactions were refused",
                        time.monotonic() - since, self._refused)
            self.since, self._refused = None, 0
