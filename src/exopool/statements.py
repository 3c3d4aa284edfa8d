"""Core statements for the hot path, compiled once per dialect and run on the driver's cursor.

SQLAlchemy spends far longer preparing each execution (cache keys, parameter and result
set-up) than SQLite spends running a keyed statement, so the per-request statements are
compiled once and their SQL handed straight to the driver, with SQLAlchemy's own type
conversions, in the caller's transaction.
"""

from __future__ import annotations

from collections import namedtuple
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, DateTime, exc
from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import Executable


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

    def rows(self, conn: Connection, **params: Any) -> list[Any]:
        """Every row of the result, as named tuples with SQLAlchemy's Python values."""
        compiled, cursor = self._run(conn, params)
        raw = cursor.fetchall()
        readers, make = compiled.readers, compiled.row._make
        if not any(readers):
            return [make(row) for row in raw]
        return [make([r(v) if r else v for r, v in zip(readers, row, strict=True)]) for row in raw]

    def first(self, conn: Connection, **params: Any) -> Any:
        found = self.rows(conn, **params)
        return found[0] if found else None

    def run(self, conn: Connection, **params: Any) -> int:
        """Execute for effect; the number of rows it changed."""
        return self._run(conn, params)[1].rowcount

    def _run(self, conn: Connection, params: dict[str, Any]) -> tuple[_Compiled, Any]:
        compiled = self._by_dialect.get(conn.dialect.name) or self._compiled_for(conn.dialect)
        values = {**compiled.fixed, **params} if compiled.fixed else params
        if compiled.positional:
            args: Any = tuple([values[name] if bind is None else bind(values[name]) for name, bind in compiled.plan])
        else:
            args = {name: values[name] if bind is None else bind(values[name]) for name, bind in compiled.plan}
        cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        try:
            cursor.execute(compiled.sql, args)
        except compiled.driver_error as error:
            # The same exception classes SQLAlchemy raises, so callers handle both paths alike.
            raise exc.DBAPIError.instance(compiled.sql, args, error, compiled.driver_error) from error
        return compiled, cursor

    def _compiled_for(self, dialect: Dialect) -> _Compiled:
        found = self._by_dialect.get(dialect.name)
        if found is None:
            found = self._by_dialect[dialect.name] = _compile(self.statement, dialect, self.columns)
        return found


def _compile(statement: Executable, dialect: Dialect, columns: tuple[str, ...] | None) -> _Compiled:
    compiled: Any = statement.compile(dialect=dialect, column_keys=list(columns) if columns else None)
    names = tuple(compiled.positiontup or compiled.binds)
    fixed = {name: compiled.binds[name].value for name in names if not compiled.binds[name].required}
    binders = compiled._bind_processors
    plan = tuple((name, _binder(binders.get(name), compiled.binds[name].type, dialect)) for name in names)
    result_columns = compiled._result_columns
    row = namedtuple("Row", [column.keyname for column in result_columns] or ["rowcount"])  # type: ignore[misc]
    readers = tuple(column.type._cached_result_processor(dialect, None) for column in result_columns)
    return _Compiled(compiled.string, plan, bool(compiled.positiontup), fixed, row, readers, dialect.loaded_dbapi.Error)


def _binder(convert: Callable[[Any], Any] | None, type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """The parameter's conversion; for datetimes (immutable, and costly to format) one that remembers."""
    if convert is None or not isinstance(type_, DateTime):
        return convert
    if getattr(type_.dialect_impl(dialect), "_storage_format", None) == _SQLITE_DATETIME:
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


_SQLITE_DATETIME = sqlite.DATETIME._storage_format  # SQLAlchemy's default text for SQLite datetimes
_LAST_DATETIME: dict[tuple[str, type, str], list[tuple[Any, Any]]] = {}
_NOTHING = object()
