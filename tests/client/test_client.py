"""Every SDK method against the real app, in-process, sync and async."""

from __future__ import annotations

from decimal import Decimal

import pytest

from exopool.client import AsyncClient, Client, NotFoundError, PhoneNumber
from tests.client.conftest import Recording, async_client_for, client_for
from tests.conftest import Persona
from tests.support import run_async


def buy_some(client: Client, count: int) -> list[PhoneNumber]:
    found = client.available_numbers.search("IN", "Landline")
    return [client.phone_numbers.purchase(n.phone_number) for n in found[:count]]


def test_countries_lists_each_country_with_its_search_links(client: Client) -> None:
    countries = client.available_numbers.countries()
    assert [c.country_code for c in countries] == ["IN"]
    assert countries[0].country == "India"
    assert countries[0].subresource_uris["Mobile"].endswith("/AvailablePhoneNumbers/IN/Mobile")


def test_country_answers_one_entry_of_countries_and_not_found_for_an_empty_one(client: Client) -> None:
    assert client.available_numbers.country("in") == client.available_numbers.countries()[0]
    with pytest.raises(NotFoundError) as info:  # a country without buyable numbers must be NotFoundError
        client.available_numbers.country("SG")
    assert (info.value.status, info.value.code) == (404, 1000)


def test_search_answers_typed_candidates_matching_every_filter(client: Client) -> None:
    found = client.available_numbers.search("IN", "Landline", contains="80483325", in_region="KA", incoming_sms=False)
    assert found and all("80483325" in n.phone_number and n.region == "KA" for n in found)
    assert found[0].rental_price == Decimal("499.000000") and found[0].capabilities.voice is True
    assert client.available_numbers.search("IN", "Landline", contains="99999999999") == []


def test_purchase_get_update_release_round_trip(client: Client) -> None:
    candidate = client.available_numbers.search("IN", "Landline")[0]
    bought = client.phone_numbers.purchase(candidate.phone_number, voice_url="https://example.com/voice",
                                           sms_url="https://example.com/sms", friendly_name="Front desk")
    assert (bought.phone_number, bought.friendly_name, bought.voice_url) == (
        candidate.phone_number, "Front desk", "https://example.com/voice")
    assert bought.date_created is not None and bought.date_created.tzinfo is not None
    assert client.phone_numbers.get(bought.sid) == bought
    updated = client.phone_numbers.update(bought.sid, voice_url="", friendly_name="Support")
    assert (updated.voice_url, updated.sms_url, updated.friendly_name) == (None, "https://example.com/sms", "Support")
    accepted = client.phone_numbers.release(bought.sid)
    assert (accepted.status, accepted.message) == (202, "Accepted")
    with pytest.raises(NotFoundError) as info:  # a released number is not still there
        client.phone_numbers.get(bought.sid)
    assert info.value.status == 404 and info.value.code == 1000 and len(info.value.request_id or "") == 32


def test_list_follows_next_page_uri_across_pages(client: Client, transport: Recording) -> None:
    bought = buy_some(client, 5)
    before = len(transport.requests)
    listed = list(client.phone_numbers.list(page_size=2))
    assert [n.sid for n in listed] == [n.sid for n in bought]
    pages = transport.requests[before:]
    assert [r.url.params.get("Page") for r in pages] == [None, "1", "2"]
    assert all(r.url.host == "api.in.exotel.com" for r in pages)


def test_list_filters_by_phone_number(client: Client) -> None:
    first, _ = buy_some(client, 2)
    assert [n.sid for n in client.phone_numbers.list(phone_number=first.phone_number)] == [first.sid]


def test_a_client_repr_never_shows_the_token(alice: Persona, transport: Recording) -> None:
    client = client_for(alice, transport)
    assert alice.token not in repr(client) and alice.key in repr(client) and "********" in repr(client)


def test_every_method_works_the_same_asynchronously(app, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    async def scenario(client: AsyncClient) -> None:
        assert [c.country_code for c in await client.available_numbers.countries()] == ["IN"]
        assert (await client.available_numbers.country("IN")).country == "India"
        found = await client.available_numbers.search("IN", "Landline", contains="8048")
        bought = [await client.phone_numbers.purchase(n.phone_number) for n in found[:3]]
        assert [n.sid async for n in client.phone_numbers.list(page_size=2)] == [n.sid for n in bought]
        assert await client.phone_numbers.get(bought[0].sid) == bought[0]
        updated = await client.phone_numbers.update(bought[0].sid, friendly_name="Async")
        assert updated.friendly_name == "Async"
        assert (await client.phone_numbers.release(bought[0].sid)).status == 202
        try:
            await client.phone_numbers.get(bought[0].sid)
        except NotFoundError:
            return
        raise AssertionError("a released number is still there")

    async def main() -> None:
        async with async_client_for(alice, app) as client:
            await scenario(client)

    run_async(main())
