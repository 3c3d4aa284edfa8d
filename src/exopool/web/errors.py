"""Errors as the dashboard words them: fields by the labels its pages show, and its own error page."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response

from exopool import errors
from exopool.http.requests import request_id_of
from exopool.web.pages import BASE, templates

# Our field names as the dashboard's forms label them.
LABELS = {
    "friendly_name": "Friendly name", "voice_url": "Voice URL", "sms_url": "SMS URL", "phone_number": "Phone number",
    "number_type": "Type", "country": "Country", "region": "Region", "contains": "Contains", "sms": "SMS",
    "label": "Label", "email": "Email", "password": "Password", "page": "Page", "url": "URL", "events": "Events",
}


def label(field: str | None) -> str:
    return LABELS.get(field or "", (field or "").replace("_", " ").capitalize())


def message_of(error: errors.ExopoolError) -> str:
    """The sentence the dashboard shows for an error."""
    if isinstance(error, errors.MissingParameter):
        return f"{label(error.field)} is required"
    if isinstance(error, errors.InvalidParameter):
        return f"{label(error.field)} {error.problem}" if error.field else error.problem
    if isinstance(error, errors.PhoneNumberNotFound):
        return f"You hold no number {error.ref}"
    return error.message


def error_page(request: Request, error: errors.ExopoolError, context: dict[str, object] | None = None) -> Response:
    """The dashboard's error page; context adds what a signed-in page shows (its user, its CSRF token)."""
    values = {"error": error, "message": message_of(error), "user": None, "csrf_token": "", "base": BASE,
              "request_id": request_id_of(request), **(context or {})}
    return templates.TemplateResponse(request, "error.html", values, status_code=error.status,
                                      headers=error.headers or None)


async def render(request: Request, error: errors.ExopoolError) -> Response:
    """error_page, as the error boundary calls a renderer: for errors no page caught itself."""
    return error_page(request, error)
