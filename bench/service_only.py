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

from ceiling import release_app, serve
from exopool.clock import SystemClock
from exopool.config import Settings
from exopool.db import Database
from exopool.errors import ExopoolError
from exopool.services.api_keys import authenticate
from exopool.services.phone_numbers import release_phone_number


def make_app(settings: Settings):  # type: ignore[no-untyped-def]
    db, clock, secret = Database(settings, background_checkpoints=True), SystemClock(), settings.secret_key

    async def release(key: str, token: str, account: str, sid: str) -> int:
        now = clock.now()

        def unit(conn):  # type: ignore[no-untyped-def]
            actor = authenticate(conn, now, secret, key, token, account, "in", "-")
            return release_phone_number(conn, clock, actor, sid)

        try:
            await db.run(unit)
        except ExopoolError as error:  # 401, 404, 503...: its own status
            return error.status
        return 202

    return release_app(release, db.start, db.dispose)


if __name__ == "__main__":
    serve(make_app(Settings.from_env()))
