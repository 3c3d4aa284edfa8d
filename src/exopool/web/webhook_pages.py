"""Dashboard pages about webhook endpoints: create (the secret shown once), list, delete, deliveries, redeliver."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import Route

from exopool.errors import BadRequest
from exopool.services import webhooks
from exopool.services.deliveries import WEBHOOK_TYPES
from exopool.web.errors import message_of
from exopool.web.pages import BOTH, GET, POST
from exopool.web.visit import Visit, page


@page()
async def list_webhook_endpoints_page(visit: Visit) -> Response:
    endpoints = await visit.run(webhooks.list_webhook_endpoints, visit.actor())
    context = {"endpoints": endpoints, "types": WEBHOOK_TYPES, "nav": "webhooks", "created": visit.take_once()}
    return visit.render("webhooks.html", context)


@page()
async def create_webhook_endpoint_page(visit: Visit) -> Response:
    """Create an endpoint; the page it leads to shows the secret once, and a reload never again."""
    rt, actor = visit.runtime, visit.actor()
    chosen = [kind for kind in WEBHOOK_TYPES if visit.form is not None and visit.form.get(kind)]
    url, events = visit.field("url"), ",".join(chosen)
    try:
        endpoint = await visit.run(lambda conn: webhooks.create_webhook_endpoint(
            conn, rt.clock, rt.settings.secret_key, actor, url, events))
    except BadRequest as error:
        endpoints = await visit.run(webhooks.list_webhook_endpoints, actor)
        return visit.render("webhooks.html", {"endpoints": endpoints, "types": WEBHOOK_TYPES, "nav": "webhooks",
                                              "error": message_of(error), "url": url, "chosen": chosen},
                            status=error.status)
    assert endpoint.secret is not None
    visit.keep_once({"sid": endpoint.sid, "url": endpoint.url, "secret": endpoint.secret})
    return visit.redirect("/webhooks")


@page()
async def delete_webhook_endpoint_page(visit: Visit) -> Response:
    """GET: ask for confirmation. POST: delete; nothing more is sent to the endpoint."""
    sid, actor, clock = visit.request.path_params["sid"], visit.actor(), visit.runtime.clock
    endpoint = await visit.run(webhooks.get_webhook_endpoint, actor, sid)
    if visit.request.method == "GET":
        return visit.render("webhook_delete.html", {"endpoint": endpoint, "nav": "webhooks"})
    await visit.run(lambda conn: webhooks.delete_webhook_endpoint(conn, clock, actor, sid))
    visit.flash(f"Webhook endpoint {endpoint.url} is deleted: nothing more is sent to it.")
    return visit.redirect("/webhooks")


@page()
async def list_deliveries_page(visit: Visit) -> Response:
    sid, actor = visit.request.path_params["sid"], visit.actor()
    endpoint = await visit.run(webhooks.get_webhook_endpoint, actor, sid)
    deliveries = await visit.run(webhooks.list_deliveries, actor, sid)
    return visit.render("webhook_deliveries.html", {"endpoint": endpoint, "deliveries": deliveries,
                                                    "nav": "webhooks"})


@page()
async def redeliver_page(visit: Visit) -> Response:
    sid, delivery, actor = visit.request.path_params["sid"], visit.request.path_params["delivery"], visit.actor()
    clock = visit.runtime.clock
    await visit.run(lambda conn: webhooks.redeliver(conn, clock, actor, sid, delivery))
    visit.flash(f"Delivery {delivery} is sent again.")
    return visit.redirect(f"/webhooks/{sid}/deliveries")


ROUTES = [
    Route("/webhooks", list_webhook_endpoints_page, methods=GET),
    Route("/webhooks", create_webhook_endpoint_page, methods=POST),
    Route("/webhooks/{sid}/delete", delete_webhook_endpoint_page, methods=BOTH),
    Route("/webhooks/{sid}/deliveries", list_deliveries_page, methods=GET),
    Route("/webhooks/{sid}/deliveries/{delivery}/redeliver", redeliver_page, methods=POST),
]
