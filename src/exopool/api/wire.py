"""Our values in Exotel's words: the number object, the list envelope, the search answer."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from exopool.entities import Number, Page
from exopool.phone import NUMBER_TYPES, country_name, national_form

ACCEPTED = {"Status": 202, "Message": "Accepted"}
ACCEPTED_BODY = json.dumps(ACCEPTED, separators=(",", ":")).encode()  # rendered once, sent on every release


def money(micros: int) -> str:
    """Micro-units as a string with six decimals: 499000000 → "499.000000"."""
    sign = "-" if micros < 0 else ""
    whole, fraction = divmod(abs(micros), 1_000_000)
    return f"{sign}{whole}.{fraction:06d}"


def timestamp(value: datetime | None) -> str | None:
    """ISO 8601 UTC to the second: 2026-11-30T12:01:02Z. Twice per number on the wire, so written
    by `isoformat`, which takes half the time of `strftime` for the same text."""
    if value is None:
        return None
    if value.tzinfo is not None:  # the database's values are naive UTC; an aware one is converted
        value = value.astimezone(UTC).replace(tzinfo=None)
    return value.isoformat(timespec="seconds") + "Z"


def account_path(account_sid: str) -> str:
    return f"/v2_beta/Accounts/{account_sid}"


def number_to_wire(number: Number) -> dict[str, Any]:
    return {
        "sid": number.sid,
        "account_sid": number.account_sid,
        "phone_number": number.phone_number,
        "friendly_name": number.friendly_name,
        "capabilities": {"voice": number.voice, "sms": number.sms},
        "country": number.country,
        "region": number.region,
        "number_type": number.number_type,
        "voice_url": number.voice_url,
        "sms_url": number.sms_url,
        "rental_price": money(number.rental_price_micros),
        "one_time_price": money(number.one_time_price_micros),
        "incoming_rate": money(number.incoming_rate_micros),
        "currency": number.currency,
        "date_created": timestamp(number.date_created),
        "date_updated": timestamp(number.date_updated),
        "uri": f"{account_path(number.account_sid or '')}/IncomingPhoneNumbers/{number.sid}",
    }


def candidate_to_wire(number: Number) -> dict[str, Any]:
    return {
        "friendly_name": national_form(number.phone_number),
        "phone_number": number.phone_number,
        "capabilities": {"voice": number.voice, "sms": number.sms},
        "country": number.country,
        "region": number.region,
        "number_type": number.number_type,
        "rental_price": money(number.rental_price_micros),
        "one_time_price": money(number.one_time_price_micros),
        "incoming_rate": money(number.incoming_rate_micros),
        "currency": number.currency,
    }


FILTER_PARAMETERS = {"phone_number": "PhoneNumber", "friendly_name": "FriendlyName"}


def page_to_wire(request: Request, account_sid: str, page: Page, filters: dict[str, str]) -> dict[str, Any]:
    """A page of the list in Exotel's envelope; filters (by our field names) are kept in every link."""
    path = f"{account_path(account_sid)}/IncomingPhoneNumbers"
    filters = {FILTER_PARAMETERS[field]: value for field, value in filters.items()}
    origin = f"{request.url.scheme}://{request.headers.get('host') or request.url.netloc}"

    def link(number: int) -> str:
        return f"{origin}{path}?{urlencode({**filters, 'Page': number, 'PageSize': page.page_size})}"

    return {
        "page": page.page,
        "page_size": page.page_size,
        "uri": link(page.page),
        "first_page_uri": link(0),
        "next_page_uri": link(page.page + 1) if page.has_next else None,
        "previous_page_uri": link(page.page - 1) if page.page > 0 else None,
        "incoming_phone_numbers": [number_to_wire(n) for n in page.items],
    }


def countries_to_wire(account_sid: str, countries: list[str]) -> dict[str, Any]:
    base = f"{account_path(account_sid)}/AvailablePhoneNumbers"
    return {"uri": base, "countries": [country_to_wire(account_sid, code) for code in countries]}


def country_to_wire(account_sid: str, code: str) -> dict[str, Any]:
    base = f"{account_path(account_sid)}/AvailablePhoneNumbers"
    return {
        "country_code": code,
        "country": country_name(code),
        "uri": f"{base}/{code}",
        "subresource_uris": {kind: f"{base}/{code}/{kind}" for kind in NUMBER_TYPES},
    }
