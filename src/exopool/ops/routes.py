"""The operational endpoints: /healthz, /readyz, /metrics."""

from __future__ import annotations

import contextlib
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exopool.db import ping
from exopool.errors import ServiceUnavailable
from exopool.http.runtime import runtime_of
from exopool.ops.metrics import Metrics
from exopool.services.inventory import count_numbers
from exopool.services.releases import count_releases


def _counts(conn: Connection) -> dict[str, dict[str, int]]:
    return {"releases": count_releases(conn), "numbers": count_numbers(conn)}


async def healthz(request: Request) -> JSONResponse:
    """The process is up and serving; says nothing about the database."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers (a 503 in the error shape while it does not)."""
    await runtime_of(request).db.run(ping)
    return JSONResponse({"status": "ready"})


async def metrics(request: Request) -> Response:
    current: Metrics = request.app.state.metrics
    counts: Any = None
    # The request metrics are still worth scraping; exopool_database_up says why the rest is stale.
    with contextlib.suppress(ServiceUnavailable):
        counts = await runtime_of(request).db.run(_counts)
    current.record_database(counts)
    return Response(current.exposition(), media_type=CONTENT_TYPE_LATEST)


def ops_routes() -> list[Route]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
