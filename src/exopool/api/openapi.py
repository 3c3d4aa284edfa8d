"""The OpenAPI 3.1 document of the v2_beta contract, built from the same names the routes use."""

from __future__ import annotations

import json
import re
from typing import Any

import phonenumbers
from starlette.requests import Request
from starlette.responses import JSONResponse

from exopool import __version__
from exopool.api.errors import statuses
from exopool.lifecycle import DeliveryState, EndpointState
from exopool.phone import INDIAN_CIRCLES, NUMBER_TYPES
from exopool.services.deliveries import WEBHOOK_TYPES
from exopool.services.idempotency import MAX_KEY_LENGTH
from exopool.services.phone_numbers import MAX_FRIENDLY_NAME

ACCOUNT = "/v2_beta/Accounts/{AccountSid}"
NULLABLE_STRING = {"type": ["string", "null"]}
# A JSON body's values may be any scalar (read as text); objects and arrays are a 400.
SCALAR = {"type": ["string", "number", "boolean", "null"]}
MONEY = {"type": "string", "pattern": r"^-?[0-9]+\.[0-9]{6}$"}


def error_descriptions() -> dict[int, str]:
    """Each status's description, from the wire table of errors (api.errors.WIRE)."""
    return {status: _sentence(entries) for status, entries in statuses().items()}


def _sentence(entries: list[tuple[int, str]]) -> str:
    whens = list(dict.fromkeys(when for _, when in entries))
    codes = sorted({code for code, _ in entries})
    text = "; ".join(whens)
    return f"{text[0].upper()}{text[1:]} ({', '.join(map(str, codes))})."


EVERY_CALL = (400, 401, 403, 404, 429, 500, 503)
WRITES = (409, 413, 415, 422)


def openapi_document() -> dict[str, Any]:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "exopool ExoPhones API (v2_beta)",
            "version": __version__,
            "description": "Exotel's ExoPhones (IncomingPhoneNumbers) API as exopool serves it. Every path "
                           "also answers with a .json suffix; errors carry both of Exotel's error shapes.",
        },
        "servers": [{"url": "https://api.exotel.com", "description": "Singapore cluster"},
                    {"url": "https://api.in.exotel.com", "description": "Mumbai cluster"}],
        "security": [{"basicAuth": []}],
        "paths": _paths(),
        "components": {"securitySchemes": {"basicAuth": {
            "type": "http", "scheme": "basic", "description": "User name: API key; password: API token."}},
            "schemas": _schemas(), "parameters": _parameters(), "responses": _error_responses(),
            "headers": {"RequestId": {"description": "The request's id, also in error bodies and the log.",
                                      "schema": {"type": "string", "pattern": "^[0-9a-f]{32}$"}}}},
    }


def render() -> str:
    """The document as checked into docs/openapi.json."""
    return json.dumps(openapi_document(), indent=2, sort_keys=False) + "\n"


async def serve_openapi(request: Request) -> JSONResponse:
    return JSONResponse(openapi_document())


def _paths() -> dict[str, Any]:
    paths: dict[str, Any] = {}
    for suffix in ("", ".json"):
        tag = suffix.replace(".", "_")
        paths[f"{ACCOUNT}/AvailablePhoneNumbers{suffix}"] = {
            "get": _list_available_countries(tag)}
        paths[f"{ACCOUNT}/IncomingPhoneNumbers{suffix}"] = {
            "get": _list_phone_numbers(tag), "post": _purchase_phone_number(tag)}
        paths[f"{ACCOUNT}/IncomingPhoneNumbers/{{Sid}}{suffix}"] = {
            "get": _get_phone_number(tag), "put": _update_phone_number(tag, "put"),
            "post": _update_phone_number(tag, "post"), "delete": _release_phone_number(tag)}
    paths[f"{ACCOUNT}/IncomingPhoneNumbers/{{Sid}}/Restore"] = {"post": _restore_phone_number()}
    paths[f"{ACCOUNT}/AvailablePhoneNumbers/{{ISOCountryCode}}"] = {"get": _get_available_country()}
    paths[f"{ACCOUNT}/AvailablePhoneNumbers/{{ISOCountryCode}}/{{Type}}"] = {"get": _search_available_numbers()}
    return {**paths, **_webhook_paths()}


ENDPOINTS = f"{ACCOUNT}/WebhookEndpoints"


