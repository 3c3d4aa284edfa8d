"""The ASGI shell the two release ceilings share (bench/service_only.py, bench/raw_sql.py).

Each DELETE `.../Accounts/{sid}/IncomingPhoneNumbers/{number_sid}` is handed, with its Basic
credentials, to the ceiling's release; a 202 answers with the same body as exopool and the bare
app, any other status with no body (wrk counts it as an error). Nothing else is parsed, routed,
logged or counted.
"""

from __future__ import annotations

import base64
import inspect
import sys
from collections.abc import Awaitable, Callable
from typing import Any

import uvicorn

from exopool.server import UVICORN_OPTIONS

BODY = b'{"Status":202,"Message":"Accepted"}'
ACCEPTED = {"type": "http.response.start", "status": 202,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]}
Release = Callable[[str, str, str, str], Awaitable[int]]  # (key, token, account sid, number sid) -> status


def release_app(release: Release, start: Callable[[], Any], stop: Callable[[], Any]) -> Any:
    """start and stop run at the server's start and stop (either may be a coroutine function)."""
    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "lifespan":
            while (await receive())["type"] != "lifespan.shutdown":
                if inspect.isawaitable(started := start()):
                    await started
                await send({"type": "lifespan.startup.complete"})
            if inspect.isawaitable(stopped := stop()):
                await stopped
            await send({"type": "lifespan.shutdown.complete"})
            return
        parts = scope["path"].split("/")
        header = dict(scope["headers"]).get(b"authorization", b"")
        key, _, token = base64.b64decode(header[6:]).decode().partition(":")
        status = await release(key, token, parts[3], parts[-1])
        if status != 202:
            await send({"type": "http.response.start", "status": status, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(ACCEPTED)
        await send({"type": "http.response.body", "body": BODY})

    return app


def serve(app: Any) -> None:
    """On the port given as the first argument, with exopool's uvicorn options."""
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), **UVICORN_OPTIONS)
