"""SDK clients wired to the real app: in-process transports, sync and async."""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator

import httpx
import pytest
from anyio.from_thread import BlockingPortal, start_blocking_portal

from exopool.client import AsyncClient, Client, RetryPolicy
from tests.conftest import Persona

BASE_URL = "http://api.in.exotel.com"
NO_WAIT = RetryPolicy(max_retries=2, backoff_s=0.0)


class SyncASGITransport(httpx.BaseTransport):
    """The app in-process for a synchronous client: every request on one event loop, in a thread of its own,
    as a server runs them (a database's connections belong to the loop they were made on)."""

    def __init__(self, app) -> None:  # type: ignore[no-untyped-def]
        self.inner = httpx.ASGITransport(app=app)
        self._portal: contextlib.AbstractContextManager[BlockingPortal] | None = None
        self.portal: BlockingPortal | None = None

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        async def answer() -> httpx.Response:
            response = await self.inner.handle_async_request(request)
            body = await response.aread()
            return httpx.Response(response.status_code, headers=response.headers, content=body, request=request)

        if self.portal is None:
            self._portal = start_blocking_portal()
            self.portal = self._portal.__enter__()
        return self.portal.call(answer)

    def close(self) -> None:
        if self._portal is not None:
            self._portal.__exit__(None, None, None)
            self._portal = self.portal = None


class Recording(httpx.BaseTransport):
    """Wraps a transport; fails the first `failures` requests with `fail`, and remembers every request."""

    def __init__(self, inner: httpx.BaseTransport, fail: Callable[[httpx.Request], httpx.Response] | None = None,
                 failures: int = 0) -> None:
        self.inner, self.fail, self.failures = inner, fail, failures
        self.requests: list[httpx.Request] = []

    def close(self) -> None:
        self.inner.close()

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        if self.fail is not None and len(self.requests) <= self.failures:
            return self.fail(request)
        return self.inner.handle_request(request)


@pytest.fixture
def transport(app) -> Iterator[Recording]:  # type: ignore[no-untyped-def]
    recording = Recording(SyncASGITransport(app))
    yield recording
    recording.close()


def client_for(persona: Persona, transport: httpx.BaseTransport, **options) -> Client:  # type: ignore[no-untyped-def]
    return Client(persona.key, persona.token, persona.sid, base_url=BASE_URL, transport=transport,
                  retry=NO_WAIT, **options)


@pytest.fixture
def client(alice: Persona, transport: Recording) -> Iterator[Client]:
    with client_for(alice, transport) as sdk:
        yield sdk


def async_client_for(persona: Persona, app, **options) -> AsyncClient:  # type: ignore[no-untyped-def]
    return AsyncClient(persona.key, persona.token, persona.sid, base_url=BASE_URL,
                       transport=httpx.ASGITransport(app=app), retry=NO_WAIT, **options)
