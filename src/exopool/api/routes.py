"""The v2_beta routes: each parses, calls one service, renders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from exopool.api import wire
from exopool.api.idempotency import carries_key, idempotent
from exopool.api.params import body_params, paging, query_params, strip_json
from exopool.api.runtime import runtime_of
from exopool.errors import InvalidParameter
from exopool.flags import parse_flag
from exopool.phone import parse_circle, parse_country, parse_number_type
from exopool.services import available_numbers as available
from exopool.services import phone_numbers as numbers

ACCOUNT = "/v2_beta/Accounts/{account_sid}"
UPDATABLE = {"voiceurl": "voice_url", "smsurl": "sms_url", "friendlyname": "friendly_name"}


async def list_available_countries(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    countries = await rt.as_caller(
        request, lambda conn, actor: available.list_available_countries(conn, rt.clock.now(), actor.cluster)
    )
    return JSONResponse(wire.countries_to_wire(request.path_params["account_sid"], countries))


async def search_available_numbers(request: Request) -> JSONResponse:
    rt = runtime_of(request)

    def search(conn, actor):  # type: ignore[no-untyped-def]
        # Parsed after authentication, so a caller without credentials learns nothing but 401.
        return available.search_available_numbers(conn, rt.clock.now(), _search_of(request, actor.cluster))

    found = await rt.as_caller(request, search)
    return JSONResponse([wire.candidate_to_wire(n) for n in found])


def _search_of(request: Request, cluster: str) -> available.Search:
    params = query_params(request)
    country = parse_country(request.path_params["country"])
    number_type = parse_number_type(strip_json(request.path_params["number_type"]))
    page, page_size = paging(params)
    sms = parse_flag("IncomingSMS", params["incomingsms"]) if params.get("incomingsms") else None
    region = parse_circle(params["inregion"]) if params.get("inregion") else None
    contains = _digits("Contains", params.get("contains"))
    return available.Search(cluster, country, number_type, sms, region, contains, page, page_size)


def _digits(name: str, raw: str | None) -> str | None:
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 16:
        raise InvalidParameter(f"{name} must be up to 16 digits, not {raw!r}")
    return raw


async def purchase_phone_number(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    params = await body_params(request, rt.settings.max_body_bytes)
    number = await rt.as_caller(
        request,
        lambda conn, actor: numbers.purchase_phone_number(
            conn, rt.clock, actor, params.get("phonenumber"), voice_url=params.get("voiceurl"),
            sms_url=params.get("smsurl"), friendly_name=params.get("friendlyname"),
        ),
    )
    return JSONResponse(wire.number_to_wire(number))


async def list_phone_numbers(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    params = query_params(request)
    filters = {name: params[key] for key, name in (("phonenumber", "PhoneNumber"), ("friendlyname", "FriendlyName"))
               if params.get(key)}

    def listing_of(conn, actor):  # type: ignore[no-untyped-def]
        page, page_size = paging(params)  # after authentication, as in search
        return numbers.list_phone_numbers(conn, actor, page, page_size, phone_number=filters.get("PhoneNumber"),
                                          friendly_name=filters.get("FriendlyName"))

    listing = await rt.as_caller(request, listing_of)
    return JSONResponse(wire.page_to_wire(request, request.path_params["account_sid"], listing, filters))


async def get_phone_number(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    ref = strip_json(request.path_params["sid"])
    number = await rt.as_caller(request, numbers.get_phone_number, ref)
    return JSONResponse(wire.number_to_wire(number))


async def update_phone_number(request: Request) -> JSONResponse:
    rt = runtime_of(request)
    ref = strip_json(request.path_params["sid"])
    params = await body_params(request, rt.settings.max_body_bytes)
    changes = {name: params[key] for key, name in UPDATABLE.items() if key in params}
    number = await rt.as_caller(
        request, lambda conn, actor: numbers.update_phone_number(conn, rt.clock, actor, ref, **changes)
    )
    return JSONResponse(wire.number_to_wire(number))


async def release_phone_number(request: Request) -> Response:
    rt = runtime_of(request)
    ref = strip_json(request.path_params["sid"])
    await rt.as_caller(request, lambda conn, actor: numbers.release_phone_number(conn, rt.clock, actor, ref))
    rt.releases_queued.set()
    return Response(wire.ACCEPTED_BODY, status_code=202, media_type="application/json")


Handler = Callable[[Request], Awaitable[Response]]


def resource(path: str, handlers: dict[str, Handler], *, json_suffix: bool = True) -> list[Route]:
    """One path (and its optional .json twin) whose methods dispatch to handlers; others get 405."""

    async def dispatch(request: Request) -> Response:
        handler = handlers[request.method if request.method != "HEAD" else "GET"]
        if carries_key(request):
            return await idempotent(request, handler)
        return await handler(request)

    paths = [path, path + ".json"] if json_suffix else [path]
    return [Route(p, dispatch, methods=list(handlers), name=None) for p in paths]


def number_routes() -> list[Route]:
    collection = f"{ACCOUNT}/IncomingPhoneNumbers"
    # The per-number resource first: its requests are the hot path, and no other path overlaps it.
    return [
        *resource(f"{collection}/{{sid}}", {"GET": get_phone_number, "PUT": update_phone_number,
                                             "POST": update_phone_number, "DELETE": release_phone_number},
                  json_suffix=False),
        *resource(f"{ACCOUNT}/AvailablePhoneNumbers", {"GET": list_available_countries}),
        *resource(f"{ACCOUNT}/AvailablePhoneNumbers/{{country}}/{{number_type}}",
                  {"GET": search_available_numbers}, json_suffix=False),
        *resource(collection, {"GET": list_phone_numbers, "POST": purchase_phone_number}),
    ]
