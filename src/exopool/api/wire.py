"""Our values in Exotel's words: the number object, the list envelope, the search answer."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import urlencode

from starlette.requests import Request

from exopool.entities import Number, Page
from exopool.phone import NUMBER_TYPES, country_name, national_form

# The number object is also what a webhook event carries: the core shows it, for both.
from exopool.shown import account_path, money, number_to_wire, timestamp

__all__ = ["account_path", "money", "number_to_wire", "timestamp"]

ACCEPTED = {"Status": 202, "Message": "Accepted"}
ACCEPTED_BODY = json.dumps(ACCEPTED, separators=(",", ":")).encode()  # rendered once, sent on every release


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
