"""Who is calling: HTTP Basic credentials (API key and token) for the account and cluster of the request."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Connection
from starlette.requests import Request

from exopool.entities import Actor
from exopool.errors import ExopoolError, Forbidden, Unauthorized
from exopool.http.credentials import basic_credentials
from exopool.http.requests import request_id_of
from exopool.http.runtime import Runtime
from exopool.services.api_keys import authenticate

T = TypeVar("T")


class Credentials(NamedTuple):  # made once per request: a tuple is built several times faster
    key: str
    token: str
    account_sid: str
    cluster: str
    request_id: str


def credentials_of(request: Request, cluster: str) -> Credentials:
    """What the request claims; empty key and token when absent or malformed, so every 401 takes one path."""
    key, token = basic_credentials(request.headers.get("authorization", ""))
    account_sid = request.path_params.get("account_sid", "")
    return Credentials(key, token, account_sid, cluster, request_id_of(request))


async def as_caller(rt: Runtime, request: Request, work: Callable[..., T], *args: Any) -> T:
    """Authenticate the request and run work(conn, actor, *args) in the same transaction.

    With rate limits on, the account must have a request left before anything runs, and an
    authenticated request spends one, whatever its outcome; a caller that fails authentication
    spends nothing of the account's.
    """
    creds = credentials_of(request, rt.settings.cluster_for_host(request.headers.get("host")))
    secret, now, limiter = rt.settings.secret_key, rt.clock.now(), rt.limiter

    def unit(conn: Connection) -> T:
        actor: Actor = authenticate(conn, now, secret, creds.key, creds.token, creds.account_sid, creds.cluster,
                                    creds.request_id)
        return work(conn, actor, *args)

    if limiter is None:
        return await rt.db.run(unit)
    await limiter.check(creds.account_sid, now)
    try:
        result = await rt.db.run(unit)
    except (Unauthorized, Forbidden):
        raise
    except ExopoolError:
        await limiter.spend(creds.account_sid, now)
        raise
    await limiter.spend(creds.account_sid, now)
    return result
