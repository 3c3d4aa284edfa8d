"""The admin API's part of the OpenAPI document: its paths under their own tag, Bearer security, problems."""

from __future__ import annotations

import copy
from typing import Any

from exopool.admin.paging import MAX_LIMIT
from exopool.admin.problems import MEDIA_TYPE, catalogue
from exopool.admin.routes import PREFIX
from exopool.config import CLUSTERS
from exopool.lifecycle import DeliveryState, EndpointState, JobState, NumberState
from exopool.phone import NUMBER_TYPES
from exopool.services.deliveries import WEBHOOK_TYPES

TAG = "admin"
NO_NUL = "^[^\\x00]*$"
STRING = {"type": "string"}
NULLABLE = {"type": ["string", "null"]}
TIME = {"type": "string", "format": "date-time"}
NULLABLE_TIME = {"type": ["string", "null"], "format": "date-time"}
ERRORS = (400, 401, 404)
# What services.phone_numbers.validate_url accepts: http(s), a host, no spaces or control characters.
URL_PATTERN = "^[Hh][Tt][Tt][Pp][Ss]?://[^/?#\\[\\]\\x00-\\x20\\x7f-\\x9f]+(?:[/?#][^\\x00-\\x20\\x7f-\\x9f]*)?$"
WRITE_ERRORS = (400, 401, 404, 409, 413, 415)


def with_admin(document: dict[str, Any]) -> dict[str, Any]:
    """document (the Exotel API's) with the admin API added to it."""
    full = copy.deepcopy(document)
    full["tags"] = [{"name": TAG, "description": "The operator's API: accounts, keys, the pool, releases and "
                                                 "the event log, webhook endpoints of every account's events. "
                                                 "Bearer operator token; RFC 9457 problem details."}]
    full["paths"].update(_paths())
    components = full["components"]
    components["securitySchemes"]["operatorToken"] = {
        "type": "http", "scheme": "bearer", "description": "An operator token (exopool operators create)."}
    components["schemas"].update(_schemas())
    components["parameters"].update(_parameters())
    components["responses"].update(_problem_responses())
    return full


def _op(operation_id: str, summary: str, ok: tuple[int, str, dict[str, Any] | None], errors: tuple[int, ...] = ERRORS,
        parameters: tuple[str, ...] = (), body: dict[str, Any] | None = None, media: str = "application/json",
        body_required: bool = True) -> dict[str, Any]:
    status, description, schema = ok
    answer: dict[str, Any] = {"description": description}
    if schema is not None:
        answer["content"] = {"application/json": {"schema": schema}}
    operation: dict[str, Any] = {
        "operationId": operation_id, "summary": summary, "tags": [TAG], "security": [{"operatorToken": []}],
        "parameters": [{"$ref": f"#/components/parameters/{name}"} for name in parameters],
        "responses": {str(status): answer,
                      **{str(code): {"$ref": f"#/components/responses/Problem{code}"} for code in sorted(errors)}}}
    if body is not None:
        operation["requestBody"] = {"required": body_required, "content": {media: {"schema": body}}}
    return operation


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _page(item: str) -> dict[str, Any]:
    return _object({"data": {"type": "array", "items": _ref(item)}, "next_cursor": NULLABLE})


