"""The yardstick: a bare ASGI app answering exopool's 202 body, under uvicorn with exopool's options.

Run as `python bench/bare.py PORT`.
"""

from __future__ import annotations

import sys

import uvicorn

from exopool.server import UVICORN_OPTIONS

BODY = b'{"Status":202,"Message":"Accepted"}'
START = {
    "type": "http.response.start",
    "status": 202,
    "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())],
}
END = {"type": "http.response.body", "body": BODY}


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] == "lifespan":
        while (_message := await receive())["type"] != "lifespan.shutdown":
            await send({"type": "lifespan.startup.complete"})
        await send({"type": "lifespan.shutdown.complete"})
        return
    await send(START)
    await send(END)


if __name__ == "__main__":
    uvicorn.run(app, host="127.0.0.1", port=int(sys.argv[1]), **UVICORN_OPTIONS)
