"""What anonymous log-in attempts may cost a server: a few a minute per client address, and one
password check at a time, with a short queue; past either, an attempt is refused before any work.

A password check is deliberately slow (argon2, about 20 MiB of memory each). Unbounded, a flood
of attempts with made-up emails took the CPU and memory the API needs; bounded, it costs one
core's share at most and a queue's worth of waiting connections.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import TypeVar

import anyio
import anyio.to_thread

from exopool.clock import Clock
from exopool.errors import RateLimited
from exopool.ratelimit import RateLimiter

T = TypeVar("T")
CHECKS_AT_ONCE = 1
MOST_WAITING = 8
BUSY_RETRY_S = 2


class LoginGate:
    def __init__(self, attempts_per_minute: int, clock: Clock) -> None:
        self.clock = clock
        self.addresses = RateLimiter(attempts_per_minute / 60, attempts_per_minute) if attempts_per_minute else None
        self._checks = anyio.CapacityLimiter(CHECKS_AT_ONCE)
        self._waiting = 0
        self._lock = threading.Lock()

    def admit(self, address: str) -> None:
        """RateLimited, with Retry-After, when this address has used up its attempts."""
        if self.addresses is not None:
            self.addresses.take(f"login:{address}", self.clock.now())

    async def check(self, work: Callable[[], T]) -> T:
        """work() in a thread, one at a time; RateLimited at once when too many wait already."""
        with self._lock:
            if self._waiting >= MOST_WAITING:
                raise RateLimited("Too many log-ins at once: try again in a moment.", retry_after_s=BUSY_RETRY_S)
            self._waiting += 1
        try:
            return await anyio.to_thread.run_sync(work, limiter=self._checks)
        finally:
            with self._lock:
                self._waiting -= 1
