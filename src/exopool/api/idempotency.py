"""The Idempotency-Key header on writes: the edge half (the service claims keys and keeps answers)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import Response

from exopool.api.auth import as_caller
from exopool.api.errors import render_error
from exopool.entities import Actor
from exopool.errors import ExopoolError
from exopool.http.requests import read_limited
from exopool.http.runtime import Runtime
from exopool.services.idempotency import (
    Answer,
    claim_idempotency_key,
    fingerprint,
    keep_idempotent_answer,
    validate_key,
)

T = TypeVar("T")
Work = Callable[[Connection, Actor], T]
Render = Callable[[T], Response]


def is_kept(status: int) -> bool:
    """Answers a repeat may get again; failures worth retrying (401, 429, 5xx) are not kept."""
    return status < 500 and status not in (401, 429)


async def perform(rt: Runtime, request: Request, work: Work[T], render: Render[T]) -> Response:
    """Run a write as the caller and render its answer; with an Idempotency-Key, at most once.

    The key is claimed, the write run and its answer kept in one transaction, so a repeat gets
    the first answer whenever it arrives, and never runs the write again.
    """
    if "idempotency-key" not in request.headers:
        return render(await as_caller(rt, request, work))
    key = request.headers["idempotency-key"]
    body = await read_limited(request, rt.settings.max_body_bytes)
    request_hash = fingerprint(request.method, request.scope["path"], request.scope.get("query_string", b""), body)
    now = rt.clock.now()

    def keyed(conn: Connection, actor: Actor) -> Response:
        validate_key(key)  # after authentication, as every parameter
        earlier = claim_idempotency_key(conn, now, actor.account_id or 0, key, request_hash)
        if earlier is not None:
            return Response(earlier.body, status_code=earlier.status, media_type="application/json",
                            headers={"Idempotent-Replayed": "true"})
        response = _answer_of(conn, actor, request, work, render)
        status = response.status_code
        kept = Answer(status, bytes(response.body).decode("utf-8")) if is_kept(status) else None
        keep_idempotent_answer(conn, actor.account_id or 0, key, kept)
        return response

    return await as_caller(rt, request, keyed)


def _answer_of(conn: Connection, actor: Actor, request: Request, work: Work[Any], render: Render[Any]) -> Response:
    """The write's answer, an error rendered as one; a failed write leaves nothing behind but its answer."""
    try:
        with conn.begin_nested():
            return render(work(conn, actor))
    except ExopoolError as error:
        return render_error(request, error)
