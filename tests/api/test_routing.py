"""The router of the Exotel routes: each route matched by the shape of its path, and everything else answered."""

from __future__ import annotations

import httpx
import pytest

from exopool.api.router import ApiRouter
from exopool.api.routes import number_routes
from tests.conftest import Persona

ACCOUNT = "/v2_beta/Accounts/AC1"


@pytest.fixture(scope="module")
def router() -> ApiRouter:
    return ApiRouter(number_routes())


@pytest.mark.parametrize(("path", "template", "params"), [
    (f"{ACCOUNT}/IncomingPhoneNumbers/PN9", "{account_sid}/IncomingPhoneNumbers/{sid}",
     {"account_sid": "AC1", "sid": "PN9"}),
    (f"{ACCOUNT}/IncomingPhoneNumbers/PN9.json", "{account_sid}/IncomingPhoneNumbers/{sid}",
     {"account_sid": "AC1", "sid": "PN9.json"}),
    (f"{ACCOUNT}/IncomingPhoneNumbers.json", "{account_sid}/IncomingPhoneNumbers.json", {"account_sid": "AC1"}),
    (f"{ACCOUNT}/AvailablePhoneNumbers", "{account_sid}/AvailablePhoneNumbers", {"account_sid": "AC1"}),
    (f"{ACCOUNT}/AvailablePhoneNumbers/IN/Mobile.json", "{account_sid}/AvailablePhoneNumbers/{country}/{number_type}",
     {"account_sid": "AC1", "country": "IN", "number_type": "Mobile.json"}),
])
def test_each_route_shape_is_matched_with_its_path_parameters(
    router: ApiRouter, path: str, template: str, params: dict[str, str]
) -> None:
    found = router.match(path)
    assert found is not None
    route, matched = found
    assert route.path == "/v2_beta/Accounts/" + template
    assert matched == params


@pytest.mark.parametrize("path", [
    f"{ACCOUNT}/IncomingPhoneNumbers/",  # an empty segment where the sid goes
    "/v2_beta/Accounts//IncomingPhoneNumbers",
    f"{ACCOUNT}/IncomingPhoneNumbers/PN9/extra",
    f"{ACCOUNT}/OutgoingPhoneNumbers/PN9",
    "/v2_beta/Accounts/AC1",
])
def test_a_path_of_no_route_matches_nothing(router: ApiRouter, path: str) -> None:
    assert router.match(path) is None


def test_a_path_of_no_route_is_404_in_the_error_shape(http: httpx.Client, alice: Persona) -> None:
    answer = http.get(f"/v2_beta/Accounts/{alice.sid}/OutgoingPhoneNumbers", auth=alice.auth)
    assert answer.status_code == 404
    assert answer.json()["RestException"] == {
        "Status": 404, "Code": 1000, "Message": f"No resource at /v2_beta/Accounts/{alice.sid}/OutgoingPhoneNumbers"}
    assert answer.headers["x-request-id"] == answer.json()["request_id"]


def test_every_answer_of_a_route_counts_under_its_template(http: httpx.Client, alice: Persona) -> None:
    numbers = f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers"
    assert http.get(f"{numbers}/PN0000", auth=alice.auth).status_code == 404
    assert http.patch(f"{numbers}/PN0000", auth=alice.auth).status_code == 405
    metrics = http.get("/metrics").text
    template = "/v2_beta/Accounts/{account_sid}/IncomingPhoneNumbers/{sid}"
    assert f'exopool_http_requests_total{{method="GET",route="{template}",status="404"}} 1.0' in metrics
    assert f'exopool_http_requests_total{{method="PATCH",route="{template}",status="405"}} 1.0' in metrics


@pytest.mark.parametrize(("method", "path", "allowed"), [
    ("PATCH", "IncomingPhoneNumbers/PN0000", {"GET", "HEAD", "PUT", "POST", "DELETE"}),
    ("DELETE", "IncomingPhoneNumbers", {"GET", "HEAD", "POST"}),
    ("POST", "AvailablePhoneNumbers/IN/Mobile", {"GET", "HEAD"}),
])
def test_a_method_the_route_lacks_is_405_naming_the_allowed_ones(
    http: httpx.Client, alice: Persona, method: str, path: str, allowed: set[str],
) -> None:
    answer = http.request(method, f"/v2_beta/Accounts/{alice.sid}/{path}", auth=alice.auth)
    assert answer.status_code == 405
    assert set(answer.headers["allow"].replace(" ", "").split(",")) == allowed
    assert answer.json()["RestException"] == {
        "Status": 405, "Code": 1004,
        "Message": f"Method {method} is not allowed on /v2_beta/Accounts/{alice.sid}/{path}"}


def test_a_trailing_slash_redirects_to_the_route_on_the_same_host_whatever_the_host_header(
    http: httpx.Client, alice: Persona,
) -> None:
    answer = http.get(f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers/?PageSize=2",
                      headers={"Host": "evil.example"}, follow_redirects=False)
    assert answer.status_code == 307
    assert answer.headers["location"] == f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers?PageSize=2"
