"""The one way services run statements: `rows`, `first`, `one`, `scalar`, `scalars` and `execute`.

Each takes a connection, a statement and its parameters by name. A statement is a SQLAlchemy
Core statement, or a `Prepared` one for the per-request hot path: SQLAlchemy spends far longer
preparing each execution (cache keys, parameter and result set-up) than SQLite spends running a
keyed statement, so a Prepared statement is compiled once per dialect and its SQL handed
straight to the driver, with SQLAlchemy's own type conversions, in the caller's transaction.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, exc, text
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable

from exopool.db import compiled as sqlalchemy_compiled


def rows(conn: Connection, statement: Prepared | Executable, /, **params: Any) -> list[Any]:
    """Every row of the result: named tuples (Prepared) or SQLAlchemy rows, with Python values."""
    if isinstance(statement, Prepared):
        return statement.rows(conn, params)
    return list(conn.execute(statement, params or None))


def first(conn: Connection, statement: Prepared | Executable, /, **params: Any) -> Any:
    """The first row, or None."""
    if isinstance(statement, Prepared):
        found = statement.rows(conn, params)
        return found[0] if found else None
    return conn.execute(statement, params or None).first()


def one(conn: Connection, statement: Prepared | Executable, /, **params: Any) -> Any:
    """The only row; an error if there is none or more than one."""
    if isinstance(statement, Prepared):
        found = statement.rows(conn, params)
        if len(found) != 1:
            raise exc.NoResultFound("expected one row") if not found else exc.MultipleResultsFound("expected one row")
        return found[0]
    return conn.execute(statement, params or None).one()


def scalar(conn: Connection, statement: Executable, /, **params: Any) -> Any:
    """The first column of the first row, or None."""
    return conn.execute(statement, params or None).scalar()


def scalars(conn: Connection, statement: Executable, /, **params: Any) -> list[Any]:
    """The first column of every row."""
    return list(conn.execute(statement, params or None).scalars())


def execute(conn: Connection, statement: Prepared | Executable, /, **params: Any) -> int:
    """Run a statement for its effect; how many rows it changed."""
    if isinstance(statement, Prepared):
        return statement.run(conn, params)
    return int(conn.execute(statement, params or None).rowcount)


def ping(conn: Connection) -> None:
    """A statement that only a reachable database answers."""
    conn.execute(text("SELECT 1"))


def execute_many(conn: Connection, statement: Executable, parameters: list[dict[str, Any]]) -> None:
    """Run a statement once per parameter set, as one driver call (executemany)."""
    if parameters:
        conn.execute(statement, parameters)


@dataclass(frozen=True)
class _Compiled:
    sql: str
    plan: tuple[tuple[str, Callable[[Any], Any] | None], ...]  # each bind parameter and its conversion
    positional: bool
    fixed: Mapping[str, Any]
    row: Any
    readers: tuple[Callable[[Any], Any] | None, ...]
    driver_error: type[Exception]


class Prepared:
    """One Core statement (named bind parameters) that is compiled on first use per dialect."""

    def __init__(self, statement: Executable, *, columns: tuple[str, ...] | None = None) -> None:
        self.statement = statement
        self.columns = columns  # for an INSERT: the columns every execution provides
        self._by_dialect: dict[str, _Compiled] = {}

    def rows(self, conn: Connection, params: dict[str, Any]) -> list[Any]:
        """Every row of the result, as named tuples with SQLAlchemy's Python values."""
        compiled, cursor = self._run(conn, params)
        raw = cursor.fetchall()
        readers, make = compiled.readers, compiled.row._make
        if not any(readers):
            return [make(row) for row in raw]
        return [make([r(v) if r else v for r, v in zip(readers, row, strict=True)]) for row in raw]

    def run(self, conn: Connection, params: dict[str, Any]) -> int:
        """Execute for effect; the number of rows it changed."""
        return int(self._run(conn, params)[1].rowcount)

    def _run(self, conn: Connection, params: dict[str, Any]) -> tuple[_Compiled, Any]:
        compiled = self._by_dialect.get(conn.dialect.name) or self._compiled_for(conn.dialect)
        values = {**compiled.fixed, **params} if compiled.fixed else params
        if compiled.positional:
            args: Any = tuple([values[name] if bind is None else bind(values[name]) for name, bind in compiled.plan])
        else:
            args = {name: values[name] if bind is None else bind(values[name]) for name, bind in compiled.plan}
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]  # always set while in use
        try:
            cursor.execute(compiled.sql, args)
        except compiled.driver_error as error:
            # The same exception classes SQLAlchemy raises, so callers handle both paths alike.
            # Values stay out of the message (and the log): they may be emails or keys.
            raise exc.DBAPIError.instance(compiled.sql, args, error, compiled.driver_error,
                                          hide_parameters=True) from error
        return compiled, cursor

    def _compiled_for(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _compile(self.statement, dialect, self.columns)
        return found


def _compile(statement: Executable, dialect: Dialect, columns: tuple[str, ...] | None) -> _Compiled:
    clause: Any = statement  # every statement Prepared takes is a ClauseElement, which compiles
    compiled: Any = clause.compile(dialect=dialect, column_keys=list(columns) if columns else None)
    names = tuple(compiled.positiontup or compiled.binds)
    fixed = {name: compiled.binds[name].value for name in names if not compiled.binds[name].required}
    binders = sqlalchemy_compiled.bind_processors(compiled)
    plan = tuple((name, _binder(binders.get(name), compiled.binds[name].type, dialect)) for name in names)
    # The field names are the statement's result columns, known only once it is compiled.
    row = namedtuple("Row", sqlalchemy_compiled.result_keys(compiled) or ["rowcount"])  # type: ignore[misc]
    readers = sqlalchemy_compiled.result_processors(compiled, dialect)
    return _Compiled(compiled.string, plan, bool(compiled.positiontup), fixed, row, readers, dialect.loaded_dbapi.Error)


def _binder(convert: Callable[[Any], Any] | None, type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The parameter's conversion; for datetimes (immutable, and costly to format) one that remembers."""
    if convert is None or not isinstance(type_, DateTime):
        return convert
    if sqlalchemy_compiled.storage_format(type_, dialect) == sqlalchemy_compiled.SQLITE_DATETIME_FORMAT:
        convert = _sqlite_datetime(convert)
    # Every statement's datetime parameters of one dialect and format share what they remember.
    last = _LAST_DATETIME.setdefault((dialect.name, type(type_), str(type_.compile(dialect))), [(_NOTHING, None)])
    return _remembering(convert, last)


def _sqlite_datetime(general: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """SQLAlchemy's SQLite text for a naive datetime, written by datetime itself.

    The same text as SQLAlchemy's `%`-format of seven fields, at a fifth of the cost; anything
    else (a date, an aware datetime) goes to SQLAlchemy's own conversion.
    """

    def convert(value: Any) -> Any:
        if type(value) is datetime and value.tzinfo is None:
            return value.isoformat(" ", "microseconds")
        return general(value)

    return convert


def _remembering(convert: Callable[[Any], Any], last: list[tuple[Any, Any]]) -> Callable[[Any], Any]:
    """convert, answering again without work for the value last[0] holds.

    A unit hands the same `now` to every statement it runs (a release: five datetime parameters
    in four statements), and formatting a datetime for SQLite costs more than the rest of binding
    it. The value and its conversion are kept as one tuple, so threads converting at once never
    pair one value with another's conversion.
    """

    def remembered(value: Any) -> Any:
        seen, converted = last[0]
        if seen is value:
            return converted
        converted = convert(value)
        last[0] = (value, converted)
        return converted

    return remembered


_LAST_DATETIME: dict[tuple[str, type, str], list[tuple[Any, Any]]] = {}
_NOTHING = object()
