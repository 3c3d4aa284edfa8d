"""ApiRoutes: the number routes matched by shape ahead of Starlette's router, and what it leaves to the router."""

from __future__ import annotations

import httpx
import pytest

from exopool.api.routes import ApiRoutes, number_routes
from tests.conftest import Persona

ACCOUNT = "/v2_beta/Accounts/AC1"


@pytest.fixture(scope="module")
def routes() -> ApiRoutes:
    async def never(scope, receive, send):  # type: ignore[no-untyped-def]  # pragma: no cover - not called
        raise AssertionError

    return ApiRoutes(never, number_routes())


@pytest.mark.parametrize(("method", "path", "template", "params"), [
    ("DELETE", f"{ACCOUNT}/IncomingPhoneNumbers/PN9", "{account_sid}/IncomingPhoneNumbers/{sid}",
     {"account_sid": "AC1", "sid": "PN9"}),
    ("HEAD", f"{ACCOUNT}/IncomingPhoneNumbers/PN9.json", "{account_sid}/IncomingPhoneNumbers/{sid}",
     {"account_sid": "AC1", "sid": "PN9.json"}),
    ("POST", f"{ACCOUNT}/IncomingPhoneNumbers.json", "{account_sid}/IncomingPhoneNumbers.json",
     {"account_sid": "AC1"}),
    ("GET", f"{ACCOUNT}/AvailablePhoneNumbers", "{account_sid}/AvailablePhoneNumbers", {"account_sid": "AC1"}),
    ("GET", f"{ACCOUNT}/AvailablePhoneNumbers/IN/Mobile.json",
     "{account_sid}/AvailablePhoneNumbers/{country}/{number_type}",
     {"account_sid": "AC1", "country": "IN", "number_type": "Mobile.json"}),
])
def test_each_route_shape_is_matched_with_its_path_parameters(
    routes: ApiRoutes, method: str, path: str, template: str, params: dict[str, str]
) -> None:
    found = routes.match(method, path)
    assert found is not None
    route, matched = found
    assert route.path == "/v2_beta/Accounts/" + template
    assert matched == params


@pytest.mark.parametrize(("method", "path"), [
    ("PATCH", f"{ACCOUNT}/IncomingPhoneNumbers/PN9"),  # a method the resource lacks: the router's 405
    ("DELETE", f"{ACCOUNT}/IncomingPhoneNumbers"),
    ("GET", f"{ACCOUNT}/IncomingPhoneNumbers/"),  # an empty segment: the router redirects or 404s
    ("GET", "/v2_beta/Accounts//IncomingPhoneNumbers"),
    ("GET", f"{ACCOUNT}/IncomingPhoneNumbers/PN9/extra"),
    ("GET", f"{ACCOUNT}/OutgoingPhoneNumbers/PN9"),
    ("GET", "/v2_beta/Accounts/AC1"),
])
def test_anything_else_is_left_to_the_router(routes: ApiRoutes, method: str, path: str) -> None:
    assert routes.match(method, path) is None


def test_a_matched_request_and_a_routed_one_count_under_the_same_template(http: httpx.Client, alice: Persona) -> None:
    numbers = f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers"
    assert http.get(f"{numbers}/PN0000", auth=alice.auth).status_code == 404  # served by ApiRoutes
    assert http.patch(f"{numbers}/PN0000", auth=alice.auth).status_code == 405  # by the router
    metrics = http.get("/metrics").text
    template = "/v2_beta/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}"
    assert f'exopool_http_requests_total{{method="GET",route="{template}",status="404"}} 1.0' in metrics
    assert f'exopool_http_requests_total{{method="PATCH",route="{template}",status="405"}} 1.0' in metrics


def test_a_405_from_the_router_still_names_the_allowed_methods(http: httpx.Client, alice: Persona) -> None:
    answer = http.patch(f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers/PN0000", auth=alice.auth)
    assert answer.status_code == 405
    assert set(answer.headers["allow"].replace(" ", "").split(",")) == {"GET", "HEAD", "PUT", "POST", "DELETE"}
    assert answer.json()["RestException"]["Status"] == 405
