"""When to try a request again, and how long to wait first."""

from __future__ import annotations

import email.utils
import random
import time
from collections.abc import Mapping
from dataclasses import dataclass

import httpx

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """max_retries more attempts after the first; waits grow as backoff_s * 2**n, up to max_backoff_s."""

    max_retries: int = 2
    backoff_s: float = 0.5
    max_backoff_s: float = 8.0
    # A Retry-After above this is not waited for: the error is raised instead.
    max_retry_after_s: float = 60.0

    def delay(self, attempt: int, headers: Mapping[str, str] | None = None) -> float | None:
        """Seconds to wait before retry number attempt+1, or None when the retries are used up."""
        if attempt >= self.max_retries:
            return None
        advised = retry_after_seconds(headers) if headers is not None else None
        if advised is not None:
            return advised if advised <= self.max_retry_after_s else None
        exponential = min(self.max_backoff_s, self.backoff_s * 2.0**attempt)
        # "Equal jitter": half the wait fixed, half random, so clients that failed together do not
        # retry together, while each still waits at least half the exponential delay.
        return exponential * (0.5 + random.random() / 2)


def is_retryable(status: int) -> bool:
    return status == 429 or (status >= 500 and status != 501)


def may_retry(request: httpx.Request) -> bool:
    """Reads always; writes only when an Idempotency-Key makes a repeat harmless."""
    return request.method in SAFE_METHODS or "idempotency-key" in request.headers


def retry_after_seconds(headers: Mapping[str, str]) -> float | None:
    """Retry-After as seconds, from either of its forms (a number, or an HTTP date)."""
    raw = headers.get("retry-after")
    if raw is None:
        return None
    raw = raw.strip()
    try:
        return max(0.0, float(raw))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(raw)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())
