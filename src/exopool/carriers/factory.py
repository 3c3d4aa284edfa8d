"""Choose the carrier adapter the settings name."""

from __future__ import annotations

from exopool.carriers import Carrier, NoCarrier
from exopool.config import Settings
from exopool.errors import ConfigurationError


def carrier_for(settings: Settings) -> Carrier:
    if settings.carrier in ("none", "simulated"):
        return NoCarrier()
    raise ConfigurationError(f"Unknown carrier {settings.carrier!r}: use none, simulated or webhook")
