"""The Exotel routes' own parameters: paging, digits, and the optional .json suffix."""

from __future__ import annotations

from exopool.errors import InvalidParameter
from exopool.http.requests import parse_int

MAX_PAGE_SIZE = 1000
MAX_PAGE = 10_000_000


def paging(params: dict[str, str]) -> tuple[int, int]:
    """Page (from 0) and PageSize of a list or a search."""
    page = parse_int("page", params.get("page"), 0, 0, MAX_PAGE)
    size = parse_int("page_size", params.get("pagesize"), 50, 1, MAX_PAGE_SIZE)
    return page, size


def digits(field: str, raw: str | None) -> str | None:
    """Up to 16 ASCII digits, or None when absent."""
    if not raw:
        return None
    if not (raw.isascii() and raw.isdigit()) or len(raw) > 16:
        raise InvalidParameter(field, f"must be up to 16 digits, not {raw!r}")
    return raw


def strip_json(segment: str) -> str:
    return segment[: -len(".json")] if segment.endswith(".json") else segment
