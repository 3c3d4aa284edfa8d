"""Per-account rate limits (off by default): a token bucket per account, in each API process.

An account may make `burst` requests at once and `per_s` a second after that. Buckets live in
the process that answers, so with N API processes an account can get up to N times the rate;
a deployment that needs one exact limit across processes puts it in its reverse proxy.
"""

from __future__ import annotations

import math
import threading
from datetime import datetime

from exopool.errors import RateLimited


class RateLimiter:
    def __init__(self, per_s: float, burst: int = 0) -> None:
        self.per_s = per_s
        self.capacity = burst if burst > 0 else max(1, math.ceil(per_s))  # one second's worth
        self._buckets: dict[str, tuple[float, datetime]] = {}  # account: (tokens, when counted)
        self._lock = threading.Lock()  # units run in worker threads on PostgreSQL

    def take(self, account: str, now: datetime) -> None:
        """Spend one of the account's requests; RateLimited, with Retry-After, when none is left."""
        with self._lock:
            tokens, counted = self._buckets.get(account, (float(self.capacity), now))
            elapsed = max(0.0, (now - counted).total_seconds())
            tokens = min(float(self.capacity), tokens + elapsed * self.per_s)
            if tokens >= 1.0:
                self._buckets[account] = (tokens - 1.0, now)
                return
            self._buckets[account] = (tokens, now)
        wait = max(1, math.ceil((1.0 - tokens) / self.per_s))
        refill = max(1, math.ceil((self.capacity - tokens) / self.per_s))
        raise RateLimited(
            f"Too many requests for account {account}: at most {self.capacity} at once and {self.per_s:g} a second",
            headers={"Retry-After": str(wait), "X-RateLimit-Limit": str(self.capacity),
                     "X-RateLimit-Remaining": "0", "X-RateLimit-Reset": str(refill)},
        )
