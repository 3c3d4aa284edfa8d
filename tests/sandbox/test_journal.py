"""The request journal: what was sent and answered, filtered, with the token never kept."""

from __future__ import annotations

import json
import re

import httpx

from tests.sandbox.conftest import DEMO_IN, DEMO_SG, NUMBERS_IN, POOL_NUMBER_IN


def journal(api: httpx.Client, **filters: str) -> list[dict[str, object]]:
    return api.get("/_sandbox/requests", params=filters).json()["requests"]


def test_journal_records_the_request_and_the_answer(api: httpx.Client) -> None:
    response = api.post(NUMBERS_IN + "?Trace=1", data={"PhoneNumber": POOL_NUMBER_IN}, auth=DEMO_IN)
    [entry] = journal(api)
    assert entry["method"] == "POST" and entry["path"] == NUMBERS_IN and entry["query"] == "Trace=1"
    assert entry["body"] == "PhoneNumber=%2B918048332510"
    assert entry["status"] == 200 and entry["response_body"] == response.json()
    assert entry["request_id"] == response.headers["x-request-id"]
    assert entry["account"] == "demo_in" and entry["api_key"] == "demo_in_key"
    assert entry["duration_ms"] > 0 and entry["headers"]["host"] == "api.in.exotel.com"


def test_journal_never_holds_the_token(api: httpx.Client) -> None:
    api.get(NUMBERS_IN, auth=DEMO_IN)
    api.get(NUMBERS_IN, auth=("demo_in_key", "a-wrong-secret-token"))
    api.get(NUMBERS_IN, headers={"Authorization": "Bearer raw-bearer-secret"})
    text = json.dumps(journal(api))
    for secret in ("demo_in_token", "a-wrong-secret-token", "raw-bearer-secret", "Basic ", "authorization"):
        assert secret not in text
    assert [e["api_key"] for e in journal(api)] == ["demo_in_key", "demo_in_key", None]


def test_a_basic_header_no_base64_holds_is_a_401_journaled_without_a_key(api: httpx.Client) -> None:
    for raw in (b"Basic \xe9", b"Basic ZGVtb19pbl9rZXk6\xff"):  # not ASCII; a key's base64 with a stray byte
        assert api.get(NUMBERS_IN, headers={"Authorization": raw}).status_code == 401
    assert [(e["status"], e["api_key"]) for e in journal(api)] == [(401, None), (401, None)]


def test_journal_filters_by_account_method_and_path(api: httpx.Client) -> None:
    api.get(NUMBERS_IN, auth=DEMO_IN)
    api.post(NUMBERS_IN, data={"PhoneNumber": POOL_NUMBER_IN}, auth=DEMO_IN)
    api.get("/v2_beta/Accounts/demo_in/AvailablePhoneNumbers", auth=DEMO_IN)
    api.get("/v2_beta/Accounts/demo_sg/IncomingPhoneNumbers", auth=DEMO_SG)
    assert len(journal(api)) == 4
    assert len(journal(api, account="demo_in")) == 3
    assert [e["method"] for e in journal(api, method="post")] == ["POST"]
    assert len(journal(api, path="*/IncomingPhoneNumbers")) == 3
    assert len(journal(api, path=NUMBERS_IN, method="GET")) == 1
    assert [e["path"] for e in journal(api, limit="1")] == ["/v2_beta/Accounts/demo_sg/IncomingPhoneNumbers"]


def test_delete_clears_the_journal_and_control_calls_are_not_recorded(api: httpx.Client) -> None:
    api.get(NUMBERS_IN, auth=DEMO_IN)
    api.get("/_sandbox/clock")
    assert len(journal(api)) == 1
    assert api.delete("/_sandbox/requests").status_code == 204
    assert journal(api) == []


def test_journal_records_errors_too(api: httpx.Client) -> None:
    api.get("/v2_beta/Accounts/demo_in/IncomingPhoneNumbers/" + "f" * 32, auth=DEMO_IN)
    [entry] = journal(api)
    assert entry["status"] == 404 and entry["response_body"]["RestException"]["Code"] == 1000


def test_bad_limit_is_a_400(api: httpx.Client) -> None:
    assert api.get("/_sandbox/requests", params={"limit": "many"}).status_code == 400


def test_a_body_over_the_limit_is_still_413_in_sandbox_mode(api: httpx.Client) -> None:
    chunks = [b"PhoneNumber=", *[b"9" * 1024] * 70]  # a generator body is sent chunked, without Content-Length
    response = api.post(NUMBERS_IN, content=iter(chunks), auth=DEMO_IN,
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert journal(api)[0]["status"] == 413


def test_the_dashboard_is_never_journaled_and_no_password_or_token_it_shows_is_kept(api: httpx.Client) -> None:
    from tests.web.conftest import csrf_of

    with httpx.Client(base_url=str(api.base_url)) as browser:
        token = csrf_of(browser.get("/dashboard/login").text)
        logged_in = browser.post("/dashboard/login", data={"csrf_token": token, "email": "demo_in@example.com",
                                                           "password": "exopool-demo"})
        assert logged_in.status_code == 303
        token = csrf_of(browser.get("/dashboard/api-settings").text)
        browser.post("/dashboard/api-settings/keys", data={"csrf_token": token, "label": "shown once"})
        shown = browser.get("/dashboard/api-settings").text
    new_token = re.search(r'<code id="new-token">([0-9a-f]{40})</code>', shown)
    assert new_token is not None
    journal = api.get("/_sandbox/requests").text
    assert "/dashboard" not in journal and "exopool-demo" not in journal and new_token.group(1) not in journal
