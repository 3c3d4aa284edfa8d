"""The error tree, in exopool's own words.

Each class names what went wrong in the domain and carries the facts as snake_case fields; its
docstring is the default message, and `status` is the HTTP status every HTTP edge answers it
with. How an edge words it is the edge's business: the Exotel API maps these classes to
Exotel's codes, messages and parameter names in one table (`exopool.api.errors`), the
dashboard to its own labels.
"""

from __future__ import annotations

from datetime import datetime


class ExopoolError(Exception):
    """Something went wrong."""

    status = 500

    def __init__(self, message: str | None = None) -> None:
        self.message = message or (type(self).__doc__ or "").strip()
        super().__init__(self.message)

    @property
    def headers(self) -> dict[str, str]:
        """HTTP headers every HTTP answer to this error carries."""
        return {}


class ConfigurationError(ExopoolError):
    """The settings are not valid."""


class BadRequest(ExopoolError):
    """The request cannot be read."""

    status = 400


class MissingParameter(BadRequest):
    """A required parameter is missing."""

    def __init__(self, field: str) -> None:
        self.field = field
        super().__init__(f"{field} is required")


class InvalidParameter(BadRequest):
    """A parameter has an invalid value.

    `problem` is a phrase that follows the field's name ("'Fax' is not one of Landline, ...");
    with no field (a problem of the whole input) it is the message itself.
    """

    def __init__(self, field: str | None, problem: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(f"{field} {problem}" if field else problem)


class InvalidFields(BadRequest):
    """Several fields of the request are missing or invalid."""

    def __init__(self, problems: list[BadRequest]) -> None:
        self.problems = problems
        super().__init__("; ".join(problem.message for problem in problems))


class NumberNotAvailable(BadRequest):
    """That number is not available to buy."""

    def __init__(self, phone_number: str, cluster: str, *, aging_until: datetime | None = None) -> None:
        self.phone_number, self.cluster, self.aging_until = phone_number, cluster, aging_until
        super().__init__(f"{phone_number} is not available in cluster {cluster}")


class Unauthorized(ExopoolError):
    """Authentication failed: check the API key, the API token, the account sid and the host."""

    status = 401

    def __init__(self, message: str | None = None, *, reason: str | None = None) -> None:
        # Which part of the credentials did not match, in a sentence: said only in sandbox mode.
        self.reason = reason
        super().__init__(message)


class LoginFailed(ExopoolError):
    """The email or password is not right."""

    status = 401


class PaymentRequired(ExopoolError):
    """The account's balance or plan does not allow this purchase."""

    status = 402


class Forbidden(ExopoolError):
    """This account may not do that."""

    status = 403


class AccountSuspended(Forbidden):
    """The account is suspended."""

    def __init__(self, account_sid: str) -> None:
        self.account_sid = account_sid
        super().__init__(f"Account {account_sid} is suspended")


class NotFound(ExopoolError):
    """The requested resource was not found."""

    status = 404


class PhoneNumberNotFound(NotFound):
    """The account holds no such number."""

    def __init__(self, ref: str, *, why: str | None = None) -> None:
        # why: another account's, released, or unknown; said only where explaining is safe (the sandbox)
        self.ref, self.why = ref, why
        super().__init__(f"Number {ref} not found")


class NumberNotRestorable(PhoneNumberNotFound):
    """The account released no such number, or too long ago to restore it."""

    def __init__(self, ref: str, reason: str) -> None:
        # reason: why, for a sandbox to say (another account's, past the window, ...); never said elsewhere
        super().__init__(ref)
        self.reason = reason


class AccountNotFound(NotFound):
    def __init__(self, sid: str) -> None:
        self.sid = sid
        super().__init__(f"Account {sid} not found")


class ApiKeyNotFound(NotFound):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"API key {key} not found")


class ReleaseNotFound(NotFound):
    def __init__(self, sid: str, *, in_progress: bool = False) -> None:
        self.sid, self.in_progress = sid, in_progress
        super().__init__(f"No release in progress for number sid {sid}" if in_progress else f"Release {sid} not found")


class WebhookEndpointNotFound(NotFound):
    def __init__(self, sid: str) -> None:
        self.sid = sid
        super().__init__(f"Webhook endpoint {sid} not found")


