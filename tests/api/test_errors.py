"""Each row of the error table, over real HTTP, in both of Exotel's error shapes."""

from __future__ import annotations

import httpx

from exopool.db import Database
from exopool.services.accounts import set_account_status
from tests.conftest import Persona
from tests.support import IN_LANDLINE, SG_LANDLINE, account_path, assert_error, bought_sid, buy, numbers_path


def test_purchase_without_phone_number_is_400_missing(http: httpx.Client, alice: Persona) -> None:
    for body in ({}, {"PhoneNumber": ""}, {"VoiceUrl": "https://e.com/v"}):
        response = http.post(numbers_path(alice), data=body, auth=alice.auth)
        assert "PhoneNumber" in assert_error(response, 400, 1001)["RestException"]["Message"]
    assert_error(http.post(numbers_path(alice), json={}, auth=alice.auth), 400, 1001)


def test_purchase_of_a_number_that_is_not_a_phone_number_is_400_invalid(http: httpx.Client, alice: Persona) -> None:
    for raw in ("hello", "+91123", "+9180483325101234", "+91804833251O", "080-4833-FLOW"):
        body = assert_error(buy(http, alice, raw), 400, 1002)
        assert raw in body["RestException"]["Message"]


def test_purchase_of_a_number_not_in_the_clusters_pool_is_400(http: httpx.Client, alice: Persona, bob: Persona) -> None:
    outside_pool = assert_error(buy(http, alice, "+918048339999"), 400, 1002)
    assert outside_pool["RestException"]["Message"] == "PhoneNumber +918048339999 is not available in cluster in"
    assert_error(buy(http, alice, SG_LANDLINE), 400, 1002)  # the other cluster's pool
    bought_sid(http, bob)
    assert_error(buy(http, alice), 400, 1002)  # another account holds it


def test_purchase_with_invalid_optional_parameters_is_400(http: httpx.Client, alice: Persona) -> None:
    for params in ({"VoiceUrl": "not a url"}, {"SMSUrl": "mailto:a@b.c"}, {"FriendlyName": "n" * 65}):
        assert_error(buy(http, alice, **params), 400, 1002)
    assert http.get(numbers_path(alice), auth=alice.auth).json()["incoming_phone_numbers"] == []


def test_invalid_json_body_is_400(http: httpx.Client, alice: Persona) -> None:
    headers = {"Content-Type": "application/json"}
    for content in (b"{not json", b'["+918048332510"]', b'"+918048332510"', b"\xff\xfe"):
        assert_error(http.post(numbers_path(alice), content=content, headers=headers, auth=alice.auth), 400, 1002)
    listed = http.post(numbers_path(alice), json={"PhoneNumber": ["+918048332510"]}, auth=alice.auth)
    assert "PhoneNumber" in assert_error(listed, 400, 1002)["RestException"]["Message"]


def test_invalid_search_and_paging_parameters_are_400(http: httpx.Client, alice: Persona) -> None:
    base = f"{account_path(alice)}/AvailablePhoneNumbers"
    assert_error(http.get(f"{base}/IN/Premium", auth=alice.auth), 400, 1002)
    assert_error(http.get(f"{base}/IN/Landline", params={"InRegion": "XX"}, auth=alice.auth), 400, 1002)
    assert_error(http.get(f"{base}/IN/Landline", params={"PageSize": "5000"}, auth=alice.auth), 400, 1002)
    assert_error(http.get(numbers_path(alice), params={"PageSize": "0"}, auth=alice.auth), 400, 1002)


def test_bad_credentials_are_401(http: httpx.Client, alice: Persona) -> None:
    body = assert_error(http.get(numbers_path(alice), auth=(alice.key, "wrong")), 401, 1010)
    assert body["RestException"]["Message"].startswith("Authentication failed")


