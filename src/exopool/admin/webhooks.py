"""The operator's webhook endpoints under /admin/v1: they receive the events of every account.

The same services as the account's endpoints, called with the operator as the actor: an actor
of no account owns endpoints of no account, and sees only those.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exopool.admin import shapes
from exopool.admin.auth import as_operator
from exopool.admin.body import fields, json_object
from exopool.admin.paging import decode_cursor, encode_cursor, int_cursor, limit_of, page
from exopool.entities import Actor
from exopool.errors import InvalidParameter
from exopool.http.requests import query_params
from exopool.http.runtime import runtime_of
from exopool.services import webhooks

NO_STORE = {"Cache-Control": "no-store"}


def _events(data: dict[str, Any]) -> str | None:
    """`events`: a list of event types, or one comma-separated string; left out, every type."""
    value = data.get("events")
    if isinstance(value, list):
        if not all(isinstance(kind, str) for kind in value):
            raise InvalidParameter("events", "must be a list of event types")
        return ",".join(value) if value else None
    return fields(data, (), ("events",)).get("events")


async def create_webhook_endpoint(request: Request) -> JSONResponse:
    """The secret is in this answer only; no Idempotency-Key, which would keep it."""
    rt = runtime_of(request)
    data = await json_object(request, rt.settings.max_body_bytes)

    def create(conn: Connection, actor: Actor) -> webhooks.Endpoint:
        url = fields(data, ("url",)).get("url")
        return webhooks.create_webhook_endpoint(conn, rt.clock, rt.settings.secret_key, actor, url, _events(data))

    endpoint = await as_operator(rt, request, create)
    return JSONResponse(shapes.webhook_endpoint(endpoint), status_code=201, headers=NO_STORE)


async def list_webhook_endpoints(request: Request) -> JSONResponse:
    rt, params = runtime_of(request), query_params(request)
    limit, after = limit_of(params), decode_cursor("webhook_endpoint", params.get("cursor"))
    found = await as_operator(rt, request, lambda conn, actor: webhooks.list_webhook_endpoints(
        conn, actor, after=after, limit=limit + 1))
    return page(found, limit, shapes.webhook_endpoint, lambda row: encode_cursor("webhook_endpoint", row.sid))


async def get_webhook_endpoint(request: Request) -> JSONResponse:
    rt, sid = runtime_of(request), request.path_params["sid"]
    endpoint = await as_operator(rt, request, webhooks.get_webhook_endpoint, sid)
    return JSONResponse(shapes.webhook_endpoint(endpoint))


async def delete_webhook_endpoint(request: Request) -> Response:
    rt, sid = runtime_of(request), request.path_params["sid"]
    await as_operator(rt, request, lambda conn, actor: webhooks.delete_webhook_endpoint(conn, rt.clock, actor, sid))
    return Response(status_code=204)


async def list_deliveries(request: Request) -> JSONResponse:
    rt, params, sid = runtime_of(request), query_params(request), request.path_params["sid"]
    limit, before = limit_of(params), int_cursor("delivery", params.get("cursor"))
    found = await as_operator(rt, request, lambda conn, actor: webhooks.list_deliveries(
        conn, actor, sid, limit=limit + 1, before=before))
    return page(found, limit, shapes.delivery, lambda row: encode_cursor("delivery", row.id))


async def redeliver(request: Request) -> JSONResponse:
    rt, sid, delivery_sid = runtime_of(request), request.path_params["sid"], request.path_params["delivery"]
    delivery = await as_operator(rt, request, lambda conn, actor: webhooks.redeliver(
        conn, rt.clock, actor, sid, delivery_sid))
    return JSONResponse(shapes.delivery(delivery), status_code=202)
