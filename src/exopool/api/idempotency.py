"""The Idempotency-Key header on writes: the edge half (the service keeps the answers)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import Response

from exopool.api.errors import render_error
from exopool.api.params import _read_limited
from exopool.api.runtime import runtime_of
from exopool.errors import ExopoolError
from exopool.services.idempotency import (
    Answer,
    find_idempotent_answer,
    fingerprint,
    record_idempotent_answer,
    validate_key,
)

WRITES = frozenset({"POST", "PUT", "DELETE"})


def carries_key(request: Request) -> bool:
    return request.method in WRITES and "idempotency-key" in request.headers


def is_kept(status: int) -> bool:
    """Answers a repeat may get again; failures worth retrying (401, 429, 5xx) are not kept."""
    return status < 500 and status not in (401, 429)


async def idempotent(request: Request, handler: Callable[[Request], Awaitable[Response]]) -> Response:
    """Replay the answer to an earlier identical request with this key, or answer and keep it."""
    rt = runtime_of(request)
    key = validate_key(request.headers["idempotency-key"])
    body = await _read_limited(request, rt.settings.max_body_bytes)
    request_hash = fingerprint(request.method, request.scope["path"], request.scope.get("query_string", b""), body)
    now = rt.clock.now()
    account_id, earlier = await rt.as_caller(
        request, lambda conn, actor: (actor.account_id, find_idempotent_answer(conn, now, actor.account_id, key,
                                                                               request_hash)))
    if earlier is not None:
        return Response(earlier.body, status_code=earlier.status, media_type="application/json",
                        headers={"Idempotent-Replayed": "true"})
    try:
        response = await handler(request)
    except ExopoolError as error:
        response = render_error(request, error)
    if is_kept(response.status_code):
        answer = Answer(response.status_code, bytes(response.body).decode("utf-8"))
        await rt.db.run(record_idempotent_answer, rt.clock.now(), account_id, key, request_hash, answer)
    return response
