"""The router of the Exotel routes: a request's path split once, matched against each route's shape.

Per request, Starlette's router (a regular expression per route), its exception layers and
their send wrappers cost more than a release's SQL; this one matches a route's fixed parts with
one C call. It is the only router of the /v2_beta routes: a path it does not know is a 404, a
method a route does not have a 405 naming those it has, and a path ending in a slash is
redirected to the same path without it, relatively, so the Host header cannot send anyone away.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from operator import itemgetter
from typing import Any, NamedTuple

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.types import Receive, Scope, Send

from exopool.errors import MethodNotAllowed, RouteNotFound

Endpoint = Callable[[Request], Awaitable[Response]]


class Route(NamedTuple):
    """One path (with {name} parameters) and the endpoint of each of its methods."""

    path: str
    methods: dict[str, Endpoint]

    @property
    def allowed(self) -> tuple[str, ...]:
        shown = set(self.methods) | ({"HEAD"} if "GET" in self.methods else set())
        return tuple(sorted(shown))


class ApiRouter:
    def __init__(self, routes: list[Route]) -> None:
        self._by_length: dict[int, list[_Shape]] = {}
        for route in routes:
            parts = route.path.split("/")
            literal = [i for i, part in enumerate(parts) if not part.startswith("{")]
            param = [i for i, part in enumerate(parts) if part.startswith("{")]
            fixed = tuple(parts[i] for i in literal) if len(literal) > 1 else parts[literal[0]]
            self._by_length.setdefault(len(parts), []).append(_Shape(
                route, itemgetter(*literal), fixed, tuple(param), tuple(parts[i].strip("{}") for i in param)))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        method, path = scope["method"], scope["path"]
        found = self.match(path)
        if found is None:
            response = self._without_slash(scope)
            await response(scope, receive, send)
            return
        route, params = found
        scope["route"], scope["path_params"] = route, params  # the route counts its 405s too
        endpoint = route.methods.get("GET" if method == "HEAD" else method)
        if endpoint is None:
            raise MethodNotAllowed(method, path, route.allowed)
        request = Request(scope, receive)
        try:
            response = await endpoint(request)
        finally:
            await request.close()  # the files a multipart body was spooled to
        await response(scope, receive, send)

    def match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        """The route whose shape the path has, with its parameters; None when no route has it."""
        parts = path.split("/")
        for route, literals_of, literals, params, names in self._by_length.get(len(parts), ()):
            if literals_of(parts) == literals:
                values = [parts[i] for i in params]
                if all(values):  # no empty segment where a parameter goes
                    return route, dict(zip(names, values, strict=True))
        return None

    def _without_slash(self, scope: Scope) -> Response:
        path = scope["path"]
        if path.endswith("/") and path != "/" and self.match(path.rstrip("/")) is not None:
            query = scope.get("query_string", b"").decode("latin-1")
            return RedirectResponse(path.rstrip("/") + (f"?{query}" if query else ""), status_code=307)
        raise RouteNotFound(path)


class _Shape(NamedTuple):
    """A route as the router matches it: the parts of its path that are fixed, and where its parameters go."""

    route: Route
    literals_of: Callable[[list[str]], Any]  # the request path's parts at the fixed parts' places (one C call)
    literals: Any
    params: tuple[int, ...]
    names: tuple[str, ...]
