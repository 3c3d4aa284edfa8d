"""The composition root: create_app(settings) builds the ASGI application from every edge.

The only module besides the CLI that imports the edges. Every request passes ObserveRequests
(its id, access line and metrics) and the error boundary; a path under /v2_beta/ goes to the
Exotel API's own router (wrapped, in sandbox mode, by the sandbox's journal and fault rules),
and everything else to Starlette's router: the dashboard, the operational endpoints, the
OpenAPI document and the sandbox's control plane.
"""

from __future__ import annotations

import contextlib
import gc
import json
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from exopool.admin import PREFIX as ADMIN_PREFIX
from exopool.admin import AdminRoute, admin_routes
from exopool.admin import problems as admin_problems
from exopool.admin.openapi import with_admin
from exopool.api import errors as api_errors
from exopool.api.openapi import openapi_document
from exopool.api.router import ApiRouter
from exopool.api.routes import number_routes
from exopool.api.webhooks import webhook_routes
from exopool.carriers import Carrier
from exopool.carriers.factory import carrier_for
from exopool.clock import Clock, SystemClock
from exopool.config import Settings
from exopool.db import Database
from exopool.errors import MethodNotAllowed, RouteNotFound, StatusError
from exopool.http.boundary import ErrorBoundary
from exopool.http.runtime import Runtime
from exopool.jobs.webhooks import DeliveryWorker
from exopool.jobs.worker import ReleaseWorker
from exopool.logs import configure_logging
from exopool.migrations import upgrade
from exopool.ops.metrics import Metrics
from exopool.ops.observe import ObserveRequests
from exopool.ops.routes import ops_routes
from exopool.ratelimit import rate_limits_for
from exopool.sandbox.control import control_routes
from exopool.sandbox.core import Sandbox
from exopool.sandbox.middleware import SandboxMiddleware
from exopool.sandbox.panel import PanelControls
from exopool.services.instance import record_mode, with_instance_secret
from exopool.web import dashboard_routes
from exopool.web import errors as web_errors
from exopool.web.gate import LoginGate
from exopool.web.pages import BASE

API_PREFIX = "/v2_beta/"


def create_app(
    settings: Settings, *, clock: Clock | None = None, carrier: Carrier | None = None,
    extra_routes: list[BaseRoute] | None = None, admin_table: list[AdminRoute] | None = None,
) -> Starlette:
    """The exopool application for these settings; migrations run when it starts."""
    db, clock = Database(settings, background_checkpoints=True), clock or SystemClock()
    metrics = Metrics()
    limiter = rate_limits_for(settings.rate_limit_per_s, settings.rate_limit_burst, settings.rate_limit_storage,
                              on_failure=metrics.rate_limit_storage_errors.inc)
    runtime = Runtime(settings, db, clock, carrier or carrier_for(settings, db, clock), limiter=limiter)
    sandbox = Sandbox(runtime) if settings.sandbox else None
    api: ASGIApp = ApiRouter([*number_routes(), *webhook_routes()])  # its errors reach the app's boundary below
    if sandbox is not None:  # the journal keeps the answers as sent: the API's errors are rendered inside it
        api = SandboxMiddleware(ErrorBoundary(api, [], api_errors.render), sandbox, api_errors.render_error)
    # The dashboard's sandbox panel acts without the admin token, so it is offered only when none is set.
    panel = PanelControls(sandbox) if sandbox is not None and not settings.sandbox_admin_token else None
    app = Starlette(
        routes=[*ops_routes(), Route("/openapi.json", serve_openapi, methods=["GET"]), *dashboard_routes(panel),
                *admin_routes(admin_table or []), *(extra_routes or []),
                *(control_routes() if sandbox is not None else [])],
        middleware=[Middleware(ObserveRequests, metrics=metrics),
                    Middleware(ErrorBoundary, renderers=[(BASE, web_errors.render),
                                                         (ADMIN_PREFIX + "/", admin_problems.render)],
                               default=api_errors.render),
                    Middleware(PathPrefix, prefix=API_PREFIX, inner=api)],
        exception_handlers={HTTPException: _as_our_error},
        lifespan=_lifespan(runtime, sandbox),
    )
    app.router.redirect_slashes = False  # see web.dashboard_routes: a redirect built from the Host header
    app.state.runtime, app.state.sandbox, app.state.metrics, app.state.api = runtime, sandbox, metrics, api
    app.state.login_gate = LoginGate(settings.login_attempts_per_minute, clock)
    return app


def full_openapi_document() -> dict[str, object]:
    """The OpenAPI document of every API exopool serves: the Exotel routes and the admin API."""
    return with_admin(openapi_document())


def render_openapi() -> str:
    """The document as checked into docs/openapi.json."""
    return json.dumps(full_openapi_document(), indent=2, sort_keys=False) + "\n"


async def serve_openapi(request: Request) -> JSONResponse:
    return JSONResponse(full_openapi_document())


def app_from_env() -> Starlette:
    """An app built from the environment, for `uvicorn --factory` and several server processes."""
    settings = Settings.from_env()
    configure_logging(settings.log_level, settings.log_json)
    app = create_app(settings)
    # What start-up built lives as long as the server process: out of the collector's way, so
    # collections while serving walk only what requests allocate.
    gc.freeze()
    return app


class PathPrefix:
    """A mount without a router of its own: requests whose path starts with prefix go to inner."""

    def __init__(self, app: ASGIApp, prefix: str, inner: ASGIApp) -> None:
        self.app, self.prefix, self.inner = app, prefix, inner

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            await self.inner(scope, receive, send)
        else:
            await self.app(scope, receive, send)


async def _as_our_error(request: Request, error: Exception) -> Response:
    """Starlette's router speaks HTTPException; the error boundary renders our errors."""
    assert isinstance(error, HTTPException)
    if error.status_code == 404:
        raise RouteNotFound(request.url.path)
    if error.status_code == 405:
        allowed = tuple((error.headers or {}).get("Allow", "").split(", "))
        raise MethodNotAllowed(request.method, request.url.path, allowed)
    raise StatusError(error.status_code, error.detail)


def _lifespan(runtime: Runtime, sandbox: Sandbox | None) -> Callable[[Starlette], AbstractAsyncContextManager[None]]:
    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        db = runtime.db
        upgrade(db.engine)
        runtime.settings = db.transact(with_instance_secret, runtime.clock.now(), runtime.settings)
        db.transact(record_mode, runtime.clock.now(), runtime.settings.sandbox)
        db.start()
        if sandbox is not None:
            sandbox.start()
        with _in_process_worker(runtime):
            yield
        if runtime.limiter is not None:
            await runtime.limiter.aclose()
        runtime.db.dispose()

    return lifespan


@contextlib.contextmanager
def _in_process_worker(runtime: Runtime) -> Iterator[None]:
    """A release worker and a webhook delivery worker in threads, each woken by what this process
    queues for it, unless turned off."""
    if not runtime.settings.run_worker:
        yield
        return
    workers: list[ReleaseWorker | DeliveryWorker] = [
        ReleaseWorker(runtime.db, runtime.settings, runtime.carrier, runtime.clock),
        DeliveryWorker(runtime.db, runtime.settings, runtime.clock),
    ]
    threads = [threading.Thread(target=worker.run_forever, name=name, daemon=True)
               for worker, name in zip(workers, ("release-worker", "webhook-worker"), strict=True)]
    for thread in threads:
        thread.start()
    try:
        yield
    finally:
        for worker in workers:
            worker.stop()
        for thread in threads:
            thread.join(timeout=10)


__all__ = ["app_from_env", "create_app", "full_openapi_document", "render_openapi"]
