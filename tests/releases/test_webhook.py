"""The webhook carrier against a real HTTP receiver that checks every signature."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from exopool.carriers.factory import carrier_for
from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.errors import ConfigurationError
from exopool.jobs.worker import ReleaseWorker
from exopool.lifecycle import JobState
from exopool.services.releases import get_release
from tests.conftest import Persona
from tests.releases.conftest import queue_releases

SECRET = "whsec-test"
NUMBER = "+918048332510"


def verify(secret: str, headers: Any, body: bytes, tolerance_s: int = 300) -> bool:
    """What an operator's receiver does; written from the docs, not from exopool's code."""
    timestamp = headers["X-Exopool-Timestamp"]
    expected = "sha256=" + hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    fresh = abs(time.time() - int(timestamp)) <= tolerance_s
    return fresh and hmac.compare_digest(expected, headers["X-Exopool-Signature"])


class Receiver:
    """A real HTTP server answering each POST with the next status of its script (then 200)."""

    def __init__(self, script: list[int | float]) -> None:
        self.script, self.calls = list(script), []  # type: ignore[var-annotated]
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.calls.append((json.loads(body), verify(SECRET, self.headers, body)))
                step = receiver.script.pop(0) if receiver.script else 200
                if isinstance(step, float):  # a pause longer than the client waits
                    time.sleep(step)
                    step = 200
                self.send_response(step)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}/deprovision"

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(request: pytest.FixtureRequest) -> Iterator[Receiver]:
    running = Receiver(request.param)
    yield running
    running.close()


def webhook_worker(settings: Settings, db: Database, clock: ManualClock, url: str) -> ReleaseWorker:
    configured = settings.replace(carrier="webhook", webhook_url=url, webhook_secret=SECRET, webhook_timeout_s=0.3)
    return ReleaseWorker(db, configured, carrier_for(configured, db, clock), clock)


def run_until_settled(worker: ReleaseWorker, clock: ManualClock, rounds: int = 5) -> None:
    for _ in range(rounds):
        worker.run_once()
        clock.advance(1)  # past any back-off


@pytest.mark.parametrize("receiver", [[500]], indirect=True)
def test_signed_webhook_verifies_and_a_500_is_retried(settings: Settings, db: Database, clock: ManualClock,
                                                     alice: Persona, receiver: Receiver) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    run_until_settled(webhook_worker(settings, db, clock, receiver.url), clock)
    assert [(body["release_sid"], body["attempt"], ok) for body, ok in receiver.calls] == [
        (sid, 1, True), (sid, 2, True)]
    assert receiver.calls[0][0] == {"type": "number.deprovision", "release_sid": sid, "phone_number": NUMBER,
                                    "attempt": 1}
    with db.begin() as conn:
        job = get_release(conn, sid)
    assert (job.state, job.attempts) == (JobState.DONE, 2)


@pytest.mark.parametrize("receiver", [[1.0]], indirect=True)
def test_a_webhook_that_answers_too_late_is_a_failed_attempt(settings: Settings, db: Database, clock: ManualClock,
                                                            alice: Persona, receiver: Receiver) -> None:
    [sid] = queue_releases(db, clock, alice, [NUMBER])
    worker = webhook_worker(settings, db, clock, receiver.url)
    worker.run_once()
    with db.begin() as conn:
        job = get_release(conn, sid)
    assert (job.state, job.last_error) == (JobState.QUEUED, "webhook timed out: ReadTimeout")
    run_until_settled(worker, clock)
    with db.begin() as conn:
        assert get_release(conn, sid).state == JobState.DONE


def test_a_tampered_body_does_not_verify() -> None:
    from exopool.carriers.webhook import sign

    headers = {"X-Exopool-Timestamp": str(int(time.time())), "X-Exopool-Signature": ""}
    headers["X-Exopool-Signature"] = sign(SECRET, headers["X-Exopool-Timestamp"], b'{"attempt":1}')
    assert verify(SECRET, headers, b'{"attempt":1}')
    assert not verify(SECRET, headers, b'{"attempt":2}')
    assert not verify("another secret", headers, b'{"attempt":1}')


def test_the_webhook_carrier_needs_a_url_and_a_secret(settings: Settings) -> None:
    with pytest.raises(ConfigurationError):
        carrier_for(settings.replace(carrier="webhook", webhook_url="http://127.0.0.1:9/x"))
