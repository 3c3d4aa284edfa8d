"""WebhookEndpoints over HTTP: created with a secret shown once, listed, read, deleted; bad input refused whole."""

from __future__ import annotations

import re

import httpx
from sqlalchemy import select

from exopool.db import Database
from exopool.models import WebhookEndpoint
from exopool.services.deliveries import WEBHOOK_TYPES
from exopool.services.webhooks import unseal
from tests.conftest import SECRET, Persona
from tests.support import assert_error
from tests.webhooks.conftest import Receiver, create_endpoint, endpoints_path

SID = re.compile(r"^we_[0-9a-f]{32}$")


def test_created_endpoint_shows_its_secret_once_and_listing_never(http: httpx.Client, alice: Persona,
                                                                   receiver: Receiver) -> None:
    created = create_endpoint(http, alice, receiver)
    assert SID.match(created["sid"])
    assert created["secret"].startswith("whsec_") and len(created["secret"]) > 40
    assert created["url"] == receiver.url and created["events"] == list(WEBHOOK_TYPES)
    assert created["status"] == "enabled" and created["date_created"].endswith("Z")
    listed = http.get(endpoints_path(alice), auth=alice.auth).json()["webhook_endpoints"]
    assert [e["sid"] for e in listed] == [created["sid"]] and "secret" not in listed[0]
    one = http.get(f"{endpoints_path(alice)}/{created['sid']}", auth=alice.auth)
    assert one.status_code == 200 and "secret" not in one.json()
    assert one.json() == {k: v for k, v in created.items() if k != "secret"}


def test_events_narrow_what_an_endpoint_receives(http: httpx.Client, alice: Persona, receiver: Receiver) -> None:
    created = create_endpoint(http, alice, receiver, events="number.released, number.purchased")
    assert created["events"] == ["number.purchased", "number.released"]


def test_secret_is_stored_encrypted_with_the_instance_key(http: httpx.Client, alice: Persona, receiver: Receiver,
                                                          db: Database) -> None:
    created = create_endpoint(http, alice, receiver)
    with db.begin() as conn:
        sealed = conn.execute(select(WebhookEndpoint.secret_sealed)).scalar_one()
    assert created["secret"] not in sealed and created["secret"][6:] not in sealed
    assert unseal(SECRET, sealed) == created["secret"]


def test_deleted_endpoint_is_404_and_leaves_the_list(http: httpx.Client, alice: Persona, receiver: Receiver) -> None:
    sid = create_endpoint(http, alice, receiver)["sid"]
    deleted = http.delete(f"{endpoints_path(alice)}/{sid}", auth=alice.auth)
    assert deleted.status_code == 204 and deleted.content == b""
    body = assert_error(http.get(f"{endpoints_path(alice)}/{sid}", auth=alice.auth), 404, 1000)
    assert body["RestException"]["Message"] == f"Webhook endpoint {sid} not found"
    assert http.get(endpoints_path(alice), auth=alice.auth).json() == {"webhook_endpoints": []}
    assert_error(http.delete(f"{endpoints_path(alice)}/{sid}", auth=alice.auth), 404, 1000)


def test_another_accounts_endpoint_is_404_not_403(http: httpx.Client, alice: Persona, bob: Persona,
                                                  receiver: Receiver) -> None:
    sid = create_endpoint(http, alice, receiver)["sid"]
    for method in ("GET", "DELETE"):
        body = assert_error(http.request(method, f"{endpoints_path(bob)}/{sid}", auth=bob.auth), 404, 1000)
        assert body["RestException"]["Message"] == f"Webhook endpoint {sid} not found"
    assert_error(http.get(f"{endpoints_path(bob)}/{sid}/Deliveries", auth=bob.auth), 404, 1000)
    assert http.get(endpoints_path(bob), auth=bob.auth).json() == {"webhook_endpoints": []}
    assert http.get(f"{endpoints_path(alice)}/{sid}", auth=alice.auth).status_code == 200


def test_bad_input_is_a_400_naming_the_parameter_and_writes_nothing(http: httpx.Client, alice: Persona) -> None:
    cases = [
        ({}, 1001, "Url is required"),
        ({"Url": "ftp://example.com/x"}, 1002, "Url 'ftp://example.com/x' must be an absolute http or https URL"),
        ({"Url": "/relative"}, 1002, "Url '/relative' must be an absolute http or https URL"),
        ({"Url": "https://example.com/h", "Events": "number.purchased,number.exploded"}, 1002,
         "Events 'number.exploded' is not one of " + ", ".join(WEBHOOK_TYPES)),
    ]
    for data, code, message in cases:
        body = assert_error(http.post(endpoints_path(alice), data=data, auth=alice.auth), 400, code)
        assert body["RestException"]["Message"] == message
    assert http.get(endpoints_path(alice), auth=alice.auth).json() == {"webhook_endpoints": []}


def test_without_credentials_is_401(http: httpx.Client, alice: Persona) -> None:
    assert_error(http.post(endpoints_path(alice), data={"Url": "https://example.com/h"}), 401, 1010)
    assert_error(http.get(endpoints_path(alice), auth=(alice.key, "wrong")), 401, 1010)
