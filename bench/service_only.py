"""The ceiling for the release benchmark: exopool's release with no web layer around it.

    python bench/service_only.py PORT   (EXOPOOL_DATABASE_URL and EXOPOOL_SECRET_KEY as for exopool)

A plain ASGI callable, served by uvicorn with exopool's options like bench/bare.py, that answers
each `DELETE .../Accounts/{sid}/IncomingPhoneNumbers/{number_sid}` by calling what exopool's route
calls: `authenticate` and `release_phone_number` in one unit of work on exopool's `Database` (so
the same statements, the same group commit, the same pragmas), and answers 202 with the same body
after the commit. What it leaves out is the web layer: routing, parameter and header handling,
the request id, the log line, the metrics, the error rendering. Its requests/s bound what any
HTTP stack in front of these services and this schema can do on this machine.
"""

from __future__ import annotations

import base64
import sys

import uvicorn

from exopool.cli.serve import UVICORN_OPTIONS
from exopool.clock import SystemClock
from exopool.config import Settings
from exopool.db import Database
from exopool.errors import ExopoolError
from exopool.services.api_keys import authenticate
from exopool.services.phone_numbers import release_phone_number

BODY = b'{"Status":202,"Message":"Accepted"}'
ACCEPTED = {"type": "http.response.start", "status": 202,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(BODY)).encode())]}


def make_app(settings: Settings):  # type: ignore[no-untyped-def]
    db, clock, secret = Database(settings, background_checkpoints=True), SystemClock(), settings.secret_key

    async def app(scope, receive, send):  # type: ignore[no-untyped-def]
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                db.start()
                await send({"type": "lifespan.startup.complete"})
            db.dispose()
            await send({"type": "lifespan.shutdown.complete"})
            return
        parts = scope["path"].split("/")
        header = dict(scope["headers"]).get(b"authorization", b"")
        key, _, token = base64.b64decode(header[6:]).decode().partition(":")
        now = clock.now()

        def release(conn):  # type: ignore[no-untyped-def]
            actor = authenticate(conn, now, secret, key, token, parts[3], "in", "-")
            return release_phone_number(conn, clock, actor, parts[-1])

        try:
            await db.run(release)
        except ExopoolError as error:  # 401, 404, 503...: its own status, so wrk counts it as an error
            await send({"type": "http.response.start", "status": error.status, "headers": [(b"content-length", b"0")]})
            await send({"type": "http.response.body", "body": b""})
            return
        await send(ACCEPTED)
        await send({"type": "http.response.body", "body": BODY})

    return app


if __name__ == "__main__":
    uvicorn.run(make_app(Settings.from_env()), host="127.0.0.1", port=int(sys.argv[1]), **UVICORN_OPTIONS)
