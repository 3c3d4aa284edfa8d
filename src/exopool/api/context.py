"""Per-request values the edges share: the request id, and the one log line of each request."""

from __future__ import annotations

import logging
import time

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exopool.ids import new_request_id
from exopool.logs import current_request_id

access_log = logging.getLogger("exopool.access")


def request_id_of(request: Request) -> str:
    return request.scope.get("request_id") or ""


class RequestIdMiddleware:
    """Give every request an id, send it back as X-Request-Id, and log one line per request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope["request_id"] = new_request_id()
        current_request_id.set(request_id)
        header = (b"x-request-id", request_id.encode())
        started, status = time.perf_counter(), 500

        async def send_with_id(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if access_log.isEnabledFor(logging.INFO):
                access_log.info("request", extra={
                    "request_id": request_id, "method": scope["method"], "path": scope["path"],
                    "status": status, "duration_ms": round((time.perf_counter() - started) * 1000, 3),
                })
