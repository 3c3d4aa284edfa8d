"""HTTP Basic credentials: API key as user name, API token as password."""

from __future__ import annotations

import binascii
from typing import NamedTuple

from starlette.requests import Request

from exopool.api.context import request_id_of


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


def basic_credentials(header: str) -> tuple[str, str]:
    """The user name and password of a Basic Authorization header; both empty unless it holds both."""
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return "", ""
    try:  # strict base64, in C; non-ASCII characters, bad base64 and bad UTF-8 all raise a ValueError
        decoded = binascii.a2b_base64(encoded.strip().encode("ascii"), strict_mode=True).decode("utf-8")
    except ValueError:
        return "", ""
    key, sep, token = decoded.partition(":")
    return (key, token) if sep else ("", "")
