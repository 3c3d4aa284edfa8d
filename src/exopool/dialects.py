"""The one seam for engine-specific SQL: substring search, bulk loading and bulk look-ups.

Everything else in exopool is portable SQL; each function here gives the same answer on every
engine and only differs in how fast it gets there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

from sqlalchemy import ARRAY, Connection, String, Table, any_, bindparam, func, insert, literal_column, select, text
from sqlalchemy.sql import ColumnElement

from exopool.models import PhoneNumber

# Created by migration 0003 next to phone_numbers: an FTS5 trigram index on SQLite, a pg_trgm
# GIN index on PostgreSQL. Trigrams cannot help with fewer than three characters.
SQLITE_DIGITS_TABLE = "phone_numbers_digits"
TRIGRAM = 3
SQLITE_IN_LIST = 900  # under the 999 parameters older SQLite builds allow per statement
# One array parameter: an IN list of thousands of parameters costs PostgreSQL (and psycopg, which
# parses the query text each time) far more than the index look-ups themselves.
_PRESENT_IN_ARRAY = select(PhoneNumber.phone_number).where(
    PhoneNumber.phone_number == any_(bindparam("numbers", type_=ARRAY(String))))


def number_contains(conn: Connection, digits: str) -> ColumnElement[bool]:
    """Numbers whose E.164 form contains these digits, answered from the trigram index where one exists."""
    if conn.dialect.name == "sqlite" and len(digits) >= TRIGRAM:
        # Double quotes make the digits one FTS5 string; the caller allows digits only.
        matches = select(literal_column("rowid")).select_from(text(SQLITE_DIGITS_TABLE)).where(
            text(f"{SQLITE_DIGITS_TABLE} MATCH :digits_query").bindparams(digits_query=f'"{digits}"'))
        return PhoneNumber.id.in_(matches)
    if conn.dialect.name == "postgresql":
        # The expression of the GIN trigram index: the number without its plus sign.
        return func.translate(PhoneNumber.phone_number, "+", "").contains(digits, autoescape=True)
    return PhoneNumber.phone_number.contains(digits, autoescape=True)


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]],
                meanwhile: Callable[[], None] | None = None) -> int:
    """Insert many rows fast: COPY on PostgreSQL, one executemany elsewhere; how many were written.

    `meanwhile` is called once the rows are handed over: on PostgreSQL while the server is still
    storing them (so the caller's Python work overlaps the server's), elsewhere after the insert.
    """
    if conn.dialect.name == "postgresql":
        return _copy(conn, table, columns, rows, meanwhile)
    batch = [dict(zip(columns, row, strict=True)) for row in rows]
    if batch:
        conn.execute(insert(table), batch)
    if meanwhile is not None:
        meanwhile()
    return len(batch)


def _copy(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]],
          meanwhile: Callable[[], None] | None) -> int:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    count = 0
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
        if meanwhile is not None:
            meanwhile()  # all but the last 32 KiB is sent; COPY ends (and waits) on leaving the block
    return count


def existing_numbers(conn: Connection, numbers: Sequence[str]) -> set[str]:
    """Which of these E.164 numbers the pool holds already, looked up on the unique index."""
    if conn.dialect.name == "postgresql":
        return set(conn.execute(_PRESENT_IN_ARRAY, {"numbers": list(numbers)}).scalars())
    found: set[str] = set()
    for start in range(0, len(numbers), SQLITE_IN_LIST):
        chunk = PhoneNumber.phone_number.in_(numbers[start:start + SQLITE_IN_LIST])
        found.update(conn.execute(select(PhoneNumber.phone_number).where(chunk)).scalars())
    return found