def _webhook_paths() -> dict[str, Any]:
    """The account's webhook endpoints and their deliveries (docs/webhooks.md): exopool's own extension."""
    one = ["AccountSid", "WebhookEndpointSid"]
    return {
        ENDPOINTS: {
            "get": _operation("list_webhook_endpoints", "The account's webhook endpoints (no secrets)",
                              ["AccountSid"], (200, "The endpoints", _ref("WebhookEndpointList"))),
            "post": _operation("create_webhook_endpoint", "A new endpoint; its secret is in this answer only",
                               ["AccountSid"], (201, "The endpoint, with its secret", _ref("NewWebhookEndpoint")),
                               (*EVERY_CALL, 413, 415), requestBody=_body("WebhookEndpointParameters", required=True)),
        },
        f"{ENDPOINTS}/{{WebhookEndpointSid}}": {
            "get": _operation("get_webhook_endpoint", "One webhook endpoint", one,
                              (200, "The endpoint", _ref("WebhookEndpoint"))),
            "delete": {**_operation("delete_webhook_endpoint", "Stop sending to an endpoint; unsent deliveries are "
                                    "cancelled", one, (204, "", {})), "responses": _no_content()},
        },
        f"{ENDPOINTS}/{{WebhookEndpointSid}}/Deliveries": {
            "get": _operation("list_deliveries", "The endpoint's last 100 deliveries, newest first", one,
                              (200, "The deliveries", _ref("DeliveryList")))},
        f"{ENDPOINTS}/{{WebhookEndpointSid}}/Deliveries/{{DeliveryId}}/Redeliver": {
            "post": _operation("redeliver", "Send a delivery again now, with its webhook-id; enables a disabled "
                               "endpoint", [*one, "DeliveryId"], (202, "The delivery, pending", _ref("Delivery")))},
    }


def _events_pattern() -> str:
    kinds = "|".join(re.escape(kind) for kind in WEBHOOK_TYPES)
    return f"^[\\s,]*(?:(?:{kinds})\\s*(?:,[\\s,]*|$))*$"


def _no_content() -> dict[str, Any]:
    return {"204": {"description": "Deleted", "headers": {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}}},
            **{str(code): {"$ref": f"#/components/responses/Error{code}"} for code in sorted(EVERY_CALL)}}


def _webhook_schemas() -> dict[str, Any]:
    when = {"type": "string", "format": "date-time"}
    maybe_when = {"type": ["string", "null"], "format": "date-time"}
    endpoint = {
        "sid": {"type": "string", "pattern": "^we_[0-9a-f]{32}$"}, "url": {"type": "string"},
        "events": {"type": "array", "items": {"type": "string", "enum": list(WEBHOOK_TYPES)}},
        "status": {"type": "string", "enum": [state.value for state in EndpointState if state != "deleted"]},
        "disabled_reason": NULLABLE_STRING, "date_created": when, "uri": {"type": "string"},
    }
    return {
        "WebhookEndpoint": _object(endpoint),
        "NewWebhookEndpoint": _object({**endpoint, "secret": {"type": "string", "pattern": "^whsec_[A-Za-z0-9+/=]+$"}}),
        "WebhookEndpointList": _object({"webhook_endpoints": {"type": "array", "items": _ref("WebhookEndpoint")}}),
        "Delivery": _object({
            "id": {"type": "string", "pattern": "^msg_[0-9a-f]{32}$", "description": "The webhook-id header"},
            "type": {"type": "string", "enum": list(WEBHOOK_TYPES)},
            "status": {"type": "string", "enum": [state.value for state in DeliveryState]},
            "attempts": {"type": "integer", "minimum": 0},
            "last_response_status": {"type": ["integer", "null"]}, "last_response_excerpt": NULLABLE_STRING,
            "last_error": NULLABLE_STRING, "next_attempt_at": maybe_when, "date_created": when,
            "date_delivered": maybe_when}),
        "DeliveryList": _object({"deliveries": {"type": "array", "items": _ref("Delivery")}}),
        "WebhookEndpointParameters": {
            "type": "object", "required": ["Url"],
            "properties": {"Url": {"type": "string", "maxLength": 2048, "pattern": URL_PATTERN,
                                   "description": "An absolute http(s) URL"},
                           "Events": {"type": ["string", "null"], "pattern": _events_pattern(),
                                      "description": "Comma-separated event types; empty: all of "
                                      + ", ".join(WEBHOOK_TYPES)}},
            "additionalProperties": True,
            "description": "Names match case-insensitively and in snake_case; unknown names are ignored, "
                           "whatever their value."},
    }


