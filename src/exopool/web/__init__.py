"""The dashboard: server-rendered pages under /dashboard that call the same services as the API.

Each page module lists its routes (`ROUTES`); a new module adds its list to `page_routes` below and,
to appear in the navigation, an entry to `pages.NAV`.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router, request_response
from starlette.staticfiles import StaticFiles
from starlette.types import Receive, Scope, Send

from exopool.errors import RouteNotFound
from exopool.web import (
    account_pages,
    log_pages,
    number_pages,
    operator_pages,
    pool_pages,
    restore_pages,
    sandbox_pages,
    webhook_pages,
)
from exopool.web.controls import SandboxControls
from exopool.web.errors import error_page
from exopool.web.pages import BASE, HERE, NAV, SANDBOX_NAV, SCOPE_KEY, Shared
from exopool.web.visit import open_visit


async def to_dashboard(request: Request) -> Response:
    """The first page of whoever is logged in (the login form leads there for anybody else)."""
    visit = await open_visit(request)
    return RedirectResponse(f"{BASE}{visit.home}", status_code=307)


async def not_found_page(request: Request) -> Response:
    """Any other path under /dashboard, by any method: the dashboard's own 404 page, with the navigation
    when logged in (and no CSRF check first: there is no form to protect)."""
    visit = await open_visit(request)
    response = error_page(request, RouteNotFound(request.url.path), visit.frame())
    visit.save(response)
    return response


def page_routes(sandbox: SandboxControls | None) -> list[BaseRoute]:
    return [Route("/", to_dashboard, methods=["GET"]), *account_pages.ROUTES, *number_pages.ROUTES,
            *restore_pages.ROUTES, *webhook_pages.ROUTES,
            *(sandbox_pages.ROUTES if sandbox is not None else []),
            *operator_pages.ROUTES, *pool_pages.ROUTES, *log_pages.ROUTES]


class Dashboard:
    """The dashboard's router; it hands its pages what they share (see pages.Shared)."""

    def __init__(self, sandbox: SandboxControls | None = None) -> None:
        self.shared = Shared(nav=[*NAV, *([SANDBOX_NAV] if sandbox is not None else [])], sandbox=sandbox)
        static = Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
        self.router = Router(routes=[*page_routes(sandbox), static], redirect_slashes=False,
                             default=request_response(not_found_page))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope[SCOPE_KEY] = self.shared
        await self.router(scope, receive, send)


def dashboard_routes(sandbox: SandboxControls | None = None) -> list[BaseRoute]:
    """The dashboard's routes; with a sandbox's controls, its sandbox panel too."""
    # No router here redirects a path to its twin with or without a slash: such a redirect is built from
    # the Host header, which a client chooses. /dashboard itself is sent on by a relative redirect.
    return [Route("/", to_dashboard, methods=["GET"]), Route(BASE, to_dashboard, methods=["GET"]),
            Mount(BASE, app=Dashboard(sandbox))]
