"""What a running app holds, for every edge: settings, database, clock, carrier, rate limiter."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request

from exopool.carriers import Carrier
from exopool.clock import Clock
from exopool.config import Settings
from exopool.db import Database
from exopool.ratelimit import RateLimits
from exopool.services.phone_numbers import Refusal


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    carrier: Carrier
    limiter: RateLimits | None = None
    # Checked before every purchase, by the API and the dashboard alike (the sandbox's magic numbers).
    purchase_refusal: Refusal | None = None


def runtime_of(request: Request) -> Runtime:
    runtime: Runtime = request.app.state.runtime
    return runtime
