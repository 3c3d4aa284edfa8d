"""How exopool shows a number to the outside: the number object of the API, which webhook events carry too."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from exopool.entities import Number


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
