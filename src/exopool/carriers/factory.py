"""Choose the carrier adapter the settings name."""

from __future__ import annotations

from exopool.carriers import Carrier, NoCarrier
from exopool.clock import Clock
from exopool.config import Settings
from exopool.db import Database
from exopool.errors import ConfigurationError


def carrier_for(settings: Settings, db: Database | None = None, clock: Clock | None = None) -> Carrier:
    """The adapter settings.carrier names; the simulated one keeps its ledger in db."""
    if settings.carrier == "none":
        return NoCarrier()
    if settings.carrier == "simulated":
        from exopool.carriers.simulated import SimulatedCarrier

        return SimulatedCarrier(db or Database(settings), latency_ms=settings.carrier_latency_ms,
                                failure_rate=settings.carrier_failure_rate, seed=settings.carrier_seed,
                                fail_attempts=settings.carrier_fail_attempts, clock=clock)
    if settings.carrier == "webhook":
        from exopool.carriers.webhook import WebhookCarrier

        if not settings.webhook_url or not settings.webhook_secret:
            raise ConfigurationError("The webhook carrier needs EXOPOOL_WEBHOOK_URL and EXOPOOL_WEBHOOK_SECRET")
        return WebhookCarrier(settings.webhook_url, settings.webhook_secret, settings.webhook_timeout_s)
    raise ConfigurationError(f"Unknown carrier {settings.carrier!r}: use none, simulated or webhook")
