"""Upstream carriers: the one outside system a release talks to, behind a small protocol."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol


@dataclass(frozen=True)
class ReleaseOrder:
    """What a carrier is asked to de-provision; release_sid makes a repeat recognisable."""

    release_sid: str
    phone_number: str
    attempt: int


@dataclass(frozen=True)
class RestoreOrder:
    """What a carrier is asked to provision again: a number it de-provisioned for release_sid."""

    release_sid: str
    phone_number: str


class CarrierError(Exception):
    """The carrier did not confirm the de-provisioning; the job will be retried."""


class CarrierPending(Exception):
    """The carrier took the order and will answer later.

    The job then waits, unleased and with its attempts intact (services.releases.await_carrier):
    until ask_again_at, when a worker asks the carrier again, or, without one, until its answer
    is recorded by hand.
    """

    def __init__(self, message: str = "", *, ask_again_at: datetime | None = None) -> None:
        super().__init__(message)
        self.ask_again_at = ask_again_at


class Carrier(Protocol):
    def deprovision(self, order: ReleaseOrder) -> None:
        """Return when the carrier confirmed; raise CarrierError if not, CarrierPending if later."""

    def reprovision(self, order: RestoreOrder) -> None:
        """Return when the number is provisioned again (a no-op if it still was); raise CarrierError if not."""


class NoCarrier:
    """No upstream: every de-provisioning is confirmed at once."""

    def deprovision(self, order: ReleaseOrder) -> None:
        return None

    def reprovision(self, order: RestoreOrder) -> None:
        return None