def _operation(operation_id: str, summary: str, parameters: list[str], ok: tuple[int, str, dict[str, Any]],
               errors: tuple[int, ...] = EVERY_CALL, *, links: dict[str, Any] | None = None,
               **extra: Any) -> dict[str, Any]:
    status, description, schema = ok
    responses: dict[str, Any] = {str(status): {
        "description": description, "headers": {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}},
        "content": {"application/json": {"schema": schema}}}}
    if links:
        responses[str(status)]["links"] = links
    responses.update({str(code): {"$ref": f"#/components/responses/Error{code}"} for code in sorted(errors)})
    return {"operationId": operation_id, "summary": summary,
            "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
            "responses": responses, **extra}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _list_available_countries(tag: str) -> dict[str, Any]:
    return _operation(f"list_available_countries{tag}", "Countries with numbers to buy in this cluster",
                      ["AccountSid"], (200, "The countries", _ref("AvailableCountries")))


def _get_available_country() -> dict[str, Any]:
    return _operation("get_available_country", "One country of the list (its uri); 404 when none of its numbers "
                      "is buyable in this cluster", ["AccountSid", "ISOCountryCode"],
                      (200, "The country", _ref("AvailableCountry")))


def _search_available_numbers() -> dict[str, Any]:
    return _operation("search_available_numbers", "Numbers to buy: a bare array, [] when none match",
                      ["AccountSid", "ISOCountryCode", "Type", "IncomingSMS", "InRegion", "Contains", "Page",
                       "PageSize"],
                      (200, "The candidates", {"type": "array", "items": _ref("AvailableNumber")}))


def _list_phone_numbers(tag: str) -> dict[str, Any]:
    return _operation(f"list_phone_numbers{tag}", "The account's numbers, a page at a time",
                      ["AccountSid", "Page", "PageSize", "PhoneNumberFilter", "FriendlyNameFilter"],
                      (200, "One page", _ref("PhoneNumberPage")))


def _purchase_phone_number(tag: str) -> dict[str, Any]:
    return _operation(f"purchase_phone_number{tag}", "Buy a number from this cluster's pool",
                      ["AccountSid", "IdempotencyKey"], (200, "The number, now the account's", _ref("PhoneNumber")),
                      (*EVERY_CALL, 402, *WRITES), requestBody=_body("PurchaseParameters", required=True),
                      links=_links_from_number(tag, "get", "update", "release"))


def _get_phone_number(tag: str) -> dict[str, Any]:
    return _operation(f"get_phone_number{tag}", "One of the account's numbers (sid or the number itself)",
                      ["AccountSid", "Sid"], (200, "The number", _ref("PhoneNumber")),
                      links=_links_from_number(tag, "update", "release"))


def _update_phone_number(tag: str, method: str) -> dict[str, Any]:
    name = f"update_phone_number{tag}" + ("_by_post" if method == "post" else "")
    return _operation(name, "Change a number's URLs or friendly name (\"\" clears a URL)",
                      ["AccountSid", "Sid", "IdempotencyKey"], (200, "The updated number", _ref("PhoneNumber")),
                      (*EVERY_CALL, *WRITES), requestBody=_body("UpdateParameters", required=False),
                      links=_links_from_number(tag, "get", "release"))


def _release_phone_number(tag: str) -> dict[str, Any]:
    return _operation(f"release_phone_number{tag}", "Release a number: it leaves the account at once",
                      ["AccountSid", "Sid", "IdempotencyKey"], (202, "The release is queued", _ref("Accepted")),
                      (*EVERY_CALL, *WRITES))


def _restore_phone_number() -> dict[str, Any]:
    return _operation("restore_phone_number", "Take back a number this account released, within the restore "
                      "window: it returns as it was (sid, friendly name, URLs, purchase date)",
                      ["AccountSid", "ReleasedSid", "IdempotencyKey"],
                      (200, "The number, the account's again", _ref("PhoneNumber")), (*EVERY_CALL, 422, 502),
                      links=_links_from_number("", "get", "update", "release"))


def _or_empty(schema: dict[str, Any]) -> dict[str, Any]:
    """An empty query value means the parameter was left out."""
    return {"anyOf": [schema, {"type": "string", "const": ""}]}


