"""Fault rules: error answers, latency and dropped connections, by probability and count."""

from __future__ import annotations

import random

import httpx
import pytest

from tests.sandbox.conftest import DEMO_IN, DEMO_SG, NUMBERS_IN


def add(api: httpx.Client, **rule: object) -> dict[str, object]:
    response = api.post("/_sandbox/faults", json=rule)
    assert response.status_code == 201, response.text
    return response.json()


def test_error_fault_answers_its_status_in_the_exotel_error_body(api: httpx.Client) -> None:
    add(api, action="error", status=503, method="GET", path="/v2_beta/Accounts/*/IncomingPhoneNumbers")
    response = api.get(NUMBERS_IN, auth=DEMO_IN)
    assert response.status_code == 503
    body = response.json()
    assert body["RestException"] == {"Status": 503, "Message": "Injected by sandbox fault rule 1", "Code": 1503}
    assert body["response"]["error_data"]["code"] == 1503 and body["request_id"] == response.headers["x-request-id"]


def test_rate_limit_fault_sends_retry_after(api: httpx.Client) -> None:
    add(api, action="error", status=429, retry_after=7, message="Slow down")
    response = api.get(NUMBERS_IN, auth=DEMO_IN)
    assert response.status_code == 429 and response.headers["retry-after"] == "7"
    assert response.json()["RestException"]["Message"] == "Slow down"


def test_fault_with_a_count_fires_that_many_times_then_stops(api: httpx.Client) -> None:
    add(api, action="error", status=500, count=2)
    statuses = [api.get(NUMBERS_IN, auth=DEMO_IN).status_code for _ in range(4)]
    assert statuses == [500, 500, 200, 200]
    rule = api.get("/_sandbox/faults").json()["faults"][0]
    assert (rule["fired"], rule["remaining"]) == (2, 0)


def test_fault_probability_with_a_seed_fires_on_the_same_requests_every_time(api: httpx.Client) -> None:
    rng = random.Random(1234)
    expected = [500 if rng.random() < 0.3 else 200 for _ in range(30)]
    for _ in range(2):
        api.post("/_sandbox/reset")
        add(api, action="error", status=500, probability=0.3, seed=1234)
        assert [api.get(NUMBERS_IN, auth=DEMO_IN).status_code for _ in range(30)] == expected
    assert 0 < expected.count(500) < 30


def test_probability_and_count_together_cap_the_firings(api: httpx.Client) -> None:
    rng = random.Random(99)
    draws = [rng.random() < 0.5 for _ in range(40)]
    add(api, action="error", status=502, probability=0.5, seed=99, count=3)
    statuses = [api.get(NUMBERS_IN, auth=DEMO_IN).status_code for _ in range(40)]
    fired_at = [i for i, hit in enumerate(draws) if hit][:3]
    assert [i for i, s in enumerate(statuses) if s == 502] == fired_at


def test_fault_matches_method_path_regex_and_account(api: httpx.Client) -> None:
    add(api, action="error", status=500, method="POST", path=r"re:/v2_beta/Accounts/[a-z_]+/IncomingPhoneNumbers")
    add(api, action="error", status=503, account="demo_sg")
    assert api.get(NUMBERS_IN, auth=DEMO_IN).status_code == 200
    assert api.post(NUMBERS_IN, data={"PhoneNumber": "+918048332510"}, auth=DEMO_IN).status_code == 500
    with httpx.Client(base_url=str(api.base_url), headers={"Host": "api.exotel.com"}) as sg:
        assert sg.get("/v2_beta/Accounts/demo_sg/IncomingPhoneNumbers", auth=DEMO_SG).status_code == 503


def test_latency_fault_delays_the_answer_and_is_journaled(api: httpx.Client) -> None:
    rule = add(api, action="latency", latency_ms=50, count=1)
    assert api.get(NUMBERS_IN, auth=DEMO_IN).status_code == 200
    entry = api.get("/_sandbox/requests").json()["requests"][-1]
    assert entry["fault"] == f"{rule['id']}:latency" and entry["status"] == 200


def test_drop_fault_closes_the_connection_without_an_answer(api: httpx.Client) -> None:
    add(api, action="drop", count=1)
    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        api.get(NUMBERS_IN, auth=DEMO_IN)
    assert api.get(NUMBERS_IN, auth=DEMO_IN).status_code == 200
    dropped = api.get("/_sandbox/requests").json()["requests"][0]
    assert dropped["status"] == 0 and dropped["fault"] == "1:drop"


def test_faults_never_touch_the_control_plane(api: httpx.Client) -> None:
    add(api, action="error", status=500)
    assert api.get("/_sandbox/faults").status_code == 200


def test_deleted_fault_no_longer_fires(api: httpx.Client) -> None:
    rule = add(api, action="error", status=500)
    assert api.delete(f"/_sandbox/faults/{rule['id']}").status_code == 204
    assert api.get(NUMBERS_IN, auth=DEMO_IN).status_code == 200
    assert api.delete(f"/_sandbox/faults/{rule['id']}").status_code == 404
    add(api, action="error", status=500)
    assert api.delete("/_sandbox/faults").status_code == 204
    assert api.get("/_sandbox/faults").json()["faults"] == []


INVALID_RULES = [
    {"action": "explode"}, {"action": "error", "status": 200}, {"action": "error", "probability": 2},
    {"action": "latency"}, {"action": "error", "count": 0}, {"action": "error", "path": "re:(("},
    {"action": "error", "colour": "red"}, {"action": "error", "seed": "x"},
]


def test_invalid_fault_rule_is_a_400(api: httpx.Client) -> None:
    for rule in INVALID_RULES:
        response = api.post("/_sandbox/faults", json=rule)
        assert response.status_code == 400, rule
        assert response.json()["RestException"]["Code"] == 1002
    assert api.post("/_sandbox/faults", content="[1]", headers={"Content-Type": "application/json"}).status_code == 400
    assert api.get("/_sandbox/faults").json()["faults"] == []


def test_a_fault_on_every_path_touches_only_the_exotel_routes(api: httpx.Client) -> None:
    add(api, action="error", status=503)
    assert api.get(NUMBERS_IN, auth=DEMO_IN).status_code == 503
    for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/dashboard/login", "/_sandbox"):
        assert api.get(path).status_code == 200, path


def test_a_drop_on_every_path_drops_no_dashboard_connection(api: httpx.Client) -> None:
    add(api, action="drop", path="*")
    assert api.get("/dashboard/login").status_code == 200
    assert api.get("/healthz").status_code == 200
