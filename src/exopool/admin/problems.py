"""Errors as RFC 9457 problem details: one table of types and titles, and the rendering.

Every error raised under /admin/v1 is rendered here, once, as application/problem+json with
`type`, `title`, `status`, `detail`, the request id, and `errors` where there are several.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from exopool import errors
from exopool.http.requests import request_id_of
from exopool.services.operators import OperatorNotFound
from exopool.services.pool import ImportRejected

MEDIA_TYPE = "application/problem+json"
TYPE_PREFIX = "urn:exopool:problem:"


@dataclass(frozen=True)
class Problem:
    """How the admin API names one kind of error."""

    slug: str
    title: str


PROBLEMS: dict[type[errors.ExopoolError], Problem] = {
    errors.BadRequest: Problem("bad-request", "The request cannot be read"),
    errors.MissingParameter: Problem("missing-field", "A required field is missing"),
    errors.InvalidParameter: Problem("invalid-field", "A field is invalid"),
    errors.InvalidFields: Problem("invalid-fields", "Fields of the request are missing or invalid"),
    ImportRejected: Problem("import-rejected", "The file has invalid rows; nothing was imported"),
    errors.Unauthorized: Problem("unauthorized", "An operator token is required"),
    errors.Forbidden: Problem("forbidden", "Not allowed"),
    errors.NotFound: Problem("not-found", "Not found"),
    errors.AccountNotFound: Problem("account-not-found", "No such account"),
    errors.ApiKeyNotFound: Problem("api-key-not-found", "No such API key on this account"),
    errors.ReleaseNotFound: Problem("release-not-found", "No such release"),
    errors.WebhookEndpointNotFound: Problem("webhook-endpoint-not-found", "No such webhook endpoint"),
    errors.DeliveryNotFound: Problem("delivery-not-found", "No such delivery of this endpoint"),
    OperatorNotFound: Problem("operator-not-found", "No such operator"),
    errors.MethodNotAllowed: Problem("method-not-allowed", "Method not allowed"),
    errors.Conflict: Problem("conflict", "The request conflicts with the current state"),
    errors.IllegalTransition: Problem("illegal-transition", "Not possible in the current state"),
    errors.PayloadTooLarge: Problem("payload-too-large", "The request body is too large"),
    errors.UnsupportedMediaType: Problem("unsupported-media-type", "The body's content type is not accepted"),
    errors.RateLimited: Problem("rate-limited", "Too many requests"),
    errors.InternalError: Problem("internal-error", "Internal error"),
    errors.ServiceUnavailable: Problem("service-unavailable", "The database is unavailable"),
}
_BY_STATUS = {cls.status: problem for cls, problem in reversed(PROBLEMS.items()) if "status" in vars(cls)}


def problem_of(error: errors.ExopoolError) -> Problem:
    for cls in type(error).__mro__:
        found = PROBLEMS.get(cls)
        if found is not None:
            return found
    return _BY_STATUS.get(error.status, PROBLEMS[errors.InternalError])


def problem_body(error: errors.ExopoolError, request_id: str) -> dict[str, Any]:
    problem = problem_of(error)
    body: dict[str, Any] = {"type": TYPE_PREFIX + problem.slug, "title": problem.title, "status": error.status,
                            "detail": error.message, "request_id": request_id}
    several = _several(error)
    if several is not None:
        body["errors"] = several
    return body


def _several(error: errors.ExopoolError) -> list[dict[str, Any]] | None:
    if isinstance(error, ImportRejected):
        return [{"line": problem.line, "detail": problem.reason} for problem in error.problems]
    if isinstance(error, errors.InvalidFields):
        return [{"field": getattr(problem, "field", None), "detail": problem.message} for problem in error.problems]
    return None


def _headers(error: errors.ExopoolError) -> dict[str, str]:
    headers = dict(error.headers)
    if isinstance(error, errors.Unauthorized):
        headers["WWW-Authenticate"] = 'Bearer realm="exopool admin"'
    return headers


async def render(request: Request, error: errors.ExopoolError) -> JSONResponse:
    """The error as problem details, as the error boundary calls a renderer."""
    return JSONResponse(problem_body(error, request_id_of(request)), status_code=error.status,
                        headers=_headers(error), media_type=MEDIA_TYPE)


def catalogue() -> list[tuple[str, str, int]]:
    """Every (type, title, status) of the table: what docs/admin.md and the OpenAPI document list."""
    return [(TYPE_PREFIX + problem.slug, problem.title, cls.status) for cls, problem in PROBLEMS.items()]
