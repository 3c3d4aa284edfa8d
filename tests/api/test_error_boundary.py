"""One error boundary: every error, unexpected ones included, is answered once, with the request's id,
in the shape of the edge it happened in, and logged once."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import text
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.logs import RequestIdFilter
from tests.conftest import Persona, ServerThread


async def broken(request: Request) -> Response:
    raise RuntimeError("a bug in a route")


@pytest.fixture
def served(settings: Settings, clock: ManualClock) -> Iterator[httpx.Client]:
    app = create_app(settings, clock=clock, extra_routes=[Route("/broken", broken)])
    with ServerThread(app) as server, \
            httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as client:
        yield client


@pytest.fixture(autouse=True)
def stamped(caplog: pytest.LogCaptureFixture) -> None:
    """Captured records carry their request's id, as the server's own handler stamps them."""
    caplog.handler.addFilter(RequestIdFilter())


def logged_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.levelno >= logging.ERROR]


def test_an_unexpected_error_in_an_api_route_is_one_500_with_its_request_id_logged_once(
    served: httpx.Client, alice: Persona, db: Database, caplog: pytest.LogCaptureFixture,
) -> None:
    db.transact(lambda conn: conn.execute(text("DROP TABLE idempotency_keys")))  # a schema the code cannot use
    with caplog.at_level(logging.ERROR):
        answer = served.post(f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers", auth=alice.auth,
                             data={"PhoneNumber": "+918048332510"}, headers={"Idempotency-Key": "k"})
    assert answer.status_code == 500
    body = answer.json()
    assert body["RestException"] == {"Status": 500, "Code": 1500,
                                     "Message": "An internal error occurred. It has been logged; retry later."}
    assert body["request_id"] == answer.headers["x-request-id"] != ""
    assert "idempotency_keys" not in answer.text  # no detail of the failure leaves the server
    errors = logged_errors(caplog)
    assert len(errors) == 1 and errors[0].exc_info is not None
    assert getattr(errors[0], "request_id", None) == answer.headers["x-request-id"]


def test_an_unexpected_error_outside_the_api_is_one_500_with_its_request_id_logged_once(
    served: httpx.Client, caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.ERROR):
        answer = served.get("/broken")
    assert answer.status_code == 500 and answer.json()["RestException"]["Code"] == 1500
    assert answer.json()["request_id"] == answer.headers["x-request-id"] != ""
    errors = logged_errors(caplog)
    assert len(errors) == 1 and "a bug in a route" in str(errors[0].exc_info[1] if errors[0].exc_info else "")


def test_an_unknown_path_is_a_404_in_the_error_shape_with_its_request_id(served: httpx.Client) -> None:
    answer = served.get("/no/such/thing")
    assert answer.status_code == 404
    assert answer.json()["RestException"] == {"Status": 404, "Code": 1000, "Message": "No resource at /no/such/thing"}
    assert answer.json()["request_id"] == answer.headers["x-request-id"]


def test_an_unknown_dashboard_path_is_the_dashboards_own_404_page(served: httpx.Client) -> None:
    answer = served.get("/dashboard/no-such-page")
    assert answer.status_code == 404
    assert answer.headers["content-type"].startswith("text/html")
    assert "Not found" in answer.text and "No resource at /dashboard/no-such-page" in answer.text
    assert answer.headers["x-request-id"] in answer.text
