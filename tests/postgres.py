"""Test databases on a PostgreSQL server: one migrated template, a cheap copy of it per test.

Copying the template costs the server a few hundred milliseconds, so the next copy is made in
the background while a test runs, and used copies are dropped in the background too.
"""

from __future__ import annotations

import itertools
import os
import re
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from exopool.migrations import upgrade


class PostgresServer:
    """Creates and drops databases named prefix + this process's pid, so parallel runs never collide."""

    def __init__(self, url: str, prefix: str) -> None:
        self.url = make_url(url)
        self.prefix = prefix
        self.stem = f"{prefix}{os.getpid()}"
        self.template = f"{self.stem}_tpl"
        self.counter = itertools.count(1)
        self.admin = create_engine(self.url, isolation_level="AUTOCOMMIT", poolclass=NullPool)
        self.background = ThreadPoolExecutor(max_workers=1, thread_name_prefix="test-databases")
        self.spare: Future[str] | None = None

    def url_of(self, name: str) -> str:
        return self.url.set(database=name).render_as_string(hide_password=False)

    def _execute(self, sql: str) -> None:
        with self.admin.connect() as conn:
            conn.execute(text(sql))

    def create_database(self, name: str, template: str | None = None) -> str:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        self._execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return self.url_of(name)

    def drop_database(self, name: str) -> None:
        self._execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def create_template(self) -> None:
        self._drop_leftovers()
        engine = create_engine(self.create_database(self.template), poolclass=NullPool)
        upgrade(engine)
        engine.dispose()
        self.spare = self.background.submit(self._copy)

    def close(self) -> None:
        if self.spare is not None:
            self.background.submit(self.drop_database, self.spare.result())
        self.background.submit(self.drop_database, self.template)
        self.background.shutdown(wait=True)
        self.admin.dispose()

    def _copy(self) -> str:
        name = f"{self.stem}_{next(self.counter)}"
        self.create_database(name, self.template)
        return name

    @contextmanager
    def fresh_database(self) -> Iterator[str]:
        """A copy of the migrated template, dropped when the test is done."""
        assert self.spare is not None, "create_template() first"
        name = self.spare.result()
        self.spare = self.background.submit(self._copy)
        try:
            yield self.url_of(name)
        finally:
            self.background.submit(self.drop_database, name)

    @contextmanager
    def empty_database(self) -> Iterator[str]:
        """A database without any schema, for tests of the migrations themselves."""
        name = f"{self.stem}_empty_{next(self.counter)}"
        try:
            yield self.create_database(name)
        finally:
            self.drop_database(name)

    def _drop_leftovers(self) -> None:
        """Databases of test runs that died before cleaning up (their pid is gone)."""
        pattern = re.compile(re.escape(self.prefix) + r"(\d+)_")
        with self.admin.connect() as conn:
            names = conn.execute(text("SELECT datname FROM pg_database")).scalars().all()
        for name in names:
            match = pattern.match(name)
            if match and not _alive(int(match.group(1))):
                self.drop_database(name)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