def _any_case(words: tuple[str, ...] | list[str], suffix: str = "") -> dict[str, Any]:
    """A string that is one of words in any mix of cases (JSON Schema patterns have no case flag)."""
    alternatives = ["".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else re.escape(c) for c in word)
                    for word in words]
    return {"type": "string", "pattern": f"^(?:{'|'.join(alternatives)}){suffix}$"}


def _links_from_number(tag: str, *verbs: str) -> dict[str, Any]:
    """buy → get → update → release: the sid in the answer names the number in the next call."""
    return {f"{verb}_phone_number": {
        "operationId": f"{verb}_phone_number{tag}",
        "parameters": {"AccountSid": "$request.path.AccountSid", "Sid": "$response.body#/sid"}}
        for verb in verbs}


def _body(schema: str, *, required: bool) -> dict[str, Any]:
    """Form parameters (as Exotel documents), a JSON object or a multipart form: all read alike."""
    media = ("application/x-www-form-urlencoded", "application/json", "multipart/form-data")
    return {"required": required, "content": {m: {"schema": _ref(schema)} for m in media}}


def _parameters() -> dict[str, Any]:
    def path(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": schema, "description": description}

    def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}

    return {
        "AccountSid": path("AccountSid", {"type": "string", "minLength": 1},
                           "The account; must be the account of the API key."),
        "Sid": path("Sid", {"type": "string", "minLength": 1},
                    "The number's sid, or the number itself (E.164, 91..., or 0-prefixed national)."),
        "ReleasedSid": path("Sid", {"type": "string", "pattern": "^[0-9a-f]{32}$"},
                            "The sid the number had when this account released it."),
        "ISOCountryCode": path("ISOCountryCode", _any_case(sorted(phonenumbers.SUPPORTED_REGIONS)),
                               "ISO 3166 alpha-2 country code, any case."),
        "Type": path("Type", _any_case(NUMBER_TYPES, suffix=r"(?:\.json)?"),
                     "The number type, any case, optionally with the .json suffix."),
        "IncomingSMS": query("IncomingSMS", _any_case(("true", "false", "yes", "no", "1", "0", "")),
                             "Only numbers that can (or cannot) receive SMS; empty means either."),
        "InRegion": query("InRegion", _any_case((*sorted(INDIAN_CIRCLES), "")),
                          "An Indian telecom circle, any case; empty means any."),
        "Contains": query("Contains", {"type": "string", "pattern": "^[0-9]{0,16}$"},
                          "Digits anywhere in the number."),
        "Page": query("Page", _or_empty({"type": "integer", "minimum": 0, "maximum": 10_000_000}),
                      "0-based page (default 0)."),
        "PageSize": query("PageSize", _or_empty({"type": "integer", "minimum": 1, "maximum": 1000}),
                          "Items per page (default 50)."),
        "PhoneNumberFilter": query("PhoneNumber", {"type": "string"}, "Only this number."),
        "FriendlyNameFilter": query("FriendlyName", {"type": "string", "pattern": NO_NUL},
                                    "Only numbers with this friendly name."),
        "WebhookEndpointSid": path("WebhookEndpointSid", {"type": "string", "minLength": 1},
                                   "The endpoint's sid (we_...)."),
        "DeliveryId": path("DeliveryId", {"type": "string", "minLength": 1}, "The delivery's id (its webhook-id)."),
        "IdempotencyKey": {"name": "Idempotency-Key", "in": "header", "required": False,
                           "schema": {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH,
                                      "pattern": "^[!-~]+$"},
                           "description": "A repeat with the same key and request replays the first answer "
                                          "for 24 hours; the same key with another request is a 422."},
    }


