"""Who may call the admin API, and the accounts, keys and users it manages, over HTTP on both engines."""

from __future__ import annotations

import base64

import httpx
from sqlalchemy import select

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.models import Event
from exopool.services.operators import revoke_operator
from tests.admin.conftest import Operator
from tests.admin.support import assert_problem
from tests.conftest import Persona, ServerThread
from tests.support import IN_LANDLINE, assert_error, buy, numbers_path


def events_of(db: Database, kind: str) -> list[tuple[str | None, int | None]]:
    with db.begin() as conn:
        return [(row.actor, row.account_id) for row in conn.execute(select(Event).where(Event.kind == kind))]


def test_an_account_api_key_is_refused_on_the_admin_api(server: ServerThread, alice: Persona) -> None:
    with httpx.Client(base_url=f"{server.url}/admin/v1") as client:
        assert_problem(client.get("/accounts", auth=alice.auth), 401, "unauthorized")
        refused = client.get("/accounts", headers={"Authorization": f"Bearer {alice.token}"})
        body = assert_problem(refused, 401, "unauthorized")
        assert refused.headers["www-authenticate"].startswith("Bearer")
        assert "alice" not in body["detail"]
        assert_problem(client.get("/accounts"), 401, "unauthorized")


def test_an_operator_token_is_refused_on_the_exotel_routes(
    http: httpx.Client, alice: Persona, operator: Operator,
) -> None:
    assert_error(http.get(numbers_path(alice), headers=operator.headers), 401, 1010)
    basic = base64.b64encode(f"{operator.name}:{operator.token}".encode()).decode()
    assert_error(http.get(numbers_path(alice), headers={"Authorization": f"Basic {basic}"}), 401, 1010)


def test_a_revoked_operator_token_is_refused_at_once(
    admin: httpx.Client, db: Database, clock: ManualClock, operator: Operator,
) -> None:
    assert admin.get("/accounts").status_code == 200
    db.transact(revoke_operator, clock, operator.name)
    assert_problem(admin.get("/accounts"), 401, "unauthorized")


def test_creating_an_account_is_201_then_409_and_recorded_with_the_operator_as_actor(
    admin: httpx.Client, db: Database,
) -> None:
    made = admin.post("/accounts", json={"sid": "acme", "name": "Acme Ltd", "cluster": "in"})
    assert made.status_code == 201, made.text
    assert made.json() == {"sid": "acme", "name": "Acme Ltd", "cluster": "in", "country": "IN", "status": "active",
                           "created_at": made.json()["created_at"], "numbers_held": 0}
    again = admin.post("/accounts", json={"sid": "acme", "name": "Other", "cluster": "sg"})
    assert "acme" in assert_problem(again, 409, "conflict")["detail"]
    assert [actor for actor, _ in events_of(db, "account.created")] == ["operator:ops"]
    assert admin.get("/accounts/acme").json()["name"] == "Acme Ltd"


def test_every_missing_or_invalid_field_is_named_and_nothing_is_created(admin: httpx.Client) -> None:
    body = assert_problem(admin.post("/accounts", json={"name": 5}), 400, "invalid-fields")
    assert {(e["field"], e["detail"]) for e in body["errors"]} == {
        ("sid", "sid is required"), ("cluster", "cluster is required"), ("name", "name must be a string")}
    assert_problem(admin.post("/accounts", json={"sid": "x y", "name": "X", "cluster": "in"}), 400, "invalid-field")
    assert_problem(admin.post("/accounts", content=b"[1]", headers={"Content-Type": "application/json"}),
                   400, "bad-request")
    assert_problem(admin.post("/accounts", content=b"sid=a", headers={"Content-Type": "text/plain"}),
                   415, "unsupported-media-type")
    assert admin.get("/accounts").json() == {"data": [], "next_cursor": None}


def test_accounts_come_a_page_at_a_time_from_a_cursor(admin: httpx.Client) -> None:
    for sid in ("c3", "a1", "b2"):
        assert admin.post("/accounts", json={"sid": sid, "name": sid, "cluster": "in"}).status_code == 201
    first = admin.get("/accounts", params={"limit": 2}).json()
    assert [a["sid"] for a in first["data"]] == ["a1", "b2"] and first["next_cursor"]
    rest = admin.get("/accounts", params={"limit": 2, "cursor": first["next_cursor"]}).json()
    assert rest == {"data": [rest["data"][0]], "next_cursor": None} and rest["data"][0]["sid"] == "c3"
    assert_problem(admin.get("/accounts", params={"cursor": "bogus"}), 400, "invalid-field")
    assert_problem(admin.get("/accounts", params={"limit": 0}), 400, "invalid-field")


