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
    "REGIONS",
    "APIConnectionError",
    "APIError",
    "APIStatusError",
    "APITimeoutError",
    "Accepted",
    "AsyncClient",
    "AuthenticationError",
    "AvailableNumber",
    "BadRequestError",
    "Capabilities",
    "Client",
    "ConflictError",
    "Country",
    "MethodNotAllowedError",
    "NotFoundError",
    "PayloadTooLargeError",
    "PaymentRequiredError",
    "PermissionDeniedError",
    "PhoneNumber",
    "RateLimitError",
    "RetryPolicy",
    "ServerError",
    "UnprocessableEntityError",
    "UnsupportedMediaTypeError",
]