def _paths() -> dict[str, Any]:
    paged = ("Limit", "Cursor")
    return {
        f"{PREFIX}/accounts": {
            "post": _op("create_account", "Create an account", (201, "The account", _ref("AdminAccount")),
                        WRITE_ERRORS, body=_ref("AdminNewAccount")),
            "get": _op("list_accounts", "Accounts in sid order, with the numbers each holds",
                       (200, "A page", _page("AdminAccount")), (400, 401), paged)},
        f"{PREFIX}/accounts/{{sid}}": {
            "get": _op("get_account", "One account", (200, "The account", _ref("AdminAccount")),
                       parameters=("AdminAccountSid",)),
            "patch": _op("update_account", "Rename, suspend or resume an account",
                         (200, "The account", _ref("AdminAccount")), WRITE_ERRORS, ("AdminAccountSid",),
                         body=_ref("AdminAccountChanges"), body_required=False)},
        f"{PREFIX}/accounts/{{sid}}/api-keys": {
            "post": _op("create_api_key", "Issue an API key; its token is shown this once",
                        (201, "The key and its token", _ref("AdminIssuedKey")), WRITE_ERRORS,
                        ("AdminAccountSid",), body=_input({"label": {"type": ["string", "null"], "maxLength": 200,
                                                                     "pattern": NO_NUL}}, required=()),
                        body_required=False),
            "get": _op("list_api_keys", "The account's keys (never their tokens)",
                       (200, "Every key", _page("AdminApiKey")), parameters=("AdminAccountSid",))},
        f"{PREFIX}/accounts/{{sid}}/api-keys/{{key}}": {
            "delete": _op("revoke_api_key", "Revoke a key at once", (204, "Revoked", None),
                          parameters=("AdminAccountSid", "ApiKey"))},
        f"{PREFIX}/accounts/{{sid}}/users": {
            "post": _op("create_user", "A dashboard login for the account",
                        (201, "The user", _object({"email": STRING, "account_sid": STRING})), WRITE_ERRORS,
                        ("AdminAccountSid",), body=_ref("AdminNewUser"))},
        f"{PREFIX}/pool/imports": {
            "post": _op("import_numbers", "Add a CSV file's numbers to the pool: all of them, or none",
                        (201, "How many were imported", _object({"imported": {"type": "integer", "minimum": 0}})),
                        (400, 401, 413, 415, 422), body={"type": "string"}, media="text/csv")},
        f"{PREFIX}/pool/stats": {
            "get": _op("get_pool_stats", "Counts by cluster, state and type (and region with by=region)",
                       (200, "The counts", _ref("AdminPoolStats")), (400, 401), ("By",))},
        f"{PREFIX}/numbers": {
            "get": _op("list_numbers", "The inventory in number order, filtered",
                       (200, "A page", _page("AdminNumber")), (400, 401),
                       (*paged, "NumberState", "Cluster", "AccountFilter", "ContainsDigits"))},
        f"{PREFIX}/numbers/{{ref}}": {
            "get": _op("get_number", "One number and its whole history",
                       (200, "The number", _ref("AdminNumberHistory")), parameters=("NumberRef",))},
        f"{PREFIX}/releases": {
            "get": _op("list_releases", "Release jobs, newest first", (200, "A page", _page("AdminRelease")),
                       (400, 401), (*paged, "ReleaseState"))},
        f"{PREFIX}/releases/{{sid}}/retry": {
            "post": _op("retry_release", "Send a failed release back to the queue",
                        (200, "The release, queued", _ref("AdminRelease")), (400, 401, 404, 409), ("ReleaseSid",))},
        f"{PREFIX}/events": {
            "get": _op("list_events", "The event log, oldest first, from a cursor (an event id); "
                       "Accept: application/x-ndjson streams every event to the end",
                       (200, "A page", _page("AdminEvent")), (400, 401, 404),
                       ("Limit", "EventCursor", "AccountFilter", "EventKind", "Since"))},
        **_webhook_paths(),
    }


def _webhook_paths() -> dict[str, Any]:
    endpoint, paged = ("AdminWebhookEndpointSid",), ("Limit", "Cursor")
    return {
        f"{PREFIX}/webhook-endpoints": {
            "post": _op("create_webhook_endpoint", "An endpoint sent every account's events; its secret is in "
                        "this answer only", (201, "The endpoint and its secret", _ref("AdminNewWebhookEndpoint")),
                        WRITE_ERRORS, body=_ref("AdminWebhookEndpointInput")),
            "get": _op("list_webhook_endpoints", "The operators' endpoints, oldest first (no secrets)",
                       (200, "A page", _page("AdminWebhookEndpoint")), (400, 401), paged)},
        f"{PREFIX}/webhook-endpoints/{{sid}}": {
            "get": _op("get_webhook_endpoint", "One endpoint", (200, "The endpoint", _ref("AdminWebhookEndpoint")),
                       parameters=endpoint),
            "delete": _op("delete_webhook_endpoint", "Stop sending to an endpoint; unsent deliveries are cancelled",
                          (204, "Deleted", None), parameters=endpoint)},
        f"{PREFIX}/webhook-endpoints/{{sid}}/deliveries": {
            "get": _op("list_webhook_deliveries", "The endpoint's deliveries, newest first",
                       (200, "A page", _page("AdminDelivery")), parameters=(*endpoint, *paged))},
        f"{PREFIX}/webhook-endpoints/{{sid}}/deliveries/{{delivery}}/redeliver": {
            "post": _op("redeliver", "Send a delivery again now, with its webhook-id; enables a disabled endpoint",
                        (202, "The delivery, queued", _ref("AdminDelivery")), parameters=(*endpoint,
                                                                                          "AdminDeliveryId"))},
    }


