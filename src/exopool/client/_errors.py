"""The errors the SDK raises: one class per HTTP status family, each carrying what the server said."""

from __future__ import annotations

from typing import Any

import httpx

from exopool.client._retry import retry_after_seconds


class APIError(Exception):
    """Base of every error the client raises."""

    def __init__(self, message: str) -> None:
        self.message = message
        super().__init__(message)


class APIConnectionError(APIError):
    """The server could not be reached, or the connection broke before an answer came."""


class APITimeoutError(APIConnectionError):
    """No answer within the configured timeout."""


class APIStatusError(APIError):
    """The server answered with an error status; status, code and request_id say which and where."""

    status: int = 0

    def __init__(self, message: str, *, status: int, code: int | None, request_id: str | None,
                 response: httpx.Response | None = None, body: Any = None) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.request_id = request_id
        self.response = response
        self.body = body

    def __str__(self) -> str:
        where = f", request_id={self.request_id}" if self.request_id else ""
        return f"{self.status} {self.message} (code={self.code}{where})"


class BadRequestError(APIStatusError):
    """400: a parameter is missing or invalid, or the number cannot be bought."""


class AuthenticationError(APIStatusError):
    """401: wrong key, token, account sid or cluster host."""


class PaymentRequiredError(APIStatusError):
    """402: the account's balance or plan does not allow this."""


class PermissionDeniedError(APIStatusError):
    """403: the credentials are valid but the account may not do this."""


class NotFoundError(APIStatusError):
    """404: no such number on this account, or no such route."""


class MethodNotAllowedError(APIStatusError):
    """405: the route does not take this method."""


class ConflictError(APIStatusError):
    """409: the number already belongs to this account, or a concurrent change won."""


class PayloadTooLargeError(APIStatusError):
    """413: the request body is larger than the server accepts."""


class UnsupportedMediaTypeError(APIStatusError):
    """415: the server does not accept the request body's content type."""


class UnprocessableEntityError(APIStatusError):
    """422: e.g. an Idempotency-Key reused with a different request."""


class RateLimitError(APIStatusError):
    """429: too many requests; retry_after is the server's advice in seconds, when it gave one."""

    @property
    def retry_after(self) -> float | None:
        return retry_after_seconds(self.response.headers) if self.response is not None else None


class ServerError(APIStatusError):
    """5xx: the server failed; retried automatically where that is safe."""


BY_STATUS: dict[int, type[APIStatusError]] = {
    400: BadRequestError,
    401: AuthenticationError,
    402: PaymentRequiredError,
    403: PermissionDeniedError,
    404: NotFoundError,
    405: MethodNotAllowedError,
    409: ConflictError,
    413: PayloadTooLargeError,
    415: UnsupportedMediaTypeError,
    422: UnprocessableEntityError,
    429: RateLimitError,
}


def error_for(response: httpx.Response) -> APIStatusError:
    """The error an answer stands for, read from either of Exotel's error shapes."""
    body = _json_or_none(response)
    code, message, request_id = _read_error_body(body)
    request_id = request_id or response.headers.get("x-request-id")
    if not message:
        message = response.reason_phrase or f"HTTP {response.status_code}"
    kind = BY_STATUS.get(response.status_code)
    if kind is None:
        kind = ServerError if response.status_code >= 500 else APIStatusError
    return kind(message, status=response.status_code, code=code, request_id=request_id, response=response, body=body)


def _json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def _read_error_body(body: Any) -> tuple[int | None, str | None, str | None]:
    """(code, message, request_id) from RestException or response.error_data, whichever is there."""
    if not isinstance(body, dict):
        return None, None, None
    request_id = body.get("request_id") if isinstance(body.get("request_id"), str) else None
    rest = body.get("RestException")
    if isinstance(rest, dict):
        return _int(rest.get("Code")), _text(rest.get("Message")), request_id
    response = body.get("response")
    data = response.get("error_data") if isinstance(response, dict) else None
    if isinstance(data, dict):
        return _int(data.get("code")), _text(data.get("description")) or _text(data.get("message")), request_id
    return None, _text(body.get("message")), request_id


def _int(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None
