"""Cursor paging: `?limit=&cursor=` in, `{"data": [...], "next_cursor": ...}` out.

A cursor is opaque to clients: the position after the last item of a page. The event log's is
the last event's id, so a reader that kept an id can resume from it.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable, Sequence
from typing import Any

from starlette.responses import JSONResponse

from exopool.errors import InvalidParameter
from exopool.http.requests import parse_int

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


def limit_of(params: dict[str, str]) -> int:
    return parse_int("limit", params.get("limit"), DEFAULT_LIMIT, 1, MAX_LIMIT)


def encode_cursor(kind: str, value: str | int) -> str:
    return base64.urlsafe_b64encode(f"{kind}:{value}".encode()).decode().rstrip("=")


def decode_cursor(kind: str, raw: str | None) -> str | None:
    """The position a cursor of this kind names; None without one; a 400 for anything else."""
    if not raw:
        return None
    try:
        text = base64.urlsafe_b64decode(raw + "=" * (-len(raw) % 4)).decode()
    except (binascii.Error, UnicodeDecodeError, ValueError):
        text = ""
    found, sep, value = text.partition(":")
    if found != kind or not sep or not value or "\x00" in value:
        raise InvalidParameter("cursor", "is not a cursor of this list: pass a next_cursor as it was given")
    return value


def int_cursor(kind: str, raw: str | None) -> int | None:
    value = decode_cursor(kind, raw)
    if value is None:
        return None
    if not (value.isascii() and value.isdigit()) or len(value) > 18:
        raise InvalidParameter("cursor", "is not a cursor of this list: pass a next_cursor as it was given")
    return int(value)


def page(items: Sequence[Any], limit: int, shape: Callable[[Any], dict[str, Any]],
         cursor_of: Callable[[Any], str]) -> JSONResponse:
    """One page of items, read with one more than limit: next_cursor is null when this page is the last."""
    shown = items[:limit]
    next_cursor = cursor_of(shown[-1]) if len(items) > limit else None
    return JSONResponse({"data": [shape(item) for item in shown], "next_cursor": next_cursor})
