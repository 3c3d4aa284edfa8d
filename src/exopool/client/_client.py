"""Client and AsyncClient: one surface, sent with httpx synchronously or asynchronously."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import TypeVar

import httpx

from exopool.client import _calls as calls
from exopool.client._base import DEFAULT_TIMEOUT, BaseClient, Call
from exopool.client._errors import APIConnectionError, APITimeoutError
from exopool.client._retry import RetryPolicy
from exopool.client._types import Accepted, AvailableNumber, Country, PhoneNumber

T = TypeVar("T")


class Client(BaseClient):
    """The ExoPhones API, for exopool or Exotel itself.

    >>> with Client("key", "token", "acme1", region="in") as client:
    ...     for number in client.phone_numbers.list(): ...
    """

    def __init__(self, api_key: str | None = None, api_token: str | None = None, account_sid: str | None = None,
                 *, region: str | None = None, base_url: str | None = None,
                 timeout: float | httpx.Timeout = DEFAULT_TIMEOUT, max_retries: int = 2,
                 retry: RetryPolicy | None = None, idempotency_keys: bool = True,
                 headers: Mapping[str, str] | None = None, http_client: httpx.Client | None = None,
                 transport: httpx.BaseTransport | None = None) -> None:
        super().__init__(api_key, api_token, account_sid, region=region, base_url=base_url, timeout=timeout,
                         max_retries=max_retries, retry=retry, idempotency_keys=idempotency_keys, headers=headers)
        if http_client is not None and transport is not None:
            raise ValueError("pass http_client or transport, not both")
        self._owns_http = http_client is None
        self._http = http_client or httpx.Client(transport=transport, timeout=self.timeout)
        self.available_numbers = AvailableNumbers(self)
        self.phone_numbers = PhoneNumbers(self)

    def send(self, call: Call[T]) -> T:
        request = self.build_request(self._http, call)
        attempt = 0
        while True:
            response, failure = self._attempt(request)
            delay = self.next_delay(request, attempt, response)
            if delay is None:
                if failure is not None:
                    raise _connection_error(failure) from failure
                assert response is not None
                return self.read(response, call)
            if response is not None:
                response.close()
            time.sleep(delay)
            attempt += 1

    def _attempt(self, request: httpx.Request) -> tuple[httpx.Response | None, httpx.TransportError | None]:
        try:
            return self._http.send(request, auth=self.auth), None
        except httpx.TransportError as error:
            return None, error

    def close(self) -> None:
        if self._owns_http:
            self._http.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class AsyncClient(BaseClient):
    """The same surface as Client, awaited; phone_numbers.list() is an async iterator."""

    def __init__(self, api_key: str | None = None, api_token: str | None = None, account_sid: str | None = None,
                 *, region: str | None = None, base_url: str | None = None,
                 timeout: float | httpx.Timeout = DEFAULT_TIMEOUT, max_retries: int = 2,
                 retry: RetryPolicy | None = None, idempotency_keys: bool = True,
                 headers: Mapping[str, str] | None = None, http_client: httpx.AsyncClient | None = None,
                 transport: httpx.AsyncBaseTransport | None = None) -> None:
        super().__init__(api_key, api_token, account_sid, region=region, base_url=base_url, timeout=timeout,
                         max_retries=max_retries, retry=retry, idempotency_keys=idempotency_keys, headers=headers)
        if http_client is not None and transport is not None:
            raise ValueError("pass http_client or transport, not both")
        self._owns_http = http_client is None
        self._http = http_client or httpx.AsyncClient(transport=transport, timeout=self.timeout)
        self.available_numbers = AsyncAvailableNumbers(self)
        self.phone_numbers = AsyncPhoneNumbers(self)

    async def send(self, call: Call[T]) -> T:
        request = self.build_request(self._http, call)
        attempt = 0
        while True:
            response, failure = await self._attempt(request)
            delay = self.next_delay(request, attempt, response)
            if delay is None:
                if failure is not None:
                    raise _connection_error(failure) from failure
                assert response is not None
                return self.read(response, call)
            if response is not None:
                await response.aclose()
            await asyncio.sleep(delay)
            attempt += 1

    async def _attempt(self, request: httpx.Request) -> tuple[httpx.Response | None, httpx.TransportError | None]:
        try:
            return await self._http.send(request, auth=self.auth), None
        except httpx.TransportError as error:
            return None, error

    async def close(self) -> None:
        if self._owns_http:
            await self._http.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()


def _connection_error(error: httpx.TransportError) -> APIConnectionError:
    if isinstance(error, httpx.TimeoutException):
        return APITimeoutError(f"No answer in time: {error}")
    return APIConnectionError(f"Could not reach the server: {error}")


class AvailableNumbers:
    """What can be bought: the countries, and a search within one country and type."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def countries(self) -> list[Country]:
        return self._client.send(calls.list_available_countries(self._client))

    def country(self, country: str) -> Country:
        """One country of countries(); NotFoundError when none of its numbers is buyable in this cluster."""
        return self._client.send(calls.get_available_country(self._client, country))

    def search(self, country: str, type: str, *, contains: str | None = None, in_region: str | None = None,
               incoming_sms: bool | None = None) -> list[AvailableNumber]:
        return self._client.send(calls.search_available_numbers(
            self._client, country, type, contains=contains, in_region=in_region, incoming_sms=incoming_sms))