def _schemas() -> dict[str, Any]:
    capabilities = _object({"voice": {"type": "boolean"}, "sms": {"type": "boolean"}})
    priced = {"capabilities": _ref("Capabilities"), "country": {"type": "string"}, "region": {"type": "string"},
              "number_type": {"type": "string", "enum": list(NUMBER_TYPES)}, "rental_price": MONEY,
              "one_time_price": MONEY, "incoming_rate": MONEY, "currency": {"type": "string"}}
    sid = {"type": "string", "pattern": "^[0-9a-f]{32}$"}
    e164 = {"type": "string", "pattern": r"^\+[1-9][0-9]{6,15}$"}
    timestamp = {"type": "string", "format": "date-time"}
    return {
        "Capabilities": capabilities,
        "PhoneNumber": _object({
            "sid": sid, "account_sid": {"type": "string"}, "phone_number": e164,
            "friendly_name": {"type": "string"}, **priced, "voice_url": NULLABLE_STRING, "sms_url": NULLABLE_STRING,
            "date_created": timestamp, "date_updated": timestamp, "uri": {"type": "string"}}),
        "AvailableNumber": _object({"friendly_name": {"type": "string"}, "phone_number": e164, **priced}),
        "PhoneNumberPage": _object({
            "page": {"type": "integer", "minimum": 0}, "page_size": {"type": "integer", "minimum": 1},
            "uri": {"type": "string"}, "first_page_uri": {"type": "string"}, "next_page_uri": NULLABLE_STRING,
            "previous_page_uri": NULLABLE_STRING,
            "incoming_phone_numbers": {"type": "array", "items": _ref("PhoneNumber")}}),
        "AvailableCountries": _object({"uri": {"type": "string"},
                                       "countries": {"type": "array", "items": _ref("AvailableCountry")}}),
        "AvailableCountry": _object({
            "country_code": {"type": "string", "pattern": "^[A-Z]{2}$"}, "country": {"type": "string"},
            "uri": {"type": "string"},
            "subresource_uris": _object({kind: {"type": "string"} for kind in NUMBER_TYPES})}),
        "Accepted": _object({"Status": {"const": 202}, "Message": {"const": "Accepted"}}),
        "Error": _error_schema(),
        "PurchaseParameters": {
            "type": "object", "required": ["PhoneNumber"],
            "properties": {"PhoneNumber": {"type": "string", "minLength": 1,
                                           "description": "E.164, 91..., 0-prefixed national or national digits"},
                           **_writable()},
            "additionalProperties": SCALAR,
            "description": "Names match case-insensitively and in snake_case; unknown names are ignored."},
        "UpdateParameters": {"type": "object", "properties": _writable(), "additionalProperties": SCALAR,
                             "description": "Names match case-insensitively and in snake_case; unknown names "
                                            "are ignored; left-out fields stay as they are."},
        **_webhook_schemas(),
    }


def _writable() -> dict[str, Any]:
    url = {"type": "string", "maxLength": 2048, "anyOf": [{"const": ""}, {"pattern": URL_PATTERN}],
           "description": "An absolute http(s) URL; an empty string clears it."}
    return {"VoiceUrl": url, "SMSUrl": url,
            "FriendlyName": {"type": "string", "maxLength": MAX_FRIENDLY_NAME, "pattern": NO_NUL,
                             "description": "Any text without a NUL character."}}


NO_NUL = "^[^\\x00]*$"


# No control characters or spaces anywhere, and no brackets in the host (no IPv6 literals).
URL_PATTERN = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\[\\]\\x00-\\x20\\x7f-\\x9f]+(?:[/?#][^\\x00-\\x20\\x7f-\\x9f]*)?$"


def _object(properties: dict[str, Any]) -> dict[str, Any]:
    """An object with exactly these fields: the wire never adds or drops one silently."""
    return {"type": "object", "required": list(properties), "properties": properties,
            "additionalProperties": False}


def _error_schema() -> dict[str, Any]:
    """Both of Exotel's error shapes in one body."""
    return _object({
        "RestException": _object({"Status": {"type": "integer"}, "Message": {"type": "string"},
                                  "Code": {"type": "integer"}}),
        "request_id": {"type": "string", "pattern": "^[0-9a-f]{32}$"},
        "method": {"type": "string"},
        "http_code": {"type": "integer"},
        "response": _object({
            "code": {"type": "integer"}, "status": {"const": "failure"}, "data": {"type": "null"},
            "error_data": _object({"code": {"type": "integer"}, "message": {"type": "string"},
                                   "description": {"type": "string"}})}),
    })


def _error_responses() -> dict[str, Any]:
    responses = {}
    for status, description in error_descriptions().items():
        schema = {"allOf": [_ref("Error"), {"properties": {
            "RestException": {"properties": {"Status": {"const": status}}},
            "http_code": {"const": status}, "response": {"properties": {"code": {"const": status}}}}}]}
        headers: dict[str, Any] = {"X-Request-Id": {"$ref": "#/components/headers/RequestId"}}
        if status == 429:
            headers["Retry-After"] = {"schema": {"type": "integer", "minimum": 0},
                                      "description": "Seconds to wait before retrying."}
        responses[f"Error{status}"] = {"description": description, "headers": headers,
                                       "content": {"application/json": {"schema": schema}}}
    return responses
