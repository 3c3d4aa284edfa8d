"""The sandbox's edge around the Exotel routes: journal, faults, magic numbers, due releases.

Installed only in sandbox mode, so the ordinary request path pays nothing for it. Requests to the
control plane pass straight through: a fault rule must never lock its author out.
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import time
from typing import TYPE_CHECKING, Any

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exopool import errors
from exopool.api.errors import render_error
from exopool.api.params import body_params
from exopool.phone import to_e164
from exopool.sandbox import magic
from exopool.sandbox.faults import FaultRule
from exopool.sandbox.journal import Entry, body_text, request_headers, response_value

if TYPE_CHECKING:
    from exopool.sandbox.core import Sandbox

CONTROL_PREFIX = "/_sandbox"
ACCOUNT_PATH = re.compile(r"^/v2_beta/Accounts/([^/]+)")
PURCHASE_PATH = re.compile(r"^/v2_beta/Accounts/[^/]+/IncomingPhoneNumbers(\.json)?/?$")
STATUS_ERRORS = {cls.status: cls for cls in (errors.BadRequest, errors.Unauthorized, errors.PaymentRequired,
                                             errors.Forbidden, errors.NotFound, errors.MethodNotAllowed,
                                             errors.Conflict, errors.RateLimited, errors.InternalError,
                                             errors.ServiceUnavailable)}


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
    def __init__(self, app: ASGIApp, sandbox: Sandbox) -> None:
        self.app, self.sandbox = app, sandbox

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or _is_control(scope["path"]):
            await self.app(scope, receive, send)
            return
        await self.sandbox.finish_due_releases()
        # One byte over the limit is enough for the route to answer 413; the rest is never held.
        body = await _read_up_to(receive, self.sandbox.runtime.settings.max_body_bytes + 1)
        capture, started, fault = Capture(send), time.perf_counter(), None
        try:
            fault = await self._answer(scope, body, receive, capture.send)
        except Exception:
            capture.status, capture.complete = capture.status or 500, True  # rendered by the outermost handler
            raise
        finally:
            self._record(scope, body, capture, time.perf_counter() - started, fault)

    async def _answer(self, scope: Scope, body: bytes, receive: Receive, send: Send) -> str | None:
        """Run the request through faults, magic numbers and the app; the fault that decided, if any."""
        account = _account_of(scope["path"])
        decided = None
        for rule in self.sandbox.faults.firing(scope["method"], scope["path"], account):
            decided = f"{rule.id}:{rule.action}"
            if rule.action == "latency":
                await asyncio.sleep(rule.latency_ms / 1000)
            elif rule.action == "drop":
                await _drop(send)
                return decided
            else:
                await _fault_response(scope, body, rule, send)
                return decided
        if not await self._magic_purchase(scope, body, send):
            await self.app(scope, _replay(body, receive), send)
        return decided

    async def _magic_purchase(self, scope: Scope, body: bytes, send: Send) -> bool:
        """Answer a purchase of a magic number with its outcome; False for every other request."""
        if scope["method"] != "POST" or not PURCHASE_PATH.match(scope["path"]):
            return False
        request = Request(scope, _replay(body))
        try:
            params = await body_params(request, self.sandbox.runtime.settings.max_body_bytes)
            error = magic.purchase_error(to_e164(params.get("phonenumber") or "", "IN"))
        except errors.ExopoolError:
            return False  # the real route explains bad input
        if error is None:
            return False
        request.scope["path_params"] = {"account_sid": _account_of(scope["path"]) or ""}
        try:
            await self.sandbox.runtime.as_caller(request, lambda conn, actor: actor)
        except errors.ExopoolError as auth_error:
            error = auth_error
        await render_error(request, error)(scope, _replay(body), send)
        return True

    def _record(self, scope: Scope, body: bytes, capture: Capture, elapsed: float, fault: str | None) -> None:
        headers, key = request_headers(scope.get("headers", []))
        journal = self.sandbox.journal
        journal.record(Entry(
            id=journal.next_id(), at=self.sandbox.now_text(), request_id=scope.get("request_id", ""),
            method=scope["method"], path=scope["path"], query=scope.get("query_string", b"").decode("latin-1"),
            headers=headers, api_key=key, account=_account_of(scope["path"]), body=body_text(body),
            status=capture.status if capture.complete else 0,
            response_body=response_value(b"".join(capture.chunks), capture.content_type),
            duration_ms=round(elapsed * 1000, 3), fault=fault,
        ))


def _is_control(path: str) -> bool:
    return path == CONTROL_PREFIX or path.startswith(CONTROL_PREFIX + "/")


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


async def _fault_response(scope: Scope, body: bytes, rule: FaultRule, send: Send) -> None:
    kind: Any = STATUS_ERRORS.get(rule.status, errors.ExopoolError)
    error = kind(rule.message or f"Injected by sandbox fault rule {rule.id}")
    error.status = rule.status
    if rule.status == 429 or rule.retry_after is not None:
        error.headers = {"Retry-After": str(rule.retry_after if rule.retry_after is not None else 1)}
    await render_error(Request(scope), error)(scope, _replay(body), send)
