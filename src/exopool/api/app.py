"""create_app(settings): the ASGI application."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import AsyncIterator

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.routing import BaseRoute, Route

from exopool import errors
from exopool.api.errors import on_exopool_error, on_http_exception, on_unexpected
from exopool.api.openapi import serve_openapi
from exopool.api.observe import ObserveRequests
from exopool.api.ops import Metrics, ops_routes
from exopool.api.routes import ApiRoutes, number_routes
from exopool.api.runtime import Runtime
from exopool.carriers import Carrier
from exopool.carriers.factory import carrier_for
from exopool.clock import Clock, SystemClock
from exopool.config import Settings
from exopool.db import Database
from exopool.jobs.worker import ReleaseWorker
from exopool.migrations import upgrade
from exopool.ratelimit import RateLimiter
from exopool.sandbox import attach as sandbox_attach


def create_app(
    settings: Settings, *, clock: Clock | None = None, carrier: Carrier | None = None,
    extra_routes: list[BaseRoute] | None = None,
) -> Starlette:
    """The exopool application for these settings; migrations run when it starts."""
    from exopool.web import dashboard_routes  # here, so that importing exopool.web first cannot cycle

    settings = settings.with_secret()
    db, clock = Database(settings, background_checkpoints=True), clock or SystemClock()
    limiter = RateLimiter(settings.rate_limit_per_s, settings.rate_limit_burst) if settings.rate_limit_per_s else None
    runtime = Runtime(settings, db, clock, carrier or carrier_for(settings, db, clock), limiter=limiter)
    sandbox, sandbox_routes, sandbox_middleware = sandbox_attach(runtime) if settings.sandbox else (None, [], [])

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        upgrade(runtime.db.engine)
        runtime.db.start()
        if sandbox is not None:
            sandbox.start()
        with _in_process_worker(runtime):
            yield
        if sandbox is not None:
            sandbox.stop()
        runtime.db.dispose()

    metrics, api_routes = Metrics(), number_routes()
    app = Starlette(
        routes=[*api_routes, *ops_routes(), Route("/openapi.json", serve_openapi, methods=["GET"]),
                *dashboard_routes(), *(extra_routes or []), *sandbox_routes],
        # The API's own routes are served by ApiRoutes, innermost, so the sandbox still sees them.
        middleware=[Middleware(ObserveRequests, metrics=metrics), *sandbox_middleware,
                    Middleware(ApiRoutes, routes=api_routes)],
        exception_handlers={
            errors.ExopoolError: on_exopool_error,
            HTTPException: on_http_exception,
            Exception: on_unexpected,
        },
        lifespan=lifespan,
    )
    app.state.runtime = runtime
    app.state.sandbox = sandbox
    app.state.metrics = metrics
    return app


@contextlib.contextmanager
def _in_process_worker(runtime: Runtime):  # type: ignore[no-untyped-def]
    """One release worker in a thread, woken by each accepted release, unless turned off."""
    if not runtime.settings.run_worker:
        yield
        return
    worker = ReleaseWorker(runtime.db, runtime.settings, runtime.carrier, runtime.clock)
    worker.wake = runtime.releases_queued
    thread = threading.Thread(target=worker.run_forever, name="release-worker", daemon=True)
    thread.start()
    try:
        yield
    finally:
        worker.stop()
        thread.join(timeout=10)
