"""The /_sandbox control plane: only in sandbox mode, behind the admin token, reset and seed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.services.demo import DEMO_PASSWORD, demo_email
from tests.conftest import ServerThread
from tests.sandbox.conftest import DEMO_IN, NUMBERS_IN, POOL_NUMBER_IN, buy, owned_sids
from tests.web.conftest import log_in

TOKEN = "admin-" + "7" * 20
CONTROL_CALLS = [
    ("GET", "/_sandbox"), ("POST", "/_sandbox/reset"), ("GET", "/_sandbox/seed"), ("POST", "/_sandbox/seed"),
    ("GET", "/_sandbox/requests"), ("DELETE", "/_sandbox/requests"), ("GET", "/_sandbox/faults"),
    ("POST", "/_sandbox/faults"), ("DELETE", "/_sandbox/faults"), ("DELETE", "/_sandbox/faults/1"),
    ("GET", "/_sandbox/clock"), ("POST", "/_sandbox/clock"), ("GET", "/_sandbox/releases"),
    ("PUT", "/_sandbox/releases"), ("POST", f"/_sandbox/releases/{'b' * 32}/complete"),
    ("POST", f"/_sandbox/releases/{'b' * 32}/fail"), ("GET", "/_sandbox/magic-numbers"),
]

SEED = {
    "accounts": [{
        "sid": "acme", "name": "Acme", "cluster": "in",
        "api_keys": [{"key": "acme_key", "token": "acme_token"}],
        "numbers": [{"phone_number": "+918048332500", "sid": "a" * 32, "voice_url": "https://acme.example/voice"}],
    }],
    "pool": [{"phone_number": "+918048332500", "cluster": "in", "type": "Landline", "region": "KA", "count": 5}],
}
SEED_YAML = """
accounts:
  - sid: yak
    cluster: in
    api_keys:
      - {key: yak_key, token: yak_token}
    numbers: ["+918048332501"]
pool:
  - {phone_number: "+918048332500", cluster: in, type: Landline, region: KA, count: 3}
