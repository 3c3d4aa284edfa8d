"""The v2_beta routes: each parses, calls one service, renders."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from operator import itemgetter
from typing import Any, NamedTuple

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.exceptions import HTTPException
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from exopool.api import wire
from exopool.api.errors import on_exopool_error, on_http_exception
from exopool.api.idempotency import carries_key, idempotent
from exopool.api.params import body_params, paging, query_params, strip_json
from exopool.api.runtime import runtime_of
from exopool.errors import ExopoolError, InvalidParameter
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


async def get_available_country(request: Request) -> JSONResponse:
    """The countries answer's own `uri` for one country: its entry, or 404 when the pool has none."""
    rt = runtime_of(request)

    def entry(conn, actor):  # type: ignore[no-untyped-def]
        country = parse_country(strip_json(request.path_params["country"]))
        return available.get_available_country(conn, rt.clock.now(), actor.cluster, country)

    country = await rt.as_caller(request, entry)
    return JSONResponse(wire.country_to_wire(request.path_params["account_sid"], country))


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


# Every release answers the same bytes: built once, sent as it is (nothing adds to a response's own headers).
ACCEPTED = Response(wire.ACCEPTED_BODY, status_code=202, media_type="application/json")


async def release_phone_number(request: Request) -> Response:
    rt = runtime_of(request)
    ref = strip_json(request.path_params["sid"])
    await rt.as_caller(request, lambda conn, actor: numbers.release_phone_number(conn, rt.clock, actor, ref))
    if not rt.releases_queued.is_set():  # set() takes a lock even when the worker is already woken
        rt.releases_queued.set()
    return ACCEPTED


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
        *resource(f"{ACCOUNT}/AvailablePhoneNumbers/{{country}}", {"GET": get_available_country}, json_suffix=False),
        *resource(f"{ACCOUNT}/AvailablePhoneNumbers/{{country}}/{{number_type}}",
                  {"GET": search_available_numbers}, json_suffix=False),
        *resource(collection, {"GET": list_phone_numbers, "POST": purchase_phone_number}),
    ]


class ApiRoutes:
    """Serve the number routes straight from the ASGI scope, ahead of Starlette's router.

    Per request, Starlette's router (a regular expression per route), its exception layers and
    their send wrappers cost more than a release's SQL. A request this matcher recognises (a route's
    exact shape and one of its methods) goes to the same endpoint, and its errors to the same
    renderers, as through the router; anything else (unknown paths, other methods, stray slashes)
    passes on to the router, which answers it as before.
    """

    def __init__(self, app: ASGIApp, routes: list[Route] | None = None) -> None:
        self.app = app
        self._by_length: dict[int, list[_Shape]] = {}
        for route in routes if routes is not None else number_routes():
            parts = route.path.split("/")
            literal = [i for i, part in enumerate(parts) if not part.startswith("{")]
            param = [i for i, part in enumerate(parts) if part.startswith("{")]
            self._by_length.setdefault(len(parts), []).append(_Shape(
                route, itemgetter(*literal), tuple(parts[i] for i in literal) if len(literal) > 1 else parts[literal[0]],
                tuple(param), tuple(parts[i].strip("{}") for i in param)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self.match(scope["method"], scope["path"]) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        scope["route"], scope["path_params"] = found
        request = Request(scope, receive)
        try:
            response = await found[0].endpoint(request)
        except ExopoolError as error:
            response = await on_exopool_error(request, error)
        except HTTPException as error:
            response = await on_http_exception(request, error)
        await response(scope, receive, send)

    def match(self, method: str, path: str) -> tuple[Route, dict[str, str]] | None:
        parts = path.split("/")
        for route, literals_of, literals, params, names in self._by_length.get(len(parts), ()):
            if method in route.methods and literals_of(parts) == literals:  # type: ignore[operator]
                values = [parts[i] for i in params]
                if all(values):  # no empty segment where a parameter goes
                    return route, dict(zip(names, values, strict=True))
        return None


class _Shape(NamedTuple):
    """A route as ApiRoutes matches it: the parts of its path that are fixed, and where its parameters go."""

    route: Route
    literals_of: Callable[[list[str]], Any]  # the request path's parts at the fixed parts' places (one C call)
    literals: Any
    params: tuple[int, ...]
    names: tuple[str, ...]
