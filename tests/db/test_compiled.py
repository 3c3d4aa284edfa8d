"""The SQLAlchemy internals Prepared reads (exopool.db.compiled): an upgrade that moves one fails here."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite

from exopool.db import compiled
from exopool.models import PhoneNumber

STATEMENT = select(PhoneNumber.id, PhoneNumber.free_at, PhoneNumber.voice).where(
    PhoneNumber.date_created > bindparam("b_at", type_=DateTime()))


def test_result_keys_are_the_columns_in_order() -> None:
    for dialect in (sqlite.dialect(), postgresql.dialect()):
        assert compiled.result_keys(STATEMENT.compile(dialect=dialect)) == ["id", "free_at", "voice"]


def test_sqlite_converts_datetimes_both_ways_and_postgresql_leaves_them_to_the_driver() -> None:
    at = datetime(2026, 12, 6, 1, 2, 3, 4)
    on_sqlite = STATEMENT.compile(dialect=sqlite.dialect())
    bind = compiled.bind_processors(on_sqlite)["b_at"]
    assert bind is not None and bind(at) == "2026-12-06 01:02:03.000004"
    readers = compiled.result_processors(on_sqlite, sqlite.dialect())
    assert readers[1] is not None and readers[1]("2026-12-06 01:02:03.000004") == at
    assert readers[0] is None  # an integer needs no conversion
    on_postgresql = STATEMENT.compile(dialect=postgresql.dialect())
    assert compiled.bind_processors(on_postgresql).get("b_at") is None


def test_sqlites_datetime_format_is_what_isoformat_writes() -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 600)
    fields = {"year": at.year, "month": at.month, "day": at.day, "hour": at.hour, "minute": at.minute,
              "second": at.second, "microsecond": at.microsecond}
    assert compiled.SQLITE_DATETIME_FORMAT % fields == at.isoformat(" ", "microseconds")
    assert compiled.storage_format(DateTime(), sqlite.dialect()) == compiled.SQLITE_DATETIME_FORMAT
    assert compiled.storage_format(DateTime(), postgresql.dialect()) is None
