"""Webhook tests: a real receiving HTTP server, checking every signature with `standardwebhooks`."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from exopool.config import Settings
from tests.conftest import Persona
from tests.support import account_path


@dataclass(frozen=True)
class Call:
    """One request the receiver got: its headers (lower-cased), its body, and whether its signature verified."""

    headers: dict[str, str]
    body: bytes
    verified: bool

    @property
    def event(self) -> dict[str, Any]:
        return json.loads(self.body)  # type: ignore[no-any-return]

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


class Receiver:
    """A real HTTP server on a fixed port that can go down and come back up.

    It answers `status` (200 unless told otherwise) after `delay_s`; every request is kept, with
    whether `standardwebhooks` verified it against `secret`.
    """

    def __init__(self) -> None:
        self.calls: list[Call] = []
        self.status, self.delay_s, self.secret = 200, 0.0, ""
        self.lock = threading.Lock()
        self.server: ThreadingHTTPServer | None = None
        self.port = 0
        self.up()

    def up(self) -> None:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                status, delay_s = receiver.status, receiver.delay_s  # as set when the request came
                body = self.rfile.read(int(self.headers["Content-Length"]))
                headers = {k.lower(): v for k, v in self.headers.items()}
                receiver.record(headers, body)
                if delay_s:
                    time.sleep(delay_s)
                answer = b'{"received": true}' if status < 300 else b"receiver is failing on purpose"
                self.send_response(status)
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                pass

        ThreadingHTTPServer.allow_reuse_address = True
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.server.daemon_threads = True
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def record(self, headers: dict[str, str], body: bytes) -> None:
        try:
            Webhook(self.secret).verify(body, headers)
            verified = True
        except WebhookVerificationError:
            verified = False
        with self.lock:
            self.calls.append(Call(headers, body, verified))

    def down(self) -> None:
        assert self.server is not None
        self.server.shutdown()
        self.server.server_close()
        self.server = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    def received(self) -> list[Call]:
        with self.lock:
            return list(self.calls)

    def types(self) -> list[str]:
        return [call.event["type"] for call in self.received()]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    running = Receiver()
    yield running
    if running.server is not None:
        running.down()


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """An in-process release and delivery worker, retries a tenth of a second apart."""
    return settings.replace(run_worker=True, worker_poll_s=0.05, webhook_backoff_base_s=0.05,
                            webhook_backoff_max_s=0.2, webhook_delivery_timeout_s=2.0)


def endpoints_path(persona: Persona) -> str:
    return f"{account_path(persona)}/WebhookEndpoints"


def create_endpoint(http: httpx.Client, persona: Persona, receiver: Receiver, events: str | None = None) -> dict:
    """A new endpoint of persona's account sending to receiver, which learns its secret."""
    data = {"Url": receiver.url, **({"Events": events} if events is not None else {})}
    response = http.post(endpoints_path(persona), data=data, auth=persona.auth)
    assert response.status_code == 201, response.text
    receiver.secret = response.json()["secret"]
    return response.json()  # type: ignore[no-any-return]


def wait_for(check: Callable[[], Any], timeout: float = 20.0, every: float = 0.05) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"gave up after {timeout}s waiting for {getattr(check, '__name__', 'a condition')}")


def first_arrivals(calls: list[Call]) -> list[Call]:
    """Each webhook-id's first successful-looking arrival, in arrival order (retries dropped)."""
    seen: set[str] = set()
    firsts = []
    for call in calls:
        if call.webhook_id not in seen:
            seen.add(call.webhook_id)
            firsts.append(call)
    return firsts