def test_an_account_shows_how_many_numbers_it_holds(admin: httpx.Client, http: httpx.Client, alice: Persona) -> None:
    assert buy(http, alice).status_code == 200
    assert admin.get("/accounts/alice").json()["numbers_held"] == 1
    assert "nobody" in assert_problem(admin.get("/accounts/nobody"), 404, "account-not-found")["detail"]


def test_a_suspended_account_is_refused_on_its_next_request_and_served_once_resumed(
    admin: httpx.Client, http: httpx.Client, alice: Persona, db: Database,
) -> None:
    assert http.get(numbers_path(alice), auth=alice.auth).status_code == 200
    suspended = admin.patch("/accounts/alice", json={"status": "suspended"})
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    assert_error(http.get(numbers_path(alice), auth=alice.auth), 403, 1003)
    assert_error(buy(http, alice), 403, 1003)
    assert admin.patch("/accounts/alice", json={"status": "active", "name": "Alice Co"}).json()["name"] == "Alice Co"
    assert http.get(numbers_path(alice), auth=alice.auth).status_code == 200
    assert events_of(db, "account.suspended") == [("operator:ops", alice.account_id)]
    assert events_of(db, "account.resumed") == [("operator:ops", alice.account_id)]
    assert_problem(admin.patch("/accounts/alice", json={"status": "closed"}), 400, "invalid-field")


def test_an_issued_key_works_its_token_is_shown_once_and_revoking_stops_it(
    admin: httpx.Client, http: httpx.Client, alice: Persona, bob: Persona,
) -> None:
    issued = admin.post("/accounts/alice/api-keys", json={"label": "billing"})
    assert issued.status_code == 201 and issued.headers["cache-control"] == "no-store"
    key, token = issued.json()["key"], issued.json()["token"]
    assert issued.json()["label"] == "billing" and issued.json()["account_sid"] == "alice"
    assert http.get(numbers_path(alice), auth=(key, token)).status_code == 200
    listed = admin.get("/accounts/alice/api-keys")
    assert token not in listed.text and key in listed.text
    assert all(set(entry) == {"key", "label", "created_at", "last_used_at", "revoked_at"}
               for entry in listed.json()["data"])
    assert_problem(admin.delete(f"/accounts/bob/api-keys/{key}"), 404, "api-key-not-found")
    revoked = admin.delete(f"/accounts/alice/api-keys/{key}")
    assert revoked.status_code == 204 and revoked.content == b""
    assert_error(http.get(numbers_path(alice), auth=(key, token)), 401, 1010)
    assert [e["revoked_at"] is not None for e in admin.get("/accounts/alice/api-keys").json()["data"]
            if e["key"] == key] == [True]


def test_a_dashboard_user_is_created_for_an_account(admin: httpx.Client, alice: Persona, db: Database) -> None:
    made = admin.post("/accounts/alice/users", json={"email": "Ann@Example.com", "password": "correct horse"})
    assert made.status_code == 201 and made.json() == {"email": "ann@example.com", "account_sid": "alice"}
    again = admin.post("/accounts/alice/users", json={"email": "ann@example.com", "password": "correct horse"})
    assert_problem(again, 409, "conflict")
    assert_problem(admin.post("/accounts/alice/users", json={"email": "ann", "password": "x"}), 400, "invalid-field")
    assert_problem(admin.post("/accounts/nobody/users", json={"email": "b@example.com", "password": "long enough"}),
                   404, "account-not-found")
    assert events_of(db, "user.created") == [("operator:ops", alice.account_id)]


def test_unknown_routes_and_methods_answer_problem_details(admin: httpx.Client) -> None:
    assert_problem(admin.get("/nothing-here"), 404, "not-found")
    answer = admin.delete("/accounts")
    assert_problem(answer, 405, "method-not-allowed")
    assert "GET" in answer.headers["allow"] and "POST" in answer.headers["allow"]


def test_the_exotel_routes_keep_their_own_error_shape(http: httpx.Client, alice: Persona) -> None:
    assert_error(http.get(f"{numbers_path(alice)}/{IN_LANDLINE}", auth=alice.auth), 404, 1000)
