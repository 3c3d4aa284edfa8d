"""Sending a webhook over HTTP, behind a small protocol: receivers are an outside system."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

import httpx

USER_AGENT = "exopool-webhooks/1"
EXCERPT = 200  # characters of an answer kept


@dataclass(frozen=True)
class Answer:
    """What a receiver answered (status and the start of its body), or why nothing came back."""

    status: int | None
    excerpt: str | None
    error: str | None = None


class Sender(Protocol):
    def send(self, url: str, headers: dict[str, str], body: bytes) -> Answer: ...


class HttpxSender:
    """POSTs with httpx: one connection pool for the worker, and a timeout on every attempt."""

    def __init__(self, timeout_s: float) -> None:
        self.client = httpx.Client(timeout=timeout_s, follow_redirects=False, headers={"User-Agent": USER_AGENT})

    def send(self, url: str, headers: dict[str, str], body: bytes) -> Answer:
        try:
            response = self.client.post(url, content=body, headers=headers)
        except httpx.TimeoutException:
            return Answer(None, None, "timed out")
        except httpx.HTTPError as error:
            return Answer(None, None, f"{type(error).__name__}: {error}"[:EXCERPT])
        return Answer(response.status_code, response.text[:EXCERPT])

    def close(self) -> None:
        self.client.close()