def _parameters() -> dict[str, Any]:
    def path(name: str, description: str) -> dict[str, Any]:
        return {"name": name, "in": "path", "required": True, "schema": {"type": "string", "minLength": 1},
                "description": description}

    def query(name: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
        # An empty value means the parameter was left out.
        return {"name": name, "in": "query", "required": False, "schema": schema, "description": description}

    return {
        "AdminAccountSid": {**path("sid", "The account's sid.")},
        "ApiKey": path("key", "The API key."),
        "NumberRef": path("ref", "The number (E.164) or any sid it had."),
        "ReleaseSid": path("sid", "The release's sid (the released number's sid)."),
        "AdminWebhookEndpointSid": path("sid", "The webhook endpoint's sid."),
        "AdminDeliveryId": path("delivery", "The delivery's id (its webhook-id)."),
        "Limit": query("limit", {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT}, "Items per page (100)."),
        "Cursor": query("cursor", {"type": "string", "pattern": "^[A-Za-z0-9_-]*$"},
                        "The next_cursor of the page before, as it was given."),
        "EventCursor": query("cursor", {"type": "string", "pattern": "^[0-9]{0,18}$"},
                             "The id of the last event seen (a next_cursor); events after it come next."),
        "By": query("by", {"type": "string", "enum": ["region", ""]}, "Also count by region."),
        "NumberState": query("state", {"type": "string", "enum": [*NumberState, ""]}, "Only this state."),
        "ReleaseState": query("state", {"type": "string", "enum": [*JobState, ""]}, "Only this state."),
        "Cluster": query("cluster", {"type": "string", "enum": [*CLUSTERS, ""]}, "Only this cluster."),
        "AccountFilter": query("account", {"type": "string", "pattern": NO_NUL}, "Only this account's."),
        "ContainsDigits": query("contains", {"type": "string", "pattern": "^[0-9]{0,16}$"}, "Digits in the number."),
        "EventKind": query("kind", {"type": "string", "pattern": NO_NUL}, "Only events of this kind."),
        "Since": query("since", {"anyOf": [{"type": "string", "format": "date-time"}, {"const": ""}]},
                       "Only events at or after this time; empty means any."),
    }


def _schemas() -> dict[str, Any]:
    return {
        "AdminAccount": _object({"sid": STRING, "name": STRING, "cluster": {"enum": list(CLUSTERS)},
                                 "country": STRING, "status": {"enum": ["active", "suspended"]},
                                 "created_at": TIME, "numbers_held": {"type": "integer", "minimum": 0}}),
        "AdminNewAccount": _input({
            "sid": {"type": "string", "pattern": "^[A-Za-z0-9_-]{1,64}$"},
            "name": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "^[^\\x00\\s][^\\x00]*$"},
            "cluster": {"type": "string", "enum": list(CLUSTERS)},
            "country": {"enum": ["IN", "SG", "US", "GB", None]}}, required=("sid", "name", "cluster")),
        "AdminAccountChanges": _input({
            "name": {"anyOf": [{"type": "string", "minLength": 1, "maxLength": 200,
                                "pattern": "^[^\\x00\\s][^\\x00]*$"}, {"type": "null"}]},
            "status": {"enum": ["active", "suspended", None]}}, required=()),
        "AdminNewUser": _input({"email": {"type": "string", "format": "email", "maxLength": 320},
                                "password": {"type": "string", "minLength": 8, "maxLength": 1024}}),
        "AdminIssuedKey": _object({"key": STRING, "token": STRING, "label": STRING, "account_sid": STRING,
                                   "created_at": TIME}),
        "AdminApiKey": _object({"key": STRING, "label": STRING, "created_at": TIME, "last_used_at": NULLABLE_TIME,
                                "revoked_at": NULLABLE_TIME}),
        "AdminPoolStats": _object({"data": {"type": "array", "items": {
            "type": "object", "required": ["cluster", "state", "type", "count"],
            "properties": {"cluster": STRING, "state": STRING, "type": {"enum": list(NUMBER_TYPES)},
                           "count": {"type": "integer", "minimum": 1}, "region": STRING}}},
            "total": {"type": "integer", "minimum": 0}}),
        "AdminNumber": _object({"sid": STRING, "phone_number": STRING, "cluster": STRING, "country": STRING,
                                "type": STRING, "region": STRING, "state": STRING, "account_sid": NULLABLE,
                                "free_at": NULLABLE_TIME}),
        "AdminNumberHistory": _object({
            "sid": STRING, "phone_number": STRING, "cluster": STRING, "type": STRING, "state": STRING,
            "account_sid": NULLABLE, "free_at": NULLABLE_TIME, "history": {"type": "array", "items": _object({
                "at": TIME, "kind": STRING, "actor": NULLABLE, "api_key": NULLABLE, "request_id": NULLABLE,
                "data": {"type": "object"}, "derived": {"type": "boolean"}})}}),
        "AdminRelease": _object({"sid": STRING, "phone_number": STRING, "state": {"enum": [s.value for s in JobState]},
                                 "attempts": {"type": "integer"}, "last_error": NULLABLE,
                                 "next_attempt_at": NULLABLE_TIME, "worker": NULLABLE, "created_at": TIME,
                                 "updated_at": TIME, "completed_at": NULLABLE_TIME}),
        "AdminEvent": _object({"id": {"type": "integer"}, "at": TIME, "kind": STRING, "account_sid": NULLABLE,
                               "phone_number": NULLABLE, "number_sid": NULLABLE, "api_key": NULLABLE,
                               "actor": NULLABLE, "request_id": NULLABLE, "data": {"type": ["object", "null"]}}),
        **_webhook_schemas(),
        "Problem": {
            "type": "object", "required": ["type", "title", "status", "detail", "request_id"],
            "properties": {"type": {"type": "string", "enum": sorted({kind for kind, _, _ in catalogue()})},
                           "title": STRING, "status": {"type": "integer"}, "detail": STRING, "request_id": STRING,
                           "errors": {"type": "array", "items": {"type": "object", "required": ["detail"]}}}},
    }


