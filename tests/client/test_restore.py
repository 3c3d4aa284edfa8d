"""The SDK's restore, sync and async, against the real app in-process."""

from __future__ import annotations

import pytest

from exopool.client import Client, NotFoundError
from exopool.config import Settings
from tests.client.conftest import async_client_for
from tests.conftest import Persona
from tests.support import run_async


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.replace(restore_window_s=3600)


def test_restore_takes_a_released_number_back_as_it_was(client: Client, app, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    candidate = client.available_numbers.search("IN", "Landline")[0]
    bought = client.phone_numbers.purchase(candidate.phone_number, voice_url="https://example.com/voice",
                                           friendly_name="Front desk")
    client.phone_numbers.release(bought.sid)
    restored = client.phone_numbers.restore(bought.sid)
    assert (restored.sid, restored.friendly_name, restored.voice_url, restored.date_created) == (
        bought.sid, "Front desk", "https://example.com/voice", bought.date_created)
    assert client.phone_numbers.get(bought.sid) == restored
    assert client.phone_numbers.restore(bought.sid) == restored  # a repeat answers the restored number
    never_released = client.phone_numbers.purchase(client.available_numbers.search("IN", "Landline")[0].phone_number)
    with pytest.raises(NotFoundError) as info:
        client.phone_numbers.restore(never_released.sid)
    assert (info.value.status, info.value.code) == (404, 1000)

    async def main() -> None:
        async with async_client_for(alice, app) as sdk:
            await sdk.phone_numbers.release(bought.sid)
            assert (await sdk.phone_numbers.restore(bought.sid)).voice_url == "https://example.com/voice"

    run_async(main())
