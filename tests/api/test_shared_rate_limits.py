"""Rate limits in Redis: every API process, in one host or several, counts against one budget per account;
when Redis cannot be reached the API keeps serving, says so once, and counts it for /metrics."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Iterator

import httpx
import pytest

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from tests.conftest import Persona, ServerProcess, ServerThread, make_persona

REDIS_URL = os.environ.get("EXOPOOL_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="module")
def redis_url() -> str:
    """The Redis the suite uses; not answering is a failure that says how to start one, not a skip."""
    host, _, port = REDIS_URL.removeprefix("redis://").split("/")[0].partition(":")
    try:
        with socket.create_connection((host, int(port or 6379)), timeout=2) as sock:
            sock.sendall(b"PING\r\n")
            assert sock.recv(16).startswith(b"+PONG")
    except OSError as error:
        pytest.fail(f"Redis at {REDIS_URL} does not answer ({error}): start one, as .ci/run does, or set "
                    "EXOPOOL_TEST_REDIS_URL")
    return REDIS_URL


@pytest.fixture
def carol(db: Database, clock: ManualClock, pool: int) -> Persona:
    """An account of a name no other test uses: its budget in Redis is its own."""
    return make_persona(db, clock, f"carol-{uuid.uuid4().hex[:12]}", "in")


def shared(settings: Settings, storage: str) -> Settings:
    """Three requests at once, then one each ten seconds: a window of 30 s, longer than any test here."""
    return settings.replace(rate_limit_per_s=0.1, rate_limit_burst=3, rate_limit_storage=storage)


def numbers_of(persona: Persona) -> str:
    return f"/v2_beta/Accounts/{persona.sid}/IncomingPhoneNumbers"


@pytest.fixture
def two_servers(settings: Settings, redis_url: str) -> Iterator[tuple[str, str]]:
    limited = shared(settings, redis_url)
    with ServerThread(create_app(limited, clock=ManualClock())) as one, \
            ServerThread(create_app(limited, clock=ManualClock())) as two:
        yield one.url, two.url


def test_two_api_processes_count_against_one_budget(two_servers: tuple[str, str], carol: Persona) -> None:
    statuses = []
    for n in range(6):
        with httpx.Client(base_url=two_servers[n % 2], headers={"Host": "api.in.exotel.com"}) as http:
            answer = http.get(numbers_of(carol), auth=carol.auth)
            statuses.append(answer.status_code)
    assert statuses == [200, 200, 200, 429, 429, 429]
    assert answer.json()["RestException"]["Code"] == 1030
    assert answer.headers["x-ratelimit-limit"] == "3" and answer.headers["x-ratelimit-remaining"] == "0"
    assert 1 <= int(answer.headers["retry-after"]) <= 30


def test_wrong_credentials_spend_nothing_of_the_shared_budget(two_servers: tuple[str, str], carol: Persona) -> None:
    with httpx.Client(base_url=two_servers[0], headers={"Host": "api.in.exotel.com"}) as http:
        for _ in range(5):
            assert http.get(numbers_of(carol), auth=(carol.key, "wrong")).status_code == 401
        assert [http.get(numbers_of(carol), auth=carol.auth).status_code for _ in range(3)] == [200] * 3


def test_without_redis_the_api_serves_unlimited_logs_once_and_counts_it(
    settings: Settings, carol: Persona, caplog: pytest.LogCaptureFixture,
) -> None:
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        nowhere = f"redis://127.0.0.1:{probe.getsockname()[1]}/0"
    with caplog.at_level(logging.WARNING), \
            ServerThread(create_app(shared(settings, nowhere), clock=ManualClock())) as server, \
            httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as http:
        statuses = [http.get(numbers_of(carol), auth=carol.auth).status_code for _ in range(6)]
        metrics = http.get("/metrics").text
    assert statuses == [200] * 6
    said = [r for r in caplog.records if r.name == "exopool.ratelimit"]
    assert len(said) == 1 and "cannot be reached" in said[0].getMessage()
    assert "exopool_rate_limit_storage_errors_total 12.0" in metrics  # a check and a spend per request


def test_serve_with_two_workers_keeps_one_budget(settings: Settings, carol: Persona, redis_url: str) -> None:
    limited = shared(settings, redis_url)
    with ServerProcess(limited, "--workers", "2", EXOPOOL_RATE_LIMIT_PER_S="0.1", EXOPOOL_RATE_LIMIT_BURST="3",
                       EXOPOOL_RATE_LIMIT_STORAGE=redis_url) as server:
        statuses: Counter[int] = Counter()
        for _ in range(12):  # a new connection each: the two processes take turns accepting them
            with httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as http:
                statuses[http.get(numbers_of(carol), auth=carol.auth).status_code] += 1
    assert statuses == {200: 3, 429: 9}
