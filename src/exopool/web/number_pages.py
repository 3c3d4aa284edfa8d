"""Dashboard pages about ExoPhones: list, one number with its history, edit, buy, release."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Connection
from starlette.responses import Response
from starlette.routing import Route

from exopool.errors import ExopoolError, InvalidParameter
from exopool.http.requests import parse_int
from exopool.phone import INDIAN_CIRCLES, NUMBER_TYPES, parse_circle, parse_country, parse_number_type, to_e164
from exopool.services import available_numbers as available
from exopool.services import phone_numbers as numbers
from exopool.services.history import phone_number_history
from exopool.web.errors import field_errors
from exopool.web.labels import event_label
from exopool.web.pages import BOTH, GET, POST
from exopool.web.visit import Visit, page

PAGE_SIZE = 20
RESULTS = 20
MOST_PAGES = 1_000_000
SMS_CHOICES = {"": None, "yes": True, "no": False}
FILTERS = ("country", "type", "region", "contains", "sms")


@page()
async def list_phone_numbers_page(visit: Visit) -> Response:
    page_number = parse_int("page", visit.request.query_params.get("page"), 0, 0, MOST_PAGES)
    listing = await visit.run(numbers.list_phone_numbers, visit.actor(), page_number, PAGE_SIZE)
    return visit.render("numbers.html", {"listing": listing, "nav": "numbers"})


@page()
async def get_phone_number_page(visit: Visit) -> Response:
    """One number: its sid, dates and settings, and every event of it since this account bought it."""
    sid, actor = visit.request.path_params["sid"], visit.actor()

    def load(conn: Connection) -> tuple[Any, Any]:
        number = numbers.get_phone_number(conn, actor, sid)
        return number, phone_number_history(conn, actor, number.sid)

    number, history = await visit.run(load)
    return visit.render("number.html", {"number": number, "history": history, "event_label": event_label,
                                        "nav": "numbers"})


@page()
async def update_phone_number_page(visit: Visit) -> Response:
    """GET: the edit form. POST: save the name and URLs; a bad value shows the form again, the reason beside it."""
    sid, actor, clock = visit.request.path_params["sid"], visit.actor(), visit.runtime.clock
    number = await visit.run(numbers.get_phone_number, actor, sid)
    if visit.request.method == "GET":
        return visit.render("number_edit.html", {"number": number, "nav": "numbers"})
    changes = {"friendly_name": visit.field("friendly_name"), "voice_url": visit.field("voice_url"),
               "sms_url": visit.field("sms_url")}
    try:
        await visit.run(lambda conn: numbers.update_phone_number(conn, clock, actor, sid, **changes))
    except InvalidParameter as error:
        return visit.render("number_edit.html", {"number": number, "values": changes, "errors": field_errors(error),
                                                 "nav": "numbers"}, status=error.status)
    visit.flash(f"Saved {number.phone_number}.")
    return visit.redirect(f"/numbers/{number.sid}")


@page()
async def search_available_numbers_page(visit: Visit) -> Response:
    """The API's search (country, type, region, contains, SMS) as a form, a page of results at a time."""
    assert visit.user is not None
    rt, cluster, query = visit.runtime, visit.user.cluster, visit.request.query_params
    filters = {name: query.get(name, "").strip() for name in FILTERS}
    filters["country"] = filters["country"] or visit.user.country
    filters["type"] = filters["type"] or NUMBER_TYPES[0]
    context: dict[str, Any] = {"filters": filters, "types": NUMBER_TYPES, "circles": sorted(INDIAN_CIRCLES),
                               "nav": "buy", "page": 0}
    try:
        page_number = parse_int("page", query.get("page"), 0, 0, MOST_PAGES)
        search = _search(cluster, filters, page_number)
    except ExopoolError as error:
        errors = field_errors(error, {"number_type": "type"})
        return visit.render("buy.html", {**context, "results": [], "errors": errors}, status=error.status)

    def find(conn: Connection) -> tuple[list[str], list[Any], bool]:
        now = rt.clock.now()
        countries = available.list_available_countries(conn, now, cluster)
        found = available.search_available_numbers(conn, now, search)
        return countries, found, bool(available.search_available_numbers(conn, now, _one_after(search)))

    countries, results, has_next = await visit.run(find)
    return visit.render("buy.html", {**context, "countries": countries, "results": results, "page": page_number,
                                     "has_next": has_next, "query": {k: v for k, v in filters.items() if v}})


def _search(cluster: str, filters: dict[str, str], page_number: int) -> available.Search:
    contains = filters["contains"]
    if contains and (not contains.isdigit() or len(contains) > 16):
        raise InvalidParameter("contains", f"must be up to 16 digits, not {contains!r}")
    if filters["sms"] not in SMS_CHOICES:
        raise InvalidParameter("sms", f"must be yes, no or empty, not {filters['sms']!r}")
    region = parse_circle(filters["region"]) if filters["region"] else None
    return available.Search(cluster, parse_country(filters["country"]), parse_number_type(filters["type"]),
                            SMS_CHOICES[filters["sms"]], region, contains or None, page_number, RESULTS)


def _one_after(search: available.Search) -> available.Search:
    """The first result after search's page: whether a next page has any."""
    return available.Search(search.cluster, search.country, search.number_type, search.sms, search.region,
                            search.contains, (search.page + 1) * search.page_size, 1)


@page()
async def purchase_phone_number_page(visit: Visit) -> Response:
    rt, actor, wanted = visit.runtime, visit.actor(), visit.field("phone_number")
    number = await visit.run(lambda conn: numbers.purchase_phone_number(conn, rt.clock, actor, wanted,
                                                                        refusal=rt.purchase_refusal))
    visit.flash(f"Bought {number.phone_number}. It is yours now; set its URLs with Edit.")
    return visit.redirect(f"/numbers/{number.sid}")


@page()
async def release_phone_number_page(visit: Visit) -> Response:
    """GET: ask the user to type the number. POST: release it if they typed it right."""
    sid, actor, clock = visit.request.path_params["sid"], visit.actor(), visit.runtime.clock
    number = await visit.run(numbers.get_phone_number, actor, sid)
    window = visit.runtime.settings.restore_window
    shown = {"number": number, "nav": "numbers",
             "restorable_until": clock.now() + timedelta(seconds=window) if window else None}
    if visit.request.method == "GET":
        return visit.render("release.html", shown)
    if not _same_number(visit.field("confirm"), number.phone_number, number.country):
        errors = {"confirm": f"Type {number.phone_number} exactly to release it."}
        return visit.render("release.html", {**shown, "errors": errors}, status=400)
    await visit.run(lambda conn: numbers.release_phone_number(conn, clock, actor, sid))
    visit.flash(f"Release of {number.phone_number} accepted: it has left your account and goes back to the pool.")
    return visit.redirect("/numbers")


def _same_number(typed: str, e164: str, country: str) -> bool:
    try:
        return bool(typed) and to_e164(typed, country) == e164
    except InvalidParameter:
        return False


ROUTES = [
    Route("/numbers", list_phone_numbers_page, methods=GET),
    Route("/numbers/buy", search_available_numbers_page, methods=GET),
    Route("/numbers/buy", purchase_phone_number_page, methods=POST),
    Route("/numbers/{sid}", get_phone_number_page, methods=GET),
    Route("/numbers/{sid}/edit", update_phone_number_page, methods=BOTH),
    Route("/numbers/{sid}/release", release_phone_number_page, methods=BOTH),
]
