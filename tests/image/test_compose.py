"""deploy/compose.yaml's exopool services, run from the image as the file says (command, settings,
healthchecks), against the suite's PostgreSQL and Redis in place of the file's own: the migration
finishes, two API processes share one database and one rate budget, and the worker completes releases."""

from __future__ import annotations

import json
import os
import re
import shlex
import socket
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
import yaml

from exopool.clock import SystemClock
from exopool.config import Settings
from exopool.db import Database
from exopool.services.demo import pool_rows
from exopool.services.pool import import_numbers
from exopool.testing.server import free_port
from tests.conftest import POSTGRES_URL
from tests.image.conftest import ENGINE, NEEDS_ENGINE, ROOT, ULIMITS, Container, engine
from tests.postgres import PostgresServer
from tests.support import IN_LANDLINE

REDIS_URL = os.environ.get("EXOPOOL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
COMPOSE = yaml.safe_load((ROOT / "deploy" / "compose.yaml").read_text())
DEFAULTED = re.compile(r"\$\{[A-Z_]+:-([^}]*)\}")  # ${NAME:-default}, as compose reads it with NAME unset
pytestmark = [NEEDS_ENGINE, pytest.mark.skipif(not POSTGRES_URL, reason="the compose layout runs on PostgreSQL: "
                                               "set EXOPOOL_TEST_POSTGRES_URL")]


def exopool_services() -> dict[str, dict[str, Any]]:
    return {name: service for name, service in COMPOSE["services"].items()
            if service["image"].startswith("localhost/exopool")}


def settings_of(service: dict[str, Any], database_url: str) -> dict[str, str]:
    """The service's environment with compose's defaults, its PostgreSQL and Redis swapped for the suite's."""
    environment = {name: DEFAULTED.sub(r"\1", str(value)) for name, value in service["environment"].items()}
    assert environment["EXOPOOL_RATE_LIMIT_STORAGE"].startswith("redis://redis:")  # the file's own Redis
    return {**environment, "EXOPOOL_DATABASE_URL": database_url, "EXOPOOL_RATE_LIMIT_STORAGE": REDIS_URL}


def run_arguments(name: str, service: dict[str, Any], database_url: str, image: str, port: int = 8080) -> list[str]:
    """`run` as compose would start the service, on the host's network (where the suite's servers listen),
    its HTTP moved from the file's port 8080 to port."""
    arguments = ["--name", name, "--network", "host", *ULIMITS]
    for variable, value in settings_of(service, database_url).items():
        arguments += ["--env", f"{variable}={value}"]
    check = service.get("healthcheck", {}).get("test")
    if check:  # ["CMD", ...] run as its words; the engine's flag takes a line for the shell
        line = shlex.join(check[1:]) if check[0] == "CMD" else check[1]
        arguments += ["--health-cmd", line.replace(":8080/", f":{port}/")]
    return [*arguments, image]


@dataclass
class Layout:
    """The running API processes and worker, with the database they share."""

    apis: list[Container]
    worker: str
    database_url: str


@pytest.fixture
def layout(image: str, postgres_server: PostgresServer) -> Iterator[Layout]:
    services = exopool_services()
    assert set(services) == {"migrate", "api-1", "api-2", "worker"}
    database = f"{postgres_server.stem}_compose_{uuid.uuid4().hex[:8]}"
    url = postgres_server.create_database(database)  # empty: the migrate service makes the schema
    stem = f"exopool-compose-{uuid.uuid4().hex[:8]}"
    started: list[str] = []
    try:
        migrate = engine("run", "--rm", *run_arguments(f"{stem}-migrate", services["migrate"], url, image),
                         *services["migrate"]["command"])
        assert "newest schema" in migrate.stdout and "applied" in migrate.stdout, migrate.stdout
        apis = []
        for name in ("api-1", "api-2"):
            port = free_port()
            # On the host's network: its loopback address, and a free port instead of the file's 8080.
            moved = {"8080": str(port), "0.0.0.0": "127.0.0.1"}
            command = [moved.get(word, word) for word in services[name]["command"]]
            assert len(set(command) - set(services[name]["command"])) == 2, services[name]["command"]
            started.append(f"{stem}-{name}")
            engine("run", "--detach", *run_arguments(started[-1], services[name], url, image, port), *command)
            apis.append(Container(started[-1], f"http://127.0.0.1:{port}"))
        started.append(f"{stem}-worker")
        engine("run", "--detach", *run_arguments(started[-1], services["worker"], url, image),
               *services["worker"]["command"])
        for api in apis:
            api.wait_until_answering("/readyz")
        yield Layout(apis, started[-1], url)
    finally:
        for name in started:
            engine("rm", "--force", "--volumes", name, check=False)
        postgres_server.drop_database(database)


def issued_key(layout: Layout, account: str) -> tuple[str, str]:
    """An account and key made by the image's own CLI, in the API process's container."""
    api = layout.apis[0].name
    engine("exec", api, "exopool", "accounts", "create", account, "--name", "Compose Test", "--cluster", "in")
    issued = json.loads(engine("exec", api, "exopool", "api-keys", "create", "--account", account, "--json").stdout)
    return issued["api_key"], issued["api_token"]


def redis_keys(pattern: str) -> list[str]:
    """KEYS over the wire: the suite needs no Redis client of its own."""
    host, _, port = REDIS_URL.removeprefix("redis://").split("/")[0].partition(":")
    with socket.create_connection((host, int(port or 6379)), timeout=5) as sock:
        sock.sendall(f"*2\r\n$4\r\nKEYS\r\n${len(pattern)}\r\n{pattern}\r\n".encode())
        time.sleep(0.2)
        answer = sock.recv(65536).decode()
    return [line for line in answer.split("\r\n") if line and line[0] not in "*$"]


def test_the_compose_services_share_one_database_and_one_rate_budget_and_the_worker_releases(
        layout: Layout) -> None:
    db = Database(Settings(database_url=layout.database_url))
    try:
        db.transact(import_numbers, SystemClock().now(), pool_rows())
    finally:
        db.dispose()
    account = f"compose{uuid.uuid4().hex[:8]}"
    auth = issued_key(layout, account)
    numbers = f"/v2_beta/Accounts/{account}/IncomingPhoneNumbers"
    first, second = (httpx.Client(base_url=api.url, auth=auth, timeout=10) for api in layout.apis)
    with first, second:
        bought = first.post(numbers, data={"PhoneNumber": IN_LANDLINE})
        assert bought.status_code == 200, bought.text
        sid = bought.json()["sid"]
        assert second.get(f"{numbers}/{sid}").json()["phone_number"] == IN_LANDLINE  # one database
        released = second.delete(f"{numbers}/{sid}")
        assert released.status_code == 202 and released.json() == {"Status": 202, "Message": "Accepted"}
    assert any(account in key for key in redis_keys(f"*{account}*"))  # counted in the shared Redis
    deadline = time.monotonic() + 30
    while " done " not in (done := engine("exec", layout.worker, "exopool", "releases", "list")).stdout:
        assert time.monotonic() < deadline, f"the worker did not complete the release:\n{done.stdout}"
        time.sleep(0.5)
    if ENGINE is not None and ENGINE[0] == "podman":  # the file's healthchecks, as compose runs them
        for name in (*[api.name for api in layout.apis], layout.worker):
            assert engine("healthcheck", "run", name, check=False).returncode == 0, name
