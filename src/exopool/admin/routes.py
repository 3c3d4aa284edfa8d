"""The admin API's handlers, and its route table: each handler parses, calls one service, renders."""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import IO, Any, NamedTuple

import anyio.to_thread
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response, StreamingResponse
from starlette.routing import Route

from exopool.admin import shapes, webhooks
from exopool.admin.auth import as_operator
from exopool.admin.body import fields, json_object, moment
from exopool.admin.paging import decode_cursor, encode_cursor, int_cursor, limit_of, page
from exopool.config import CLUSTERS
from exopool.entities import Actor
from exopool.errors import InvalidParameter, PayloadTooLarge, UnsupportedMediaType
from exopool.http.credentials import bearer_token
from exopool.http.requests import query_params
from exopool.http.runtime import runtime_of
from exopool.lifecycle import JobState, NumberState
from exopool.services import accounts, api_keys, events, history, inventory, pool, releases, users
from exopool.services.operators import authenticate_operator

PREFIX = "/admin/v1"
MAX_IMPORT_BYTES = 1 << 30  # spooled to a temporary file, never held in memory
EVENTS_PER_READ = 1000
NDJSON = "application/x-ndjson"
Endpoint = Callable[[Request], Awaitable[Response]]


class AdminRoute(NamedTuple):
    """One line of the route table: a method and a path under /admin/v1, and its handler."""

    method: str
    path: str
    endpoint: Endpoint


# Accounts


