"""AdminClient and AsyncAdminClient: exopool's admin API (/admin/v1), with an operator token."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import AsyncIterator, Callable, Generator, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any, TypeVar
from urllib.parse import quote

import httpx

from exopool.client._base import DEFAULT_TIMEOUT, Call, HttpBase
from exopool.client._errors import BY_STATUS, APIConnectionError, APIStatusError, APITimeoutError, ServerError
from exopool.client._retry import RetryPolicy

T = TypeVar("T")
PREFIX = "/admin/v1"


@dataclass(frozen=True, slots=True)
class Problem:
    """An RFC 9457 problem: what the admin API answers an error with."""

    type: str
    title: str
    status: int
    detail: str
    errors: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class AdminAccount:
    sid: str
    name: str
    cluster: str
    country: str
    status: str
    created_at: str
    numbers_held: int


@dataclass(frozen=True, slots=True)
class IssuedApiKey:
    """A new key: its token is in this answer and never again."""

    key: str
    token: str
    label: str
    account_sid: str


@dataclass(frozen=True, slots=True)
class ApiKeyInfo:
    key: str
    label: str
    created_at: str
    last_used_at: str | None
    revoked_at: str | None


@dataclass(frozen=True, slots=True)
class AdminNumber:
    sid: str
    phone_number: str
    cluster: str
    type: str
    state: str
    account_sid: str | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True, slots=True)
class Release:
    sid: str
    phone_number: str
    state: str
    attempts: int
    last_error: str | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True, slots=True)
class Event:
    id: int
    at: str
    kind: str
    account_sid: str | None
    actor: str | None
    data: dict[str, Any] | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


@dataclass(frozen=True, slots=True)
class WebhookEndpoint:
    """An endpoint sent every account's events; `secret` only in the answer that created it."""

    sid: str
    url: str
    events: list[str]
    status: str
    disabled_reason: str | None
    created_at: str
    secret: str | None = None


@dataclass(frozen=True, slots=True)
class Delivery:
    """One event sent (or to be sent) to an endpoint; `id` is its webhook-id header."""

    id: str
    type: str
    status: str
    attempts: int
    last_response_status: int | None
    last_error: str | None
    raw: dict[str, Any] = field(repr=False, default_factory=dict)


def _account(data: Any) -> AdminAccount:
    return AdminAccount(data["sid"], data["name"], data["cluster"], data["country"], data["status"],
                        data["created_at"], data["numbers_held"])


def _number(data: Any) -> AdminNumber:
    return AdminNumber(data["sid"], data["phone_number"], data["cluster"], data["type"], data["state"],
                       data.get("account_sid"), data)


def _release(data: Any) -> Release:
    return Release(data["sid"], data["phone_number"], data["state"], data["attempts"], data.get("last_error"), data)


def _event(data: Any) -> Event:
    return Event(data["id"], data["at"], data["kind"], data.get("account_sid"), data.get("actor"), data.get("data"),
                 data)


def _webhook_endpoint(data: Any) -> WebhookEndpoint:
    return WebhookEndpoint(data["sid"], data["url"], list(data["events"]), data["status"],
                           data.get("disabled_reason"), data["created_at"], data.get("secret"))


def _delivery(data: Any) -> Delivery:
    return Delivery(data["id"], data["type"], data["status"], data["attempts"], data.get("last_response_status"),
                    data.get("last_error"), data)


def _key_info(data: Any) -> ApiKeyInfo:
    return ApiKeyInfo(data["key"], data["label"], data["created_at"], data.get("last_used_at"),
                      data.get("revoked_at"))


@dataclass(frozen=True, slots=True)
class Page:
    """One page of a list, and the cursor of the next (None after the last)."""

    items: list[Any]
    next_cursor: str | None


def _page(shape: Callable[[Any], Any]) -> Callable[[Any], Page]:
    return lambda data: Page([shape(item) for item in data["data"]], data.get("next_cursor"))


