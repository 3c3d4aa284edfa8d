"""A delivery worker killed in the middle of a delivery loses nothing: another sends it again, same webhook-id."""

from __future__ import annotations

import signal

import httpx
import pytest

from exopool.config import Settings
from tests.conftest import Persona
from tests.releases.conftest import WorkerProcess
from tests.support import IN_LANDLINE, IN_MOBILE, bought_sid
from tests.webhooks.conftest import Receiver, create_endpoint, endpoints_path, first_arrivals, wait_for

WEBHOOK_ENV = {"EXOPOOL_WEBHOOK_DELIVERY_TIMEOUT_S": "1", "EXOPOOL_WEBHOOK_BACKOFF_BASE_S": "0.05",
               "EXOPOOL_WEBHOOK_BACKOFF_MAX_S": "0.2", "EXOPOOL_WORKER_POLL_S": "0.05"}


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """No worker in the server: only `exopool worker` processes send."""
    return settings.replace(run_worker=False)


def worker_process(settings: Settings) -> WorkerProcess:
    process = WorkerProcess(settings)
    process.env.update(WEBHOOK_ENV)
    return process


def test_a_killed_worker_loses_no_delivery(settings: Settings, http: httpx.Client, alice: Persona,
                                           receiver: Receiver) -> None:
    """`exopool worker` dies (SIGKILL) while a receiver holds its request; the next worker sends it again."""
    endpoint = create_endpoint(http, alice, receiver, events="number.purchased,number.updated")["sid"]
    receiver.delay_s = 30  # the first request hangs: the worker is killed while it waits
    sid = bought_sid(http, alice, IN_LANDLINE)
    http.post(f"/v2_beta/Accounts/{alice.sid}/IncomingPhoneNumbers/{sid}", data={"FriendlyName": "x"},
              auth=alice.auth)
    bought_sid(http, alice, IN_MOBILE)
    with worker_process(settings) as first:
        wait_for(receiver.received)
        first.signal(signal.SIGKILL)
        first.wait()
    receiver.delay_s = 0
    with worker_process(settings):
        wait_for(lambda: {d["status"] for d in _deliveries(http, alice, endpoint)} == {"delivered"}, timeout=40)
    calls = receiver.received()
    assert len(first_arrivals(calls)) == 3 and all(c.verified for c in calls)
    assert calls[0].webhook_id in [c.webhook_id for c in calls[1:]], "the interrupted delivery was sent again"
    of_first = [c.event["type"] for c in first_arrivals(calls) if c.event["data"]["sid"] == sid]
    assert of_first == ["number.purchased", "number.updated"]


def _deliveries(http: httpx.Client, persona: Persona, endpoint: str) -> list[dict]:
    return http.get(f"{endpoints_path(persona)}/{endpoint}/Deliveries", auth=persona.auth).json()["deliveries"]
