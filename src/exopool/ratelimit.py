"""Per-account rate limits (off by default): a token bucket per account, in each API process.

An account may make `burst` requests at once and `per_s` a second after that. A request is
checked before it runs (one without a request left is refused, changing nothing) and spent once
it was authenticated, so callers with wrong credentials cost an account nothing. Requests of one
account that run at the same time all pass the check before any is spent: the bucket then goes
into debt, which later requests wait out, so the rate over time is exact and a burst can exceed
`burst` by the requests in flight.

Buckets live in the process that answers, so with N API processes an account can get up to N
times the rate.
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
        self._lock = threading.Lock()  # the dashboard's and the CLI's threads may count too

    def check(self, account: str, now: datetime) -> None:
        """RateLimited, with Retry-After, unless the account has a request left; spends nothing."""
        with self._lock:
            tokens = self._tokens(account, now)
        if tokens < 1.0:
            wait = max(1, math.ceil((1.0 - tokens) / self.per_s))
            refill = max(1, math.ceil((self.capacity - tokens) / self.per_s))
            raise RateLimited(f"Too many requests for account {account}: at most {self.capacity} at once and "
                              f"{self.per_s:g} a second", retry_after_s=wait, limit=self.capacity, reset_s=refill)

    def spend(self, account: str, now: datetime) -> None:
        """One of the account's requests is used (the bucket may go into debt; see the module)."""
        with self._lock:
            self._buckets[account] = (self._tokens(account, now) - 1.0, now)

    def take(self, account: str, now: datetime) -> None:
        """check, then spend."""
        self.check(account, now)
        self.spend(account, now)

    def _tokens(self, account: str, now: datetime) -> float:
        tokens, counted = self._buckets.get(account, (float(self.capacity), now))
        elapsed = max(0.0, (now - counted).total_seconds())
        return min(float(self.capacity), tokens + elapsed * self.per_s)