"""


def test_control_plane_answers_404_in_the_exotel_shape_when_sandbox_mode_is_off(http: httpx.Client) -> None:
    for method, path in CONTROL_CALLS:
        response = http.request(method, path)
        assert response.status_code == 404, (method, path)
        assert response.json()["RestException"]["Code"] == 1000


def test_unknown_control_route_is_404_in_sandbox_mode(api: httpx.Client) -> None:
    response = api.get("/_sandbox/nothing-here")
    assert response.status_code == 404 and response.json()["http_code"] == 404


def test_exotel_routes_work_alongside_the_control_plane(api: httpx.Client) -> None:
    assert len(owned_sids(api)) == 3
    assert api.get("/_sandbox").json()["sandbox"] is True


@pytest.fixture
def guarded(sandbox_settings: Settings) -> Iterator[httpx.Client]:
    settings = sandbox_settings.replace(sandbox_admin_token=TOKEN)
    with ServerThread(create_app(settings, clock=ManualClock())) as server, \
            httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}) as client:
        yield client


def test_every_control_call_needs_the_admin_token_when_one_is_set(guarded: httpx.Client) -> None:
    for method, path in CONTROL_CALLS:
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"X-Sandbox-Token": "wrong"},
                        {"Authorization": f"Basic {TOKEN}"}):
            response = guarded.request(method, path, headers=headers)
            assert response.status_code == 401, (method, path, headers)
            assert response.json()["RestException"]["Code"] == 1010


def test_admin_token_is_accepted_as_bearer_or_x_sandbox_token(guarded: httpx.Client) -> None:
    assert guarded.get("/_sandbox/clock", headers={"Authorization": f"Bearer {TOKEN}"}).status_code == 200
    assert guarded.get("/_sandbox/clock", headers={"X-Sandbox-Token": TOKEN}).status_code == 200
    assert guarded.get(NUMBERS_IN, auth=DEMO_IN).status_code == 200  # the Exotel routes keep their own auth


def test_reset_returns_data_journal_and_faults_to_the_seeded_state(api: httpx.Client) -> None:
    before = owned_sids(api)
    assert buy(api, POOL_NUMBER_IN).status_code == 200
    assert api.delete(f"{NUMBERS_IN}/{before[0]}", auth=DEMO_IN).status_code == 202
    api.post("/_sandbox/faults", json={"action": "error", "status": 503, "path": "/nowhere"})
    assert api.post("/_sandbox/reset").json() == {"reset": True}
    assert api.get("/_sandbox/requests").json()["requests"] == []
    assert api.get("/_sandbox/faults").json()["faults"] == []
    assert owned_sids(api) == before
    assert buy(api, POOL_NUMBER_IN).status_code == 200  # back in the pool
    assert api.get("/_sandbox/releases").json()["releases"] == []


def test_reset_twice_in_a_row_lands_in_the_same_state(api: httpx.Client) -> None:
    api.post("/_sandbox/reset")
    first = owned_sids(api)
    api.post("/_sandbox/reset")
    assert owned_sids(api) == first


def test_the_demo_seeds_dashboard_logins_work_before_and_after_a_reset(api: httpx.Client) -> None:
    for sid in ("demo_in", "demo_sg"):
        assert log_in(api, demo_email(sid), DEMO_PASSWORD).status_code == 303  # to the dashboard
        api.cookies.clear()
    assert api.post("/_sandbox/reset").status_code == 200
    assert log_in(api, demo_email("demo_in"), DEMO_PASSWORD).status_code == 303
    api.cookies.clear()
    assert log_in(api, demo_email("demo_in"), "not the password").status_code == 401


def test_a_seeds_users_can_log_in_and_bad_ones_are_a_400_saying_where(api: httpx.Client) -> None:
    seed = {"accounts": [{"sid": "acme", "cluster": "in",
                          "users": [{"email": "Ops@Acme.example", "password": "s3cret-pass"}]}],
            "pool": []}
    assert api.post("/_sandbox/seed", json=seed).status_code == 200
    assert log_in(api, "ops@acme.example", "s3cret-pass").status_code == 303
    api.cookies.clear()
    bad = {"accounts": [{"sid": "a", "cluster": "in",
                         "users": [{"email": "nope", "password": "short"}, {"email": "x@y.in"}]},
                        {"sid": "b", "cluster": "in", "users": [{"email": "x@y.in", "password": "long enough"}]}],
           "pool": []}
    response = api.post("/_sandbox/seed", json=bad)
    assert response.status_code == 400
    message = response.json()["RestException"]["Message"]
    for problem in ("accounts[0].users[0].email: 'nope' is not an email address",
                    "accounts[0].users[0].password: must be 8 to 1024 characters long",
                    "accounts[0].users[1].password: required",
                    "accounts[1].users[0].email: 'x@y.in' is used more than once"):
        assert problem in message
    assert log_in(api, "ops@acme.example", "s3cret-pass").status_code == 303  # the bad seed changed nothing


def test_json_seed_replaces_everything_and_reset_returns_to_it(api: httpx.Client) -> None:
    answer = api.post("/_sandbox/seed", json=SEED)
    assert answer.status_code == 200 and answer.json()["accounts"] == 1
    acme = "/v2_beta/Accounts/acme/IncomingPhoneNumbers"
    assert owned_sids(api, ("acme_key", "acme_token"), acme) == ["a" * 32]
    assert api.get(NUMBERS_IN, auth=DEMO_IN).status_code == 401  # the demo accounts are gone
    assert buy(api, "+918048332501", ("acme_key", "acme_token"), acme).status_code == 200
    api.post("/_sandbox/reset")
    assert owned_sids(api, ("acme_key", "acme_token"), acme) == ["a" * 32]
    assert api.get("/_sandbox/seed").json()["seed"] == SEED


def test_yaml_seed_is_accepted(api: httpx.Client) -> None:
    answer = api.post("/_sandbox/seed", content=SEED_YAML, headers={"Content-Type": "application/yaml"})
    assert answer.status_code == 200
    numbers = api.get("/v2_beta/Accounts/yak/IncomingPhoneNumbers", auth=("yak_key", "yak_token")).json()
    assert [n["phone_number"] for n in numbers["incoming_phone_numbers"]] == ["+918048332501"]


def test_invalid_seed_is_a_400_saying_where_and_changes_nothing(api: httpx.Client) -> None:
    seed = {"accounts": [{"cluster": "mars", "api_keys": [{"key": "k"}]}]}
    response = api.post("/_sandbox/seed", json=seed)
    assert response.status_code == 400
    message = response.json()["RestException"]["Message"]
    assert "accounts[0].sid: required" in message and "accounts[0].api_keys[0].token: required" in message
    assert len(owned_sids(api)) == 3


def test_unparsable_seed_is_a_400(api: httpx.Client) -> None:
    assert api.post("/_sandbox/seed", content="{nope", headers={"Content-Type": "application/json"}).status_code == 400
    assert api.post("/_sandbox/seed", content="a: [", headers={"Content-Type": "application/yaml"}).status_code == 400
    assert api.post("/_sandbox/seed", content="x", headers={"Content-Type": "text/csv"}).status_code == 400


def test_a_control_body_nested_deeper_than_the_parser_follows_is_a_400_and_changes_nothing(api: httpx.Client) -> None:
    deep = "[" * 30_000 + "]" * 30_000
    for media in ("application/json", "application/yaml"):
        response = api.post("/_sandbox/seed", content=deep, headers={"Content-Type": media})
        assert response.status_code == 400, response.text
        assert response.json()["RestException"]["Message"].endswith(": nested too deep")
    response = api.post("/_sandbox/faults", content=deep, headers={"Content-Type": "application/json"})
    assert (response.status_code == 400
            and response.json()["RestException"]["Message"] == "The body must be a JSON object")
    assert api.get("/_sandbox/faults").json()["faults"] == []
    assert len(owned_sids(api)) == 3


def test_seed_file_in_the_settings_is_applied_at_start(sandbox_settings: Settings, tmp_path: Path) -> None:
    path = tmp_path / "seed.yaml"
    path.write_text(SEED_YAML)
    settings = sandbox_settings.replace(sandbox_seed=str(path))
    with ServerThread(create_app(settings, clock=ManualClock())) as server, httpx.Client(base_url=server.url) as client:
        listed = client.get("/v2_beta/Accounts/yak/IncomingPhoneNumbers", auth=("yak_key", "yak_token"))
        assert len(listed.json()["incoming_phone_numbers"]) == 1


def layers_of(pipeline: object) -> list[type]:
    """The classes of an ASGI pipeline's layers, outermost first."""
    found = []
    while pipeline is not None:
        found.append(type(pipeline))
        pipeline = getattr(pipeline, "app", None)
    return found


def test_outside_sandbox_mode_no_sandbox_code_is_on_the_request_path(settings: Settings) -> None:
    app = create_app(settings)
    with_sandbox = create_app(settings.replace(sandbox=True))
    outside, inside = layers_of(app.state.api), layers_of(with_sandbox.state.api)
    assert not [cls for cls in outside if cls.__module__.startswith("exopool.sandbox")]
    assert [cls for cls in inside if cls.__module__.startswith("exopool.sandbox")]
    assert app.state.sandbox is None
    assert not [route for route in app.routes if getattr(route, "path", "").startswith("/_sandbox")]
