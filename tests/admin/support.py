"""The full check of a problem-details answer."""

from __future__ import annotations

from typing import Any

import httpx

from tests.support import REQUEST_ID


def assert_problem(response: httpx.Response, status: int, slug: str) -> dict[str, Any]:
    """An RFC 9457 body of this status and type, with a detail and the request id of the header."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    body: dict[str, Any] = response.json()
    assert body["type"] == f"urn:exopool:problem:{slug}", body
    assert body["status"] == status and body["title"] and body["detail"], body
    assert REQUEST_ID.match(body["request_id"]) and body["request_id"] == response.headers["x-request-id"]
    return body
