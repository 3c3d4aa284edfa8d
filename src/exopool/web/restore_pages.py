"""Dashboard pages to undo a release: the numbers released recently, and a restore with a confirmation."""

from __future__ import annotations

import anyio.to_thread
from starlette.responses import Response
from starlette.routing import Route

from exopool.errors import NumberNotRestorable
from exopool.jobs.restorer import Restorer
from exopool.services import restores
from exopool.web.pages import BOTH, GET
from exopool.web.visit import Visit, page


@page()
async def list_restorable_numbers_page(visit: Visit) -> Response:
    rt = visit.runtime
    released = await visit.run(restores.list_restorable_numbers, rt.clock.now(), visit.actor(),
                               rt.settings.restore_window)
    return visit.render("released.html", {"released": released, "nav": "numbers"})


@page()
async def restore_phone_number_page(visit: Visit) -> Response:
    """GET: ask the user to confirm. POST: restore the number, asking the carrier first if it must."""
    sid, actor, rt = visit.request.path_params["sid"], visit.actor(), visit.runtime
    found = await visit.run(restores.list_restorable_numbers, rt.clock.now(), actor, rt.settings.restore_window, sid)
    if not found:
        raise NumberNotRestorable(sid, "not among this account's recent releases")
    if visit.request.method == "GET":
        return visit.render("restore.html", {"number": found[0], "nav": "numbers"})
    restorer = Restorer(rt.db, rt.settings, rt.carrier, rt.clock)
    number = await anyio.to_thread.run_sync(restorer.restore_phone_number, actor, sid)
    visit.flash(f"Restored {number.phone_number}: it is yours again, with its name and URLs.")
    return visit.redirect("/numbers")


ROUTES = [
    Route("/released", list_restorable_numbers_page, methods=GET),
    Route("/released/{sid}/restore", restore_phone_number_page, methods=BOTH),
]
