"""The /_sandbox control plane: reset, seed, journal, faults, clock and releases."""

from __future__ import annotations

import functools
import hmac
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

import anyio.to_thread
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exopool.errors import BadRequest, NotFound, Unauthorized
from exopool.http.credentials import bearer_token
from exopool.sandbox import magic
from exopool.sandbox.carrier import Timing
from exopool.sandbox.core import Sandbox
from exopool.sandbox.seed import load_seed_text
from exopool.services import releases, webhooks

Handler = Callable[[Request], Awaitable[Response]]
MAX_CONTROL_BODY = 8 * 1024 * 1024
CLOCK_UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}


def sandbox_of(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def controlled(handler: Handler) -> Handler:
    """Refuse the call unless it carries the admin token, when one is set."""

    @functools.wraps(handler)
    async def checked(request: Request) -> Response:
        expected = sandbox_of(request).settings.sandbox_admin_token
        if expected and not hmac.compare_digest(_presented_token(request).encode(), expected.encode()):
            raise Unauthorized("The sandbox control plane needs the admin token: "
                               "send Authorization: Bearer TOKEN or X-Sandbox-Token: TOKEN")
        return await handler(request)

    return checked


def _presented_token(request: Request) -> str:
    return bearer_token(request.headers.get("authorization", "")) or request.headers.get("x-sandbox-token", "")


async def _raw_body(request: Request) -> bytes:
    body = await request.body()
    if len(body) > MAX_CONTROL_BODY:
        raise BadRequest(f"The body is larger than {MAX_CONTROL_BODY} bytes")
    return body


async def json_body(request: Request) -> dict[str, Any]:
    body = await _raw_body(request)
    if not body.strip():
        return {}
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than the parser follows
        raise BadRequest("The body must be a JSON object") from error
    if not isinstance(data, dict):
        raise BadRequest("The body must be a JSON object")
    return data


async def index(request: Request) -> JSONResponse:
    sandbox = sandbox_of(request)
    return JSONResponse({"sandbox": True, "now": sandbox.now_text(), "release_timing": vars(sandbox.carrier.timing),
                         "magic_numbers": magic.table(), "accounts": _accounts(sandbox)})


def _accounts(sandbox: Sandbox) -> list[dict[str, Any]]:
    seed = sandbox.seed
    return [{"sid": a.sid, "cluster": a.cluster, "api_keys": [{"key": k.key, "token": k.token} for k in a.api_keys]}
            for a in (seed.accounts if seed else ())]


async def reset(request: Request) -> JSONResponse:
    await sandbox_of(request).reset()
    return JSONResponse({"reset": True})


async def get_seed(request: Request) -> JSONResponse:
    seed = sandbox_of(request).seed
    return JSONResponse({"seed": dict(seed.source) if seed else None})


async def post_seed(request: Request) -> JSONResponse:
    body = (await _raw_body(request)).decode("utf-8", "replace")
    if not body.strip():
        raise BadRequest("Send the seed as a JSON or YAML body")
    media = request.headers.get("content-type", "").lower()
    # In a thread: a deeply nested YAML body takes the parser a second or more to refuse.
    seed = await anyio.to_thread.run_sync(load_seed_text, body, media) \
        if "json" in media or "yaml" in media or not media else None
    if seed is None:
        raise BadRequest(f"Content-Type {media} is not a seed: send application/json or application/yaml")
    await sandbox_of(request).load(seed)
    return JSONResponse({"accounts": len(seed.accounts), "pool": len(seed.pool) + len(magic.MAGIC),
                         "owned": sum(len(a.numbers) for a in seed.accounts)})


async def list_requests(request: Request) -> JSONResponse:
    q = request.query_params
    limit, status = _whole(q, "limit"), _whole(q, "status")
    entries = sandbox_of(request).journal.find(account=q.get("account"), method=q.get("method"), path=q.get("path"),
                                               status=status, api_key=q.get("api_key"), limit=limit)
    return JSONResponse({"requests": entries})


def _whole(query: Any, name: str) -> int | None:
    raw = query.get(name)
    if raw is not None and not (raw.isascii() and raw.isdigit()):
        raise BadRequest(f"{name} must be a whole number, not {raw!r}")
    return int(raw) if raw else None


async def clear_requests(request: Request) -> Response:
    sandbox_of(request).journal.clear()
    return Response(status_code=204)


async def list_faults(request: Request) -> JSONResponse:
    return JSONResponse({"faults": [rule.to_wire() for rule in sandbox_of(request).faults.rules()]})


async def add_fault(request: Request) -> JSONResponse:
    rule = sandbox_of(request).faults.add(await json_body(request))
    return JSONResponse(rule.to_wire(), status_code=201)


async def clear_faults(request: Request) -> Response:
    sandbox_of(request).faults.clear()
    return Response(status_code=204)


async def delete_fault(request: Request) -> Response:
    raw = request.path_params["rule_id"]
    if not raw.isdigit() or not sandbox_of(request).faults.delete(int(raw)):
        raise NotFound(f"No fault rule {raw}")
    return Response(status_code=204)


async def get_clock(request: Request) -> JSONResponse:
    return JSONResponse(_clock(sandbox_of(request)))


async def advance_clock(request: Request) -> JSONResponse:
    body = await json_body(request)
    unknown = set(body) - set(CLOCK_UNITS)
    if unknown or not body:
        raise BadRequest(f"Send how far to move the clock, in {', '.join(CLOCK_UNITS)} (for example {{\"days\": 90}})")
    seconds = sum(_amount(body, unit) * factor for unit, factor in CLOCK_UNITS.items())
    if seconds <= 0:
        raise BadRequest("The clock only moves forward: send a positive amount")
    sandbox = sandbox_of(request)
    await sandbox.advance(seconds)
    return JSONResponse(_clock(sandbox))


def _amount(body: dict[str, Any], unit: str) -> float:
    value = body.get(unit, 0)
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 10**10:
        raise BadRequest(f"{unit} must be a non-negative number, not {value!r}")
    return float(value)


def _clock(sandbox: Sandbox) -> dict[str, Any]:
    return {"now": sandbox.now_text(), "advanced_seconds": sandbox.advanced_seconds}


async def get_releases(request: Request) -> JSONResponse:
    sandbox = sandbox_of(request)
    jobs = await sandbox.runtime.db.run(lambda conn: releases.list_releases(conn, limit=200))
    return JSONResponse({"timing": vars(sandbox.carrier.timing), "releases": [release_view(job) for job in jobs]})


async def set_release_timing(request: Request) -> JSONResponse:
    body = await json_body(request)
    timing = Timing.parse(body.get("timing"), body.get("seconds"))
    await sandbox_of(request).set_timing(timing)
    return JSONResponse({"timing": vars(timing)})


async def complete_release(request: Request) -> JSONResponse:
    return JSONResponse(release_view(await sandbox_of(request).complete_release(request.path_params["sid"])))


async def fail_release(request: Request) -> JSONResponse:
    body = await json_body(request)
    reason = str(body.get("reason") or "The carrier refused the release (failed by hand in the sandbox)")
    return JSONResponse(release_view(await sandbox_of(request).fail_release(request.path_params["sid"], reason)))


def release_view(job: Any) -> dict[str, Any]:
    """A release job as the control plane shows it."""
    return {"sid": job.sid, "phone_number": job.phone_number, "state": job.state, "attempts": job.attempts,
            "last_error": job.last_error, "created_at": _iso(job.created_at), "completed_at": _iso(job.completed_at)}


def _iso(value: datetime | None) -> str | None:
    return value.strftime("%Y-%m-%dT%H:%M:%SZ") if value else None


async def get_webhooks(request: Request) -> JSONResponse:
    """Every webhook delivery attempt, oldest first: what each receiver was sent and what it answered."""
    attempts = await sandbox_of(request).runtime.db.run(webhooks.list_attempts)
    return JSONResponse({"attempts": [attempt_view(attempt) for attempt in attempts]})


def attempt_view(attempt: Any) -> dict[str, Any]:
    return {
        "webhook_id": attempt.webhook_id, "endpoint_sid": attempt.endpoint_sid, "url": attempt.url,
        "type": attempt.event_type, "attempt": attempt.attempt, "at": _iso(attempt.at),
        "headers": {"webhook-id": attempt.webhook_id, "webhook-timestamp": attempt.webhook_timestamp,
                    "webhook-signature": attempt.signature},
        "body": json.loads(attempt.payload), "status": attempt.status, "response": attempt.response,
        "error": attempt.error, "duration_ms": attempt.duration_ms,
    }


async def magic_numbers(request: Request) -> JSONResponse:
    return JSONResponse({"magic_numbers": magic.table()})


def _route(path: str, handlers: dict[str, Handler]) -> Route:
    checked = {method: controlled(handler) for method, handler in handlers.items()}

    async def dispatch(request: Request) -> Response:
        return await checked[request.method](request)

    return Route(f"/_sandbox{path}", dispatch, methods=list(handlers))


def control_routes() -> list[Route]:
    return [
        _route("", {"GET": index}),
        _route("/reset", {"POST": reset}),
        _route("/seed", {"GET": get_seed, "POST": post_seed}),
        _route("/requests", {"GET": list_requests, "DELETE": clear_requests}),
        _route("/faults", {"GET": list_faults, "POST": add_fault, "DELETE": clear_faults}),
        _route("/faults/{rule_id}", {"DELETE": delete_fault}),
        _route("/clock", {"GET": get_clock, "POST": advance_clock}),
        _route("/releases", {"GET": get_releases, "PUT": set_release_timing}),
        _route("/releases/{sid}/complete", {"POST": complete_release}),
        _route("/releases/{sid}/fail", {"POST": fail_release}),
        _route("/webhooks", {"GET": get_webhooks}),
        _route("/magic-numbers", {"GET": magic_numbers}),
    ]
