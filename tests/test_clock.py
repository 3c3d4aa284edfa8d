"""The system clock reads UTC, as a naive datetime, whatever the machine's time zone."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest

from exopool.clock import ManualClock, SystemClock


@pytest.fixture
def far_from_utc(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time 5½ hours ahead of UTC, so a clock that reads local time is caught."""
    monkeypatch.setenv("TZ", "Asia/Kolkata")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def test_the_system_clock_reads_utc_without_an_offset(far_from_utc: None) -> None:
    before = datetime.now(UTC).replace(tzinfo=None)
    read = SystemClock().now()
    after = datetime.now(UTC).replace(tzinfo=None)
    assert read.tzinfo is None
    assert before <= read <= after


def test_a_manual_clock_without_a_start_reads_utc_plus_what_it_was_advanced(far_from_utc: None) -> None:
    clock = ManualClock()
    start = clock.now()
    assert abs((start - datetime.now(UTC).replace(tzinfo=None)).total_seconds()) < 5
    assert (clock.advance(90) - start).total_seconds() >= 90
