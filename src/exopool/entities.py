"""The core's own values: who is acting, and what a number looks like to an owner."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Actor:
    """Who asks for a change, and under which request: written into every event."""

    account_id: int | None = None
    account_sid: str | None = None
    cluster: str = ""  # empty for an actor of no account
    country: str = "IN"
    api_key: str | None = None
    label: str = "system"
    request_id: str | None = None


@dataclass(frozen=True, slots=True)
class Number:
    """A number as its owner sees it (or as the pool offers it)."""

    id: int
    sid: str
    account_sid: str | None
    phone_number: str
    friendly_name: str | None
    voice: bool
    sms: bool
    country: str
    region: str
    number_type: str
    voice_url: str | None
    sms_url: str | None
    rental_price_micros: int
    one_time_price_micros: int
    incoming_rate_micros: int
    currency: str
    state: str
    date_created: datetime | None
    date_updated: datetime | None


@dataclass(frozen=True, slots=True)
class Page:
    """One page of an ordered listing."""

    items: list[Number]
    page: int
    page_size: int
    has_next: bool
