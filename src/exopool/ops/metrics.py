"""Request metrics, and the inventory gauges a scrape reads from the database.

Request counts and latencies are counted by the process that served the request; the release
and queue gauges are read from the database at scrape time, so they are whole-system values.
When several processes share a port (`serve --workers N`), a scrape reaches any one of them, so
they count in files of one shared directory (prometheus_client's multiprocess mode, switched on
by PROMETHEUS_MULTIPROC_DIR) and every scrape reports the sum of them all.
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

from exopool.lifecycle import IN_QUEUE

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
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
        self.rate_limit_storage_errors = Counter(
            "exopool_rate_limit_storage_errors", "Requests served unlimited because the rate-limit storage failed",
            registry=self.registry)
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
        MultiProcessCollector(shared)  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated
        return generate_latest(shared)

    def record_database(self, counts: dict[str, dict[str, int]] | None) -> None:
        self.database_up.set(0 if counts is None else 1)
        if counts is None:
            return
        for state, count in counts["releases"].items():
            self.releases.labels(state).set(count)
        self.queue_depth.set(sum(counts["releases"].get(state, 0) for state in IN_QUEUE))
        for state, count in counts["numbers"].items():
            self.numbers.labels(state).set(count)
