"""What every process of one exopool instance agrees on, kept in its database and created once.

The secret key (of the token HMACs and the signed dashboard sessions) lives with the data it
protects, so every process using one database uses one key, whatever its working directory; and
the mode of the last server started on the database tells a separate worker whether its releases
are a sandbox's.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from datetime import datetime
from pathlib import Path

from sqlalchemy import Connection, select, text

from exopool.config import Settings
from exopool.db import Prepared, execute, scalar
from exopool.models import InstanceValue

SECRET_KEY = "secret_key"
MODE = "mode"
SANDBOX, PRODUCTION = "sandbox", "production"
# The same text on SQLite and PostgreSQL; of two processes creating a value at once, the first wins.
_CREATE = Prepared(text("INSERT INTO instance (name, value, created_at) VALUES (:name, :value, :created_at) "
                        "ON CONFLICT (name) DO NOTHING"))
_SET = Prepared(text("INSERT INTO instance (name, value, created_at) VALUES (:name, :value, :created_at) "
                     "ON CONFLICT (name) DO UPDATE SET value = excluded.value"))


def instance_value(conn: Connection, now: datetime, name: str, make: Callable[[], str]) -> str:
    """The instance's value of name, made by make() the first time any process asks."""
    value = scalar(conn, select(InstanceValue.value).where(InstanceValue.name == name))
    if value is None:
        execute(conn, _CREATE, name=name, value=make(), created_at=now)
        value = scalar(conn, select(InstanceValue.value).where(InstanceValue.name == name))
    return str(value)


def secret_key(conn: Connection, now: datetime, legacy_file: Path | None = None) -> str:
    """The instance's secret key: created once, from a data directory's old secret.key if there is one."""
    return instance_value(conn, now, SECRET_KEY, lambda: _read(legacy_file) or secrets.token_hex(32))


def record_mode(conn: Connection, now: datetime, sandbox: bool) -> None:
    """The mode of the server starting on this database, for workers started apart from it."""
    execute(conn, _SET, name=MODE, value=SANDBOX if sandbox else PRODUCTION, created_at=now)


def recorded_mode(conn: Connection) -> str | None:
    """The mode the last server started on this database ran in; None if none has started."""
    mode = scalar(conn, select(InstanceValue.value).where(InstanceValue.name == MODE))
    return None if mode is None else str(mode)


def _read(path: Path | None) -> str | None:
    if path is None or not path.is_file():
        return None
    return path.read_text().strip() or None


def with_instance_secret(conn: Connection, now: datetime, settings: Settings) -> Settings:
    """settings with the instance's secret key, unless they set one of their own (EXOPOOL_SECRET_KEY)."""
    if settings.secret_key:
        return settings
    return settings.replace(secret_key=secret_key(conn, now, settings.legacy_secret_file))
