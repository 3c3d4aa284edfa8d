"""How long a failed attempt waits before the next one: exponential back-off with jitter."""

from __future__ import annotations

import random
from dataclasses import dataclass


@dataclass(frozen=True)
class Backoff:
    """At most max_attempts tries; the n-th failure waits about base_s * 2**(n-1), capped at max_s."""

    max_attempts: int = 5
    base_s: float = 2.0
    max_s: float = 600.0

    def is_spent(self, attempts: int) -> bool:
        """True once attempts tries have used the whole budget."""
        return attempts >= self.max_attempts

    def delay_s(self, attempt: int, rng: random.Random | None = None) -> float:
        """The wait after failed attempt number attempt (1-based).

        "Equal jitter": half the exponential delay is fixed, the other half random, so waits
        grow reliably while workers that failed together do not retry together.
        """
        ceiling = min(self.max_s, self.base_s * 2.0 ** max(0, attempt - 1))
        return ceiling / 2 + (rng or random).uniform(0, ceiling / 2)
