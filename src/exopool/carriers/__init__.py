"""Upstream carriers: the one outside system a release talks to, behind a small protocol."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True)
class ReleaseOrder:
    """What a carrier is asked to de-provision; release_sid makes a repeat recognisable."""

    release_sid: str
    phone_number: str
    attempt: int


class CarrierError(Exception):
    """The carrier did not confirm the de-provisioning; the job will be retried."""


class CarrierPending(Exception):
    """The carrier took the order and will answer later (by hand, or by callback).

    The job then waits, unleased and unclaimable, until confirm_release or
    record_failed_attempt is called with it (see services/releases.py).
    """


class Carrier(Protocol):
    def deprovision(self, order: ReleaseOrder) -> None:
        """Return when the carrier confirmed; raise CarrierError if not, CarrierPending if later."""


class NoCarrier:
    """No upstream: every de-provisioning is confirmed at once."""

    def deprovision(self, order: ReleaseOrder) -> None:
        return None
