"""The dashboard: server-rendered pages under /dashboard that call the same services as the API."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route, Router
from starlette.staticfiles import StaticFiles

from exopool.web import account_pages as accounts
from exopool.web import number_pages as numbers
from exopool.web import webhook_pages as hooks
from exopool.web.pages import BASE, HERE

GET, POST, BOTH = ["GET"], ["POST"], ["GET", "POST"]


async def to_dashboard(_request: Request) -> Response:
    return RedirectResponse(f"{BASE}/numbers", status_code=307)


def dashboard_routes() -> list[BaseRoute]:
    pages = [
        Route("/", to_dashboard, methods=GET),
        Route("/login", accounts.log_in_page, methods=BOTH),
        Route("/logout", accounts.log_out_page, methods=POST),
        Route("/api-settings", accounts.api_settings_page, methods=GET),
        Route("/api-settings/keys", accounts.create_api_key_page, methods=POST),
        Route("/api-settings/keys/{key}/revoke", accounts.revoke_api_key_page, methods=BOTH),
        Route("/events", accounts.events_page, methods=GET),
        Route("/numbers", numbers.list_phone_numbers_page, methods=GET),
        Route("/numbers/buy", numbers.search_available_numbers_page, methods=GET),
        Route("/numbers/buy", numbers.purchase_phone_number_page, methods=POST),
        Route("/numbers/{sid}", numbers.update_phone_number_page, methods=BOTH),
        Route("/numbers/{sid}/release", numbers.release_phone_number_page, methods=BOTH),
        Route("/webhooks", hooks.list_webhook_endpoints_page, methods=GET),
        Route("/webhooks", hooks.create_webhook_endpoint_page, methods=POST),
        Route("/webhooks/{sid}/delete", hooks.delete_webhook_endpoint_page, methods=BOTH),
        Route("/webhooks/{sid}/deliveries", hooks.list_deliveries_page, methods=GET),
        Route("/webhooks/{sid}/deliveries/{delivery}/redeliver", hooks.redeliver_page, methods=POST),
        Mount("/static", StaticFiles(directory=str(HERE / "static")), name="static"),
    ]
    # No router here redirects a path to its twin with or without a slash: such a redirect is built from
    # the Host header, which a client chooses. /dashboard itself is sent on by a relative redirect.
    return [Route("/", to_dashboard, methods=GET), Route(BASE, to_dashboard, methods=GET),
            Mount(BASE, app=Router(routes=pages, redirect_slashes=False))]