class AdminBase(HttpBase):
    """The operator token and the admin API's calls, for AdminClient and AsyncAdminClient alike."""

    def __init__(self, token: str | None = None, *, base_url: str | None = None,
                 timeout: float | httpx.Timeout = DEFAULT_TIMEOUT, max_retries: int = 2,
                 retry: RetryPolicy | None = None, headers: Mapping[str, str] | None = None) -> None:
        token = token if token is not None else os.environ.get("EXOPOOL_OPERATOR_TOKEN")
        url = base_url or os.environ.get("EXOPOOL_ADMIN_URL")
        if not token:
            raise ValueError("token is required: pass it or set EXOPOOL_OPERATOR_TOKEN")
        if not url:
            raise ValueError("base_url is required: pass exopool's URL or set EXOPOOL_ADMIN_URL")
        super().__init__(base_url=url.rstrip("/"), timeout=timeout, max_retries=max_retries, retry=retry,
                         idempotency_keys=False, headers=headers)
        self._token = token

    def __repr__(self) -> str:
        return f"{type(self).__name__}(token='********', base_url={self.base_url!r})"

    @property
    def auth(self) -> httpx.Auth:  # type: ignore[override]  # a property where the base declares a field
        return _Bearer(self._token)

    def read(self, response: httpx.Response, call: Call[T]) -> T:
        if response.is_error:
            raise problem_error(response)
        return call.parse(response.json() if response.content else None)

    # The calls, each one request

    @staticmethod
    def create_account_call(sid: str, name: str, cluster: str, country: str | None = None) -> Call[AdminAccount]:
        body = {"sid": sid, "name": name, "cluster": cluster, **({"country": country} if country else {})}
        return Call("POST", f"{PREFIX}/accounts", _account, json=body)

    @staticmethod
    def list_accounts_call(cursor: str | None, limit: int | None) -> Call[Page]:
        return Call("GET", f"{PREFIX}/accounts", _page(_account), params=_paging(cursor, limit))

    @staticmethod
    def get_account_call(sid: str) -> Call[AdminAccount]:
        return Call("GET", f"{PREFIX}/accounts/{_seg(sid)}", _account)

    @staticmethod
    def update_account_call(sid: str, name: str | None, status: str | None) -> Call[AdminAccount]:
        body = {k: v for k, v in (("name", name), ("status", status)) if v is not None}
        return Call("PATCH", f"{PREFIX}/accounts/{_seg(sid)}", _account, json=body)

    @staticmethod
    def create_api_key_call(sid: str, label: str) -> Call[IssuedApiKey]:
        return Call("POST", f"{PREFIX}/accounts/{_seg(sid)}/api-keys",
                    lambda d: IssuedApiKey(d["key"], d["token"], d["label"], d["account_sid"]), json={"label": label})

    @staticmethod
    def list_api_keys_call(sid: str) -> Call[list[ApiKeyInfo]]:
        return Call("GET", f"{PREFIX}/accounts/{_seg(sid)}/api-keys", lambda d: [_key_info(k) for k in d["data"]])

    @staticmethod
    def revoke_api_key_call(sid: str, key: str) -> Call[None]:
        return Call("DELETE", f"{PREFIX}/accounts/{_seg(sid)}/api-keys/{_seg(key)}", lambda _: None)

    @staticmethod
    def create_user_call(sid: str, email: str, password: str) -> Call[str]:
        return Call("POST", f"{PREFIX}/accounts/{_seg(sid)}/users", lambda d: str(d["email"]),
                    json={"email": email, "password": password})

    @staticmethod
    def import_numbers_call(csv: bytes) -> Call[int]:
        return Call("POST", f"{PREFIX}/pool/imports", lambda d: int(d["imported"]), content=csv,
                    content_type="text/csv")

    @staticmethod
    def pool_stats_call(by_region: bool) -> Call[list[dict[str, Any]]]:
        return Call("GET", f"{PREFIX}/pool/stats", lambda d: list(d["data"]),
                    params={"by": "region"} if by_region else {})

    @staticmethod
    def list_numbers_call(filters: Mapping[str, str | None], cursor: str | None, limit: int | None) -> Call[Page]:
        params = {k: v for k, v in filters.items() if v} | _paging(cursor, limit)
        return Call("GET", f"{PREFIX}/numbers", _page(_number), params=params)

    @staticmethod
    def get_number_call(ref: str) -> Call[dict[str, Any]]:
        return Call("GET", f"{PREFIX}/numbers/{_seg(ref)}", dict)

    @staticmethod
    def list_releases_call(state: str | None, cursor: str | None, limit: int | None) -> Call[Page]:
        return Call("GET", f"{PREFIX}/releases", _page(_release),
                    params=({"state": state} if state else {}) | _paging(cursor, limit))

    @staticmethod
    def retry_release_call(sid: str) -> Call[Release]:
        return Call("POST", f"{PREFIX}/releases/{_seg(sid)}/retry", _release)

    @staticmethod
    def list_events_call(filters: Mapping[str, str | None], cursor: str | None, limit: int | None) -> Call[Page]:
        params = {k: v for k, v in filters.items() if v} | _paging(cursor, limit)
        return Call("GET", f"{PREFIX}/events", _page(_event), params=params)

    @staticmethod
    def create_webhook_endpoint_call(url: str, events: list[str] | None) -> Call[WebhookEndpoint]:
        body: dict[str, Any] = {"url": url, **({"events": events} if events else {})}
        return Call("POST", f"{PREFIX}/webhook-endpoints", _webhook_endpoint, json=body)

    @staticmethod
    def list_webhook_endpoints_call(cursor: str | None, limit: int | None) -> Call[Page]:
        return Call("GET", f"{PREFIX}/webhook-endpoints", _page(_webhook_endpoint), params=_paging(cursor, limit))

    @staticmethod
    def get_webhook_endpoint_call(sid: str) -> Call[WebhookEndpoint]:
        return Call("GET", f"{PREFIX}/webhook-endpoints/{_seg(sid)}", _webhook_endpoint)

    @staticmethod
    def delete_webhook_endpoint_call(sid: str) -> Call[None]:
        return Call("DELETE", f"{PREFIX}/webhook-endpoints/{_seg(sid)}", lambda _: None)

    @staticmethod
    def list_deliveries_call(sid: str, cursor: str | None, limit: int | None) -> Call[Page]:
        return Call("GET", f"{PREFIX}/webhook-endpoints/{_seg(sid)}/deliveries", _page(_delivery),
                    params=_paging(cursor, limit))

    @staticmethod
    def redeliver_call(sid: str, delivery: str) -> Call[Delivery]:
        return Call("POST", f"{PREFIX}/webhook-endpoints/{_seg(sid)}/deliveries/{_seg(delivery)}/redeliver",
                    _delivery)


