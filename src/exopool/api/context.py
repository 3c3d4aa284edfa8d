"""Per-request values the edges share: the request id."""

from __future__ import annotations

from starlette.requests import Request


def request_id_of(request: Request) -> str:
    return request.scope.get("request_id") or ""
