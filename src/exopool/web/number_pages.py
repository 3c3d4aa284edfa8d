"""Dashboard pages about ExoPhones: list, edit, buy, release."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection
from starlette.responses import Response

from exopool.errors import ExopoolError, InvalidParameter
from exopool.http.requests import parse_int
from exopool.phone import INDIAN_CIRCLES, NUMBER_TYPES, parse_circle, parse_country, parse_number_type, to_e164
from exopool.services import available_numbers as available
from exopool.services import phone_numbers as numbers
from exopool.web.errors import message_of
from exopool.web.visit import Visit, page

PAGE_SIZE = 20
RESULTS = 20
SMS_CHOICES = {"": None, "yes": True, "no": False}


@page()
async def list_phone_numbers_page(visit: Visit) -> Response:
    page_number = parse_int("page", visit.request.query_params.get("page"), 0, 0, 1_000_000)
    listing = await visit.run(numbers.list_phone_numbers, visit.actor(), page_number, PAGE_SIZE)
    return visit.render("numbers.html", {"listing": listing, "nav": "numbers"})


@page()
async def update_phone_number_page(visit: Visit) -> Response:
    """GET: the edit form. POST: save the name and URLs; a bad URL shows the form again with why."""
    sid, actor, clock = visit.request.path_params["sid"], visit.actor(), visit.runtime.clock
    number = await visit.run(numbers.get_phone_number, actor, sid)
    if visit.request.method == "GET":
        return visit.render("number_edit.html", {"number": number, "nav": "numbers"})
    changes = {"friendly_name": visit.field("friendly_name"), "voice_url": visit.field("voice_url"),
               "sms_url": visit.field("sms_url")}
    try:
        await visit.run(lambda conn: numbers.update_phone_number(conn, clock, actor, sid, **changes))
    except InvalidParameter as error:
        return visit.render("number_edit.html", {"number": number, "values": changes, "error": message_of(error),
                                                 "nav": "numbers"}, status=error.status)
    visit.flash(f"Saved {number.phone_number}.")
    return visit.redirect("/numbers")


@page()
async def search_available_numbers_page(visit: Visit) -> Response:
    """The API's search (country, type, region, contains, SMS) as a form, with a buy button per result."""
    assert visit.user is not None
    rt, cluster, query = visit.runtime, visit.user.cluster, visit.request.query_params
    filters = {name: query.get(name, "").strip() for name in ("country", "type", "region", "contains", "sms")}
    filters["country"] = filters["country"] or visit.user.country
    filters["type"] = filters["type"] or NUMBER_TYPES[0]
    context: dict[str, Any] = {"filters": filters, "types": NUMBER_TYPES, "circles": sorted(INDIAN_CIRCLES),
                               "nav": "buy"}
    try:
        search = _search(cluster, filters)
    except ExopoolError as error:
        return visit.render("buy.html", {**context, "results": [], "error": message_of(error)}, status=error.status)

    def find(conn: Connection) -> tuple[list[str], list[Any]]:
        now = rt.clock.now()
        countries = available.list_available_countries(conn, now, cluster)
        return countries, available.search_available_numbers(conn, now, search)

    countries, results = await visit.run(find)
    return visit.render("buy.html", {**context, "countries": countries, "results": results})


def _search(cluster: str, filters: dict[str, str]) -> available.Search:
    contains = filters["contains"]
    if contains and (not contains.isdigit() or len(contains) > 16):
        raise InvalidParameter("contains", f"must be up to 16 digits, not {contains!r}")
    if filters["sms"] not in SMS_CHOICES:
        raise InvalidParameter("sms", f"must be yes, no or empty, not {filters['sms']!r}")
    region = parse_circle(filters["region"]) if filters["region"] else None
    return available.Search(cluster, parse_country(filters["country"]), parse_number_type(filters["type"]),
                            SMS_CHOICES[filters["sms"]], region, contains or None, 0, RESULTS)


@page()
async def purchase_phone_number_page(visit: Visit) -> Response:
    rt, actor, wanted = visit.runtime, visit.actor(), visit.field("phone_number")
    number = await visit.run(lambda conn: numbers.purchase_phone_number(conn, rt.clock, actor, wanted,
                                                                        refusal=rt.purchase_refusal))
    visit.flash(f"Bought {number.phone_number}. It is yours now; set its URLs with Edit.")
    return visit.redirect("/numbers")


@page()
async def release_phone_number_page(visit: Visit) -> Response:
    """GET: ask the user to type the number. POST: release it if they typed it right."""
    sid, actor, clock = visit.request.path_params["sid"], visit.actor(), visit.runtime.clock
    number = await visit.run(numbers.get_phone_number, actor, sid)
    if visit.request.method == "GET":
        return visit.render("release.html", {"number": number, "nav": "numbers"})
    if not _same_number(visit.field("confirm"), number.phone_number, number.country):
        error = f"Type {number.phone_number} exactly to release it."
        return visit.render("release.html", {"number": number, "error": error, "nav": "numbers"}, status=400)
    await visit.run(lambda conn: numbers.release_phone_number(conn, clock, actor, sid))
    visit.flash(f"Release of {number.phone_number} accepted: it has left your account and goes back to the pool.")
    return visit.redirect("/numbers")


def _same_number(typed: str, e164: str, country: str) -> bool:
    try:
        return bool(typed) and to_e164(typed, country) == e164
    except InvalidParameter:
        return False
