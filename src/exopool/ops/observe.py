"""The one layer every HTTP request passes: its id, its log line, its metrics."""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from exopool.ids import new_request_id
from exopool.logs import AccessLog, current_request_id
from exopool.ops.metrics import Metrics


class ObserveRequests:
    """Give every request an id (sent back as X-Request-Id), log one line, and count and time it.

    One layer for the three, so each response passes one send wrapper, not one per concern.
    The route template for the metrics is the matched route's path (set in the scope by the router).
    """

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app, self.metrics = app, metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope["request_id"] = new_request_id()
        current_request_id.set(request_id)
        header = (b"x-request-id", request_id.encode())
        started, status, observed = time.perf_counter(), 500, False

        async def send_with_id(message: Message) -> None:
            nonlocal status, observed
            if message["type"] == "http.response.start":
                status = message["status"]
                message["headers"] = [*message.get("headers", []), header]
            elif not message.get("more_body") and not observed:  # the answer's last part: it is logged first,
                observed = True  # so no client ever holds an answer whose line is not written
                self._observe(scope, request_id, status, started)
            await send(message)

        try:
            await self.app(scope, receive, send_with_id)
        finally:
            if not observed:  # no answer was finished: a dropped connection, an error past its start
                self._observe(scope, request_id, status, started)

    def _observe(self, scope: Scope, request_id: str, status: int, started: float) -> None:
        elapsed = time.perf_counter() - started
        route = getattr(scope.get("route"), "path", None) or "unmatched"
        self.metrics.observe(route, scope["method"], status, elapsed)
        AccessLog.write(request_id, scope["method"], scope["path"], status, round(elapsed * 1000, 3))
