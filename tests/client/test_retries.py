"""Retries: reads always, writes only under one Idempotency-Key, which the server then honours."""

from __future__ import annotations

import httpx
import pytest

from exopool.client import AsyncClient, Client, RetryPolicy, ServerError
from tests.client.conftest import BASE_URL, NO_WAIT, Recording, SyncASGITransport, client_for
from tests.conftest import Persona
from tests.support import run_async


def unavailable(request: httpx.Request) -> httpx.Response:
    return httpx.Response(503, json={"RestException": {"Status": 503, "Message": "Try later", "Code": 1503}})


def refused(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


def throttled(request: httpx.Request) -> httpx.Response:
    return httpx.Response(429, headers={"Retry-After": "0"}, json={"RestException": {"Status": 429, "Code": 1030}})


@pytest.mark.parametrize("fail", [unavailable, refused, throttled])
def test_a_read_that_fails_twice_then_succeeds_is_answered(app, alice: Persona, fail) -> None:  # type: ignore[no-untyped-def]
    transport = Recording(SyncASGITransport(app), fail, failures=2)
    countries = client_for(alice, transport).available_numbers.countries()
    assert [c.country_code for c in countries] == ["IN"] and len(transport.requests) == 3


def test_a_purchase_retried_twice_keeps_one_idempotency_key_and_buys_once(app, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    transport = Recording(SyncASGITransport(app), unavailable, failures=2)
    client = client_for(alice, transport)
    number = client.available_numbers.search("IN", "Landline")[0].phone_number
    transport.requests.clear()
    transport.failures = 2
    bought = client.phone_numbers.purchase(number)
    keys = {r.headers["Idempotency-Key"] for r in transport.requests}
    assert len(transport.requests) == 3 and len(keys) == 1
    assert [n.sid for n in client.phone_numbers.list()] == [bought.sid]


class LosesFirstAnswer(httpx.BaseTransport):
    """The server does the work but the answer never arrives: the case idempotency keys exist for."""

    def __init__(self, inner: httpx.BaseTransport) -> None:
        self.inner, self.answers = inner, []  # type: ignore[var-annotated]

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        response = self.inner.handle_request(request)
        self.answers.append(response)
        if len(self.answers) == 1:
            raise httpx.ReadError("connection reset", request=request)
        return response


def test_a_release_whose_answer_was_lost_is_replayed_not_repeated(app, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    setup = client_for(alice, SyncASGITransport(app))
    sid = setup.phone_numbers.purchase(setup.available_numbers.search("IN", "Landline")[0].phone_number).sid
    lossy = LosesFirstAnswer(SyncASGITransport(app))
    accepted = client_for(alice, lossy).phone_numbers.release(sid)
    assert (accepted.status, len(lossy.answers)) == (202, 2)
    assert lossy.answers[1].headers.get("Idempotent-Replayed") == "true"


def test_a_write_without_an_idempotency_key_is_not_retried(app, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    transport = Recording(SyncASGITransport(app), unavailable, failures=5)
    client = client_for(alice, transport, idempotency_keys=False)
    with pytest.raises(ServerError):
        client.phone_numbers.release("0" * 32)
    assert len(transport.requests) == 1 and "Idempotency-Key" not in transport.requests[0].headers


def test_retries_stop_after_max_retries(app, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    transport = Recording(SyncASGITransport(app), unavailable, failures=10)
    with pytest.raises(ServerError):
        client_for(alice, transport).phone_numbers.get("0" * 32)
    assert len(transport.requests) == 1 + NO_WAIT.max_retries


def test_back_off_grows_exponentially_and_honours_retry_after() -> None:
    policy = RetryPolicy(max_retries=4, backoff_s=1.0, max_backoff_s=3.0)
    waits = [policy.delay(attempt) for attempt in range(4)]
    assert 0.5 <= waits[0] <= 1.0 and 1.0 <= waits[1] <= 2.0 and 1.5 <= waits[2] <= 3.0 and waits[3] <= 3.0
    assert policy.delay(0, httpx.Headers({"Retry-After": "2.5"})) == 2.5
    assert policy.delay(0, httpx.Headers({"Retry-After": "600"})) is None
    assert policy.delay(4) is None


def test_the_async_client_retries_the_same_way(app, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    seen: list[httpx.Request] = []
    inner = httpx.ASGITransport(app=app)

    class FailsTwice(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            seen.append(request)
            if len(seen) <= 2:
                raise httpx.ConnectError("connection refused", request=request)
            return await inner.handle_async_request(request)

    async def main() -> list[str]:
        async with AsyncClient(alice.key, alice.token, alice.sid, base_url=BASE_URL, transport=FailsTwice(),
                               retry=NO_WAIT) as client:
            return [c.country_code for c in await client.available_numbers.countries()]

    assert run_async(main()) == ["IN"] and len(seen) == 3


def test_a_custom_httpx_client_is_used_and_left_open(app, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    http = httpx.Client(transport=SyncASGITransport(app), headers={"X-Trace": "t1"})
    with Client(alice.key, alice.token, alice.sid, base_url=BASE_URL, http_client=http) as client:
        assert client.available_numbers.countries()
    assert not http.is_closed
    http.close()
