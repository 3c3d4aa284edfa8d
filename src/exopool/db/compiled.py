"""The parts of SQLAlchemy's compiled statements that `Prepared` reads, behind one small interface.

SQLAlchemy keeps these attributes private; `tests/db/test_compiled.py` checks each of them, so an
upgrade that moves one fails that test instead of breaking requests.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.dialects import sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

Convert = Callable[[Any], Any]

# SQLAlchemy's %-format of a naive datetime as SQLite stores it.
SQLITE_DATETIME_FORMAT: str = sqlite.DATETIME._storage_format


def bind_processors(compiled: SQLCompiler) -> Mapping[str, Convert | None]:
    """Each bind parameter's conversion from Python to the driver, by parameter name."""
    processors: Any = compiled._bind_processors
    return processors  # type: ignore[no-any-return]  # SQLAlchemy types it as a list of processors per name


def result_keys(compiled: SQLCompiler) -> list[str]:
    """The names of the result's columns, in order."""
    return [column.keyname for column in compiled._result_columns]


def result_processors(compiled: SQLCompiler, dialect: Dialect) -> tuple[Convert | None, ...]:
    """Each result column's conversion from the driver to Python (None where there is none)."""
    return tuple(result_processor(column.type, dialect) for column in compiled._result_columns)


def result_processor(type_: TypeEngine[Any], dialect: Dialect) -> Convert | None:
    processor: Convert | None = type_._cached_result_processor(dialect, None)
    return processor


def storage_format(type_: TypeEngine[Any], dialect: Dialect) -> str | None:
    """The %-format a datetime type writes for this dialect, if it has one (SQLite's text)."""
    return getattr(type_.dialect_impl(dialect), "_storage_format", None)
