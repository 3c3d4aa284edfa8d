"""Render any error once, in both of Exotel's error shapes."""

from __future__ import annotations

import logging
from http import HTTPStatus

from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse

from exopool import errors
from exopool.api.context import request_id_of

log = logging.getLogger("exopool.api")

BY_STATUS: dict[int, type[errors.ExopoolError]] = {
    404: errors.NotFound,
    405: errors.MethodNotAllowed,
    413: errors.PayloadTooLarge,
    415: errors.UnsupportedMediaType,
    400: errors.BadRequest,
}


def error_body(status: int, code: int, message: str, request_id: str, method: str) -> dict[str, object]:
    return {
        "RestException": {"Status": status, "Message": message, "Code": code},
        "request_id": request_id,
        "method": method,
        "http_code": status,
        "response": {
            "code": status,
            "status": "failure",
            "data": None,
            "error_data": {"code": code, "message": _reason(status), "description": message},
        },
    }


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def render_error(request: Request, error: errors.ExopoolError) -> JSONResponse:
    body = error_body(error.status, error.code, error.message, request_id_of(request), request.method)
    return JSONResponse(body, status_code=error.status, headers=error.headers or None)


async def on_exopool_error(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, errors.ExopoolError)
    if error.status >= 500:
        log.error("%s: %s", type(error).__name__, error.message, exc_info=error.__cause__ is not None)
    return render_error(request, error)


async def on_http_exception(request: Request, error: Exception) -> JSONResponse:
    assert isinstance(error, HTTPException)
    kind = BY_STATUS.get(error.status_code, errors.ExopoolError)
    message = _http_message(request, error.status_code)
    rendered = kind(message, headers=dict(error.headers or {}))
    rendered.status = error.status_code
    return render_error(request, rendered)


def _http_message(request: Request, status: int) -> str:
    if status == 404:
        return f"No resource at {request.url.path}"
    if status == 405:
        return f"Method {request.method} is not allowed on {request.url.path}"
    return _reason(status)


async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
    log.exception("unexpected error", exc_info=error)
    return render_error(request, errors.InternalError())