def test_suspended_account_is_403_on_every_route_until_reactivated(  # type: ignore[no-untyped-def]
    http: httpx.Client, db: Database, alice: Persona,
) -> None:
    sid = bought_sid(http, alice)
    db.transact(set_account_status, alice.sid, "suspended")
    calls = [
        ("GET", f"{account_path(alice)}/AvailablePhoneNumbers", None),
        ("GET", f"{account_path(alice)}/AvailablePhoneNumbers/IN/Landline", None),
        ("GET", numbers_path(alice), None),
        ("POST", numbers_path(alice), {"PhoneNumber": "+918048332511"}),
        ("GET", f"{numbers_path(alice)}/{sid}", None),
        ("PUT", f"{numbers_path(alice)}/{sid}", {"FriendlyName": "x"}),
        ("POST", f"{numbers_path(alice)}/{sid}", {"FriendlyName": "x"}),
        ("DELETE", f"{numbers_path(alice)}/{sid}", None),
    ]
    for method, path, data in calls:
        body = assert_error(http.request(method, path, data=data, auth=alice.auth), 403, 1003)
        assert "suspended" in body["RestException"]["Message"], (method, path)
    assert_error(http.get(numbers_path(alice), auth=(alice.key, "wrong")), 401, 1010)  # 403 only with valid keys
    db.transact(set_account_status, alice.sid, "active")
    assert http.get(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 200


def test_the_root_sends_a_browser_to_the_dashboard_and_is_no_api_route(http: httpx.Client) -> None:
    response = http.get("/", follow_redirects=False)
    assert response.status_code in (302, 303, 307) and response.headers["location"].endswith("/dashboard/numbers")
    assert_error(http.delete("/"), 405, 1004)


def test_unknown_routes_are_404(http: httpx.Client, alice: Persona) -> None:
    for path in ("/v2_beta", "/v2_beta/Accounts/alice", "/v2_beta/Accounts/alice/Calls",
                 "/v2_beta/Accounts/alice/AvailablePhoneNumbers/IN/Landline/1",
                 "/v1/Accounts/alice/IncomingPhoneNumbers",
                 "/v2_beta/Accounts/alice/IncomingPhoneNumbers/a/b"):
        for method in ("GET", "POST", "DELETE"):
            body = assert_error(http.request(method, path, auth=alice.auth), 404, 1000)
            assert path in body["RestException"]["Message"]


def test_unknown_sid_is_404_naming_it(http: httpx.Client, alice: Persona) -> None:
    missing = "9eeafc8ab479a386dc95f854f9d7cd8a"
    for method in ("GET", "PUT", "POST", "DELETE"):
        body = assert_error(http.request(method, f"{numbers_path(alice)}/{missing}", auth=alice.auth), 404, 1000)
        assert body["RestException"]["Message"] == f"ExoPhone {missing} not found"


def allowed(response: httpx.Response) -> set[str]:
    return {method.strip() for method in response.headers["allow"].split(",")}


def test_wrong_method_is_405_with_an_allow_header_listing_every_method(http: httpx.Client, alice: Persona) -> None:
    cases = [
        (f"{account_path(alice)}/AvailablePhoneNumbers", ("POST", "PUT", "DELETE", "PATCH"), {"GET", "HEAD"}),
        (f"{account_path(alice)}/AvailablePhoneNumbers.json", ("DELETE",), {"GET", "HEAD"}),
        (f"{account_path(alice)}/AvailablePhoneNumbers/IN", ("POST", "DELETE"), {"GET", "HEAD"}),
        (f"{account_path(alice)}/AvailablePhoneNumbers/IN/Landline", ("POST", "DELETE"), {"GET", "HEAD"}),
        (numbers_path(alice), ("PUT", "DELETE", "PATCH"), {"GET", "HEAD", "POST"}),
        (f"{numbers_path(alice)}.json", ("DELETE",), {"GET", "HEAD", "POST"}),
        (f"{numbers_path(alice)}/{'0' * 32}", ("PATCH", "OPTIONS"), {"GET", "HEAD", "POST", "PUT", "DELETE"}),
    ]
    for path, methods, expected in cases:
        for method in methods:
            response = http.request(method, path, auth=alice.auth)
            assert_error(response, 405, 1004)
            assert allowed(response) == expected, (method, path)


def test_buying_a_number_the_account_already_holds_is_409(http: httpx.Client, alice: Persona) -> None:
    bought_sid(http, alice)
    for form in (IN_LANDLINE, "08048332510"):
        body = assert_error(buy(http, alice, form), 409, 1008)
        assert body["RestException"]["Message"] == f"PhoneNumber {IN_LANDLINE} already belongs to account alice"
    assert len(http.get(numbers_path(alice), auth=alice.auth).json()["incoming_phone_numbers"]) == 1


def test_body_over_the_limit_is_413_with_or_without_a_content_length(http: httpx.Client, alice: Persona) -> None:
    big = b"PhoneNumber=%2B918048332510&FriendlyName=" + b"x" * (64 * 1024)
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    assert_error(http.post(numbers_path(alice), content=big, headers=form, auth=alice.auth), 413, 1007)

    def chunks():  # type: ignore[no-untyped-def]
        for start in range(0, len(big), 4096):
            yield big[start:start + 4096]

    streamed = http.post(numbers_path(alice), content=chunks(), headers=form, auth=alice.auth)
    assert "content-length" not in streamed.request.headers
    assert_error(streamed, 413, 1007)
    sid = bought_sid(http, alice)
    assert_error(http.put(f"{numbers_path(alice)}/{sid}", content=big, headers=form, auth=alice.auth), 413, 1007)
    assert http.get(numbers_path(alice), auth=alice.auth).json()["incoming_phone_numbers"][0]["friendly_name"] == (
        "08048332510")


def test_body_in_an_unsupported_content_type_is_415(http: httpx.Client, alice: Persona) -> None:
    for media in ("text/plain", "application/xml", "application/octet-stream"):
        response = http.post(numbers_path(alice), content=b"PhoneNumber=+918048332510",
                             headers={"Content-Type": media}, auth=alice.auth)
        assert media in assert_error(response, 415, 1011)["RestException"]["Message"]
    sid = bought_sid(http, alice)
    response = http.put(f"{numbers_path(alice)}/{sid}", content=b"<x/>", headers={"Content-Type": "text/xml"},
                        auth=alice.auth)
    assert_error(response, 415, 1011)


def test_every_response_carries_a_fresh_request_id(http: httpx.Client, alice: Persona) -> None:
    ids = {http.get(numbers_path(alice), auth=alice.auth).headers["x-request-id"] for _ in range(5)}
    ids.add(http.get("/nowhere").headers["x-request-id"])
    assert len(ids) == 6


def test_the_docs_error_table_is_the_wire_table() -> None:
    """docs/errors.md lists every (status, code) the API's table of errors has, and no other."""
    import re
    from pathlib import Path

    from exopool.api.errors import WIRE

    page = (Path(__file__).resolve().parents[2] / "docs" / "errors.md").read_text()
    documented = {(int(status), int(code)) for status, code in re.findall(r"^\| (\d{3}) \| (\d{4}) \|", page, re.M)}
    assert documented == {(cls.status, wire.code) for cls, wire in WIRE.items()}
