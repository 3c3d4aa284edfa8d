"""An operator's webhook endpoints over the admin API: every account's events, signed; and a restore's webhook."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from exopool.client import AsyncAdminClient
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.models import Event, WebhookEndpoint
from exopool.services.deliveries import WEBHOOK_TYPES
from exopool.services.operators import create_operator
from exopool.services.webhooks import unseal
from tests.admin.support import assert_problem
from tests.conftest import SECRET, Persona, ServerThread
from tests.support import IN_LANDLINE, IN_MOBILE, bought_sid, numbers_path, run_async
from tests.webhooks.conftest import Receiver, create_endpoint, endpoints_path, first_arrivals, wait_for

AGING_S = 3600


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The webhook tests' settings with an hour of aging: a released number can be restored."""
    return settings.replace(aging_period_s=AGING_S)


@pytest.fixture
def token(db: Database, clock: ManualClock) -> str:
    return db.transact(create_operator, clock, SECRET, "ops").token


@pytest.fixture
def admin(server: ServerThread, token: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=f"{server.url}/admin/v1", headers={"Authorization": f"Bearer {token}"},
                      timeout=30) as client:
        yield client


def operator_endpoint(admin: httpx.Client, receiver: Receiver, **extra: Any) -> dict[str, Any]:
    response = admin.post("/webhook-endpoints", json={"url": receiver.url, **extra})
    assert response.status_code == 201, response.text
    assert response.headers["cache-control"] == "no-store"
    receiver.secret = response.json()["secret"]
    return response.json()  # type: ignore[no-any-return]


def test_an_operator_endpoint_receives_the_events_of_every_account_signed(
        admin: httpx.Client, http: httpx.Client, alice: Persona, bob: Persona, receiver: Receiver) -> None:
    created = operator_endpoint(admin, receiver, events=["number.purchased"])
    assert created["events"] == ["number.purchased"] and created["status"] == "enabled"
    assert created["secret"].startswith("whsec_") and created["created_at"].endswith("Z")
    of_alice, of_bob = bought_sid(http, alice, IN_LANDLINE), bought_sid(http, bob, IN_MOBILE)
    calls = wait_for(lambda: len(first_arrivals(receiver.received())) == 2 and first_arrivals(receiver.received()))
    assert all(call.verified for call in calls), "standardwebhooks verifies every signature"
    got = {(c.event["data"]["account_sid"], c.event["data"]["sid"], c.event["type"]) for c in calls}
    assert got == {("alice", of_alice, "number.purchased"), ("bob", of_bob, "number.purchased")}
    assert http.delete(f"{numbers_path(alice)}/{of_alice}", auth=alice.auth).status_code == 202
    deliveries = admin.get(f"/webhook-endpoints/{created['sid']}/deliveries").json()
    assert len(deliveries["data"]) == 2, "a release is not among the types it asked for"
    assert {d["id"] for d in deliveries["data"]} == {c.webhook_id for c in calls}
    assert all(d["status"] == "delivered" and d["last_response_status"] == 200 for d in deliveries["data"])


def test_operator_and_account_endpoints_see_only_their_own(
        admin: httpx.Client, http: httpx.Client, alice: Persona, receiver: Receiver, db: Database) -> None:
    ours = operator_endpoint(admin, receiver)
    theirs = create_endpoint(http, alice, Receiver())
    listed = admin.get("/webhook-endpoints").json()
    assert [e["sid"] for e in listed["data"]] == [ours["sid"]] and listed["next_cursor"] is None
    assert "secret" not in listed["data"][0]
    assert admin.get(f"/webhook-endpoints/{ours['sid']}").json() == {k: v for k, v in ours.items() if k != "secret"}
    body = assert_problem(admin.get(f"/webhook-endpoints/{theirs['sid']}"), 404, "webhook-endpoint-not-found")
    assert theirs["sid"] in body["detail"]
    assert_problem(admin.delete(f"/webhook-endpoints/{theirs['sid']}"), 404, "webhook-endpoint-not-found")
    mine = http.get(endpoints_path(alice), auth=alice.auth).json()["webhook_endpoints"]
    assert [e["sid"] for e in mine] == [theirs["sid"]]
    assert http.get(f"{endpoints_path(alice)}/{ours['sid']}", auth=alice.auth).status_code == 404
    with db.begin() as conn:
        row = conn.execute(select(WebhookEndpoint).where(WebhookEndpoint.sid == ours["sid"])).one()
        actor = conn.execute(select(Event.actor).where(Event.kind == "webhook_endpoint.created",
                                                       Event.account_id.is_(None))).scalar_one()
    assert row.account_id is None and actor == "operator:ops"
    assert ours["secret"] not in row.secret_sealed and unseal(SECRET, row.secret_sealed) == ours["secret"]