async def create_account(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    data = await json_object(request, rt.settings.max_body_bytes)

    def create(conn: Connection, actor: Actor) -> Any:
        given = fields(data, ("sid", "name", "cluster"), ("country",))
        made = accounts.create_account(conn, rt.clock, given["sid"], given["name"], given["cluster"],
                                       given.get("country", "IN"), actor)
        return accounts.account_with_counts(conn, made.sid)

    return JSONResponse(shapes.account(await as_operator(rt, request, create)), status_code=201)


async def list_accounts(request: Request) -> JSONResponse:
    rt, params = runtime_of(request), query_params(request)
    limit, after = limit_of(params), decode_cursor("account", params.get("cursor"))
    found = await as_operator(rt, request, lambda conn, _: accounts.accounts_page(conn, after=after, limit=limit + 1))
    return page(found, limit, shapes.account, lambda row: encode_cursor("account", row.sid))


async def get_account(request: Request) -> JSONResponse:
    rt, sid = runtime_of(request), request.path_params["sid"]
    return JSONResponse(shapes.account(await as_operator(rt, request, lambda conn, _: accounts.account_with_counts(
        conn, sid))))


async def update_account(request: Request) -> JSONResponse:
    rt, sid = runtime_of(request), request.path_params["sid"]
    data = await json_object(request, rt.settings.max_body_bytes)

    def update(conn: Connection, actor: Actor) -> Any:
        given = fields(data, (), ("name", "status"))
        accounts.update_account(conn, rt.clock, actor, sid, name=given.get("name"), status=given.get("status"))
        return accounts.account_with_counts(conn, sid)

    return JSONResponse(shapes.account(await as_operator(rt, request, update)))


# API keys and users of an account


async def create_api_key(request: Request) -> JSONResponse:
    rt, sid = runtime_of(request), request.path_params["sid"]
    data = await json_object(request, rt.settings.max_body_bytes)

    def create(conn: Connection, actor: Actor) -> api_keys.IssuedKey:
        label = fields(data, (), ("label",)).get("label", "")
        return api_keys.create_api_key(conn, rt.clock, rt.settings.secret_key, sid, label, actor)

    issued = await as_operator(rt, request, create)
    return JSONResponse(shapes.issued_key(issued), status_code=201, headers={"Cache-Control": "no-store"})


async def list_api_keys(request: Request) -> JSONResponse:
    rt, sid = runtime_of(request), request.path_params["sid"]

    def listed(conn: Connection, _: Actor) -> list[Any]:
        return api_keys.list_api_keys(conn, accounts.get_account(conn, sid).id)

    return JSONResponse({"data": [shapes.api_key(row) for row in await as_operator(rt, request, listed)],
                         "next_cursor": None})


async def revoke_api_key(request: Request) -> Response:
    rt, sid, key = runtime_of(request), request.path_params["sid"], request.path_params["key"]

    def revoke(conn: Connection, actor: Actor) -> None:
        api_keys.revoke_api_key(conn, rt.clock, key, actor, account_id=accounts.get_account(conn, sid).id)

    await as_operator(rt, request, revoke)
    return Response(status_code=204)


async def create_user(request: Request) -> JSONResponse:
    rt, sid = runtime_of(request), request.path_params["sid"]
    data = await json_object(request, rt.settings.max_body_bytes)

    def create(conn: Connection, actor: Actor) -> users.SessionUser:
        given = fields(data, ("email", "password"))
        return users.create_user(conn, rt.clock, sid, given["email"], given["password"], actor)

    user = await as_operator(rt, request, create)
    return JSONResponse({"email": user.email, "account_sid": user.account_sid}, status_code=201)


# The pool


async def import_numbers(request: Request) -> JSONResponse:
    """Spool the CSV body to a temporary file as it arrives, then import it in one transaction."""
    rt = runtime_of(request)
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media not in ("text/csv", "application/csv"):
        raise UnsupportedMediaType(media or "(none)")
    # Checked before the body is read: a caller without a token uploads nothing.
    actor = await as_operator(rt, request, lambda conn, actor: actor)
    with tempfile.TemporaryFile() as spool:
        await _spool(request, spool)
        spool.seek(0)
        text = io.TextIOWrapper(spool, encoding="utf-8-sig", newline="")

        def load(conn: Connection) -> int:
            authenticate_operator(conn, rt.clock.now(), rt.settings.secret_key, _token(request))  # not revoked since
            return pool.import_numbers(conn, rt.clock.now(), pool.csv_rows(text), actor=actor)

        # In a thread even on SQLite: a large file must not hold up the event loop while it is checked.
        imported = await anyio.to_thread.run_sync(rt.db.transact, load)
    return JSONResponse({"imported": imported}, status_code=201)


async def _spool(request: Request, spool: IO[bytes]) -> None:
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_IMPORT_BYTES:
            raise PayloadTooLarge(MAX_IMPORT_BYTES)
        spool.write(chunk)


def _token(request: Request) -> str:
    return bearer_token(request.headers.get("authorization", ""))


async def get_pool_stats(request: Request) -> JSONResponse:
    rt, params = runtime_of(request), query_params(request)
    by = params.get("by", "")
    if by not in ("", "region"):
        raise InvalidParameter("by", f"must be region or left out, not {by!r}")
    by_region = by == "region"
    found = await as_operator(rt, request, lambda conn, _: inventory.pool_stats(conn, rt.clock.now(),
                                                                                by_region=by_region))
    return JSONResponse({"data": [shapes.stat(row, by_region) for row in found],
                         "total": sum(row.count for row in found)})


async def list_numbers(request: Request) -> JSONResponse:
    rt, params = runtime_of(request), query_params(request)
    limit, after = limit_of(params), decode_cursor("number", params.get("cursor"))
    filters = {"cluster": _one_of("cluster", params.get("cluster"), CLUSTERS),
               "state": _one_of("state", params.get("state"), [state.value for state in NumberState]),
               "account_sid": params.get("account") or None, "contains": _digits(params.get("contains"))}
    found = await as_operator(rt, request, lambda conn, _: inventory.numbers_page(
        conn, rt.clock.now(), after=after, limit=limit + 1, **filters))
    return page(found, limit, shapes.number, lambda row: encode_cursor("number", row.phone_number))


async def get_number(request: Request) -> JSONResponse:
    rt, ref = runtime_of(request), request.path_params["ref"]

    def load(conn: Connection, _: Actor) -> dict[str, Any]:
        now = rt.clock.now()
        found = history.find_number(conn, now, ref)
        return shapes.number_with_history(found, history.number_history(conn, now, found.id))

    return JSONResponse(await as_operator(rt, request, load))


# Releases and the event log


async def list_releases(request: Request) -> JSONResponse:
    rt, params = runtime_of(request), query_params(request)
    limit, before = limit_of(params), int_cursor("release", params.get("cursor"))
    state = _one_of("state", params.get("state"), [state.value for state in JobState])
    found = await as_operator(rt, request, lambda conn, _: releases.list_releases(
        conn, state=state, limit=limit + 1, before=before))
    return page(found, limit, shapes.release, lambda row: encode_cursor("release", row.id))


async def retry_release(request: Request) -> JSONResponse:
    rt, sid = runtime_of(request), request.path_params["sid"]
    job = await as_operator(rt, request, lambda conn, actor: releases.retry_release(conn, rt.clock.now(), actor, sid))
    return JSONResponse(shapes.release(job))


class EventQuery(NamedTuple):
    account_sid: str | None
    kind: str | None
    since: Any
    after: int


def _event_query(params: dict[str, str]) -> EventQuery:
    raw = params.get("cursor") or "0"
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 18:
        raise InvalidParameter("cursor", "must be the id of an event (a next_cursor as it was given)")
    return EventQuery(params.get("account") or None, params.get("kind") or None,
                      moment("since", params.get("since")), int(raw))


def _read_events(query: EventQuery, after: int, limit: int) -> Callable[[Connection, Actor], list[Any]]:
    def read(conn: Connection, _: Actor) -> list[Any]:
        account_id = accounts.get_account(conn, query.account_sid).id if query.account_sid else None
        return events.events_after(conn, after=after, account_id=account_id, kind=query.kind, since=query.since,
                                   limit=limit)

    return read


async def list_events(request: Request) -> Response:
    """Events, oldest first, from a cursor; with Accept: application/x-ndjson, all of them as lines."""
    rt, params = runtime_of(request), query_params(request)
    query = _event_query(params)
    if NDJSON in request.headers.get("accept", ""):
        first = await as_operator(rt, request, _read_events(query, query.after, EVENTS_PER_READ))
        return StreamingResponse(_event_lines(request, query, first), media_type=NDJSON)
    limit = limit_of(params)
    found = await as_operator(rt, request, _read_events(query, query.after, limit + 1))
    return page(found, limit, shapes.event, lambda row: str(row.id))


async def _event_lines(request: Request, query: EventQuery, batch: list[Any]) -> AsyncIterator[bytes]:
    """Every event from the cursor to the log's end as it is now, a read of EVENTS_PER_READ at a time."""
    rt = runtime_of(request)
    while batch:
        yield "".join(json.dumps(shapes.event(row), separators=(",", ":")) + "\n" for row in batch).encode()
        if len(batch) < EVENTS_PER_READ:
            return
        batch = await as_operator(rt, request, _read_events(query, batch[-1].id, EVENTS_PER_READ))


def _one_of(field: str, raw: str | None, allowed: Iterable[str]) -> str | None:
    choices = list(allowed)
    if not raw:
        return None
    if raw not in choices:
        raise InvalidParameter(field, f"{raw!r} is not one of {', '.join(choices)}")
    return raw


def _digits(raw: str | None) -> str | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 16:
        raise InvalidParameter("contains", f"must be up to 16 digits, not {raw!r}")
    return raw


ROUTES: list[AdminRoute] = [
    AdminRoute("POST", "/accounts", create_account),
    AdminRoute("GET", "/accounts", list_accounts),
    AdminRoute("GET", "/accounts/{sid}", get_account),
    AdminRoute("PATCH", "/accounts/{sid}", update_account),
    AdminRoute("POST", "/accounts/{sid}/api-keys", create_api_key),
    AdminRoute("GET", "/accounts/{sid}/api-keys", list_api_keys),
    AdminRoute("DELETE", "/accounts/{sid}/api-keys/{key}", revoke_api_key),
    AdminRoute("POST", "/accounts/{sid}/users", create_user),
    AdminRoute("POST", "/pool/imports", import_numbers),
    AdminRoute("GET", "/pool/stats", get_pool_stats),
    AdminRoute("GET", "/numbers", list_numbers),
    AdminRoute("GET", "/numbers/{ref}", get_number),
    AdminRoute("GET", "/releases", list_releases),
    AdminRoute("POST", "/releases/{sid}/retry", retry_release),
    AdminRoute("GET", "/events", list_events),
    AdminRoute("POST", "/webhook-endpoints", webhooks.create_webhook_endpoint),
    AdminRoute("GET", "/webhook-endpoints", webhooks.list_webhook_endpoints),
    AdminRoute("GET", "/webhook-endpoints/{sid}", webhooks.get_webhook_endpoint),
    AdminRoute("DELETE", "/webhook-endpoints/{sid}", webhooks.delete_webhook_endpoint),
    AdminRoute("GET", "/webhook-endpoints/{sid}/deliveries", webhooks.list_deliveries),
    AdminRoute("POST", "/webhook-endpoints/{sid}/deliveries/{delivery}/redeliver", webhooks.redeliver),
]


def admin_routes(table: Iterable[AdminRoute] = ()) -> list[Route]:
    """Starlette routes for ROUTES and any further lines: one Route per path, dispatching on its methods."""
    by_path: dict[str, dict[str, Endpoint]] = {}
    for line in (*ROUTES, *table):
        by_path.setdefault(line.path, {})[line.method] = line.endpoint
    return [Route(PREFIX + path, _dispatch(handlers), methods=list(handlers)) for path, handlers in by_path.items()]


def _dispatch(handlers: dict[str, Endpoint]) -> Endpoint:
    async def endpoint(request: Request) -> Response:
        return await handlers[request.method if request.method != "HEAD" else "GET"](request)

    return endpoint
