"""Inputs the fuzzer found answered wrongly: each is now a clear 400, never a 500 or a silent guess."""

from __future__ import annotations

import httpx
import pytest

from tests.conftest import Persona

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
