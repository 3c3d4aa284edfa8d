"""The one seam for engine-specific SQL: substring search and bulk loading.

Everything else in exopool is portable SQL; each function here gives the same answer on every
engine and only differs in how fast it gets there.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, func, insert, literal_column, select, text
from sqlalchemy.sql import ColumnElement

from exopool.models import PhoneNumber

# Created by migration 0003 next to phone_numbers: an FTS5 trigram index on SQLite, a pg_trgm
# GIN index on PostgreSQL. Trigrams cannot help with fewer than three characters.
SQLITE_DIGITS_TABLE = "phone_numbers_digits"
TRIGRAM = 3


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


def bulk_insert(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    """Insert many rows fast: COPY on PostgreSQL, one executemany elsewhere; how many were written."""
    if conn.dialect.name == "postgresql":
        return _copy(conn, table, columns, rows)
    batch = [dict(zip(columns, row, strict=True)) for row in rows]
    if batch:
        conn.execute(insert(table), batch)
    return len(batch)


def _copy(conn: Connection, table: Table, columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> int:
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
    count = 0
    with cursor.copy(f"COPY {table.name} ({', '.join(columns)}) FROM STDIN") as copy:
        for row in rows:
            copy.write_row(row)
            count += 1
    return count
