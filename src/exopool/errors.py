"""The error tree: each class knows its HTTP status and stable code; its docstring is the default message."""

from __future__ import annotations


class ExopoolError(Exception):
    """Something went wrong."""

    status = 500
    code = 1500

    def __init__(self, message: str | None = None, *, headers: dict[str, str] | None = None) -> None:
        self.message = message or (self.__doc__ or "").strip()
        self.headers = headers or {}
        super().__init__(self.message)


class ConfigurationError(ExopoolError):
    """The settings are not valid."""


class BadRequest(ExopoolError):
    """The request is not valid."""

    status = 400
    code = 1002


class MissingParameter(BadRequest):
    """A required parameter is missing."""

    code = 1001


class InvalidParameter(BadRequest):
    """A parameter has an invalid value."""

    code = 1002


class NumberNotAvailable(BadRequest):
    """That number is not available to buy."""


class Unauthorized(ExopoolError):
    """Authentication failed: check the API key, the API token, the account sid and the host."""

    status = 401
    code = 1010


class PaymentRequired(ExopoolError):
    """The account's balance or plan does not allow this purchase."""

    status = 402
    code = 1020


class LoginFailed(ExopoolError):
    """The email or password is not right."""

    status = 401
    code = 1010


class Forbidden(ExopoolError):
    """This account may not do that."""

    status = 403
    code = 1003


class NotFound(ExopoolError):
    """The requested resource was not found."""

    status = 404
    code = 1000


class MethodNotAllowed(ExopoolError):
    """That method is not allowed on this resource."""

    status = 405
    code = 1004


class Conflict(ExopoolError):
    """The request conflicts with the current state of the resource."""

    status = 409
    code = 1008


class PayloadTooLarge(ExopoolError):
    """The request body is too large."""

    status = 413
    code = 1007


class UnsupportedMediaType(ExopoolError):
    """The request body's content type is not supported: use form parameters or JSON."""

    status = 415
    code = 1011


class IdempotencyKeyReused(ExopoolError):
    """This Idempotency-Key was already used with a different request."""

    status = 422
    code = 1009


class RateLimited(ExopoolError):
    """Too many requests: slow down and retry after the time in Retry-After."""

    status = 429
    code = 1030


class TooManyLogins(RateLimited):
    """Too many failed logins for this email: wait a little and try again."""


class InternalError(ExopoolError):
    """An internal error occurred. It has been logged; retry later."""

    status = 500
    code = 1500


class ServiceUnavailable(ExopoolError):
    """The service is temporarily unavailable: its database cannot be reached. Retry later."""

    status = 503
    code = 1503


class IllegalTransition(ExopoolError):
    """A number cannot move from its current state to the one asked for."""

    status = 409
    code = 1008
