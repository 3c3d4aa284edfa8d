"""A typed client of the ExoPhones API (exopool or Exotel itself); needs only httpx."""

from exopool.client._base import REGIONS
from exopool.client._client import AsyncClient, Client
from exopool.client._errors import (
    APIConnectionError,
    APIError,
    APIStatusError,
    APITimeoutError,
    AuthenticationError,
    BadRequestError,
    ConflictError,
    MethodNotAllowedError,
    NotFoundError,
    PayloadTooLargeError,
    PaymentRequiredError,
    PermissionDeniedError,
    RateLimitError,
    ServerError,
    UnprocessableEntityError,
    UnsupportedMediaTypeError,
)
from exopool.client._retry import RetryPolicy
from exopool.client._types import Accepted, AvailableNumber, Capabilities, Country, PhoneNumber

__all__ = [
    "REGIONS", "Client", "AsyncClient", "RetryPolicy",
    "Accepted", "AvailableNumber", "Capabilities", "Country", "PhoneNumber",
    "APIError", "APIConnectionError", "APITimeoutError", "APIStatusError", "BadRequestError",
    "AuthenticationError", "PaymentRequiredError", "PermissionDeniedError", "NotFoundError",
    "MethodNotAllowedError", "ConflictError", "PayloadTooLargeError", "UnsupportedMediaTypeError",
    "UnprocessableEntityError", "RateLimitError", "ServerError",
]
