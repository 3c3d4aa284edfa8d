"""The OpenAPI document: served at /openapi.json, identical to docs/openapi.json, and valid OpenAPI 3.1."""

from __future__ import annotations

import json
from pathlib import Path

import httpx

from exopool.app import render_openapi as render

CHECKED_IN = Path(__file__).resolve().parents[2] / "docs" / "openapi.json"


def test_served_document_is_the_checked_in_file(http: httpx.Client) -> None:
    served = http.get("/openapi.json")
    assert served.status_code == 200 and served.headers["content-type"] == "application/json"
    assert served.json() == json.loads(CHECKED_IN.read_text()), (
        "regenerate: python -m exopool openapi > docs/openapi.json")
    assert render() == CHECKED_IN.read_text()


def test_document_is_valid_openapi_3_1_and_covers_the_wire() -> None:
    import schemathesis

    document = json.loads(CHECKED_IN.read_text())
    schemathesis.openapi.from_dict(document).validate()
    paths = document["paths"]
    base = "/v2_beta/Accounts/{AccountSid}/IncomingPhoneNumbers"
    assert {base, base + ".json", base + "/{Sid}", base + "/{Sid}.json"} <= set(paths)
    assert paths[base + "/{Sid}"]["delete"]["responses"]["202"]["content"]["application/json"]["schema"] == {
        "$ref": "#/components/schemas/Accepted"}
    search = paths["/v2_beta/Accounts/{AccountSid}/AvailablePhoneNumbers/{ISOCountryCode}/{Type}"]["get"]
    assert search["responses"]["200"]["content"]["application/json"]["schema"]["type"] == "array"
    assert set(paths[base]["post"]["requestBody"]["content"]) == {
        "application/x-www-form-urlencoded", "application/json", "multipart/form-data"}
    assert document["components"]["securitySchemes"]["basicAuth"] == {
        "type": "http", "scheme": "basic", "description": "User name: API key; password: API token."}
    assert set(document["components"]["schemas"]["Error"]["required"]) == {
        "RestException", "request_id", "method", "http_code", "response"}
