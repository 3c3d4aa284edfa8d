"""Inputs the fuzzer found answered wrongly: each is now a clear 400, never a 500 or a silent guess."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Persona
from tests.support import assert_error

NUMBERS = "/v2_beta/Accounts/alice/IncomingPhoneNumbers"


@pytest.mark.parametrize("url", ["http://[::1/voice", "http://exa mple.com/", "http://example.com/\x7fvoice"])
def test_a_malformed_voice_url_is_400(http: httpx.Client, alice: Persona, url: str) -> None:
    response = http.post(NUMBERS, data={"PhoneNumber": "+918048332510", "VoiceUrl": url}, auth=alice.auth)
    assert response.status_code == 400 and "VoiceUrl" in response.json()["RestException"]["Message"]


@pytest.mark.parametrize("size", ["²", "٣"])
def test_non_ascii_digits_in_page_size_are_400(http: httpx.Client, alice: Persona, size: str) -> None:
    assert http.get(NUMBERS, params={"PageSize": size}, auth=alice.auth).status_code == 400


def test_non_ascii_digits_in_contains_are_400(http: httpx.Client, alice: Persona) -> None:
    path = "/v2_beta/Accounts/alice/AvailablePhoneNumbers/IN/Landline"
    assert http.get(path, params={"Contains": "٣٣"}, auth=alice.auth).status_code == 400


def test_a_parameter_given_twice_with_different_values_is_400(http: httpx.Client, alice: Persona) -> None:
    response = http.get(f"{NUMBERS}?PageSize=5&PageSize=abc", auth=alice.auth)
    assert response.status_code == 400 and "more than once" in response.json()["RestException"]["Message"]
    assert http.get(f"{NUMBERS}?PageSize=5&page_size=5", auth=alice.auth).status_code == 200


def test_a_nul_character_in_a_text_parameter_is_400_and_changes_nothing(http: httpx.Client, alice: Persona) -> None:
    bought = http.post(NUMBERS, data={"PhoneNumber": "+918048332510"}, auth=alice.auth).json()
    for response in (
        http.post(NUMBERS, json={"PhoneNumber": "+918048332511", "FriendlyName": "a\x00b"}, auth=alice.auth),
        http.post(NUMBERS, data={"PhoneNumber": "+918048332511", "FriendlyName": "a\x00b"}, auth=alice.auth),
        http.put(f"{NUMBERS}/{bought['sid']}", data={"FriendlyName": "\x00"}, auth=alice.auth),
        http.get(NUMBERS, params={"FriendlyName": "x\x00"}, auth=alice.auth),
    ):
        assert response.status_code == 400, response.text
        assert response.json()["RestException"]["Message"] == "FriendlyName contains a NUL character"
    held = http.get(NUMBERS, auth=alice.auth).json()["incoming_phone_numbers"]
    assert [(n["phone_number"], n["friendly_name"]) for n in held] == [
        (bought["phone_number"], bought["friendly_name"])]


def test_an_unknown_parameter_is_ignored_whatever_it_holds(http: httpx.Client, alice: Persona) -> None:
    body = b'{"PhoneNumber": "+918048332510", "Whatever": "\\u0000\\ud800"}'
    response = http.post(NUMBERS, content=body, headers={"Content-Type": "application/json"}, auth=alice.auth)
    assert response.status_code == 200 and response.json()["phone_number"] == "+918048332510"


def test_a_lone_surrogate_in_a_json_text_parameter_is_400(http: httpx.Client, alice: Persona) -> None:
    for name in ("FriendlyName", "VoiceUrl"):
        body = b'{"PhoneNumber": "+918048332510", "%s": "http://example.com/\\ud800"}' % name.encode()
        response = http.post(NUMBERS, content=body, headers={"Content-Type": "application/json"}, auth=alice.auth)
        assert response.status_code == 400, response.text
        assert response.json()["RestException"]["Message"] == f"{name} is not valid Unicode text"
    assert http.get(NUMBERS, auth=alice.auth).json()["incoming_phone_numbers"] == []


def test_json_nested_past_what_the_parser_follows_is_400_and_buys_nothing(http: httpx.Client, alice: Persona) -> None:
    for body in (b'{"a":' * 10_000 + b"1" + b"}" * 10_000, b"[" * 30_000 + b"]" * 30_000):  # under the size limit
        for response in (http.post(NUMBERS, content=body, headers={"Content-Type": "application/json"},
                                   auth=alice.auth),
                         http.put(f"{NUMBERS}/{'0' * 32}", content=body, headers={"Content-Type": "application/json"},
                                  auth=alice.auth)):
            assert_error(response, 400, 1002)
            assert response.json()["RestException"]["Message"] == "The request body is not valid JSON"
    assert http.get(NUMBERS, auth=alice.auth).json()["incoming_phone_numbers"] == []


@pytest.mark.parametrize("content_type", ["multipart/form-data", "multipart/form-data; boundary=",
                                          'multipart/form-data; boundary="', "multipart/form-data; boundary=x"])
def test_a_multipart_body_that_cannot_be_read_is_400(http: httpx.Client, alice: Persona, content_type: str) -> None:
    response = http.post(NUMBERS, content=b"PhoneNumber=%2B918048332510", headers={"Content-Type": content_type},
                         auth=alice.auth)
    assert_error(response, 400, 1002)
    assert response.json()["RestException"]["Message"].startswith("The multipart body cannot be read: ")
    assert http.get(NUMBERS, auth=alice.auth).json()["incoming_phone_numbers"] == []