def _webhook_schemas() -> dict[str, Any]:
    types = {"type": "array", "items": {"enum": list(WEBHOOK_TYPES)}}
    endpoint = {"sid": STRING, "url": STRING, "events": types,
                "status": {"enum": [s.value for s in EndpointState]}, "disabled_reason": NULLABLE,
                "created_at": TIME}
    return {
        "AdminWebhookEndpointInput": _input({
            "url": {"type": "string", "maxLength": 2048, "pattern": URL_PATTERN,
                    "description": "An absolute http(s) URL"},
            "events": {"anyOf": [types, {"type": "string", "pattern": NO_NUL}, {"type": "null"}],
                       "description": "Event types, a list or comma-separated; left out, every type."}},
            required=("url",)),
        "AdminWebhookEndpoint": _object(endpoint),
        "AdminNewWebhookEndpoint": _object({**endpoint, "secret": {"type": "string", "pattern": "^whsec_"}}),
        "AdminDelivery": _object({
            "id": {"type": "string", "pattern": "^msg_[0-9a-f]{32}$", "description": "The webhook-id header"},
            "type": {"enum": list(WEBHOOK_TYPES)}, "status": {"enum": [s.value for s in DeliveryState]},
            "attempts": {"type": "integer", "minimum": 0}, "last_response_status": {"type": ["integer", "null"]},
            "last_response_excerpt": NULLABLE, "last_error": NULLABLE, "next_attempt_at": NULLABLE_TIME,
            "created_at": TIME, "delivered_at": NULLABLE_TIME}),
    }


def _problem_responses() -> dict[str, Any]:
    statuses = sorted({status for _, _, status in catalogue()} | {400, 401, 404, 409, 413, 415, 422})
    return {f"Problem{status}": {
        "description": "; ".join(sorted({title for _, title, code in catalogue() if code == status})) or "An error",
        "content": {MEDIA_TYPE: {"schema": {"allOf": [_ref("Problem"),
                                                      {"properties": {"status": {"const": status}}}]}}}}
        for status in statuses}


def _input(properties: dict[str, Any], required: tuple[str, ...] | None = None) -> dict[str, Any]:
    """A request body: these fields (null is left out), and any others, which are ignored."""
    return {"type": "object", "required": list(properties if required is None else required),
            "properties": properties, "description": "Unknown fields are ignored; null is a field left out."}


def _object(properties: dict[str, Any], required: tuple[str, ...] | None = None) -> dict[str, Any]:
    return {"type": "object", "required": list(properties if required is None else required),
            "properties": properties, "additionalProperties": False}
