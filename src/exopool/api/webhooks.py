"""The account's webhook endpoints and their deliveries: an extension of the account's API.

Exotel has no such routes, so no Exotel client calls them; they answer and fail as the other
account routes do (HTTP Basic, the same error body).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exopool.api.auth import as_caller
from exopool.api.params import strip_json
from exopool.api.router import Route
from exopool.api.routes import ACCOUNT, resource
from exopool.entities import Actor
from exopool.http.requests import read_body_params
from exopool.http.runtime import runtime_of
from exopool.lifecycle import DeliveryState
from exopool.services import webhooks
from exopool.shown import timestamp

ENDPOINTS = f"{ACCOUNT}/WebhookEndpoints"


def endpoint_to_wire(account_sid: str, endpoint: webhooks.Endpoint) -> dict[str, Any]:
    shown: dict[str, Any] = {
        "sid": endpoint.sid,
        "url": endpoint.url,
        "events": endpoint.events,
        "status": endpoint.state,
        "disabled_reason": endpoint.disabled_reason,
        "date_created": timestamp(endpoint.date_created),
        "uri": f"/v2_beta/Accounts/{account_sid}/WebhookEndpoints/{endpoint.sid}",
    }
    if endpoint.secret is not None:
        shown["secret"] = endpoint.secret
    return shown


def delivery_to_wire(delivery: Any) -> dict[str, Any]:
    pending = delivery.state == DeliveryState.PENDING
    return {
        "id": delivery.sid,
        "type": delivery.event_type,
        "status": delivery.state,
        "attempts": delivery.attempts,
        "last_response_status": delivery.last_status,
        "last_response_excerpt": delivery.last_response,
        "last_error": delivery.last_error,
        "next_attempt_at": timestamp(delivery.next_attempt_at) if pending else None,
        "date_created": timestamp(delivery.created_at),
        "date_delivered": timestamp(delivery.delivered_at),
    }


async def create_webhook_endpoint(request: Request) -> Response:
    """No Idempotency-Key here: a kept answer would keep the secret, which is shown once."""
    rt = runtime_of(request)
    body = await read_body_params(request, rt.settings.max_body_bytes)

    def create(conn: Connection, actor: Actor) -> webhooks.Endpoint:
        params = body.get()  # judged after authentication
        return webhooks.create_webhook_endpoint(conn, rt.clock, rt.settings.secret_key, actor, params.get("url"),
                                                params.get("events"))

    endpoint = await as_caller(rt, request, create)
    return JSONResponse(endpoint_to_wire(request.path_params["account_sid"], endpoint), status_code=201)


async def list_webhook_endpoints(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    found = await as_caller(rt, request, webhooks.list_webhook_endpoints)
    account_sid = request.path_params["account_sid"]
    return JSONResponse({"webhook_endpoints": [endpoint_to_wire(account_sid, e) for e in found]})


async def get_webhook_endpoint(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    endpoint = await as_caller(rt, request, webhooks.get_webhook_endpoint, strip_json(request.path_params["sid"]))
    return JSONResponse(endpoint_to_wire(request.path_params["account_sid"], endpoint))


async def delete_webhook_endpoint(request: Request) -> Response:
    rt = runtime_of(request)
    sid = strip_json(request.path_params["sid"])
    await as_caller(rt, request, lambda conn, actor: webhooks.delete_webhook_endpoint(conn, rt.clock, actor, sid))
    return Response(status_code=204)


async def list_deliveries(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    found = await as_caller(rt, request, webhooks.list_deliveries, request.path_params["sid"])
    return JSONResponse({"deliveries": [delivery_to_wire(d) for d in found]})


async def redeliver(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    sid, delivery_sid = request.path_params["sid"], request.path_params["delivery"]
    delivery = await as_caller(rt, request,
                               lambda conn, actor: webhooks.redeliver(conn, rt.clock, actor, sid, delivery_sid))
    return JSONResponse(delivery_to_wire(delivery), status_code=202)


def webhook_routes() -> list[Route]:
    return [
        *resource(ENDPOINTS, {"GET": list_webhook_endpoints, "POST": create_webhook_endpoint}),
        *resource(f"{ENDPOINTS}/{{sid}}", {"GET": get_webhook_endpoint, "DELETE": delete_webhook_endpoint},
                  json_suffix=False),
        *resource(f"{ENDPOINTS}/{{sid}}/Deliveries", {"GET": list_deliveries}),
        *resource(f"{ENDPOINTS}/{{sid}}/Deliveries/{{delivery}}/Redeliver", {"POST": redeliver}, json_suffix=False),
    ]

