"""Prepared statements give what SQLAlchemy's own execution gives, in the caller's transaction."""

from __future__ import annotations

from datetime import date, datetime, timedelta, timezone

import pytest
from sqlalchemy import DateTime, bindparam, create_engine, exc, insert, select

from exopool.db import Database
from exopool.db.statements import Prepared, execute, first
from exopool.models import Event, PhoneNumber

EVENT_COLUMNS = ("at", "kind", "account_id", "number_id", "phone_number", "number_sid", "api_key", "actor",
                 "request_id", "data")
BY_SID = select(PhoneNumber.id, PhoneNumber.voice, PhoneNumber.free_at, PhoneNumber.phone_number).where(
    PhoneNumber.sid == bindparam("b_sid"))


def test_prepared_select_reads_the_same_values_as_sqlalchemy(db: Database, pool: int) -> None:
    with db.begin() as conn:
        sid = conn.execute(select(PhoneNumber.sid).limit(1)).scalar_one()
        expected = conn.execute(BY_SID, {"b_sid": sid}).one()
        row = first(conn, Prepared(BY_SID), b_sid=sid)
    assert tuple(row) == tuple(expected)
    assert isinstance(row.free_at, datetime) and row.voice is True and row.phone_number.startswith("+91")


def test_prepared_insert_writes_what_sqlalchemy_reads_back(db: Database) -> None:
    at = datetime(2026, 1, 2, 3, 4, 5, 6)
    values = dict.fromkeys(EVENT_COLUMNS) | {"at": at, "kind": "test", "data": {"b": [1, "x"]}}
    with db.begin() as conn:
        assert execute(conn, Prepared(insert(Event), columns=EVENT_COLUMNS), **values) == 1
        stored = conn.execute(select(Event.at, Event.kind, Event.data)).one()
    assert tuple(stored) == (at, "test", {"b": [1, "x"]})


def test_prepared_statement_raises_sqlalchemys_integrity_error(db: Database, pool: int) -> None:
    with db.begin() as conn:
        taken = conn.execute(select(PhoneNumber.sid).limit(1)).scalar_one()
        clash = Prepared(insert(PhoneNumber).from_select(
            [c.name for c in PhoneNumber.__table__.columns if c.name != "id"],
            select(*[c for c in PhoneNumber.__table__.columns if c.name != "id"]).where(PhoneNumber.sid == taken)))
        with pytest.raises(exc.IntegrityError):
            execute(conn, clash)


def test_missing_number_is_no_row(db: Database) -> None:
    with db.begin() as conn:
        assert first(conn, Prepared(BY_SID), b_sid="0" * 32) is None


def test_each_execution_binds_its_own_values_though_conversions_are_remembered(db: Database) -> None:
    first, second = datetime(2026, 1, 2, 3, 4, 5, 6), datetime(2027, 6, 5, 4, 3, 2, 1)
    data = {"n": 1}
    statement = Prepared(insert(Event), columns=EVENT_COLUMNS)
    with db.begin() as conn:
        for at in (first, second, first, first):
            execute(conn, statement, **dict.fromkeys(EVENT_COLUMNS) | {"at": at, "kind": "t", "data": data})
            data["n"] += 1  # the same dict, changed: its conversion must not be reused
        stored = list(conn.execute(select(Event.at, Event.data).order_by(Event.id)))
    assert [tuple(row) for row in stored] == [(first, {"n": 1}), (second, {"n": 2}), (first, {"n": 3}),
                                              (first, {"n": 4})]


@pytest.mark.parametrize("value", [
    datetime(2026, 1, 2, 3, 4, 5, 6), datetime(2026, 1, 2, 3, 4, 5), datetime(5, 6, 7), datetime.max,
    date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5, 6, tzinfo=timezone(timedelta(hours=5, minutes=30))),
])
def test_sqlite_datetimes_are_bound_as_the_text_sqlalchemy_writes(value: datetime) -> None:
    dialect = create_engine("sqlite://").dialect
    bind = dict(Prepared(insert(Event), columns=EVENT_COLUMNS)._compiled_for(dialect).plan)["at"]
    assert bind is not None
    assert bind(value) == DateTime().dialect_impl(dialect).bind_processor(dialect)(value)
