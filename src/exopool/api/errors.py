"""Errors in Exotel's words: one table of codes, messages and parameter names, and the error body.

Every error exopool raises is rendered here, once, for the Exotel routes (and the JSON routes
around them): the class's entry in WIRE (found along its MRO) gives Exotel's code, the sentence
of `Message`, and when it happens (for docs/errors.md and the OpenAPI document, which a test
checks against this table).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from http import HTTPStatus
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse

from exopool import errors
from exopool.http.requests import EXPLANATION, request_id_of
from exopool.http.runtime import Runtime, runtime_of
from exopool.services.phone_numbers import explain_missing_number

# Our field names as Exotel's clients spell the parameter; any other field is shown as it is.
PARAMETERS = {
    "phone_number": "PhoneNumber", "friendly_name": "FriendlyName", "voice_url": "VoiceUrl", "sms_url": "SMSUrl",
    "number_type": "Type", "country": "Country", "region": "InRegion", "contains": "Contains",
    "incoming_sms": "IncomingSMS", "page": "Page", "page_size": "PageSize", "idempotency_key": "Idempotency-Key",
    "url": "Url", "events": "Events",
}


def parameter(field: str | None) -> str:
    return PARAMETERS.get(field or "", field or "")


@dataclass(frozen=True)
class Wire:
    """How the Exotel routes answer one kind of error."""

    code: int
    when: str  # for people: the docs' and the OpenAPI document's description of the status
    message: Callable[[Any], str] | None = None  # the Exotel sentence; None: the error's own message


def _invalid(error: errors.InvalidParameter) -> str:
    return f"{parameter(error.field)} {error.problem}" if error.field else error.problem


def _not_found(error: errors.PhoneNumberNotFound) -> str:
    return f"ExoPhone {error.ref} not found" + (f" ({error.why})" if error.why else "")


WIRE: dict[type[errors.ExopoolError], Wire] = {
    errors.MissingParameter: Wire(1001, "a required parameter is missing",
                                  lambda e: f"{parameter(e.field)} is required"),
    errors.InvalidParameter: Wire(1002, "a parameter is invalid", _invalid),
    errors.BadRequest: Wire(1002, "the body cannot be read"),
    errors.NumberNotAvailable: Wire(
        1002, "the number is not available to buy in the caller's cluster",
        lambda e: f"PhoneNumber {e.phone_number} is not available in cluster {e.cluster}"
        + (f" (it ages until {e.aging_until:%Y-%m-%dT%H:%M:%SZ})" if e.aging_until else "")),
    errors.Unauthorized: Wire(1010, "no, malformed or wrong credentials, or an account of the other cluster"),
    errors.PaymentRequired: Wire(1020, "the account's balance or plan does not allow the purchase"),
    errors.Forbidden: Wire(1003, "the account is suspended or its KYC is not done"),
    errors.NotFound: Wire(1000, "an unknown route or sid, a sid of another account, or a released number"),
    errors.PhoneNumberNotFound: Wire(1000, "a sid or number the account does not hold", _not_found),
    errors.NumberNotRestorable: Wire(1000, "a restore of a sid this account did not release, or past the window",
                                     _not_found),
    errors.MethodNotAllowed: Wire(1004, "a method the route does not have"),
    errors.Conflict: Wire(1008, "the number already belongs to this account, or a concurrent change won"),
    errors.NumberAlreadyHeld: Wire(
        1008, "the number already belongs to this account",
        lambda e: f"PhoneNumber {e.phone_number} already belongs to account {e.account_sid}"),
    errors.PayloadTooLarge: Wire(1007, "the body is larger than the configured limit"),
    errors.UnsupportedMediaType: Wire(1011, "the body's content type is not supported"),
    errors.IdempotencyKeyReused: Wire(1009, "the Idempotency-Key was already used with a different request"),
    errors.RateLimited: Wire(1030, "rate limited; see Retry-After"),
    errors.InternalError: Wire(1500, "internal error"),
    errors.ServiceUnavailable: Wire(1503, "the database is unavailable"),
    errors.RestoreBusy: Wire(1503, "a restore found the release talking to the carrier; retry after Retry-After"),
    errors.CarrierRefused: Wire(1502, "the carrier did not provision the number again; nothing changed"),
}
_BY_STATUS = {cls.status: wire for cls, wire in reversed(WIRE.items()) if "status" in vars(cls)}


def wire_of(error: errors.ExopoolError) -> Wire:
    """The table's entry for the error's class, or for its status (an error whose raiser chose it)."""
    for cls in type(error).__mro__:
        found = WIRE.get(cls)
        if found is not None and cls is not errors.ExopoolError:
            return found
    return _BY_STATUS.get(error.status, WIRE[errors.InternalError])


def error_body(status: int, code: int, message: str, request_id: str, method: str) -> dict[str, object]:
    return {
        "RestException": {"Status": status, "Message": message, "Code": code},
        "request_id": request_id,
        "method": method,
        "http_code": status,
        "response": {
            "code": status,
            "status": "failure",
            "data": None,
            "error_data": {"code": code, "message": _reason(status), "description": message},
        },
    }


def _reason(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


def message_of(error: errors.ExopoolError) -> str:
    wire = wire_of(error)
    return wire.message(error) if wire.message is not None else error.message


def render_error(request: Request, error: errors.ExopoolError) -> JSONResponse:
    """The error in both of Exotel's error shapes, with the headers its kind carries."""
    body = error_body(error.status, wire_of(error).code, message_of(error), request_id_of(request), request.method)
    return JSONResponse(body, status_code=error.status, headers=error.headers or None)


async def render(request: Request, error: errors.ExopoolError) -> JSONResponse:
    """render_error, as the error boundary calls a renderer; in sandbox mode a refusal says why."""
    runtime = runtime_of(request)
    if runtime.settings.sandbox:
        error = await _explained(runtime, request, error)
    elif isinstance(error, errors.NumberNotAvailable) and error.aging_until is not None:
        error = errors.NumberNotAvailable(error.phone_number, error.cluster)  # when it ages is the sandbox's to say
    return render_error(request, error)


async def _explained(runtime: Runtime, request: Request, error: errors.ExopoolError) -> errors.ExopoolError:
    """The error with the sandbox's explanation of a 401 or a missing number (kept for the journal too)."""
    why: str | None = None
    if isinstance(error, (errors.Unauthorized, errors.NumberNotRestorable)):
        why = error.reason
    elif isinstance(error, errors.PhoneNumberNotFound):
        why = await runtime.db.run(explain_missing_number, request.path_params.get("account_sid", ""), error.ref)
    if why is None:
        return error
    request.scope[EXPLANATION] = why
    if isinstance(error, errors.PhoneNumberNotFound):
        return errors.PhoneNumberNotFound(error.ref, why=why)
    return errors.Unauthorized(f"{error.message} (sandbox: {why})")


def statuses() -> dict[int, list[tuple[int, str]]]:
    """Every (code, when) the table gives each status: what the docs' and the OpenAPI's error tables say."""
    table: dict[int, list[tuple[int, str]]] = {}
    for cls, wire in WIRE.items():
        table.setdefault(cls.status, []).append((wire.code, wire.when))
    return dict(sorted(table.items()))
