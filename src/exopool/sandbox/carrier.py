"""The sandbox's carrier: decides when a release's de-provisioning is confirmed.

Timing `immediate` confirms at once; `delay` confirms once N seconds of sandbox time have passed
since the carrier first heard of the release; `manual` waits for a person (or a test) to finish
it through the control plane. Until then the carrier answers "later" (CarrierPending): the
release pipeline parks the job, without spending its attempts; with a delay it asks to be asked
again when the delay is over, and the release worker, running on the sandbox's clock, does.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import datetime, timedelta

from exopool.carriers import Carrier, CarrierError, CarrierPending, ReleaseOrder, RestoreOrder
from exopool.clock import Clock
from exopool.errors import InvalidParameter
from exopool.sandbox.magic import FAILING_RELEASES

TIMINGS = ("immediate", "delay", "manual")


@dataclass(frozen=True)
class Timing:
    mode: str = "immediate"
    seconds: float = 0.0

    @classmethod
    def parse(cls, mode: object, seconds: object = None) -> Timing:
        if mode not in TIMINGS:
            raise InvalidParameter("timing", f"must be one of {', '.join(TIMINGS)}, not {mode!r}")
        if mode != "delay":
            return cls(str(mode))
        if isinstance(seconds, bool) or not isinstance(seconds, (int, float)) or not 0 < seconds <= 10**9:
            raise InvalidParameter("seconds", f"must be greater than 0 for a delay, not {seconds!r}")
        return cls("delay", float(seconds))


@dataclass(frozen=True)
class Held:
    """A release the carrier has heard of but not confirmed."""

    release_sid: str
    phone_number: str
    since: datetime
    due: datetime | None


class SandboxCarrier:
    """Confirms releases on the sandbox's timing; the failing magic number fails its first attempt."""

    def __init__(self, clock: Clock, inner: Carrier) -> None:
        self.clock, self.inner = clock, inner
        self.timing = Timing()
        self._held: dict[str, Held] = {}
        self._refused: set[str] = set()
        self._lock = threading.Lock()

    def deprovision(self, order: ReleaseOrder) -> None:
        if order.phone_number in FAILING_RELEASES and self._refuse_once(order.release_sid):
            raise CarrierError(f"The carrier refused to release {order.phone_number} (sandbox magic number); "
                               "a retry will succeed")
        held = None if self.timing.mode == "immediate" else self._hold(order)
        if held is None or (held.due is not None and held.due <= self.clock.now()):
            self.inner.deprovision(order)
            self.forget(order.release_sid)
            return
        raise CarrierPending(f"The carrier will confirm release {order.release_sid} later "
                             f"(sandbox timing: {self.timing.mode})", ask_again_at=held.due)

    def reprovision(self, order: RestoreOrder) -> None:
        """At once, whatever the timing: a release the carrier still held is forgotten, never confirmed."""
        self.forget(order.release_sid)
        self.inner.reprovision(order)

    def _refuse_once(self, release_sid: str) -> bool:
        with self._lock:
            first = release_sid not in self._refused
            self._refused.add(release_sid)
            return first

    def _hold(self, order: ReleaseOrder) -> Held:
        """The release as the carrier holds it, from the first time it heard of it."""
        with self._lock:
            held = self._held.get(order.release_sid)
            if held is None:
                now = self.clock.now()
                due = now + timedelta(seconds=self.timing.seconds) if self.timing.mode == "delay" else None
                held = self._held[order.release_sid] = Held(order.release_sid, order.phone_number, now, due)
            return held

    def held(self) -> list[Held]:
        with self._lock:
            return list(self._held.values())

    def forget(self, release_sid: str) -> None:
        with self._lock:
            self._held.pop(release_sid, None)

    def set_timing(self, timing: Timing) -> None:
        """New timing for releases not yet heard of; held ones get the new delay from when they were held."""
        with self._lock:
            self.timing = timing
            self._held = {sid: Held(h.release_sid, h.phone_number, h.since,
                                    h.since + timedelta(seconds=timing.seconds) if timing.mode == "delay" else None)
                          for sid, h in self._held.items()}

    def reset(self) -> None:
        with self._lock:
            self.timing = Timing()
            self._held.clear()
            self._refused.clear()
