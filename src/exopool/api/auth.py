"""HTTP Basic credentials: API key as user name, API token as password."""

from __future__ import annotations

import base64
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
    key, token = _basic(request.headers.get("authorization", ""))
    account_sid = request.path_params.get("account_sid", "")
    return Credentials(key, token, account_sid, cluster, request_id_of(request))


def _basic(header: str) -> tuple[str, str]:
    scheme, _, encoded = header.partition(" ")
    if scheme.lower() != "basic" or not encoded:
        return "", ""
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return "", ""
    key, sep, token = decoded.partition(":")
    return (key, token) if sep else ("", "")
