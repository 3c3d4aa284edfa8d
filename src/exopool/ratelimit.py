"""Per-account rate limits (off by default): counted in each API process, or in Redis for all of them.

An account may make `burst` requests at once and `per_s` a second after that. A request is
checked before it runs (one without a request left is refused, changing nothing) and spent once
it was authenticated, so callers with wrong credentials cost an account nothing. Requests of one
account that run at the same time all pass the check before any is spent, so a burst can exceed
`burst` by the requests in flight.

- In the process (the default): a token bucket per account. With N API processes an account can
  get up to N times the rate.
- Shared (`EXOPOOL_RATE_LIMIT_STORAGE=redis://...`): every process on every host counts against
  one budget per account, in a moving window of `burst` requests per `ceil(burst / per_s)` seconds
  kept by the `limits` library in Redis. When Redis cannot be reached the API keeps serving
  (fail open): the outage is logged when it starts and when it ends, and counted for /metrics.
"""

from __future__ import annotations

import logging
import math
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Protocol

import coredis
from limits import RateLimitItemPerSecond
from limits.aio.storage import RedisStorage
from limits.aio.strategies import MovingWindowRateLimiter
from limits.errors import StorageError

from exopool.errors import ConfigurationError, RateLimited

log = logging.getLogger("exopool.ratelimit")


class RateLimits(Protocol):
    async def check(self, account: str, now: datetime) -> None:
        """RateLimited, with Retry-After, unless the account has a request left; spends nothing."""

    async def spend(self, account: str, now: datetime) -> None:
        """One of the account's requests is used."""

    async def aclose(self) -> None:
        """Let go of what the limits hold (connections), when the server stops."""


def rate_limits_for(settings_per_s: float, burst: int, storage: str,
                    on_failure: Callable[[], None] | None = None) -> RateLimits | None:
    """The limits the settings ask for: none at 0 a second, shared with a storage URL, else in the process."""
    if not settings_per_s:
        return None
    if storage:
        return SharedLimits(storage, settings_per_s, burst, on_failure)
    return InProcessLimits(RateLimiter(settings_per_s, burst))


class RateLimiter:
    """A token bucket per account, in this process (the bucket may go into debt; see the module)."""

    def __init__(self, per_s: float, burst: int = 0) -> None:
        self.per_s = per_s
        self.capacity = burst if burst > 0 else max(1, math.ceil(per_s))  # one second's worth
        self._buckets: dict[str, tuple[float, datetime]] = {}  # account: (tokens, when counted)
        self._lock = threading.Lock()  # the dashboard's and the CLI's threads may count too

    def check(self, account: str, now: datetime) -> None:
        with self._lock:
            tokens = self._tokens(account, now)
        if tokens < 1.0:
            wait = max(1, math.ceil((1.0 - tokens) / self.per_s))
            refill = max(1, math.ceil((self.capacity - tokens) / self.per_s))
            raise RateLimited(f"Too many requests for account {account}: at most {self.capacity} at once and "
                              f"{self.per_s:g} a second", retry_after_s=wait, limit=self.capacity, reset_s=refill)

    def spend(self, account: str, now: datetime) -> None:
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


class InProcessLimits:
    """RateLimits over this process's token buckets."""

    def __init__(self, buckets: RateLimiter) -> None:
        self.buckets = buckets

    async def check(self, account: str, now: datetime) -> None:
        self.buckets.check(account, now)

    async def spend(self, account: str, now: datetime) -> None:
        self.buckets.spend(account, now)

    async def aclose(self) -> None:
        return None


class SharedLimits:
    """RateLimits kept in Redis, one budget per account for every process (see the module)."""

    def __init__(self, uri: str, per_s: float, burst: int, on_failure: Callable[[], None] | None = None) -> None:
        if not uri.startswith(("redis://", "rediss://")):
            raise ConfigurationError(f"rate_limit_storage must be a redis:// or rediss:// URL, not {uri!r}")
        self.capacity = burst if burst > 0 else max(1, math.ceil(per_s))
        self.window_s = max(1, math.ceil(self.capacity / per_s))
        self.item = RateLimitItemPerSecond(self.capacity, self.window_s)
        self.per_s, self.uri, self.on_failure = per_s, uri, on_failure
        self._limiter: MovingWindowRateLimiter | None = None
        self._connections: coredis.ConnectionPool | None = None
        self.down_since: float | None = None

    def _strategy(self) -> MovingWindowRateLimiter:
        # Made on first use, on the event loop that will use its connections.
        if self._limiter is None:
            self._connections = coredis.ConnectionPool.from_url(self.uri, stream_timeout=1, connect_timeout=1)
            storage = RedisStorage(f"async+{self.uri}", wrap_exceptions=True, key_prefix="exopool",
                                   connection_pool=self._connections)  # type: ignore[arg-type]  # passed to coredis
            self._limiter = MovingWindowRateLimiter(storage)
        return self._limiter

    async def aclose(self) -> None:
        """Close the connections to Redis (when the server stops)."""
        if self._connections is not None:
            self._connections.disconnect()
            self._connections, self._limiter = None, None

    async def check(self, account: str, now: datetime) -> None:
        try:
            allowed = await self._strategy().test(self.item, "account", account)
            if not allowed:
                stats = await self._strategy().get_window_stats(self.item, "account", account)
        except StorageError as error:
            self._failed(error)
            return
        self._worked()
        if not allowed:
            wait = max(1, math.ceil(stats.reset_time - time.time()))
            raise RateLimited(f"Too many requests for account {account}: at most {self.capacity} in "
                              f"{self.window_s} s", retry_after_s=wait, limit=self.capacity, reset_s=wait)

    async def spend(self, account: str, now: datetime) -> None:
        try:
            await self._strategy().hit(self.item, "account", account)
        except StorageError as error:
            self._failed(error)
            return
        self._worked()

    def _failed(self, error: BaseException) -> None:
        if self.on_failure is not None:
            self.on_failure()
        if self.down_since is None:
            self.down_since = time.monotonic()
            log.error("the rate-limit storage cannot be reached; requests are served unlimited until it can: %s",
                      error)

    def _worked(self) -> None:
        if self.down_since is not None:
            log.warning("the rate-limit storage can be reached again after %.1f s; limits apply again",
                        time.monotonic() - self.down_since)
            self.down_since = None
