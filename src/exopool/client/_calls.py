"""Each operation as a Call: the same for Client and AsyncClient, which only differ in how they send."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from exopool.client._base import BaseClient, Call
from exopool.client._types import Accepted, AvailableNumber, Country, PhoneNumber


def list_available_countries(client: BaseClient) -> Call[list[Country]]:
    return Call("GET", client.account_path("AvailablePhoneNumbers"),
                lambda body: [Country.from_wire(c) for c in (body or {}).get("countries", [])])


def get_available_country(client: BaseClient, country: str) -> Call[Country]:
    return Call("GET", client.account_path("AvailablePhoneNumbers", country), Country.from_wire)


def search_available_numbers(client: BaseClient, country: str, type: str, *, contains: str | None,
                             in_region: str | None, incoming_sms: bool | None) -> Call[list[AvailableNumber]]:
    params = _present(Contains=contains, InRegion=in_region,
                      IncomingSMS=None if incoming_sms is None else str(incoming_sms).lower())
    return Call("GET", client.account_path("AvailablePhoneNumbers", country, type),
                lambda body: [AvailableNumber.from_wire(n) for n in body or []], params=params)


def list_phone_numbers(client: BaseClient, *, page_size: int | None, phone_number: str | None,
                       friendly_name: str | None, url: str | None = None) -> Call[Listing]:
    params = _present(PageSize=None if page_size is None else str(page_size), PhoneNumber=phone_number,
                      FriendlyName=friendly_name)
    return Call("GET", client.account_path("IncomingPhoneNumbers"), Listing.from_wire,
                params={} if url else params, url=url)


def get_phone_number(client: BaseClient, sid: str) -> Call[PhoneNumber]:
    return Call("GET", client.account_path("IncomingPhoneNumbers", sid), PhoneNumber.from_wire)


def purchase_phone_number(client: BaseClient, phone_number: str, *, voice_url: str | None, sms_url: str | None,
                          friendly_name: str | None, idempotency_key: str | None) -> Call[PhoneNumber]:
    data = _present(PhoneNumber=phone_number, VoiceUrl=voice_url, SMSUrl=sms_url, FriendlyName=friendly_name)
    return Call("POST", client.account_path("IncomingPhoneNumbers"), PhoneNumber.from_wire, data=data,
                idempotency_key=idempotency_key)


def update_phone_number(client: BaseClient, sid: str, *, voice_url: str | None, sms_url: str | None,
                        friendly_name: str | None, idempotency_key: str | None) -> Call[PhoneNumber]:
    data = _present(VoiceUrl=voice_url, SMSUrl=sms_url, FriendlyName=friendly_name)
    return Call("PUT", client.account_path("IncomingPhoneNumbers", sid), PhoneNumber.from_wire, data=data,
                idempotency_key=idempotency_key)


def release_phone_number(client: BaseClient, sid: str, *, idempotency_key: str | None) -> Call[Accepted]:
    return Call("DELETE", client.account_path("IncomingPhoneNumbers", sid), Accepted.from_wire,
                idempotency_key=idempotency_key)


def restore_phone_number(client: BaseClient, sid: str, *, idempotency_key: str | None) -> Call[PhoneNumber]:
    return Call("POST", client.account_path("IncomingPhoneNumbers", sid, "Restore"), PhoneNumber.from_wire,
                idempotency_key=idempotency_key)


class Listing:
    """One page of the account's numbers and the link to the next."""

    __slots__ = ("items", "next_page_uri")

    def __init__(self, items: list[PhoneNumber], next_page_uri: str | None) -> None:
        self.items = items
        self.next_page_uri = next_page_uri

    @classmethod
    def from_wire(cls, body: Any) -> Listing:
        body = body if isinstance(body, Mapping) else {}
        items = [PhoneNumber.from_wire(n) for n in body.get("incoming_phone_numbers") or []]
        return cls(items, body.get("next_page_uri") or None)


def _present(**values: str | None) -> dict[str, str]:
    """Only the parameters the caller gave; an empty string is given (it clears a URL)."""
    return {name: value for name, value in values.items() if value is not None}
