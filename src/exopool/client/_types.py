"""Typed, frozen views of the wire objects; unknown fields are kept in raw."""

from __future__ import annotations

import email.utils
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any


@dataclass(frozen=True, slots=True)
class Capabilities:
    voice: bool
    sms: bool

    @classmethod
    def from_wire(cls, data: Any) -> Capabilities:
        data = data if isinstance(data, Mapping) else {}
        return cls(voice=_flag(data.get("voice")), sms=_flag(data.get("sms")))


@dataclass(frozen=True, slots=True)
class PhoneNumber:
    """A number the account holds (an ExoPhone)."""

    sid: str
    account_sid: str | None
    phone_number: str
    friendly_name: str | None
    capabilities: Capabilities
    country: str | None
    region: str | None
    number_type: str | None
    voice_url: str | None
    sms_url: str | None
    rental_price: Decimal | None
    one_time_price: Decimal | None
    incoming_rate: Decimal | None
    currency: str | None
    date_created: datetime | None
    date_updated: datetime | None
    uri: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> PhoneNumber:
        return cls(
            sid=str(data.get("sid", "")),
            account_sid=data.get("account_sid"),
            phone_number=str(data.get("phone_number", "")),
            friendly_name=data.get("friendly_name"),
            capabilities=Capabilities.from_wire(data.get("capabilities")),
            country=data.get("country"),
            region=data.get("region"),
            number_type=data.get("number_type"),
            voice_url=data.get("voice_url"),
            sms_url=data.get("sms_url"),
            rental_price=_decimal(data.get("rental_price")),
            one_time_price=_decimal(data.get("one_time_price")),
            incoming_rate=_decimal(data.get("incoming_rate")),
            currency=data.get("currency"),
            date_created=_datetime(data.get("date_created")),
            date_updated=_datetime(data.get("date_updated")),
            uri=data.get("uri"),
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class AvailableNumber:
    """A number that can be bought, as the search answers it."""

    phone_number: str
    friendly_name: str | None
    capabilities: Capabilities
    country: str | None
    region: str | None
    number_type: str | None
    rental_price: Decimal | None
    one_time_price: Decimal | None
    incoming_rate: Decimal | None
    currency: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> AvailableNumber:
        return cls(
            phone_number=str(data.get("phone_number", "")),
            friendly_name=data.get("friendly_name"),
            capabilities=Capabilities.from_wire(data.get("capabilities")),
            country=data.get("country"),
            region=data.get("region"),
            number_type=data.get("number_type"),
            rental_price=_decimal(data.get("rental_price")),
            one_time_price=_decimal(data.get("one_time_price")),
            incoming_rate=_decimal(data.get("incoming_rate")),
            currency=data.get("currency"),
            raw=dict(data),
        )


@dataclass(frozen=True, slots=True)
class Country:
    """A country with numbers to buy, and where to search each type."""

    country_code: str
    country: str | None
    uri: str | None
    subresource_uris: Mapping[str, str]

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Country:
        subresources = data.get("subresource_uris")
        return cls(
            country_code=str(data.get("country_code", "")),
            country=data.get("country"),
            uri=data.get("uri"),
            subresource_uris=dict(subresources) if isinstance(subresources, Mapping) else {},
        )


@dataclass(frozen=True, slots=True)
class Accepted:
    """The answer to a release: the number left the account and its release is queued."""

    status: int
    message: str

    @classmethod
    def from_wire(cls, data: Mapping[str, Any]) -> Accepted:
        return cls(status=int(data.get("Status", 202)), message=str(data.get("Message", "Accepted")))


def _flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def _decimal(value: Any) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        return None


def _datetime(value: Any) -> datetime | None:
    """ISO 8601 (exopool) or an RFC 2822 date (some Exotel answers); None when neither."""
    if not isinstance(value, str) or not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        try:
            parsed = email.utils.parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
