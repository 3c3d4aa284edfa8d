"""The error boundary: every error a request raises is rendered once, in its edge's own shape.

It sits just inside ObserveRequests, so every answer it renders carries the request id and is
counted and logged once. An edge registers a renderer for the paths it serves; an unexpected
exception is logged once, with its traceback, and rendered as that edge's 500.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from exopool.errors import ExopoolError, InternalError, ServiceUnavailable

Renderer = Callable[[Request, ExopoolError], Awaitable[Response]]
log = logging.getLogger("exopool.http")


class ErrorBoundary:
    def __init__(self, app: ASGIApp, renderers: Sequence[tuple[str, Renderer]], default: Renderer) -> None:
        """renderers: (path prefix, renderer), the first matching prefix wins; default for any other path."""
        self.app, self.renderers, self.default = app, tuple(renderers), default

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            await self.app(scope, receive, send)
        except ExopoolError as error:
            if error.status >= 500 and not isinstance(error, ServiceUnavailable):  # the database logs its outages
                log.error("%s: %s", type(error).__name__, error.message, exc_info=error.__cause__ is not None)
            await self._answer(scope, receive, send, error)
        except Exception as error:
            log.exception("unexpected error", exc_info=error)
            await self._answer(scope, receive, send, InternalError())

    async def _answer(self, scope: Scope, receive: Receive, send: Send, error: ExopoolError) -> None:
        if scope["type"] != "http":
            raise error
        request = Request(scope, receive)
        response = await self.renderer_for(scope["path"])(request, error)
        # When part of an answer was out already, the server refuses a second one and the connection
        # ends unfinished, which is all there is to say: the error was logged above.
        with contextlib.suppress(RuntimeError):
            await response(scope, receive, send)

    def renderer_for(self, path: str) -> Renderer:
        for prefix, renderer in self.renderers:
            if path.startswith(prefix):
                return renderer
        return self.default
