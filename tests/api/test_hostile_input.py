"""What an attacker sent, answered as bad input on both engines: the right 4xx, never a 500, and the
connection still usable; and credentials are judged before anything else about a request."""

from __future__ import annotations

import base64

import httpx
import pytest

from tests.conftest import Persona

NUMBERS = "/v2_beta/Accounts/{}/IncomingPhoneNumbers"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_a_basic_user_name_holding_a_nul_is_a_401_and_the_connection_goes_on(
    http: httpx.Client, alice: Persona,
) -> None:
    refused = http.get(NUMBERS.format(alice.sid), headers=basic(alice.key + "\x00x", alice.token))
    assert refused.status_code == 401 and refused.json()["RestException"]["Code"] == 1010
    assert refused.headers.get("connection") != "close"
    assert http.get(NUMBERS.format(alice.sid), auth=alice.auth).status_code == 200


def test_the_deepest_page_the_contract_allows_is_an_empty_page(http: httpx.Client, alice: Persona) -> None:
    answer = http.get(NUMBERS.format(alice.sid), params={"Page": 2147484, "PageSize": 1000}, auth=alice.auth)
    assert answer.status_code == 200, answer.text
    assert answer.json()["incoming_phone_numbers"] == [] and answer.json()["page"] == 2147484
    deepest = http.get(NUMBERS.format(alice.sid), params={"Page": 10_000_000, "PageSize": 1000}, auth=alice.auth)
    assert deepest.status_code == 200 and deepest.json()["incoming_phone_numbers"] == []


@pytest.mark.parametrize(("content", "media"), [
    (b"{not json", "application/json"),
    (b"[1, 2]", "application/json"),
    (b"PhoneNumber=1&phonenumber=2", "application/x-www-form-urlencoded"),
    (b"--x\r\nbroken", "multipart/form-data; boundary=y"),
    (b"PhoneNumber=1", "multipart/form-data"),
])
def test_a_body_that_cannot_be_read_is_still_a_401_without_credentials(
    http: httpx.Client, alice: Persona, content: bytes, media: str,
) -> None:
    for path in (NUMBERS.format(alice.sid), NUMBERS.format(alice.sid) + "/" + "0" * 32):
        answer = http.post(path, content=content, headers={"Content-Type": media})
        assert answer.status_code == 401, (path, answer.text)
        assert answer.json()["RestException"]["Code"] == 1010


def test_the_same_body_with_credentials_is_the_400_that_says_why(http: httpx.Client, alice: Persona) -> None:
    answer = http.post(NUMBERS.format(alice.sid), content=b"[1, 2]", auth=alice.auth,
                       headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and "JSON body must be an object" in answer.json()["RestException"]["Message"]


def test_parameters_given_twice_on_an_account_that_does_not_exist_are_a_401(http: httpx.Client) -> None:
    answer = http.get(NUMBERS.format("nobody") + "?Page=1&page=2")
    assert answer.status_code == 401 and answer.json()["RestException"]["Code"] == 1010


def test_an_overlong_idempotency_key_without_credentials_is_a_401(http: httpx.Client, alice: Persona) -> None:
    answer = http.post(NUMBERS.format(alice.sid), data={"PhoneNumber": "+918048332510"},
                       headers={"Idempotency-Key": "k" * 300})
    assert answer.status_code == 401


def test_what_is_too_large_or_of_an_unknown_type_is_answered_before_the_credentials(
    http: httpx.Client, alice: Persona,
) -> None:
    too_large = http.post(NUMBERS.format(alice.sid), content=b"x" * 70_000,
                          headers={"Content-Type": "application/x-www-form-urlencoded"})
    unknown_type = http.post(NUMBERS.format(alice.sid), content=b"x", headers={"Content-Type": "text/plain"})
    assert (too_large.status_code, unknown_type.status_code) == (413, 415)


def test_a_log_in_email_holding_a_nul_is_the_generic_401_page(http: httpx.Client, alice: Persona) -> None:
    from tests.web.conftest import csrf_of

    with httpx.Client(base_url=str(http.base_url)) as browser:
        token = csrf_of(browser.get("/dashboard/login").text)
        answer = browser.post("/dashboard/login", data={"csrf_token": token, "email": "a\x00@example.com",
                                                        "password": "whatever password"})
    assert answer.status_code == 401 and "The email or password is not right." in answer.text


def test_a_dashboard_path_ending_in_a_slash_is_never_sent_to_the_host_header(http: httpx.Client) -> None:
    for path in ("/dashboard/numbers/", "/dashboard/", "/dashboard"):
        answer = http.get(path, headers={"Host": "evil.example"}, follow_redirects=False)
        location = answer.headers.get("location", "")
        assert not location.startswith(("http://", "https://", "//")), (path, location)
    assert http.get("/dashboard", follow_redirects=False).headers["location"] == "/dashboard/numbers"
