"""The ceiling of a release on PostgreSQL: exopool's SQL on bare psycopg, with nothing of exopool around it.

    python bench/raw_pg.py PORT   (EXOPOOL_DATABASE_URL and EXOPOOL_SECRET_KEY as for exopool)

A plain ASGI callable, served by uvicorn with exopool's options like bench/bare.py, that answers
each `DELETE .../Accounts/{sid}/IncomingPhoneNumbers/{number_sid}` with the SQL text exopool's
services compile for PostgreSQL (the key lookup, the conditional UPDATE, the event, the release
job, the listing count), on psycopg's async connections from a psycopg_pool pool of exopool's
size, each statement prepared on the server, and the three writes that need no answer sent in
one pipeline with the COMMIT. Nothing else: no SQLAlchemy, no services, no unit of work, no
request id, log line, metrics, routing or error shapes. Its CPU per request bounds what any
Python server can do with this schema's release, statement by statement, on this machine.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime
from typing import Any

from psycopg_pool import AsyncConnectionPool
from sqlalchemy import create_engine
from sqlalchemy.engine import make_url

from ceiling import release_app, serve
from exopool.config import Settings
from exopool.services import api_keys, events, listing, phone_numbers, releases

DIALECT = create_engine("postgresql+psycopg://").dialect
Statement = tuple[str, tuple[tuple[str, Any], ...], dict[str, Any]]


def compiled(prepared: Any) -> Statement:
    """exopool's SQL text for a prepared statement, its parameters with their conversions, and the
    values the statement itself fixes."""
    found = prepared._compiled_for(DIALECT)
    return found.sql, found.plan, dict(found.fixed)


LOOKUP, RELEASE = compiled(api_keys._LOOKUP), compiled(phone_numbers._RELEASE["sid"])
EVENT, JOB, COUNT_OUT = compiled(events._INSERT_WITHOUT_DATA), compiled(releases._QUEUE), compiled(listing._COUNT_OUT)


def bound(statement: Statement, **values: Any) -> dict[str, Any]:
    values = {**statement[2], **values}
    return {name: values[name] if convert is None else convert(values[name]) for name, convert in statement[1]}


class Releases:
    def __init__(self, url: str, secret: str, size: int) -> None:
        conninfo = make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)
        self.pool = AsyncConnectionPool(conninfo, min_size=size, max_size=size, open=False)
        self.secret = secret

    async def release(self, key: str, token: str, account: str, sid: str) -> int:
        now = datetime.now(UTC).replace(tzinfo=None)
        async with self.pool.connection() as conn:  # committed as it goes back to the pool
            cursor = conn.cursor()
            await cursor.execute(LOOKUP[0], bound(LOOKUP, key=key), prepare=True)
            row = await cursor.fetchone()
            if row is None or not hmac.compare_digest(row[1], api_keys.hash_token(self.secret, token)) \
                    or row[2] is not None or row[5] != account or row[8] != "active":
                return 401
            await cursor.execute(RELEASE[0], bound(RELEASE, b_ref=sid, b_account=row[4], b_now=now), prepare=True)
            released = await cursor.fetchone()
            if released is None:
                return 404
            number_id, number_sid, number, ordinal = released
            async with conn.pipeline():
                await cursor.execute(EVENT[0], bound(
                    EVENT, at=now, kind="number.release_accepted", account_id=row[4], number_id=number_id,
                    phone_number=number, number_sid=number_sid, api_key=key, actor=f"key:{key}", request_id="-"),
                    prepare=True)
                await cursor.execute(JOB[0], bound(
                    JOB, sid=number_sid, number_id=number_id, phone_number=number, account_id=row[4],
                    state="queued", attempts=0, next_attempt_at=now, request_id="-", created_at=now, updated_at=now),
                    prepare=True)
                await cursor.execute(COUNT_OUT[0], bound(
                    COUNT_OUT, b_account=row[4], b_bucket=ordinal // listing.BUCKET, b_slot=ordinal % listing.SLOTS),
                    prepare=True)
                await conn.commit()
        return 202


def make_app(settings: Settings):  # type: ignore[no-untyped-def]
    found = Releases(settings.database_url, settings.secret_key, settings.database_pool_size)

    async def start() -> None:
        await found.pool.open(wait=True)

    async def stop() -> None:
        await found.pool.close()

    return release_app(found.release, start, stop)


if __name__ == "__main__":
    serve(make_app(Settings.from_env()))
