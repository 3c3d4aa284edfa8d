"""In sandbox mode: retries on the sandbox's clock, an endpoint disabled after the retry period, every
attempt listed by /_sandbox/webhooks; redelivery from the delivery history."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from standardwebhooks import Webhook

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import DAY, Settings
from tests.conftest import Persona, ServerThread
from tests.support import IN_LANDLINE, bought_sid
from tests.webhooks.conftest import Receiver, create_endpoint, endpoints_path, wait_for

DEMO = Persona("demo_in", "in", "demo_in_key", "demo_in_token", 0)


@pytest.fixture
def sandbox(settings: Settings) -> Iterator[httpx.Client]:
    """A sandbox whose retries come seconds apart: only its clock hurries them."""
    sandboxed = settings.replace(sandbox=True, webhook_backoff_base_s=5.0, webhook_backoff_max_s=10.0)
    with ServerThread(create_app(sandboxed, clock=ManualClock())) as running, \
            httpx.Client(base_url=running.url, headers={"Host": "api.in.exotel.com"}, timeout=30) as client:
        yield client


def deliveries(api: httpx.Client, endpoint: str) -> list[dict]:
    return api.get(f"{endpoints_path(DEMO)}/{endpoint}/Deliveries", auth=DEMO.auth).json()["deliveries"]


def first_answer_recorded(api: httpx.Client, endpoint: str) -> None:
    """Wait until the first attempt's answer is kept (the receiver hears of it a moment before)."""
    wait_for(lambda: [d for d in deliveries(api, endpoint) if d["status"] == "pending" and d["attempts"]])


def test_failing_receiver_is_retried_on_the_sandbox_clock_then_disabled(sandbox: httpx.Client,
                                                                        receiver: Receiver) -> None:
    receiver.status = 500
    endpoint = create_endpoint(sandbox, DEMO, receiver, events="number.purchased")["sid"]
    bought_sid(sandbox, DEMO, IN_LANDLINE)
    first_answer_recorded(sandbox, endpoint)
    [delivery] = deliveries(sandbox, endpoint)
    assert delivery["status"] == "pending" and delivery["attempts"] == 1
    assert delivery["last_response_status"] == 500
    assert delivery["last_response_excerpt"] == "receiver is failing on purpose"
    assert delivery["next_attempt_at"] is not None
    for _ in range(3):  # each move of the clock runs the retry that became due before it answers
        sandbox.post("/_sandbox/clock", json={"seconds": 20})
    assert deliveries(sandbox, endpoint)[0]["attempts"] >= 4
    sent = receiver.received()
    assert len({c.webhook_id for c in sent}) == 1, "the webhook-id stays the same across retries"
    assert all(c.verified for c in sent)
    assert sandbox.get(f"{endpoints_path(DEMO)}/{endpoint}", auth=DEMO.auth).json()["status"] == "enabled"
    sandbox.post("/_sandbox/clock", json={"days": 3})
    shown = sandbox.get(f"{endpoints_path(DEMO)}/{endpoint}", auth=DEMO.auth).json()
    assert shown["status"] == "disabled"
    assert "every delivery failed" in shown["disabled_reason"] and "HTTP 500" in shown["disabled_reason"]
    assert f"{3 * DAY:g} s" in shown["disabled_reason"]
    assert deliveries(sandbox, endpoint)[0]["status"] == "failed"
    attempts = len(receiver.received())
    sandbox.post("/_sandbox/clock", json={"hours": 1})
    assert len(receiver.received()) == attempts, "a disabled endpoint is sent nothing"


def test_sandbox_lists_every_attempt_with_what_was_sent(sandbox: httpx.Client, receiver: Receiver) -> None:
    receiver.status = 503
    endpoint = create_endpoint(sandbox, DEMO, receiver, events="number.purchased")
    sid = bought_sid(sandbox, DEMO, IN_LANDLINE)
    first_answer_recorded(sandbox, endpoint["sid"])
    receiver.status = 200
    sandbox.post("/_sandbox/clock", json={"seconds": 20})
    attempts = sandbox.get("/_sandbox/webhooks").json()["attempts"]
    assert [(a["attempt"], a["status"]) for a in attempts] == [(1, 503), (2, 200)]
    first = attempts[0]
    assert first["endpoint_sid"] == endpoint["sid"] and first["url"] == receiver.url
    assert first["type"] == "number.purchased" and first["body"]["data"]["sid"] == sid
    assert first["response"] == "receiver is failing on purpose" and first["error"] is None
    for attempt in attempts:  # the headers listed are the headers sent: they verify
        body = httpx.Request("POST", "/", json=attempt["body"]).content
        sent = next(c for c in receiver.received() if c.headers["webhook-timestamp"] ==
                    attempt["headers"]["webhook-timestamp"])
        assert sent.headers["webhook-signature"] == attempt["headers"]["webhook-signature"]
        Webhook(endpoint["secret"]).verify(sent.body, attempt["headers"])
        assert len(body) > 0


def test_redeliver_sends_the_same_webhook_again_and_enables_a_disabled_endpoint(
        sandbox: httpx.Client, receiver: Receiver) -> None:
    receiver.status = 500
    endpoint = create_endpoint(sandbox, DEMO, receiver, events="number.purchased")["sid"]
    bought_sid(sandbox, DEMO, IN_LANDLINE)
    first_answer_recorded(sandbox, endpoint)
    sandbox.post("/_sandbox/clock", json={"days": 4})
    assert sandbox.get(f"{endpoints_path(DEMO)}/{endpoint}", auth=DEMO.auth).json()["status"] == "disabled"
    receiver.status = 200
    [delivery] = deliveries(sandbox, endpoint)
    path = f"{endpoints_path(DEMO)}/{endpoint}/Deliveries/{delivery['id']}/Redeliver"
    answer = sandbox.post(path, auth=DEMO.auth)
    assert answer.status_code == 202 and answer.json()["status"] == "pending"
    wait_for(lambda: deliveries(sandbox, endpoint)[0]["status"] == "delivered")
    assert sandbox.get(f"{endpoints_path(DEMO)}/{endpoint}", auth=DEMO.auth).json()["status"] == "enabled"
    assert receiver.received()[-1].webhook_id == delivery["id"] and receiver.received()[-1].verified
    unknown = sandbox.post(f"{endpoints_path(DEMO)}/{endpoint}/Deliveries/msg_nope/Redeliver", auth=DEMO.auth)
    assert unknown.status_code == 404 and unknown.json()["RestException"]["Message"] == "Delivery msg_nope not found"
