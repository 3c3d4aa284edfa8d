"""Errors as the dashboard words them: fields by the labels its pages show, beside the field they are
about, and its own error page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from exopool import errors
from exopool.http.requests import request_id_of
from exopool.web.labels import field_label
from exopool.web.pages import BASE, templates

FORM = ""  # the key of an error about the whole form rather than one field


def message_of(error: errors.ExopoolError) -> str:
    """The sentence the dashboard shows for an error."""
    if isinstance(error, errors.MissingParameter):
        return f"{field_label(error.field)} is required"
    if isinstance(error, errors.InvalidParameter):
        return f"{field_label(error.field)} {error.problem}" if error.field else error.problem
    if isinstance(error, errors.PhoneNumberNotFound):
        return f"You hold no number {error.ref}"
    return error.message


def field_errors(error: errors.ExopoolError, inputs: dict[str, str] | None = None) -> dict[str, str]:
    """The error keyed by the form input it is about (FORM when about none), for the page to show beside it;
    inputs maps a field to the name of its input where the two differ."""
    field = error.field if isinstance(error, (errors.MissingParameter, errors.InvalidParameter)) else None
    return {(inputs or {}).get(field or "", field or FORM): message_of(error)}


def error_page(request: Request, error: errors.ExopoolError, context: dict[str, object] | None = None) -> Response:
    """The dashboard's error page; context adds what a signed-in page shows (its user, its CSRF token)."""
    values = {"error": error, "message": message_of(error), "user": None, "csrf_token": "", "base": BASE,
              "request_id": request_id_of(request), **(context or {})}
    return templates.TemplateResponse(request, "error.html", values, status_code=error.status,
                                      headers=error.headers or None)


async def render(request: Request, error: errors.ExopoolError) -> Response:
    """error_page, as the error boundary calls a renderer: for errors no page caught itself."""
    return error_page(request, error)