def test_endpoints_and_deliveries_come_a_page_at_a_time_and_a_delivery_is_sent_again(
        admin: httpx.Client, http: httpx.Client, alice: Persona, receiver: Receiver) -> None:
    first, second = operator_endpoint(admin, receiver), operator_endpoint(admin, receiver)
    receiver.secret = first["secret"]  # the second is deleted before anything is sent
    page = admin.get("/webhook-endpoints", params={"limit": 1}).json()
    assert [e["sid"] for e in page["data"]] == [first["sid"]] and page["next_cursor"]
    rest = admin.get("/webhook-endpoints", params={"limit": 1, "cursor": page["next_cursor"]}).json()
    assert [e["sid"] for e in rest["data"]] == [second["sid"]] and rest["next_cursor"] is None
    assert admin.delete(f"/webhook-endpoints/{second['sid']}").status_code == 204
    assert_problem(admin.get(f"/webhook-endpoints/{second['sid']}"), 404, "webhook-endpoint-not-found")
    bought_sid(http, alice, IN_LANDLINE)
    bought_sid(http, alice, IN_MOBILE)
    wait_for(lambda: len(first_arrivals(receiver.received())) == 2)
    path = f"/webhook-endpoints/{first['sid']}/deliveries"
    newest = admin.get(path, params={"limit": 1}).json()
    older = admin.get(path, params={"limit": 1, "cursor": newest["next_cursor"]}).json()
    assert older["next_cursor"] is None
    order = [c.webhook_id for c in first_arrivals(receiver.received())]
    assert [newest["data"][0]["id"], older["data"][0]["id"]] == order[::-1]
    again = admin.post(f"{path}/{older['data'][0]['id']}/redeliver")
    assert again.status_code == 202 and again.json()["id"] == order[0], again.text
    wait_for(lambda: [c.webhook_id for c in receiver.received()][2:] == [order[0]])
    assert all(call.verified for call in receiver.received())
    assert_problem(admin.post(f"{path}/msg_{'0' * 32}/redeliver"), 404, "delivery-not-found")
    assert_problem(admin.get(path, params={"cursor": "nope"}), 400, "invalid-field")


def test_bad_input_is_named_and_creates_nothing(admin: httpx.Client) -> None:
    assert_problem(admin.post("/webhook-endpoints", json={}), 400, "missing-field")
    body = assert_problem(admin.post("/webhook-endpoints", json={"url": "ftp://example.com/x"}), 400, "invalid-field")
    assert "url" in body["detail"]
    body = assert_problem(admin.post("/webhook-endpoints", json={"url": "https://example.com/x",
                                                                   "events": ["number.eaten"]}), 400, "invalid-field")
    assert "number.eaten" in body["detail"] and "number.purchased" in body["detail"]
    assert_problem(admin.post("/webhook-endpoints", json={"url": "https://example.com/x", "events": [1]}),
                   400, "invalid-field")
    assert_problem(admin.post("/webhook-endpoints", json={"url": 5}), 400, "invalid-field")
    assert_problem(admin.post("/webhook-endpoints", content=b"[]", headers={"Content-Type": "application/json"}),
                   400, "bad-request")
    assert admin.get("/webhook-endpoints").json() == {"data": [], "next_cursor": None}
    every = admin.post("/webhook-endpoints", json={"url": "https://example.com/x", "events": "number.released, "
                                                                                             "number.purchased"})
    assert every.json()["events"] == ["number.purchased", "number.released"]


