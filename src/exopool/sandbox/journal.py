"""The request journal: what clients sent and what they got back, newest last, bounded, in memory.

Credentials never enter it: the Authorization header is reduced to the API key (the public
lookup id), and the token is dropped before the entry is built.
"""

from __future__ import annotations

import json
import threading
from collections import deque
from dataclasses import asdict, dataclass
from fnmatch import fnmatchcase
from typing import Any

from exopool.http.credentials import basic_credentials

MAX_BODY_CHARS = 16 * 1024
KEPT_HEADERS = ("content-type", "user-agent", "idempotency-key", "accept", "host")


@dataclass(frozen=True)
class Entry:
    id: int
    at: str
    request_id: str
    method: str
    path: str
    query: str
    headers: dict[str, str]
    api_key: str | None
    account: str | None
    body: str
    status: int
    response_body: Any
    duration_ms: float
    fault: str | None
    explanation: str | None = None  # why the request was refused, where the API says so (401, 404)


def api_key_of(authorization: str) -> str | None:
    """The key of a Basic header, read as authentication reads it; the token is dropped here."""
    key, _token = basic_credentials(authorization)
    return key or None


def body_text(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace")
    return text if len(text) <= MAX_BODY_CHARS else text[:MAX_BODY_CHARS] + "…"


def response_value(raw: bytes, content_type: str) -> Any:
    """JSON answers as JSON, anything else as (bounded) text."""
    if "json" in content_type:
        try:
            return json.loads(raw)
        except ValueError:
            pass
    return body_text(raw)


class Journal:
    """A bounded, thread-safe list of entries with the filters the control plane offers."""

    def __init__(self, size: int) -> None:
        self._entries: deque[Entry] = deque(maxlen=size)
        self._lock = threading.Lock()
        self._next_id = 1

    def next_id(self) -> int:
        with self._lock:
            self._next_id += 1
            return self._next_id - 1

    def record(self, entry: Entry) -> None:
        with self._lock:
            self._entries.append(entry)

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()

    def find(self, *, account: str | None = None, method: str | None = None, path: str | None = None,
             status: int | None = None, api_key: str | None = None, limit: int | None = None) -> list[dict[str, Any]]:
        """Entries oldest first; path is a glob (`*` and `?`), exact when it has neither."""
        with self._lock:
            entries = list(self._entries)
        chosen = [e for e in entries
                  if (account is None or e.account == account)
                  and (method is None or e.method == method.upper())
                  and (path is None or fnmatchcase(e.path, path))
                  and (status is None or e.status == status)
                  and (api_key is None or e.api_key == api_key)]
        return [asdict(e) for e in (chosen[-limit:] if limit else chosen)]


def request_headers(scope_headers: list[tuple[bytes, bytes]]) -> tuple[dict[str, str], str | None]:
    """The headers worth keeping, and the API key the Authorization header names."""
    kept, key = {}, None
    for raw_name, raw_value in scope_headers:
        name, value = raw_name.decode("latin-1").lower(), raw_value.decode("latin-1")
        if name == "authorization":
            key = api_key_of(value)
        elif name in KEPT_HEADERS:
            kept[name] = value
    return kept, key
