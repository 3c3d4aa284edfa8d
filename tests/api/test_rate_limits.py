"""Per-account rate limits (spec §7): off by default; when on, a 429 in the error shape with its headers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta

import httpx
import pytest

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.errors import ConfigurationError, RateLimited
from exopool.ratelimit import InProcessLimits, RateLimiter
from tests.conftest import Persona, ServerThread
from tests.support import run_async


@pytest.fixture
def limited(settings: Settings, clock: ManualClock) -> Iterator[httpx.Client]:
    app = create_app(settings.replace(rate_limit_per_s=2, rate_limit_burst=3), clock=clock)
    with ServerThread(app) as server, httpx.Client(base_url=server.url) as client:
        yield client


def numbers_of(persona: Persona) -> str:
    return f"/v2_beta/Accounts/{persona.sid}/IncomingPhoneNumbers"


def test_without_a_limit_a_burst_is_never_refused(http: httpx.Client, alice: Persona) -> None:
    statuses = {http.get(numbers_of(alice), auth=alice.auth).status_code for _ in range(25)}
    assert statuses == {200}


def test_past_the_burst_an_account_gets_429_in_the_error_shape_with_retry_headers(
    limited: httpx.Client, alice: Persona,
) -> None:
    assert [limited.get(numbers_of(alice), auth=alice.auth).status_code for _ in range(3)] == [200, 200, 200]
    refused = limited.get(numbers_of(alice), auth=alice.auth)
    assert refused.status_code == 429
    body = refused.json()
    assert body["RestException"]["Status"] == 429 and body["RestException"]["Code"] == 1030
    assert body["http_code"] == 429 and body["response"]["error_data"]["code"] == 1030
    assert refused.headers["retry-after"] == "1"  # half a second to the next token at 2 a second
    assert refused.headers["x-ratelimit-limit"] == "3" and refused.headers["x-ratelimit-remaining"] == "0"
    assert refused.headers["x-ratelimit-reset"] == "2"  # 1.5 s until the bucket is full again


def test_one_accounts_burst_leaves_another_accounts_requests_alone(
    limited: httpx.Client, alice: Persona, bob: Persona,
) -> None:
    for _ in range(4):
        limited.get(numbers_of(alice), auth=alice.auth)
    assert limited.get(numbers_of(alice), auth=alice.auth).status_code == 429
    assert [limited.get(numbers_of(bob), auth=bob.auth).status_code for _ in range(3)] == [200, 200, 200]


def test_requests_come_back_as_time_passes(limited: httpx.Client, alice: Persona, clock: ManualClock) -> None:
    for _ in range(3):
        limited.get(numbers_of(alice), auth=alice.auth)
    assert limited.get(numbers_of(alice), auth=alice.auth).status_code == 429
    clock.advance(1)  # two more at 2 a second
    assert [limited.get(numbers_of(alice), auth=alice.auth).status_code for _ in range(3)] == [200, 200, 429]


def test_a_refused_write_changes_nothing(limited: httpx.Client, alice: Persona, clock: ManualClock) -> None:
    for _ in range(3):
        limited.get(numbers_of(alice), auth=alice.auth)
    refused = limited.post(numbers_of(alice), auth=alice.auth, data={"PhoneNumber": "+918048332500"})
    assert refused.status_code == 429
    clock.advance(2)
    listing = limited.get(numbers_of(alice), auth=alice.auth, params={"PhoneNumber": "+918048332500"})
    assert listing.status_code == 200 and listing.json()["incoming_phone_numbers"] == []


def test_callers_that_fail_authentication_spend_nothing_of_the_account(limited: httpx.Client, alice: Persona) -> None:
    for _ in range(5):
        assert limited.get(numbers_of(alice), auth=(alice.key, "wrong")).status_code == 401
    assert [limited.get(numbers_of(alice), auth=alice.auth).status_code for _ in range(3)] == [200, 200, 200]


def test_an_idempotent_write_spends_one_request_not_one_per_step(limited: httpx.Client, alice: Persona) -> None:
    headers = {"Idempotency-Key": "rate-limit-once"}
    bought = limited.post(numbers_of(alice), auth=alice.auth, headers=headers, data={"PhoneNumber": "+918048332500"})
    assert bought.status_code == 200
    assert [limited.get(numbers_of(alice), auth=alice.auth).status_code for _ in range(3)] == [200, 200, 429]


def test_the_bucket_refills_at_its_rate_and_never_past_its_burst() -> None:
    limiter, start = RateLimiter(per_s=4, burst=2), datetime(2026, 1, 1)
    limiter.take("a", start)
    limiter.take("a", start)
    with pytest.raises(RateLimited):
        limiter.take("a", start)
    limiter.take("a", start + timedelta(seconds=0.25))  # one token back after a quarter second
    for _ in range(2):  # an hour idle fills it to the burst, not to 14,400
        limiter.take("a", start + timedelta(hours=1))
    with pytest.raises(RateLimited):
        limiter.take("a", start + timedelta(hours=1))
    assert RateLimiter(per_s=0.5).capacity == 1 and RateLimiter(per_s=10).capacity == 10


def test_negative_limits_are_refused_at_start_up() -> None:
    with pytest.raises(ConfigurationError):
        Settings(rate_limit_per_s=-1)


def test_a_request_replayed_with_its_batch_is_counted_once(
    settings: Settings, clock: ManualClock, alice: Persona,
) -> None:
    """Group commit replays a batch when one unit fails after writing; its other requests are not charged twice."""
    import asyncio
    import base64

    from starlette.requests import Request

    from exopool.api.auth import as_caller
    from exopool.carriers.simulated import SimulatedCarrier
    from exopool.db import Database
    from exopool.entities import Actor
    from exopool.errors import NotFound
    from exopool.http.runtime import Runtime
    from exopool.services.events import record_event

    database = Database(settings)
    limiter = RateLimiter(per_s=0.001, burst=5)
    runtime = Runtime(settings, database, clock, SimulatedCarrier(database), limiter=InProcessLimits(limiter))
    header = b"Basic " + base64.b64encode(f"{alice.key}:{alice.token}".encode())
    request = Request({"type": "http", "method": "GET", "path": "/", "query_string": b"", "request_id": "r1",
                       "headers": [(b"authorization", header)], "path_params": {"account_sid": alice.sid}})

    def writes_then_fails(conn) -> None:  # type: ignore[no-untyped-def]
        record_event(conn, clock.now(), "doomed", Actor(label="test"))
        raise NotFound("after writing")

    async def one_batch() -> list[object]:
        return await asyncio.gather(as_caller(runtime, request, lambda conn, actor: actor.account_sid),
                                    database.run(writes_then_fails), return_exceptions=True)

    try:
        served, failed = run_async(one_batch())
    finally:
        database.dispose()
    assert served == alice.sid and isinstance(failed, NotFound)
    for _ in range(4):  # one of the five was spent, on SQLite's replay as in a server's threads
        limiter.take(alice.sid, clock.now())
    with pytest.raises(RateLimited):
        limiter.take(alice.sid, clock.now())
