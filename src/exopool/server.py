"""How exopool is served: by uvicorn or granian, with what each needs to keep exopool's promises.

uvicorn's fast HTTP parser (httptools) keeps the request line and headers in memory until they
end, with no limit: a client sending a header that never ends grew the server by hundreds of
megabytes. BoundedHttpToolsProtocol counts the bytes of each request's head as they arrive and,
past the limit (EXOPOOL_MAX_HEADER_BYTES), answers 431 and closes the connection, whatever proxy
sits in front of exopool, or none.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import uvicorn
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from exopool.config import Settings

# How uvicorn serves exopool; the benchmark's bare app runs with these same options.
UVICORN_OPTIONS: dict[str, Any] = {"access_log": False, "log_config": None, "server_header": False,
                                   "http": "exopool.server:BoundedHttpToolsProtocol"}
TOO_LARGE = (b"HTTP/1.1 431 Request Header Fields Too Large\r\ncontent-type: text/plain; charset=utf-8\r\n"
             b"connection: close\r\ncontent-length: 44\r\n\r\nThe request line and headers are too large.\n")


class BoundedHttpToolsProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with a limit on the bytes of each request's line and headers."""

    head_limit: int | None = None  # EXOPOOL_MAX_HEADER_BYTES, read once per process

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if BoundedHttpToolsProtocol.head_limit is None:
            BoundedHttpToolsProtocol.head_limit = Settings.from_env().max_header_bytes
        self._in_head, self._head_bytes, self._refused = True, 0, False

    def data_received(self, data: bytes) -> None:
        if self._refused:
            return
        if not self._in_head:
            super().data_received(data)
            return
        budget = (self.head_limit or 0) - self._head_bytes
        if len(data) <= budget:
            self._head_bytes += len(data)
            super().data_received(data)
            return
        super().data_received(data[:budget])  # the head may end inside the budget, the body following it
        if self.reading_head():
            self._refused = True
            self.transport.write(TOO_LARGE)
            self.transport.close()
            return
        super().data_received(data[budget:])

    def reading_head(self) -> bool:
        """Whether the current request's line and headers are still arriving (the parser moves it on)."""
        return self._in_head

    def on_message_begin(self) -> None:
        super().on_message_begin()
        self._in_head, self._head_bytes = True, 0

    def on_headers_complete(self) -> None:
        self._in_head = False
        super().on_headers_complete()


APP = "exopool.app:app_from_env"  # built in each server process from the environment


def run_server(server: str, host: str, port: int, workers: int, max_header_bytes: int,
               tls: tuple[Path, Path] | None = None) -> None:
    """Serve exopool until stopped: server "uvicorn" or "granian", tls as (certificate, key)."""
    if server == "granian":
        _granian(host, port, workers, max_header_bytes, tls)
        return
    uvicorn.run(APP, factory=True, host=host, port=port, workers=workers,
                ssl_certfile=str(tls[0]) if tls else None, ssl_keyfile=str(tls[1]) if tls else None,
                **UVICORN_OPTIONS)


def _granian(host: str, port: int, workers: int, max_header_bytes: int, tls: tuple[Path, Path] | None) -> None:
    """granian's HTTP/1 parser keeps at most max_buffer_size of a request's head (it answers past it
    by closing the connection); its own log and access log are off, as exopool writes its own."""
    from granian import Granian
    from granian.constants import Interfaces
    from granian.http import HTTP1Settings

    Granian(APP, factory=True, address=host, port=port, workers=workers, interface=Interfaces.ASGI,
            http1_settings=HTTP1Settings(max_buffer_size=max(max_header_bytes, 8192)), log_enabled=False,
            ssl_cert=tls[0] if tls else None, ssl_key=tls[1] if tls else None).serve()