class PhoneNumbers:
    """The account's numbers. In update, None leaves a field as it is and "" clears a URL."""

    def __init__(self, client: Client) -> None:
        self._client = client

    def list(self, *, page_size: int | None = None, phone_number: str | None = None,
             friendly_name: str | None = None) -> Iterator[PhoneNumber]:
        """Every number, page after page, following next_page_uri."""
        url: str | None = None
        while True:
            page = self._client.send(calls.list_phone_numbers(
                self._client, page_size=page_size, phone_number=phone_number, friendly_name=friendly_name, url=url))
            yield from page.items
            if not page.next_page_uri:
                return
            url = page.next_page_uri

    def get(self, sid: str) -> PhoneNumber:
        return self._client.send(calls.get_phone_number(self._client, sid))

    def purchase(self, phone_number: str, *, voice_url: str | None = None, sms_url: str | None = None,
                 friendly_name: str | None = None, idempotency_key: str | None = None) -> PhoneNumber:
        return self._client.send(calls.purchase_phone_number(
            self._client, phone_number, voice_url=voice_url, sms_url=sms_url, friendly_name=friendly_name,
            idempotency_key=idempotency_key))

    def update(self, sid: str, *, voice_url: str | None = None, sms_url: str | None = None,
               friendly_name: str | None = None, idempotency_key: str | None = None) -> PhoneNumber:
        return self._client.send(calls.update_phone_number(
            self._client, sid, voice_url=voice_url, sms_url=sms_url, friendly_name=friendly_name,
            idempotency_key=idempotency_key))

    def release(self, sid: str, *, idempotency_key: str | None = None) -> Accepted:
        return self._client.send(calls.release_phone_number(self._client, sid, idempotency_key=idempotency_key))

    def restore(self, sid: str, *, idempotency_key: str | None = None) -> PhoneNumber:
        """Take back a number this account released, within the restore window, with the sid it had."""
        return self._client.send(calls.restore_phone_number(self._client, sid, idempotency_key=idempotency_key))


class AsyncAvailableNumbers:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def countries(self) -> list[Country]:
        return await self._client.send(calls.list_available_countries(self._client))

    async def country(self, country: str) -> Country:
        return await self._client.send(calls.get_available_country(self._client, country))

    async def search(self, country: str, type: str, *, contains: str | None = None, in_region: str | None = None,
                     incoming_sms: bool | None = None) -> list[AvailableNumber]:
        return await self._client.send(calls.search_available_numbers(
            self._client, country, type, contains=contains, in_region=in_region, incoming_sms=incoming_sms))


class AsyncPhoneNumbers:
    def __init__(self, client: AsyncClient) -> None:
        self._client = client

    async def list(self, *, page_size: int | None = None, phone_number: str | None = None,
                   friendly_name: str | None = None) -> AsyncIterator[PhoneNumber]:
        url: str | None = None
        while True:
            page = await self._client.send(calls.list_phone_numbers(
                self._client, page_size=page_size, phone_number=phone_number, friendly_name=friendly_name, url=url))
            for number in page.items:
                yield number
            if not page.next_page_uri:
                return
            url = page.next_page_uri

    async def get(self, sid: str) -> PhoneNumber:
        return await self._client.send(calls.get_phone_number(self._client, sid))

    async def purchase(self, phone_number: str, *, voice_url: str | None = None, sms_url: str | None = None,
                       friendly_name: str | None = None, idempotency_key: str | None = None) -> PhoneNumber:
        return await self._client.send(calls.purchase_phone_number(
            self._client, phone_number, voice_url=voice_url, sms_url=sms_url, friendly_name=friendly_name,
            idempotency_key=idempotency_key))

    async def update(self, sid: str, *, voice_url: str | None = None, sms_url: str | None = None,
                     friendly_name: str | None = None, idempotency_key: str | None = None) -> PhoneNumber:
        return await self._client.send(calls.update_phone_number(
            self._client, sid, voice_url=voice_url, sms_url=sms_url, friendly_name=friendly_name,
            idempotency_key=idempotency_key))

    async def release(self, sid: str, *, idempotency_key: str | None = None) -> Accepted:
        return await self._client.send(calls.release_phone_number(self._client, sid, idempotency_key=idempotency_key))

    async def restore(self, sid: str, *, idempotency_key: str | None = None) -> PhoneNumber:
        """Take back a number this account released, within the restore window, with the sid it had."""
        return await self._client.send(calls.restore_phone_number(self._client, sid,
                                                                  idempotency_key=idempotency_key))
