"""Operational endpoints and request metrics: /healthz, /readyz, /metrics.

Request counts and latencies are counted by the process that served the request; the release
and queue gauges are read from the database at scrape time, so they are whole-system values.
When several processes share a port (`serve --workers N`), a scrape reaches any one of them, so
they count in files of one shared directory (prometheus_client's multiprocess mode, switched on
by PROMETHEUS_MULTIPROC_DIR) and every scrape reports the sum of them all.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import Connection, func, select, text
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exopool.api.runtime import runtime_of
from exopool.errors import ServiceUnavailable
from exopool.models import PhoneNumber, ReleaseJob

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
QUEUED_STATES = ("queued", "running")
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"  # read by prometheus_client when it is first imported


class Metrics:
    """The registry of one app, so several apps in one process never share counters."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter("exopool_http_requests", "HTTP requests by route template, method and status",
                                ("route", "method", "status"), registry=self.registry)
        self.latency = Histogram("exopool_http_request_duration_seconds", "HTTP request latency by route template",
                                 ("route",), buckets=LATENCY_BUCKETS, registry=self.registry)
        # Set from the database by whichever process is scraped: with several, the latest is the value.
        latest: Any = "mostrecent"
        self.releases = Gauge("exopool_release_jobs", "Release jobs by state", ("state",), registry=self.registry,
                              multiprocess_mode=latest)
        self.queue_depth = Gauge("exopool_release_queue_depth", "Release jobs queued or running",
                                 registry=self.registry, multiprocess_mode=latest)
        self.numbers = Gauge("exopool_phone_numbers", "Numbers of the pool by lifecycle state", ("state",),
                             registry=self.registry, multiprocess_mode=latest)
        self.database_up = Gauge("exopool_database_up", "1 if the database answered the last scrape",
                                 registry=self.registry, multiprocess_mode=latest)
        self._request_counts: dict[tuple[str, str, int], Any] = {}
        self._request_timings: dict[str, Any] = {}

    def observe(self, route: str, method: str, status: int, seconds: float) -> None:
        # The labelled children are kept: looking them up by labels costs more than counting.
        count = self._request_counts.get((route, method, status))
        if count is None:
            count = self._request_counts[(route, method, status)] = self.requests.labels(route, method, str(status))
        timing = self._request_timings.get(route)
        if timing is None:
            timing = self._request_timings[route] = self.latency.labels(route)
        count.inc()
        timing.observe(seconds)

    def exposition(self) -> bytes:
        """The text a scrape gets: this app's metrics, or those of every process sharing the directory."""
        if MULTIPROCESS_DIR not in os.environ:
            return generate_latest(self.registry)
        shared = CollectorRegistry()
        MultiProcessCollector(shared)
        return generate_latest(shared)

    def record_database(self, counts: dict[str, dict[str, int]] | None) -> None:
        self.database_up.set(0 if counts is None else 1)
        if counts is None:
            return
        for state, count in counts["releases"].items():
            self.releases.labels(state).set(count)
        self.queue_depth.set(sum(counts["releases"].get(state, 0) for state in QUEUED_STATES))
        for state, count in counts["numbers"].items():
            self.numbers.labels(state).set(count)


def _ping(conn: Connection) -> None:
    conn.execute(text("SELECT 1"))


def _counts(conn: Connection) -> dict[str, dict[str, int]]:
    releases = conn.execute(select(ReleaseJob.state, func.count()).group_by(ReleaseJob.state)).all()
    numbers = conn.execute(select(PhoneNumber.state, func.count()).group_by(PhoneNumber.state)).all()
    return {"releases": {state: count for state, count in releases},
            "numbers": {state: count for state, count in numbers}}


async def healthz(request: Request) -> JSONResponse:
    """The process is up and serving; says nothing about the database."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> JSONResponse:
    """Ready for traffic: the database answers (a 503 in the error shape while it does not)."""
    await runtime_of(request).db.run(_ping)
    return JSONResponse({"status": "ready"})


async def metrics(request: Request) -> Response:
    current: Metrics = request.app.state.metrics
    counts: Any = None
    try:
        counts = await runtime_of(request).db.run(_counts)
    except ServiceUnavailable:
        pass  # the request metrics are still worth scraping; exopool_database_up says why the rest is stale
    current.record_database(counts)
    return Response(current.exposition(), media_type=CONTENT_TYPE_LATEST)


def ops_routes() -> list[Route]:
    return [
        Route("/healthz", healthz, methods=["GET"]),
        Route("/readyz", readyz, methods=["GET"]),
        Route("/metrics", metrics, methods=["GET"]),
    ]
