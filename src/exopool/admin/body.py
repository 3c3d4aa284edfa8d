"""Reading the admin API's requests: a JSON object of string fields, checked all at once."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request

from exopool.errors import BadRequest, InvalidFields, InvalidParameter, MissingParameter, UnsupportedMediaType
from exopool.http.requests import read_limited


async def json_object(request: Request, max_bytes: int) -> dict[str, Any]:
    """The body as a JSON object; an empty body is an empty object."""
    body = await read_limited(request, max_bytes)
    if not body.strip():
        return {}
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media != "application/json" and not media.endswith("+json"):
        raise UnsupportedMediaType(media or "(none)")
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise BadRequest("The request body is not valid JSON") from error
    if not isinstance(data, dict):
        raise BadRequest("The request body must be a JSON object")
    return data


def fields(data: dict[str, Any], required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict[str, str]:
    """The named fields, each a string; every missing or non-string field named in one InvalidFields."""
    problems: list[BadRequest] = [MissingParameter(name) for name in required if data.get(name) is None]
    found: dict[str, str] = {}
    for name in (*required, *optional):
        value = data.get(name)
        if value is None:
            continue
        if not isinstance(value, str):
            problems.append(InvalidParameter(name, "must be a string"))
        else:
            found[name] = value
    if len(problems) == 1:
        raise problems[0]
    if problems:
        raise InvalidFields(problems)
    return found


def moment(field: str, raw: str | None) -> datetime | None:
    """An RFC 3339 time as a naive UTC datetime (what the database stores), or None when absent."""
    if not raw:
        return None
    try:
        parsed = datetime.fromisoformat(raw.replace("z", "Z").replace("Z", "+00:00"))
    except ValueError as error:
        raise InvalidParameter(field, f"must be an RFC 3339 time such as 2026-01-31T12:00:00Z, not {raw!r}") from error
    return parsed.astimezone(UTC).replace(tzinfo=None) if parsed.tzinfo else parsed
