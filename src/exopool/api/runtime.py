"""What a running app holds: settings, database, clock, and the in-process worker."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

from starlette.requests import Request

from exopool.api.auth import credentials_of
from exopool.carriers import Carrier
from exopool.clock import Clock
from exopool.config import Settings
from exopool.db import Database
from exopool.entities import Actor
from exopool.ratelimit import RateLimiter
from exopool.services.api_keys import authenticate

T = TypeVar("T")


@dataclass
class Runtime:
    settings: Settings
    db: Database
    clock: Clock
    carrier: Carrier
    releases_queued: threading.Event = field(default_factory=threading.Event)
    limiter: RateLimiter | None = None

    async def as_caller(self, request: Request, work: Callable[..., T], *args: Any) -> T:
        """Authenticate the request and run work(conn, actor, *args) in the same transaction.

        With rate limits on, an authenticated request spends one of its account's requests
        (once, however many units it runs); a caller that fails authentication spends none.
        """
        creds = credentials_of(request, self.settings.cluster_for_host(request.headers.get("host")))
        secret, now, limiter, scope = self.settings.secret_key, self.clock.now(), self.limiter, request.scope

        def unit(conn: Any) -> T:
            actor: Actor = authenticate(conn, now, secret, creds.key, creds.token, creds.account_sid,
                                        creds.cluster, creds.request_id)
            # Looked up as the unit runs: a unit replayed by group commit has already been counted.
            if limiter is not None and not scope.get("exopool.rate_counted"):
                scope["exopool.rate_counted"] = True
                limiter.take(actor.account_sid or "", now)
            return work(conn, actor, *args)

        return await self.db.run(unit)


def runtime_of(request: Request) -> Runtime:
    return request.app.state.runtime
