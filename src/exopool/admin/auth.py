"""Who is calling the admin API: an operator, by its Bearer token, checked in the transaction of the work."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from sqlalchemy import Connection
from starlette.requests import Request

from exopool.http.credentials import bearer_token
from exopool.http.requests import request_id_of
from exopool.http.runtime import Runtime
from exopool.services.operators import authenticate_operator

T = TypeVar("T")


async def as_operator(rt: Runtime, request: Request, work: Callable[..., T], *args: Any) -> T:
    """Authenticate the operator and run work(conn, actor, *args) in the same transaction."""
    token, request_id = bearer_token(request.headers.get("authorization", "")), request_id_of(request)
    secret, now = rt.settings.secret_key, rt.clock.now()

    def unit(conn: Connection) -> T:
        actor = authenticate_operator(conn, now, secret, token, request_id)
        return work(conn, actor, *args)

    return await rt.db.run(unit)