class DeliveryNotFound(NotFound):
    def __init__(self, sid: str) -> None:
        self.sid = sid
        super().__init__(f"Delivery {sid} not found")


class RouteNotFound(NotFound):
    def __init__(self, path: str) -> None:
        self.path = path
        super().__init__(f"No resource at {path}")


class MethodNotAllowed(ExopoolError):
    """That method is not allowed on this resource."""

    status = 405

    def __init__(self, method: str, path: str, allowed: tuple[str, ...]) -> None:
        self.method, self.path, self.allowed = method, path, allowed
        super().__init__(f"Method {method} is not allowed on {path}")

    @property
    def headers(self) -> dict[str, str]:
        return {"Allow": ", ".join(self.allowed)}


class Conflict(ExopoolError):
    """The request conflicts with the current state of the resource."""

    status = 409


class NumberAlreadyHeld(Conflict):
    def __init__(self, phone_number: str, account_sid: str) -> None:
        self.phone_number, self.account_sid = phone_number, account_sid
        super().__init__(f"{phone_number} already belongs to account {account_sid}")


class IllegalTransition(Conflict):
    """A number cannot move from its current state to the one asked for."""


class RestoreBusy(ExopoolError):
    """The number's release is talking to the carrier right now: try the restore again in a moment."""

    status = 503  # passing: a retry is the answer, so an Idempotency-Key does not keep it

    def __init__(self, ref: str) -> None:
        self.ref = ref
        super().__init__(f"The release of number {ref} is talking to the carrier right now: "
                         "try the restore again in a moment")

    @property
    def headers(self) -> dict[str, str]:
        return {"Retry-After": "1"}


class PayloadTooLarge(ExopoolError):
    """The request body is too large."""

    status = 413

    def __init__(self, limit: int, *, what: str = "The request body", message: str | None = None) -> None:
        self.limit = limit
        super().__init__(message or f"{what} is larger than {limit} bytes")


class UnsupportedMediaType(ExopoolError):
    """The request body's content type is not supported: use form parameters or JSON."""

    status = 415

    def __init__(self, media_type: str) -> None:
        self.media_type = media_type
        super().__init__(f"Content-Type {media_type} is not supported: send form parameters or a JSON object")


class IdempotencyKeyReused(ExopoolError):
    """This Idempotency-Key was already used with a different request."""

    status = 422


class RateLimited(ExopoolError):
    """Too many requests: slow down and retry after the time in Retry-After."""

    status = 429

    def __init__(self, message: str | None = None, *, retry_after_s: int = 1, limit: int | None = None,
                 reset_s: int | None = None) -> None:
        self.retry_after_s, self.limit, self.reset_s = retry_after_s, limit, reset_s
        super().__init__(message)

    @property
    def headers(self) -> dict[str, str]:
        shown = {"Retry-After": str(self.retry_after_s)}
        if self.limit is not None:
            shown.update({"X-RateLimit-Limit": str(self.limit), "X-RateLimit-Remaining": "0",
                          "X-RateLimit-Reset": str(self.reset_s if self.reset_s is not None else self.retry_after_s)})
        return shown


class TooManyLogins(RateLimited):
    """Too many failed logins: wait a little and try again."""


class InternalError(ExopoolError):
    """An internal error occurred. It has been logged; retry later."""

    status = 500


class ServiceUnavailable(ExopoolError):
    """The service is temporarily unavailable: its database cannot be reached. Retry later."""

    status = 503


class CarrierRefused(ExopoolError):
    """The carrier did not do what was asked of it; nothing changed, and the request may be retried."""

    status = 502

    def __init__(self, ref: str, problem: str) -> None:
        self.ref, self.problem = ref, problem
        super().__init__(f"The carrier could not provision number {ref} again ({problem}); "
                         "it stays released: try the restore again later")


class StatusError(ExopoolError):
    """An error whose HTTP status is chosen by whoever raises it: a sandbox fault rule, say."""

    def __init__(self, status: int, message: str | None = None, *, retry_after_s: int | None = None) -> None:
        self.status, self.retry_after_s = status, retry_after_s
        super().__init__(message)

    @property
    def headers(self) -> dict[str, str]:
        return {} if self.retry_after_s is None else {"Retry-After": str(self.retry_after_s)}