def test_an_account_key_is_refused_on_the_admin_webhook_routes(
        server: ServerThread, admin: httpx.Client, alice: Persona, receiver: Receiver) -> None:
    sid = operator_endpoint(admin, receiver)["sid"]
    routes = [("POST", "/webhook-endpoints"), ("GET", "/webhook-endpoints"), ("GET", f"/webhook-endpoints/{sid}"),
              ("DELETE", f"/webhook-endpoints/{sid}"), ("GET", f"/webhook-endpoints/{sid}/deliveries"),
              ("POST", f"/webhook-endpoints/{sid}/deliveries/msg_{'0' * 32}/redeliver")]
    with httpx.Client(base_url=f"{server.url}/admin/v1") as client:
        for method, path in routes:
            body = {"url": "https://example.com/stolen"} if method == "POST" else None
            assert_problem(client.request(method, path, auth=alice.auth, json=body), 401, "unauthorized")
            refused = client.request(method, path, headers={"Authorization": f"Bearer {alice.token}"}, json=body)
            assert_problem(refused, 401, "unauthorized")
    listed = admin.get("/webhook-endpoints").json()["data"]
    assert [e["sid"] for e in listed] == [sid], "nothing was created or deleted"


def test_a_restore_over_http_sends_number_restored_with_the_restored_settings(
        http: httpx.Client, alice: Persona, receiver: Receiver) -> None:
    create_endpoint(http, alice, receiver, events="number.purchased,number.release_accepted,number.restored")
    settings = {"FriendlyName": "Support line", "VoiceUrl": "https://acme.example/voice",
                "SmsUrl": "https://acme.example/sms"}
    sid = bought_sid(http, alice, IN_LANDLINE, **settings)
    before = http.get(f"{numbers_path(alice)}/{sid}", auth=alice.auth).json()
    assert http.delete(f"{numbers_path(alice)}/{sid}", auth=alice.auth).status_code == 202
    restored = http.post(f"{numbers_path(alice)}/{sid}/Restore", auth=alice.auth)
    assert restored.status_code == 200, restored.text
    calls = wait_for(lambda: len(first_arrivals(receiver.received())) == 3 and first_arrivals(receiver.received()))
    assert [c.event["type"] for c in calls] == ["number.purchased", "number.release_accepted", "number.restored"]
    assert all(call.verified for call in calls)
    data = calls[-1].event["data"]
    kept = ("sid", "account_sid", "phone_number", "friendly_name", "voice_url", "sms_url", "date_created")
    assert {k: data[k] for k in kept} == {k: before[k] for k in kept}
    assert (data["friendly_name"], data["voice_url"], data["sms_url"]) == (
        "Support line", "https://acme.example/voice", "https://acme.example/sms")
    assert "release" not in data


def test_the_async_admin_client_manages_operator_endpoints(
        server: ServerThread, token: str, http: httpx.Client, alice: Persona, receiver: Receiver) -> None:
    async def scenario() -> tuple[Any, ...]:
        async with AsyncAdminClient(token, base_url=server.url) as client:
            made = await client.create_webhook_endpoint(receiver.url, ["number.purchased"])
            receiver.secret = made.secret or ""
            listed = [e async for e in client.webhook_endpoints(limit=1)]
            one = await client.get_webhook_endpoint(made.sid)
            await asyncio.to_thread(bought_sid, http, alice, IN_LANDLINE)
            await asyncio.to_thread(wait_for, lambda: receiver.received())
            sent = [d async for d in client.deliveries(made.sid)]
            again = await client.redeliver(made.sid, sent[0].id)
            await client.delete_webhook_endpoint(made.sid)
            left = [e async for e in client.webhook_endpoints()]
            return made, listed, one, sent, again, left

    made, listed, one, sent, again, left = run_async(scenario())
    assert made.secret and made.events == ["number.purchased"] and listed == [one]
    assert one.secret is None and one.sid == made.sid and one.url == receiver.url
    assert [d.type for d in sent] == ["number.purchased"] and again.id == sent[0].id
    assert left == [] and receiver.received()[0].verified


def test_every_type_is_the_default(admin: httpx.Client, receiver: Receiver) -> None:
    assert operator_endpoint(admin, receiver)["events"] == list(WEBHOOK_TYPES)
