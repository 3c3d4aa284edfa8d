"""The clock, behind a small protocol so tests and the sandbox can move time."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    """Wall-clock UTC time, without microseconds noise in stored timestamps."""

    def now(self) -> datetime:
        return datetime.now(UTC).replace(tzinfo=None)


class ManualClock:
    """A clock that starts at real time and moves forward only when told to (tests, sandbox)."""

    def __init__(self, start: datetime | None = None) -> None:
        self._offset = timedelta(0)
        self._start = start
        self._lock = threading.Lock()

    def now(self) -> datetime:
        base = self._start or datetime.now(UTC).replace(tzinfo=None)
        with self._lock:
            return base + self._offset

    def advance(self, seconds: float) -> datetime:
        with self._lock:
            self._offset += timedelta(seconds=seconds)
        return self.now()