class AdminClient(AdminBase):
    """exopool's admin API, synchronously.

    >>> with AdminClient(token, base_url="http://127.0.0.1:8000") as admin:
    ...     for account in admin.accounts(): ...
    """

    def __init__(self, token: str | None = None, *, base_url: str | None = None,
                 timeout: float | httpx.Timeout = DEFAULT_TIMEOUT, max_retries: int = 2,
                 retry: RetryPolicy | None = None, headers: Mapping[str, str] | None = None,
                 http_client: httpx.Client | None = None, transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(token, base_url=base_url, timeout=timeout, max_retries=max_retries, retry=retry,
                         headers=headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=self.timeout)

    def send(self, call: Call[T]) -> T:
        request, attempt = self.build_request(self._http, call), 0
        while True:
            try:
                response: httpx.Response | None = self._http.send(request, auth=self.auth)
                failure: httpx.TransportError | None = None
            except httpx.TransportError as error:
                response, failure = None, error
            delay = self.next_delay(request, attempt, response)
            if delay is None:
                if failure is not None:
                    raise _connection_error(failure) from failure
                assert response is not None
                return self.read(response, call)
            time.sleep(delay)
            attempt += 1

    def _all(self, first: Callable[[str | None], Call[Page]]) -> Iterator[Any]:
        cursor: str | None = None
        while True:
            page = self.send(first(cursor))
            yield from page.items
            if not (cursor := page.next_cursor):
                return

    def create_account(self, sid: str, name: str, cluster: str, country: str | None = None) -> AdminAccount:
        return self.send(self.create_account_call(sid, name, cluster, country))

    def accounts(self, *, limit: int | None = None) -> Iterator[AdminAccount]:
        """Every account, page after page."""
        return self._all(lambda cursor: self.list_accounts_call(cursor, limit))

    def get_account(self, sid: str) -> AdminAccount:
        return self.send(self.get_account_call(sid))

    def update_account(self, sid: str, *, name: str | None = None, status: str | None = None) -> AdminAccount:
        return self.send(self.update_account_call(sid, name, status))

    def suspend_account(self, sid: str) -> AdminAccount:
        return self.update_account(sid, status="suspended")

    def resume_account(self, sid: str) -> AdminAccount:
        return self.update_account(sid, status="active")

    def create_api_key(self, sid: str, label: str = "") -> IssuedApiKey:
        return self.send(self.create_api_key_call(sid, label))

    def api_keys(self, sid: str) -> list[ApiKeyInfo]:
        return self.send(self.list_api_keys_call(sid))

    def revoke_api_key(self, sid: str, key: str) -> None:
        self.send(self.revoke_api_key_call(sid, key))

    def create_user(self, sid: str, email: str, password: str) -> str:
        return self.send(self.create_user_call(sid, email, password))

    def import_numbers(self, csv: bytes) -> int:
        """Add a CSV file's numbers to the pool, all or none; how many."""
        return self.send(self.import_numbers_call(csv))

    def pool_stats(self, *, by_region: bool = False) -> list[dict[str, Any]]:
        return self.send(self.pool_stats_call(by_region))

    def numbers(self, *, state: str | None = None, cluster: str | None = None, account: str | None = None,
                contains: str | None = None, limit: int | None = None) -> Iterator[AdminNumber]:
        filters = {"state": state, "cluster": cluster, "account": account, "contains": contains}
        return self._all(lambda cursor: self.list_numbers_call(filters, cursor, limit))

    def get_number(self, ref: str) -> dict[str, Any]:
        """One number and its whole history."""
        return self.send(self.get_number_call(ref))

    def releases(self, *, state: str | None = None, limit: int | None = None) -> Iterator[Release]:
        return self._all(lambda cursor: self.list_releases_call(state, cursor, limit))

    def retry_release(self, sid: str) -> Release:
        return self.send(self.retry_release_call(sid))

    def events(self, *, after: str | None = None, account: str | None = None, kind: str | None = None,
               since: str | None = None, limit: int | None = None) -> Iterator[Event]:
        """Events oldest first, from the cursor `after` (an event id) to the end of the log."""
        filters = {"account": account, "kind": kind, "since": since}
        return self._all(lambda cursor: self.list_events_call(filters, cursor or after, limit))

    def create_webhook_endpoint(self, url: str, events: list[str] | None = None) -> WebhookEndpoint:
        """An endpoint sent every account's events (of these types; all when None); keep its secret."""
        return self.send(self.create_webhook_endpoint_call(url, events))

    def webhook_endpoints(self, *, limit: int | None = None) -> Iterator[WebhookEndpoint]:
        return self._all(lambda cursor: self.list_webhook_endpoints_call(cursor, limit))

    def get_webhook_endpoint(self, sid: str) -> WebhookEndpoint:
        return self.send(self.get_webhook_endpoint_call(sid))

    def delete_webhook_endpoint(self, sid: str) -> None:
        self.send(self.delete_webhook_endpoint_call(sid))

    def deliveries(self, sid: str, *, limit: int | None = None) -> Iterator[Delivery]:
        """The endpoint's deliveries, newest first."""
        return self._all(lambda cursor: self.list_deliveries_call(sid, cursor, limit))

    def redeliver(self, sid: str, delivery: str) -> Delivery:
        return self.send(self.redeliver_call(sid, delivery))

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> AdminClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncAdminClient(AdminBase):
    """The same surface as AdminClient, awaited; the lists are async iterators."""

    def __init__(self, token: str | None = None, *, base_url: str | None = None,
                 timeout: float | httpx.Timeout = DEFAULT_TIMEOUT, max_retries: int = 2,
                 retry: RetryPolicy | None = None, headers: Mapping[str, str] | None = None,
                 http_client: httpx.AsyncClient | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(token, base_url=base_url, timeout=timeout, max_retries=max_retries, retry=retry,
                         headers=headers)
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport, timeout=self.timeout)

    async def send(self, call: Call[T]) -> T:
        request, attempt = self.build_request(self._http, call), 0
        while True:
            try:
                response: httpx.Response | None = await self._http.send(request, auth=self.auth)
                failure: httpx.TransportError | None = None
            except httpx.TransportError as error:
                response, failure = None, error
            delay = self.next_delay(request, attempt, response)
            if delay is None:
                if failure is not None:
                    raise _connection_error(failure) from failure
                assert response is not None
                return self.read(response, call)
            await asyncio.sleep(delay)
            attempt += 1

    async def _all(self, first: Callable[[str | None], Call[Page]]) -> AsyncIterator[Any]:
        cursor: str | None = None
        while True:
            page = await self.send(first(cursor))
            for item in page.items:
                yield item
            if not (cursor := page.next_cursor):
                return

    async def create_account(self, sid: str, name: str, cluster: str, country: str | None = None) -> AdminAccount:
        return await self.send(self.create_account_call(sid, name, cluster, country))

    def accounts(self, *, limit: int | None = None) -> AsyncIterator[AdminAccount]:
        return self._all(lambda cursor: self.list_accounts_call(cursor, limit))

    async def get_account(self, sid: str) -> AdminAccount:
        return await self.send(self.get_account_call(sid))

    async def update_account(self, sid: str, *, name: str | None = None, status: str | None = None) -> AdminAccount:
        return await self.send(self.update_account_call(sid, name, status))

    async def create_api_key(self, sid: str, label: str = "") -> IssuedApiKey:
        return await self.send(self.create_api_key_call(sid, label))

    async def api_keys(self, sid: str) -> list[ApiKeyInfo]:
        return await self.send(self.list_api_keys_call(sid))

    async def revoke_api_key(self, sid: str, key: str) -> None:
        await self.send(self.revoke_api_key_call(sid, key))

    async def create_user(self, sid: str, email: str, password: str) -> str:
        return await self.send(self.create_user_call(sid, email, password))

    async def import_numbers(self, csv: bytes) -> int:
        return await self.send(self.import_numbers_call(csv))

    async def pool_stats(self, *, by_region: bool = False) -> list[dict[str, Any]]:
        return await self.send(self.pool_stats_call(by_region))

    def numbers(self, *, state: str | None = None, cluster: str | None = None, account: str | None = None,
                contains: str | None = None, limit: int | None = None) -> AsyncIterator[AdminNumber]:
        filters = {"state": state, "cluster": cluster, "account": account, "contains": contains}
        return self._all(lambda cursor: self.list_numbers_call(filters, cursor, limit))

    async def get_number(self, ref: str) -> dict[str, Any]:
        return await self.send(self.get_number_call(ref))

    def releases(self, *, state: str | None = None, limit: int | None = None) -> AsyncIterator[Release]:
        return self._all(lambda cursor: self.list_releases_call(state, cursor, limit))

    async def retry_release(self, sid: str) -> Release:
        return await self.send(self.retry_release_call(sid))

    def events(self, *, after: str | None = None, account: str | None = None, kind: str | None = None,
               since: str | None = None, limit: int | None = None) -> AsyncIterator[Event]:
        filters = {"account": account, "kind": kind, "since": since}
        return self._all(lambda cursor: self.list_events_call(filters, cursor or after, limit))

    async def create_webhook_endpoint(self, url: str, events: list[str] | None = None) -> WebhookEndpoint:
        return await self.send(self.create_webhook_endpoint_call(url, events))

    def webhook_endpoints(self, *, limit: int | None = None) -> AsyncIterator[WebhookEndpoint]:
        return self._all(lambda cursor: self.list_webhook_endpoints_call(cursor, limit))

    async def get_webhook_endpoint(self, sid: str) -> WebhookEndpoint:
        return await self.send(self.get_webhook_endpoint_call(sid))

    async def delete_webhook_endpoint(self, sid: str) -> None:
        await self.send(self.delete_webhook_endpoint_call(sid))

    def deliveries(self, sid: str, *, limit: int | None = None) -> AsyncIterator[Delivery]:
        return self._all(lambda cursor: self.list_deliveries_call(sid, cursor, limit))

    async def redeliver(self, sid: str, delivery: str) -> Delivery:
        return await self.send(self.redeliver_call(sid, delivery))

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncAdminClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


class _Bearer(httpx.Auth):
    def __init__(self, token: str) -> None:
        self._token = token

    def auth_flow(self, request: httpx.Request) -> Generator[httpx.Request, httpx.Response, None]:
        request.headers["Authorization"] = f"Bearer {self._token}"
        yield request


def problem_error(response: httpx.Response) -> APIStatusError:
    """The typed error of a problem-details answer; its Problem is on `.problem`."""
    try:
        body = response.json()
    except ValueError:
        body = None
    body = body if isinstance(body, dict) else {}
    problem = Problem(str(body.get("type", "about:blank")), str(body.get("title", response.reason_phrase)),
                      response.status_code, str(body.get("detail") or response.reason_phrase),
                      list(body.get("errors") or []))
    kind = BY_STATUS.get(response.status_code) or (ServerError if response.status_code >= 500 else APIStatusError)
    error = kind(problem.detail, status=response.status_code, code=None,
                 request_id=body.get("request_id") or response.headers.get("x-request-id"), response=response,
                 body=body)
    error.problem = problem  # type: ignore[attr-defined]  # the admin API's errors carry their problem
    return error


def _paging(cursor: str | None, limit: int | None) -> dict[str, str]:
    return {**({"cursor": cursor} if cursor else {}), **({"limit": str(limit)} if limit else {})}


def _seg(value: str) -> str:
    return quote(value, safe="")


def _connection_error(error: httpx.TransportError) -> APIConnectionError:
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"No answer in time: {error}")
    return APIConnectionError(f"Could not reach the server: {error}")
