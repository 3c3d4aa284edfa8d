"""A small Exotel integration and its tests against the exopool sandbox (the `exopool_sandbox` fixture)."""

import httpx
import pytest


class NumberUnavailable(Exception):
    """Exotel would not sell the number."""


def buy_number(base_url: str, account_sid: str, key: str, token: str, number: str) -> str:
    """Buy a number through Exotel's API; its sid. The code under test: it knows nothing of exopool."""
    response = httpx.post(f"{base_url}/v2_beta/Accounts/{account_sid}/IncomingPhoneNumbers",
                          data={"PhoneNumber": number}, auth=(key, token))
    if response.status_code in (400, 409):
        raise NumberUnavailable(response.json()["RestException"]["Message"])
    response.raise_for_status()
    return response.json()["sid"]


def test_buy_number_returns_the_new_sid(exopool_sandbox):
    account = exopool_sandbox.account  # demo_in, with its fixed key and token
    sid = buy_number(exopool_sandbox.base_url, account.sid, account.key, account.token, "+918048332510")
    assert len(sid) == 32
    [sent] = exopool_sandbox.requests(method="POST")
    assert sent["body"] == "PhoneNumber=%2B918048332510" and sent["api_key"] == account.key


def test_buy_number_reports_a_number_that_is_not_available(exopool_sandbox):
    account = exopool_sandbox.account
    with pytest.raises(NumberUnavailable):
        buy_number(exopool_sandbox.base_url, account.sid, account.key, account.token, "+918040000400")


def test_buy_number_surfaces_a_server_error(exopool_sandbox):
    account = exopool_sandbox.account
    exopool_sandbox.add_fault(action="error", status=503, method="POST", count=1)
    with pytest.raises(httpx.HTTPStatusError):
        buy_number(exopool_sandbox.base_url, account.sid, account.key, account.token, "+918048332510")
