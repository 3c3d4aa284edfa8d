"""The sandbox's layer around the Exotel API's routes: the request journal and the fault rules.

Installed only in sandbox mode, and around the API's routes only, so the ordinary request path
pays nothing for it, and the dashboard, the control plane and the operational endpoints never
pass it: a fault rule cannot lock its author out or break a health check, and no password or
one-time token shown by the dashboard ever reaches the journal.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from collections.abc import Callable

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exopool.errors import ExopoolError, StatusError
from exopool.http.requests import EXPLANATION
from exopool.sandbox.core import Sandbox
from exopool.sandbox.faults import FaultRule
from exopool.sandbox.journal import Entry, body_text, request_headers, response_value

Render = Callable[[Request, ExopoolError], Response]
ACCOUNT_PATH = re.compile(r"^/v2_beta/Accounts/([^/]+)")


class Capture:
    """Passes the answer on, keeping its status and (bounded) body for the journal."""

    def __init__(self, send: Send) -> None:
        self.send_on, self.status, self.content_type = send, 0, ""
        self.chunks: list[bytes] = []
        self.complete = False

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            headers = dict(message.get("headers", []))
            self.content_type = headers.get(b"content-type", b"").decode("latin-1")
        elif message["type"] == "http.response.body":
            if sum(map(len, self.chunks)) < 64 * 1024:
                self.chunks.append(message.get("body", b""))
            self.complete = not message.get("more_body", False)
        await self.send_on(message)


class SandboxMiddleware:
    """Journal and fault rules around the Exotel API's routes, and nothing else (see the module)."""

    def __init__(self, app: ASGIApp, sandbox: Sandbox, render: Render) -> None:
        """render: how the API renders an error, for the answers fault rules make up."""
        self.app, self.sandbox, self.render = app, sandbox, render

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        # One byte over the limit is enough for the route to answer 413; the rest is never held.
        body = await _read_up_to(receive, self.sandbox.runtime.settings.max_body_bytes + 1)
        capture, started, fault = Capture(send), time.perf_counter(), None
        try:
            fault = await self._answer(scope, body, receive, capture.send)
        except Exception:
            capture.status, capture.complete = capture.status or 500, True  # rendered by the error boundary
            raise
        finally:
            self._record(scope, body, capture, time.perf_counter() - started, fault)

    async def _answer(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> str | None:
        """Run the request through the fault rules and the API; the fault that decided, if any."""
        decided = None
        for rule in self.sandbox.faults.firing(scope["method"], scope["path"], _account_of(scope["path"])):
            decided = f"{rule.id}:{rule.action}"
            if rule.action == "latency":
                await asyncio.sleep(rule.latency_ms / 1000)
            elif rule.action == "drop":
                await _drop(send)
                return decided
            else:
                error = StatusError(rule.status, rule.message or f"Injected by sandbox fault rule {rule.id}",
                                    retry_after_s=_retry_after(rule))
                await self.render(Request(scope), error)(scope, _replay(body), send)
                return decided
        await self.app(scope, _replay(body, receive), send)
        return decided

    def _record(self, scope: Scope, body: bytes, capture: Capture, elapsed: float, fault: str | None) -> None:
        headers, key = request_headers(scope.get("headers", []))
        journal = self.sandbox.journal
        journal.record(Entry(
            id=journal.next_id(), at=self.sandbox.now_text(), request_id=scope.get("request_id", ""),
            method=scope["method"], path=scope["path"], query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers, api_key=key, account=_account_of(scope["path"]), body=body_text(body),
            status=capture.status if capture.complete else 0,
            response_body=response_value(b"".join(capture.chunks), capture.content_type),
            duration_ms=round(elapsed * 1000, 3), fault=fault, explanation=scope.get(EXPLANATION),
        ))


def _retry_after(rule: FaultRule) -> int | None:
    if rule.retry_after is not None:
        return rule.retry_after
    return 1 if rule.status == 429 else None


def _account_of(path: str) -> str | None:
    found = ACCOUNT_PATH.match(path)
    return found.group(1) if found else None


async def _read_up_to(receive: Receive, limit: int) -> bytes:
    chunks, size = [], 0
    while size < limit:
        message = await receive()
        if message["type"] != "http.request":
            break
        chunks.append(message.get("body", b""))
        size += len(chunks[-1])
        if not message.get("more_body", False):
            break
    return b"".join(chunks)[:limit]


def _replay(body: bytes, then: Receive | None = None) -> Receive:
    """The body already read, once; afterwards whatever the connection says (a disconnect, in time)."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            if then is None:
                return {"type": "http.disconnect"}
            return await then()
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def _drop(send: Send) -> None:
    """Close the connection before a byte of the answer is written.

    ASGI has no message for that. A server closes the connection of an answer that was started
    and never finished; a header name it refuses to write makes that start write nothing at all.
    """
    with contextlib.suppress(Exception):
        await send({"type": "http.response.start", "status": 500, "headers": [(b"x-sandbox drop", b"")]})
