"""Engines: SQLite with its pragmas and an in-process writer, or a pooled database server."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.engine import make_url

from exopool.config import Settings
from exopool.db import dialects
from exopool.db.units import Notifier, attach_notifier
from exopool.files import private_directory, private_file


def create_database_engine(settings: Settings, notifier: Notifier, *, checkpoints_elsewhere: bool = False) -> Engine:
    """The engine of settings.database_url; each of its connections knows the notifier."""
    engine = _sqlite_engine(settings, checkpoints_elsewhere) if settings.is_sqlite else _server_engine(settings)

    @event.listens_for(engine, "connect")
    def _know_notifier(_dbapi_conn: Any, record: Any) -> None:
        attach_notifier(record.info, notifier)

    return engine


def _sqlite_engine(settings: Settings, checkpoints_elsewhere: bool) -> Engine:
    url = make_url(settings.database_url)
    if url.database and url.database != ":memory:":
        file = Path(url.database)
        if not file.parent.exists():
            private_directory(file.parent)
        private_file(file)  # SQLite gives its -wal and -shm files the database file's own mode
    engine = create_engine(settings.database_url, connect_args={"check_same_thread": False, "timeout": 30},
                           hide_parameters=True)
    wal_limit = settings.sqlite_wal_limit_bytes if checkpoints_elsewhere else None

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        # SQLAlchemy owns transactions; BEGIN IMMEDIATE (below) takes the write lock up front,
        # so two writers never deadlock upgrading a read lock.
        dbapi_conn.isolation_level = None
        dialects.configure_sqlite(dbapi_conn, settings.sqlite_synchronous.upper(), wal_limit)

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        dialects.begin_sqlite_write(conn.connection.dbapi_connection)

    return engine


def _server_engine(settings: Settings) -> Engine:
    """A pooled engine for a database server: stale connections are replaced, waits are bounded.

    pool_pre_ping tests each connection as it leaves the pool, so after the server restarts the
    first request gets a fresh connection instead of an error; the timeouts make an unreachable
    server a quick 503 rather than a hung request.
    """
    timeout = settings.database_timeout_s
    return create_engine(
        settings.database_url, pool_pre_ping=True, hide_parameters=True, pool_size=settings.database_pool_size,
        max_overflow=settings.database_pool_size, pool_timeout=timeout, pool_recycle=1800,
        connect_args={"connect_timeout": max(1, round(timeout)), "application_name": "exopool",
                      "options": f"-c statement_timeout={settings.database_statement_timeout_ms}"},
    )


def is_unreachable(error: exc.OperationalError) -> bool:
    """Whether a driver error means the database cannot be reached (a 503), not a bad statement."""
    if error.connection_invalidated:
        return True
    text = str(error.orig).lower()
    markers = ("connection", "server closed", "terminating", "could not connect", "timeout", "shutting down")
    return any(marker in text for marker in markers) and "locked" not in text
