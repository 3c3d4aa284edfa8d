"""The clock, behind a small protocol so tests and the sandbox can move time."""

from __future__ import annotations

import threading
import time
from datetime import datetime, timedelta
from typing import Protocol

_EPOCH = datetime(1970, 1, 1)


def utc_now() -> datetime:
    """The current UTC time as a naive datetime, as the database stores it.

    The epoch plus the clock's microseconds: half the cost of datetime.now(UTC).replace(tzinfo=None),
    most of which is replace() parsing its keyword (datetime.utcnow() is deprecated).
    """
    return _EPOCH + timedelta(0, 0, time.time_ns() // 1000)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock UTC time."""

    def now(self) -> datetime:
        return utc_now()


class ManualClock:
    """A clock that starts at real time and moves forward only when told to (tests, sandbox)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0)
        self._start = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        base = self._start or utc_now()
        with self._lock:
            return base + self._offset

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()
