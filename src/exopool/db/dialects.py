"""Every statement that differs by engine: connection set-up, locking, search, bulk loading and copying.

Everything else in exopool is portable SQL. Each function here gives the same answer on every
engine and differs only in how it gets there; SQLite's own write-ahead-log upkeep is here too.
"""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, TypeVar

from sqlalchemy import (
    ARRAY,
    Connection,
    Engine,
    Integer,
    Select,
    String,
    Table,
    any_,
    bindparam,
    func,
    insert,
    literal_column,
    select,
    text,
)
from sqlalchemy.sql import ColumnElement

from exopool.db.statements import Prepared, one
from exopool.models import PhoneNumber

S = TypeVar("S", bound=Select[Any])
_NEXT_ORDINAL = Prepared(text("SELECT nextval('listing_ordinals') AS taken").columns(taken=Integer))
_TAKE_ACCOUNT_ORDINAL = Prepared(text("UPDATE accounts SET next_ordinal = next_ordinal + 1 WHERE id = :account "
                                      "RETURNING next_ordinal - 1 AS taken").columns(taken=Integer))
MIGRATION_LOCK = 0x6578_6F70  # any constant the whole deployment agrees on

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
        matches: Select[Any] = select(literal_column("rowid")).select_from(text(SQLITE_DIGITS_TABLE)).where(
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
    cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]  # set while the connection is open
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


# Connections and transactions


def configure_sqlite(dbapi_conn: sqlite3.Connection, synchronous: str, wal_limit_bytes: int | None) -> None:
    """WAL mode, the synchronous level, foreign keys and a busy timeout on a new SQLite connection.

    wal_limit_bytes: set when a thread of this process checkpoints the log (db.checkpoint); the
    connection then never checkpoints in a commit, and a log grown past the limit by a burst is cut
    back to it when it starts over.
    """
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA synchronous={synchronous}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    if wal_limit_bytes is not None:
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute(f"PRAGMA journal_size_limit={wal_limit_bytes}")
    cursor.close()


def begin_sqlite_write(dbapi_conn: Any) -> None:
    """Begin a transaction holding the write lock from the start (straight on the driver: through
    SQLAlchemy this one statement cost ~10% of a request)."""
    dbapi_conn.execute("BEGIN IMMEDIATE")


def checkpoint_passive(conn: sqlite3.Connection) -> tuple[int, int]:
    """A PASSIVE WAL checkpoint: (frames in the log, frames copied into the database file)."""
    _, frames, copied = conn.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone()
    return frames, copied


def sqlite_page_size(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA page_size").fetchone()[0])


def skip_locked(conn: Connection, query: S) -> S:
    """query locking the rows it reads, skipping those another transaction holds (PostgreSQL);
    SQLite has one writer at a time, so there is nothing to skip."""
    if conn.dialect.name == "postgresql":
        return query.with_for_update(skip_locked=True)
    return query


@contextlib.contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Held while migrating: on PostgreSQL an advisory lock, so processes starting at once take turns."""
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            yield
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            lock.commit()


def no_statement_timeout(conn: Connection) -> None:
    """Lift the statement timeout for this transaction: building an index over a large pool takes
    longer than any request may."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("SET LOCAL statement_timeout = 0")


def settled_events(conn: Connection) -> None:
    """Make this transaction's later reads of the event log see no event behind one still uncommitted.

    On PostgreSQL ids come from a sequence and transactions commit in any order, so a reader could
    see event 11 before event 10 commits, resume after 11 and never see 10. A SHARE lock waits for
    the transactions writing events to end and holds new ones until this one ends: a short pause of
    event writers per page read. SQLite has one writer at a time, which commits before the next
    takes an id.
    """
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("LOCK TABLE events IN SHARE MODE")


# Listing order


def next_ordinal(conn: Connection, account_id: int) -> int:
    """The next purchase ordinal of an account, larger than every one it took before.

    On PostgreSQL from a sequence, which no transaction locks, so an account's purchases do not
    queue on its row; on SQLite (one writer at a time anyway) from the account's own counter.
    """
    if conn.dialect.name == "postgresql":
        return int(one(conn, _NEXT_ORDINAL).taken)
    return int(one(conn, _TAKE_ACCOUNT_ORDINAL, account=account_id).taken)


def ordinals_from(conn: Connection, at_least: int) -> None:
    """Make every ordinal taken from now on at least at_least (after ordinals were given in bulk)."""
    if conn.dialect.name == "postgresql":
        conn.execute(text("SELECT setval('listing_ordinals', GREATEST(:n, (SELECT last_value + 1 FROM "
                          "listing_ordinals)), false)"), {"n": at_least})


# Whole tables, for the sandbox's snapshots


def table_rows(conn: Connection, table: Table) -> list[Any]:
    """Every row of table: on SQLite as the driver stores them, so putting them back skips all type
    processing; elsewhere as dictionaries."""
    if conn.dialect.name == "sqlite":
        return [tuple(row) for row in conn.exec_driver_sql(f'SELECT * FROM "{table.name}"')]
    return [dict(row._mapping) for row in conn.execute(select(table))]


def put_rows(conn: Connection, table: Table, rows: list[Any]) -> None:
    """Insert rows that table_rows read, ids included."""
    if not rows:
        return
    if conn.dialect.name == "sqlite":
        marks = ", ".join("?" * len(rows[0]))
        conn.exec_driver_sql(f'INSERT INTO "{table.name}" VALUES ({marks})', rows)
    else:
        conn.execute(insert(table), rows)


def realign_sequences(conn: Connection, tables: Iterable[Table]) -> None:
    """After rows were inserted with their ids, move each id sequence past them (PostgreSQL)."""
    if conn.dialect.name != "postgresql":
        return
    for table in tables:
        if "id" in table.c:
            conn.execute(text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "
                f"COALESCE((SELECT MAX(id) FROM {table.name}), 0) + 1, false)"
            ))
