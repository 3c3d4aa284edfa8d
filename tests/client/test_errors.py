"""Each error status becomes its own SDK error class, with status, message, code and request id."""

from __future__ import annotations

import dataclasses

import httpx
import pytest

from exopool.client import (
    APIConnectionError,
    APIStatusError,
    AuthenticationError,
    BadRequestError,
    Client,
    ConflictError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitError,
    RetryPolicy,
    ServerError,
    UnprocessableEntityError,
)
from exopool.db import Database
from exopool.services.accounts import set_account_status
from tests.client.conftest import BASE_URL, Recording, client_for
from tests.conftest import Persona


def raised(call) -> APIStatusError:  # type: ignore[no-untyped-def]
    with pytest.raises(APIStatusError) as caught:
        call()
    return caught.value


def test_bad_parameter_is_bad_request_error(client: Client) -> None:
    error = raised(lambda: client.available_numbers.search("IN", "Satellite"))
    assert type(error) is BadRequestError
    assert (error.status, error.code) == (400, 1002) and "Satellite" in error.message
    assert error.request_id and len(error.request_id) == 32


def test_wrong_token_is_authentication_error(alice: Persona, transport: Recording) -> None:
    impostor = dataclasses.replace(alice, token="not-the-token")
    error = raised(lambda: client_for(impostor, transport).phone_numbers.get("0" * 32))
    assert (type(error), error.status, error.code) == (AuthenticationError, 401, 1010)


def test_suspended_account_is_permission_denied_error(client: Client, db: Database, alice: Persona) -> None:
    db.transact(set_account_status, alice.sid, "suspended")
    error = raised(lambda: client.available_numbers.countries())
    assert (type(error), error.status, error.code) == (PermissionDeniedError, 403, 1003)


def test_unknown_sid_is_not_found_error(client: Client) -> None:
    error = raised(lambda: client.phone_numbers.release("0" * 32))
    assert (type(error), error.status, error.code) == (NotFoundError, 404, 1000)


def test_buying_a_number_twice_is_conflict_error(client: Client) -> None:
    number = client.available_numbers.search("IN", "Landline")[0].phone_number
    client.phone_numbers.purchase(number)
    error = raised(lambda: client.phone_numbers.purchase(number))
    assert (type(error), error.status, error.code) == (ConflictError, 409, 1008)


def test_reused_idempotency_key_is_unprocessable_entity_error(client: Client) -> None:
    first, second = [n.phone_number for n in client.available_numbers.search("IN", "Landline")[:2]]
    client.phone_numbers.purchase(first, idempotency_key="order-1")
    error = raised(lambda: client.phone_numbers.purchase(second, idempotency_key="order-1"))
    assert (type(error), error.status, error.code) == (UnprocessableEntityError, 422, 1009)


def answering(status: int, body: object, headers: dict[str, str] | None = None) -> httpx.MockTransport:
    return httpx.MockTransport(lambda request: httpx.Response(status, json=body, headers=headers))


def offline_client(transport: httpx.BaseTransport, retries: int = 0) -> Client:
    return Client("key", "token", "acme1", base_url=BASE_URL, transport=transport,
                  retry=RetryPolicy(max_retries=retries, backoff_s=0.0))


def test_rate_limit_is_rate_limit_error_with_retry_after() -> None:
    body = {"RestException": {"Status": 429, "Message": "Slow down", "Code": 1030}, "request_id": "r1"}
    error = raised(lambda: offline_client(answering(429, body, {"Retry-After": "7"})).phone_numbers.get("x"))
    assert isinstance(error, RateLimitError) and (error.code, error.retry_after, error.request_id) == (1030, 7.0, "r1")


def test_server_failure_is_server_error() -> None:
    body = {"RestException": {"Status": 503, "Message": "Database unavailable", "Code": 1503}}
    error = raised(lambda: offline_client(answering(503, body, {"X-Request-Id": "abc"})).phone_numbers.get("x"))
    assert (type(error), error.status, error.code, error.request_id) == (ServerError, 503, 1503, "abc")


def test_exotels_other_error_shape_is_read_too() -> None:
    body = {"request_id": "e1", "method": "GET", "http_code": 404, "response": {
        "code": 404, "status": "failure", "data": None,
        "error_data": {"code": 1000, "message": "Not Found", "description": "No such ExoPhone"}}}
    error = raised(lambda: offline_client(answering(404, body)).phone_numbers.get("x"))
    assert (type(error), error.message, error.code, error.request_id) == (NotFoundError, "No such ExoPhone", 1000, "e1")


def test_an_error_body_that_is_not_json_still_raises_by_status() -> None:
    transport = httpx.MockTransport(lambda request: httpx.Response(502, text="<html>Bad gateway</html>"))
    error = raised(lambda: offline_client(transport).phone_numbers.get("x"))
    assert (type(error), error.status, error.code) == (ServerError, 502, None)


def test_an_unreachable_server_is_a_connection_error() -> None:
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("connection refused", request=request)

    with pytest.raises(APIConnectionError):
        offline_client(httpx.MockTransport(refuse)).phone_numbers.get("x")
