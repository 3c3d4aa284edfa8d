"""Authentication as the contract's section 2 lists it: every failure the same 401."""

from __future__ import annotations

import base64

import httpx

from exopool.db import Database
from exopool.services.api_keys import create_api_key, revoke_api_key
from tests.conftest import SECRET, Persona
from tests.support import SG_LANDLINE, account_path, assert_error, bought_sid, numbers_path, run_async

SG_HOST = {"Host": "api.exotel.com"}


def basic(raw: bytes) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(raw).decode()}


def assert_unauthorized(response: httpx.Response) -> str:
    """The 401 body, which must never say which check failed."""
    body = assert_error(response, 401, 1010)
    assert body["RestException"]["Message"] == (
        "Authentication failed: check the API key, the API token, the account sid and the host.")
    return response.text.replace(response.headers["x-request-id"], "")


def test_request_without_credentials_is_401_on_every_route(http: httpx.Client, alice: Persona) -> None:
    for method, path in (("GET", f"{account_path(alice)}/AvailablePhoneNumbers"),
                         ("GET", f"{account_path(alice)}/AvailablePhoneNumbers/IN/Landline"),
                         ("GET", numbers_path(alice)), ("POST", numbers_path(alice)),
                         ("GET", f"{numbers_path(alice)}/{'0' * 32}"), ("PUT", f"{numbers_path(alice)}/{'0' * 32}"),
                         ("DELETE", f"{numbers_path(alice)}/{'0' * 32}")):
        assert_unauthorized(http.request(method, path))


def test_malformed_authorization_headers_are_401(http: httpx.Client, alice: Persona) -> None:
    headers = [
        {"Authorization": "Basic"}, {"Authorization": "Basic !!!not base64!!!"},
        {"Authorization": f"Bearer {alice.token}"}, {"Authorization": alice.key},
        basic(alice.key.encode()),  # no colon
        basic(b"\xff\xfe:\xff"),  # not UTF-8
        basic(f":{alice.token}".encode()), basic(f"{alice.key}:".encode()),
    ]
    for header in headers:
        assert_unauthorized(http.get(numbers_path(alice), headers=header))
    for raw in (b"Basic \xe9", b"Basic YWJj\xff\xfe", b"basic \xc3\xa9\xc3\xa9"):  # bytes no base64 holds
        assert_unauthorized(http.get(numbers_path(alice), headers={"Authorization": raw}))
        assert_unauthorized(http.delete(f"{numbers_path(alice)}/{'0' * 32}", headers={"Authorization": raw}))


def test_unknown_key_and_wrong_token_get_the_same_401(http: httpx.Client, alice: Persona) -> None:
    unknown = assert_unauthorized(http.get(numbers_path(alice), auth=("f" * 40, alice.token)))
    wrong = assert_unauthorized(http.get(numbers_path(alice), auth=(alice.key, alice.token[:-1] + "x")))
    nothing = assert_unauthorized(http.get(numbers_path(alice)))
    assert unknown == wrong == nothing


def test_authorization_header_and_url_user_info_both_work(http: httpx.Client, server, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    header = "Basic " + base64.b64encode(f"{alice.key}:{alice.token}".encode()).decode()
    assert http.get(numbers_path(alice), headers={"Authorization": header}).status_code == 200
    in_url = server.url.replace("http://", f"http://{alice.key}:{alice.token}@")
    assert httpx.get(in_url + numbers_path(alice)).status_code == 200  # default cluster is in


def test_revoked_key_is_401_while_another_key_of_the_account_still_works(  # type: ignore[no-untyped-def]
    http: httpx.Client, db: Database, clock, alice: Persona,
) -> None:
    second = db.transact(create_api_key, clock, SECRET, alice.sid, "second")
    assert http.get(numbers_path(alice), auth=alice.auth).status_code == 200
    db.transact(revoke_api_key, clock, alice.key)
    assert_unauthorized(http.get(numbers_path(alice), auth=alice.auth))
    assert http.get(numbers_path(alice), auth=(second.key, second.token)).status_code == 200


def test_key_of_another_account_than_the_path_is_401(http: httpx.Client, alice: Persona, bob: Persona) -> None:
    sid = bought_sid(http, alice)
    assert_unauthorized(http.get(numbers_path(alice), auth=bob.auth))
    assert_unauthorized(http.delete(f"{numbers_path(alice)}/{sid}", auth=bob.auth))
    assert_unauthorized(http.get(numbers_path(bob), auth=alice.auth))
    assert http.get(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 200


def test_the_other_clusters_host_is_401(http: httpx.Client, alice: Persona, sam: Persona) -> None:
    assert_unauthorized(http.get(numbers_path(alice), auth=alice.auth, headers=SG_HOST))
    assert_unauthorized(http.post(numbers_path(alice), data={"PhoneNumber": "+918048332510"}, auth=alice.auth,
                                  headers=SG_HOST))
    assert_unauthorized(http.get(numbers_path(sam), auth=sam.auth))  # api.in.exotel.com
    assert_unauthorized(http.get(numbers_path(sam), auth=sam.auth, headers={"Host": "127.0.0.1"}))  # default: in
    assert http.get(numbers_path(sam), auth=sam.auth, headers=SG_HOST).status_code == 200
    assert http.get(numbers_path(sam), auth=sam.auth, headers={"Host": "API.EXOTEL.COM:443"}).status_code == 200
    bought = http.post(numbers_path(sam), data={"PhoneNumber": SG_LANDLINE}, auth=sam.auth, headers=SG_HOST)
    assert bought.status_code == 200


def test_another_accounts_number_is_404_by_sid_and_by_number(http: httpx.Client, alice: Persona, bob: Persona) -> None:
    sid = bought_sid(http, alice)
    for ref in (sid, "+918048332510", "08048332510"):
        for method in ("GET", "PUT", "POST", "DELETE"):
            response = http.request(method, f"{numbers_path(bob)}/{ref}", auth=bob.auth)
            assert_error(response, 404, 1000)
    assert http.get(f"{numbers_path(alice)}/{sid}", auth=alice.auth).json()["friendly_name"] == "08048332510"


def test_requests_sharing_a_transaction_are_each_checked_against_their_own_token(
    db: Database, clock, alice: Persona,  # type: ignore[no-untyped-def]
) -> None:
    import asyncio

    from exopool.errors import Unauthorized
    from exopool.services.api_keys import authenticate

    def as_holder_of(token: str):  # type: ignore[no-untyped-def]
        return lambda conn: authenticate(conn, clock.now(), SECRET, alice.key, token, alice.sid, "in").account_sid

    async def one_batch() -> list[object]:  # one loop turn: on SQLite, one transaction
        tokens = [alice.token, "wrong", alice.token, alice.token + "x", "wrong"]
        return await asyncio.gather(*(db.run(as_holder_of(token)) for token in tokens), return_exceptions=True)

    right, wrong, again, longer, wrong_again = run_async(one_batch())
    assert (right, again) == (alice.sid, alice.sid)
    assert all(isinstance(outcome, Unauthorized) for outcome in (wrong, longer, wrong_again))

    db.transact(revoke_api_key, clock, alice.key)  # committed between two batches of the same connection
    refused = run_async(one_batch())
    assert all(isinstance(outcome, Unauthorized) for outcome in refused)
