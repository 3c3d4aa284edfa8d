"""Reading a request: its id, and its parameters from the query and the body by lenient name
(CamelCase, any case, or snake_case), as Exotel's clients send them."""

from __future__ import annotations

import json
from urllib.parse import parse_qsl

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.formparsers import MultiPartException
from starlette.requests import Request

from exopool.errors import BadRequest, InvalidParameter, PayloadTooLarge, UnsupportedMediaType

# Where an edge leaves, in sandbox mode, its explanation of a refusal for the sandbox's journal.
EXPLANATION = "exopool.explanation"


def request_id_of(request: Request) -> str:
    """The id ObserveRequests gave the request (sent back as X-Request-Id)."""
    return request.scope.get("request_id") or ""


def canonical(name: str) -> str:
    """PhoneNumber, phonenumber and phone_number are one parameter."""
    return name.replace("_", "").replace("-", "").lower()


def query_params(request: Request) -> dict[str, str]:
    raw = request.scope.get("query_string", b"").decode("latin-1")
    # Some clients glue the .json suffix to the end of the query string.
    if raw.endswith(".json"):
        raw = raw[: -len(".json")]
    return _unambiguous(parse_qsl(raw, keep_blank_values=True))


def _unambiguous(pairs: list[tuple[str, str]]) -> dict[str, str]:
    """Parameters by canonical name; one name given twice with different values is a 400, not a guess."""
    params: dict[str, str] = {}
    for name, value in pairs:
        key = canonical(name)
        if params.setdefault(key, value) != value:
            raise InvalidParameter(name, "is given more than once, with different values")
    return params


class BodyParams:
    """A body's parameters, read before authentication and judged after it.

    What a body is too large or of an unsupported type for is answered at once (413, 415); a
    body that cannot be read as its type claims is a 400 only when `get` is called, after the
    caller proved who it is: a caller without credentials learns nothing but 401.
    """

    def __init__(self, params: dict[str, str] | None = None, error: BadRequest | None = None) -> None:
        self._params, self._error = params or {}, error

    def get(self) -> dict[str, str]:
        if self._error is not None:
            raise self._error
        return self._params


async def read_body_params(request: Request, max_bytes: int) -> BodyParams:
    """body_params, with a body that cannot be read kept as an error for later (see BodyParams)."""
    try:
        return BodyParams(await body_params(request, max_bytes))
    except (PayloadTooLarge, UnsupportedMediaType):
        raise
    except BadRequest as error:
        return BodyParams(error=error)


async def body_params(request: Request, max_bytes: int) -> dict[str, str]:
    """Form, JSON or multipart parameters; an empty body is no parameters."""
    declared = request.headers.get("content-length")
    if declared and declared.isdigit() and int(declared) > max_bytes:
        raise PayloadTooLarge(max_bytes)
    body = await read_limited(request, max_bytes)
    if not body.strip():
        return {}
    media = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media in ("application/x-www-form-urlencoded", ""):
        return _unambiguous(parse_qsl(body.decode("utf-8", "replace"), keep_blank_values=True))
    if media == "application/json" or media.endswith("+json"):
        return _json_params(body)
    if media == "multipart/form-data":
        return await _multipart_params(request)
    raise UnsupportedMediaType(media)


async def read_limited(request: Request, max_bytes: int) -> bytes:
    """The whole body, or PayloadTooLarge as soon as it passes max_bytes (never held beyond that)."""
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            raise PayloadTooLarge(max_bytes)
        chunks.append(chunk)
    body = b"".join(chunks)
    request._body = body  # let request.form() parse what was already read
    return body


async def _multipart_params(request: Request) -> dict[str, str]:
    form = await read_form(request)
    return {canonical(k): v for k, v in form.items() if isinstance(v, str)}


async def read_form(request: Request) -> FormData:
    """The request's form (urlencoded or multipart); a body the parser cannot read is a 400 in our words."""
    try:
        return await request.form()
    except (HTTPException, MultiPartException) as error:  # Starlette's 400 in the app, its own error outside one
        reason = error.detail if isinstance(error, HTTPException) else error.message
        raise BadRequest(f"The multipart body cannot be read: {reason}") from error


def _json_params(body: bytes) -> dict[str, str]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:  # RecursionError: nested deeper than the parser follows
        raise BadRequest("The request body is not valid JSON") from error
    if not isinstance(data, dict):
        raise BadRequest("The JSON body must be an object of parameters")
    return {canonical(k): _as_text(v) for k, v in data.items() if v is not None}


def _as_text(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (dict, list)):
        # Kept as its JSON text: an unknown parameter is ignored whatever its shape, and a known one
        # given as a list or object fails its own validation with a message naming it.
        return json.dumps(value)
    return str(value)


def parse_int(field: str, raw: str | None, default: int, low: int, high: int) -> int:
    """A whole number from low to high (default when absent or empty), or a 400 naming the field."""
    if raw is None or raw == "":
        return default
    # isascii: str.isdigit() also admits digits like "²" that int() cannot read.
    if not (raw.strip().isascii() and raw.strip().isdigit()) or not low <= int(raw) <= high:
        raise InvalidParameter(field, f"must be a whole number from {low} to {high}, not {raw!r}")
    return int(raw)
