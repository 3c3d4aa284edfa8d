"""The v2_beta routes: each parses, calls one service, renders."""

from __future__ import annotations

import anyio.to_thread
from sqlalchemy import Connection
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from exopool.api import wire
from exopool.api.auth import as_caller
from exopool.api.idempotency import perform
from exopool.api.params import digits, paging, strip_json
from exopool.api.router import Endpoint, Route
from exopool.entities import Actor, Number, Page
from exopool.flags import parse_flag
from exopool.http.requests import query_params, read_body_params
from exopool.http.runtime import runtime_of
from exopool.jobs.restorer import Restorer, new_holder
from exopool.phone import parse_circle, parse_country, parse_number_type
from exopool.services import available_numbers as available
from exopool.services import phone_numbers as numbers
from exopool.services import restores

ACCOUNT = "/v2_beta/Accounts/{account_sid}"
UPDATABLE = {"voiceurl": "voice_url", "smsurl": "sms_url", "friendlyname": "friendly_name"}
FILTERS = {"phonenumber": "phone_number", "friendlyname": "friendly_name"}


async def list_available_countries(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    countries = await as_caller(
        rt, request, lambda conn, actor: available.list_available_countries(conn, rt.clock.now(), actor.cluster)
    )
    return JSONResponse(wire.countries_to_wire(request.path_params["account_sid"], countries))


async def get_available_country(request: Request) -> JSONResponse:
    """The countries answer's own `uri` for one country: its entry, or 404 when the pool has none."""
    rt = runtime_of(request)

    def entry(conn: Connection, actor: Actor) -> str:
        country = parse_country(strip_json(request.path_params["country"]))
        return available.get_available_country(conn, rt.clock.now(), actor.cluster, country)

    country = await as_caller(rt, request, entry)
    return JSONResponse(wire.country_to_wire(request.path_params["account_sid"], country))


async def search_available_numbers(request: Request) -> JSONResponse:
    rt = runtime_of(request)

    def search(conn: Connection, actor: Actor) -> list[Number]:
        # Parsed after authentication, so a caller without credentials learns nothing but 401.
        return available.search_available_numbers(conn, rt.clock.now(), _search_of(request, actor.cluster))

    found = await as_caller(rt, request, search)
    return JSONResponse([wire.candidate_to_wire(n) for n in found])


def _search_of(request: Request, cluster: str) -> available.Search:
    params = query_params(request)
    country = parse_country(request.path_params["country"])
    number_type = parse_number_type(strip_json(request.path_params["number_type"]))
    page, page_size = paging(params)
    sms = parse_flag("incoming_sms", params["incomingsms"]) if params.get("incomingsms") else None
    region = parse_circle(params["inregion"]) if params.get("inregion") else None
    return available.Search(cluster, country, number_type, sms, region, digits("contains", params.get("contains")),
                            page, page_size)


async def purchase_phone_number(request: Request) -> Response:
    rt = runtime_of(request)
    body = await read_body_params(request, rt.settings.max_body_bytes)

    def purchase(conn: Connection, actor: Actor) -> Number:
        params = body.get()  # judged after authentication
        return numbers.purchase_phone_number(
            conn, rt.clock, actor, params.get("phonenumber"), voice_url=params.get("voiceurl"),
            sms_url=params.get("smsurl"), friendly_name=params.get("friendlyname"), refusal=rt.purchase_refusal)

    return await perform(rt, request, purchase, _number_answer)


def _number_answer(number: Number) -> Response:
    return JSONResponse(wire.number_to_wire(number))


async def list_phone_numbers(request: Request) -> JSONResponse:
    rt = runtime_of(request)

    def listing_of(conn: Connection, actor: Actor) -> tuple[Page, dict[str, str]]:
        params = query_params(request)  # after authentication, as in search
        filters = {field: params[key] for key, field in FILTERS.items() if params.get(key)}
        page, page_size = paging(params)
        return numbers.list_phone_numbers(conn, actor, page, page_size, **filters), filters

    listing, filters = await as_caller(rt, request, listing_of)
    return JSONResponse(wire.page_to_wire(request, request.path_params["account_sid"], listing, filters))


async def get_phone_number(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    ref = strip_json(request.path_params["sid"])
    number = await as_caller(rt, request, numbers.get_phone_number, ref)
    return JSONResponse(wire.number_to_wire(number))


async def update_phone_number(request: Request) -> Response:
    rt = runtime_of(request)
    ref = strip_json(request.path_params["sid"])
    body = await read_body_params(request, rt.settings.max_body_bytes)

    def update(conn: Connection, actor: Actor) -> Number:
        params = body.get()  # judged after authentication
        changes = {field: params[key] for key, field in UPDATABLE.items() if key in params}
        return numbers.update_phone_number(conn, rt.clock, actor, ref, **changes)

    return await perform(rt, request, update, _number_answer)


# Every release answers the same bytes: built once, sent as it is (nothing adds to a response's own headers).
ACCEPTED = Response(wire.ACCEPTED_BODY, status_code=202, media_type="application/json")


async def release_phone_number(request: Request) -> Response:
    rt = runtime_of(request)
    ref = strip_json(request.path_params["sid"])
    return await perform(rt, request, lambda conn, actor: numbers.release_phone_number(conn, rt.clock, actor, ref),
                         _accepted)


def _accepted(_job: str) -> Response:
    return ACCEPTED


async def restore_phone_number(request: Request) -> Response:
    """Take back a number this account released, with the sid it had; the carrier first, if it must."""
    rt = runtime_of(request)
    sid = strip_json(request.path_params["sid"])
    actor = await as_caller(rt, request, lambda _conn, caller: caller)
    restorer, holder = Restorer(rt.db, rt.settings, rt.carrier, rt.clock), new_holder()

    def restore(conn: Connection, caller: Actor) -> Number:
        return restores.restore_phone_number(conn, rt.clock, caller, sid, rt.settings.restore_window, holder)

    try:
        await anyio.to_thread.run_sync(restorer.prepare, actor, sid, holder)
        return await perform(rt, request, restore, _number_answer)
    finally:  # a restore that did not finish (an error, a replayed answer) leaves the release as it was
        await rt.db.run(restores.give_back_restore, rt.clock.now(), holder)


def resource(path: str, handlers: dict[str, Endpoint], *, json_suffix: bool = True) -> list[Route]:
    """One path (and its optional .json twin) whose methods dispatch to handlers."""
    return [Route(p, handlers) for p in ([path, path + ".json"] if json_suffix else [path])]


def number_routes() -> list[Route]:
    """Every route of the Exotel API, the per-number resource first (its requests are the hot path)."""
    collection = f"{ACCOUNT}/IncomingPhoneNumbers"
    return [
        *resource(f"{collection}/{{sid}}", {"GET": get_phone_number, "PUT": update_phone_number,
                                             "POST": update_phone_number, "DELETE": release_phone_number},
                  json_suffix=False),
        *resource(f"{collection}/{{sid}}/Restore", {"POST": restore_phone_number}, json_suffix=False),
        *resource(f"{ACCOUNT}/AvailablePhoneNumbers", {"GET": list_available_countries}),
        *resource(f"{ACCOUNT}/AvailablePhoneNumbers/{{country}}", {"GET": get_available_country}, json_suffix=False),
        *resource(f"{ACCOUNT}/AvailablePhoneNumbers/{{country}}/{{number_type}}",
                  {"GET": search_available_numbers}, json_suffix=False),
        *resource(collection, {"GET": list_phone_numbers, "POST": purchase_phone_number}),
    ]
