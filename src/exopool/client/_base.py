"""What Client and AsyncClient share: configuration, building requests, reading answers."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar
from urllib.parse import quote, urlsplit

import httpx

from exopool.client._errors import error_for
from exopool.client._retry import RetryPolicy, is_retryable, may_retry

T = TypeVar("T")

REGIONS = {"sg": "https://api.exotel.com", "in": "https://api.in.exotel.com"}
WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
USER_AGENT = "exopool-python/0.1.0"
DEFAULT_TIMEOUT = 30.0


@dataclass(frozen=True, slots=True)
class Call(Generic[T]):
    """One API operation, before it is sent: what to ask and how to read the answer."""

    method: str
    path: str
    parse: Callable[[Any], T]
    params: Mapping[str, str] = field(default_factory=dict)
    data: Mapping[str, str] | None = None
    json: Any = None  # a JSON body, for the admin API
    content: bytes | None = None  # a raw body (a CSV file), sent with content_type
    content_type: str | None = None
    idempotency_key: str | None = None
    url: str | None = None  # an absolute next_page_uri, used instead of path


class HttpBase:
    """Where to send, and the request/answer rules every client follows (the ExoPhones and the admin API's)."""

    auth: httpx.Auth

    def __init__(self, *, base_url: str, timeout: float | httpx.Timeout = DEFAULT_TIMEOUT, max_retries: int = 2,
                 retry: RetryPolicy | None = None, idempotency_keys: bool = True,
                 headers: Mapping[str, str] | None = None) -> None:
        self.base_url = base_url
        self.timeout = timeout
        self.retry = retry or RetryPolicy(max_retries=max_retries)
        self.idempotency_keys = idempotency_keys
        self.headers = {"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})}

    def build_request(self, http: httpx.Client | httpx.AsyncClient, call: Call[Any]) -> httpx.Request:
        """The request for call; a write gets its Idempotency-Key here, once, so retries repeat it."""
        headers = dict(self.headers)
        key = call.idempotency_key
        if key is None and call.method in WRITE_METHODS and self.idempotency_keys:
            key = str(uuid.uuid4())
        if key:
            headers["Idempotency-Key"] = key
        if call.content_type:
            headers["Content-Type"] = call.content_type
        url = self._follow(call.url) if call.url else self.base_url + call.path
        return http.build_request(call.method, url, params=dict(call.params) or None, data=call.data,
                                  json=call.json, content=call.content, headers=headers, timeout=self.timeout)

    def _follow(self, uri: str) -> str:
        """A server's link, sent to our own base URL: credentials never leave for another host."""
        parts = urlsplit(uri)
        return self.base_url + parts.path + (f"?{parts.query}" if parts.query else "")

    def next_delay(self, request: httpx.Request, attempt: int, response: httpx.Response | None) -> float | None:
        """How long to wait before trying request again, or None to stop (response None: no answer came)."""
        if not may_retry(request):
            return None
        if response is not None and not is_retryable(response.status_code):
            return None
        return self.retry.delay(attempt, response.headers if response is not None else None)

    def read(self, response: httpx.Response, call: Call[T]) -> T:
        if response.is_error:
            raise error_for(response)
        return call.parse(response.json() if response.content else None)


class BaseClient(HttpBase):
    """Credentials, where to send, and the request/answer rules both clients follow."""

    def __init__(self, api_key: str | None = None, api_token: str | None = None, account_sid: str | None = None,
                 *, region: str | None = None, base_url: str | None = None,
                 timeout: float | httpx.Timeout = DEFAULT_TIMEOUT, max_retries: int = 2,
                 retry: RetryPolicy | None = None, idempotency_keys: bool = True,
                 headers: Mapping[str, str] | None = None) -> None:
        self.api_key = _required("api_key", api_key, "EXOPOOL_API_KEY")
        self._api_token = _required("api_token", api_token, "EXOPOOL_API_TOKEN")
        self.account_sid = _required("account_sid", account_sid, "EXOPOOL_ACCOUNT_SID")
        super().__init__(base_url=_base_url(region, base_url), timeout=timeout, max_retries=max_retries,
                         retry=retry, idempotency_keys=idempotency_keys, headers=headers)

    def __repr__(self) -> str:
        return (f"{type(self).__name__}(account_sid={self.account_sid!r}, api_key={self.api_key!r}, "
                f"api_token='********', base_url={self.base_url!r})")

    @property
    def auth(self) -> httpx.BasicAuth:  # type: ignore[override]  # a property where the base declares a field
        return httpx.BasicAuth(self.api_key, self._api_token)

    def account_path(self, *segments: str) -> str:
        quoted = [quote(segment, safe="") for segment in (self.account_sid, *segments)]
        return "/v2_beta/Accounts/" + "/".join(quoted)


def _required(name: str, value: str | None, variable: str) -> str:
    value = value if value is not None else os.environ.get(variable)
    if not value:
        raise ValueError(f"{name} is required: pass it or set {variable}")
    return value


def _base_url(region: str | None, base_url: str | None) -> str:
    if region and base_url:
        raise ValueError("pass region or base_url, not both")
    base_url = base_url or (None if region else os.environ.get("EXOPOOL_BASE_URL"))
    if base_url:
        return base_url.rstrip("/")
    region = region or os.environ.get("EXOPOOL_REGION") or "sg"
    if region not in REGIONS:
        raise ValueError(f"region must be one of {sorted(REGIONS)}, not {region!r}")
    return REGIONS[region]
