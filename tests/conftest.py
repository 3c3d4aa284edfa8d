"""Real databases, a real HTTP server, and the people who call it."""

from __future__ import annotations

import os
import shutil
import socket
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import hypothesis.configuration
import pytest
import uvicorn

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.entities import Actor
from exopool.server import BoundedHttpToolsProtocol
from exopool.services.accounts import create_account
from exopool.services.api_keys import create_api_key
from exopool.services.demo import pool_rows
from exopool.services.pool import import_numbers
from exopool.testing.server import free_port, migrated_sqlite
from tests.postgres import PostgresServer

SECRET = "test-secret-" + "0" * 52
# Hypothesis (under schemathesis) keeps caches; outside the work tree, a test run leaves it as it was.
hypothesis.configuration.set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "exopool-hypothesis")


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated SQLite file; each test copies it instead of migrating again."""
    return migrated_sqlite(tmp_path_factory.mktemp("template") / "template.db")


POSTGRES_URL = os.environ.get("EXOPOOL_TEST_POSTGRES_URL", "")
ENGINES = ["sqlite", "postgresql"] if POSTGRES_URL else ["sqlite"]


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    """The PostgreSQL server of EXOPOOL_TEST_POSTGRES_URL, with one migrated template database."""
    server = PostgresServer(POSTGRES_URL, os.environ.get("EXOPOOL_TEST_DB_PREFIX", "exopool_test_"))
    server.create_template()
    yield server
    server.close()


@pytest.fixture(params=ENGINES)
def database_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> Iterator[str]:
    """A fresh, migrated database for this test, on each engine under test."""
    if request.param == "sqlite":
        path = tmp_path / "exopool.db"
        shutil.copy(sqlite_template, path)
        yield f"sqlite:///{path}"
        return
    server: PostgresServer = request.getfixturevalue("postgres_server")
    with server.fresh_database() as url:
        yield url


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    return Settings(database_url=database_url, data_dir=str(tmp_path / "data"), secret_key=SECRET,
                    run_worker=False, aging_period_s=0, log_json=False)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def db(settings: Settings) -> Iterator[Database]:
    database = Database(settings)
    yield database
    database.dispose()


@dataclass(frozen=True)
class Persona:
    """An account with an API key, as a client would hold it."""

    sid: str
    cluster: str
    key: str
    token: str
    account_id: int

    @property
    def auth(self) -> tuple[str, str]:
        return self.key, self.token

    @property
    def actor(self) -> Actor:
        return Actor(self.account_id, self.sid, self.cluster, "IN", self.key, f"key:{self.key}")


def make_persona(db: Database, clock: ManualClock, sid: str, cluster: str) -> Persona:
    def create(conn):  # type: ignore[no-untyped-def]
        account = create_account(conn, clock, sid, sid.title(), cluster)
        issued = create_api_key(conn, clock, SECRET, sid, "tests")
        return Persona(sid, cluster, issued.key, issued.token, account.id)

    return db.transact(create)


@pytest.fixture
def pool(db: Database, clock: ManualClock) -> int:
    """The demo pool: numbers of several types in both clusters."""
    return db.transact(import_numbers, clock.now(), pool_rows())


@pytest.fixture
def alice(db: Database, clock: ManualClock, pool: int) -> Persona:
    return make_persona(db, clock, "alice", "in")


@pytest.fixture
def bob(db: Database, clock: ManualClock, pool: int) -> Persona:
    return make_persona(db, clock, "bob", "in")


@pytest.fixture
def sam(db: Database, clock: ManualClock, pool: int) -> Persona:
    """An account of the Singapore cluster."""
    return make_persona(db, clock, "sam", "sg")



class ServerThread:
    """A real uvicorn server on a free port, in a thread of the test process."""

    def __init__(self, app, port: int | None = None) -> None:  # type: ignore[no-untyped-def]
        self.port = port or free_port()
        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_config=None, access_log=False,
                                lifespan="on", http=BoundedHttpToolsProtocol)
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerThread:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.01)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=10)


@pytest.fixture
def app(settings: Settings, clock: ManualClock):  # type: ignore[no-untyped-def]
    """The app; its database is closed after the test even when no server ran its lifespan."""
    made = create_app(settings, clock=clock)
    yield made
    made.state.runtime.db.dispose()


@pytest.fixture
def server(app) -> Iterator[ServerThread]:  # type: ignore[no-untyped-def]
    with ServerThread(app) as running:
        yield running


@pytest.fixture
def http(server: ServerThread) -> Iterator[httpx.Client]:
    """A client of the real server, sending Host api.in.exotel.com (the Mumbai cluster)."""
    with httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}, timeout=10) as client:
        yield client


SRC = Path(__file__).resolve().parent.parent / "src"


def subprocess_env(settings: Settings | None = None, **extra: str) -> dict[str, str]:
    """The environment for an exopool child process: this checkout's code and these settings."""
    import os

    env = {key: value for key, value in os.environ.items() if not key.startswith("EXOPOOL_")}
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(SRC), env.get("PYTHONPATH", "")]))
    if settings is not None:
        env.update({
            "EXOPOOL_DATABASE_URL": settings.database_url, "EXOPOOL_DATA_DIR": settings.data_dir,
            "EXOPOOL_SECRET_KEY": settings.secret_key, "EXOPOOL_AGING_PERIOD_S": str(settings.aging_period_s),
            "EXOPOOL_LOG_JSON": "true",
        })
    env.update(extra)
    return env


class ServerProcess:
    """`python -m exopool serve` as a child process on a free port."""

    startup_s = 60.0  # a busy machine can take many seconds to import everything

    def __init__(self, settings: Settings, *args: str, **env: str) -> None:
        self.port = free_port()
        self.args = ["serve", "--host", "127.0.0.1", "--port", str(self.port), *args]
        self.env = subprocess_env(settings, **env)
        self.process: Any = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def __enter__(self) -> ServerProcess:
        import subprocess
        import sys

        self.process = subprocess.Popen([sys.executable, "-m", "exopool", *self.args], env=self.env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + self.startup_s
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"exopool serve exited: {self.process.stdout.read().decode()}")  # type: ignore[union-attr]
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.2):
                    return self
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("exopool serve did not start listening")

    def __exit__(self, *exc: object) -> None:
        import subprocess

        assert self.process is not None
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            raise
        finally:
            self.process.stdout.close()
