"""The wire's own formats, value by value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from exopool.api.wire import money, timestamp


def test_a_timestamp_is_utc_to_the_second_with_a_z() -> None:
    assert timestamp(datetime(2026, 1, 2, 3, 4, 5, 999999)) == "2026-01-02T03:04:05Z"  # truncated, not rounded
    assert timestamp(datetime(2026, 11, 30, 23, 59, 59)) == "2026-11-30T23:59:59Z"


def test_an_aware_timestamp_is_written_in_utc() -> None:
    india = timezone(timedelta(hours=5, minutes=30))
    assert timestamp(datetime(2026, 1, 2, 5, 34, 5, tzinfo=india)) == "2026-01-02T00:04:05Z"
    assert timestamp(datetime(2026, 1, 2, 0, 4, 5, tzinfo=UTC)) == "2026-01-02T00:04:05Z"


def test_no_timestamp_is_null() -> None:
    assert timestamp(None) is None


def test_money_has_six_decimals_and_its_sign() -> None:
    assert money(499_000_000) == "499.000000"
    assert money(1) == "0.000001"
    assert money(-2_500_000) == "-2.500000"
    assert money(0) == "0.000000"
