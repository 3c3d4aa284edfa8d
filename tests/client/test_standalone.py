"""The SDK stands alone: it imports and works without the server's libraries, against a real server process."""

from __future__ import annotations

import subprocess
import sys
import textwrap

import pytest

from exopool.client import AsyncClient, Client
from tests.conftest import Persona, ServerProcess, subprocess_env
from tests.support import run_async

BLOCKED = ("starlette", "sqlalchemy", "uvicorn", "alembic", "phonenumbers", "click", "pydantic")


def test_the_client_imports_and_runs_with_the_server_libraries_blocked() -> None:
    program = textwrap.dedent(f"""
        import sys
        for name in {BLOCKED!r}:
            sys.modules[name] = None  # any import of it now fails
        import httpx
        from exopool.client import Client, NotFoundError

        def answer(request):
            return httpx.Response(404, json={{"RestException": {{"Status": 404, "Message": "gone", "Code": 1000}}}})

        client = Client("key", "token", "acme1", region="in", transport=httpx.MockTransport(answer))
        try:
            client.phone_numbers.get("x")
        except NotFoundError as error:
            print("ok", error.code, client.base_url)
        loaded = sorted(name for name in sys.modules if name.startswith("exopool"))
        print(" ".join(loaded))
    """)
    done = subprocess.run([sys.executable, "-c", program], env=subprocess_env(), capture_output=True, text=True,
                          timeout=60)
    assert done.returncode == 0, done.stderr
    first, loaded = done.stdout.splitlines()
    assert first == "ok 1000 https://api.in.exotel.com"
    assert all(name == "exopool" or name.startswith("exopool.client") for name in loaded.split())


def test_the_client_works_against_a_server_process(settings, alice: Persona) -> None:  # type: ignore[no-untyped-def]
    with ServerProcess(settings) as server:
        with Client(alice.key, alice.token, alice.sid, base_url=server.url) as client:
            found = client.available_numbers.search("IN", "Landline", contains="8048")
            bought = [client.phone_numbers.purchase(n.phone_number) for n in found[:3]]
            assert [n.sid for n in client.phone_numbers.list(page_size=2)] == [n.sid for n in bought]
            assert client.phone_numbers.update(bought[0].sid, friendly_name="Sync").friendly_name == "Sync"
            assert client.phone_numbers.release(bought[0].sid).status == 202

        async def main() -> list[str]:
            async with AsyncClient(alice.key, alice.token, alice.sid, base_url=server.url) as client:
                assert (await client.phone_numbers.get(bought[1].sid)).sid == bought[1].sid
                assert (await client.phone_numbers.release(bought[1].sid)).status == 202
                return [n.sid async for n in client.phone_numbers.list(page_size=1)]

        assert run_async(main()) == [bought[2].sid]


def test_credentials_and_host_come_from_the_environment(monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("EXOPOOL_API_KEY", "k")
    monkeypatch.setenv("EXOPOOL_API_TOKEN", "t")
    monkeypatch.setenv("EXOPOOL_ACCOUNT_SID", "acme1")
    assert Client(region="sg").base_url == "https://api.exotel.com"
    assert Client(region="in").account_sid == "acme1"
    assert Client(base_url="http://localhost:8000/").base_url == "http://localhost:8000"
    monkeypatch.delenv("EXOPOOL_API_TOKEN")
    with pytest.raises(ValueError, match="EXOPOOL_API_TOKEN") as info:  # a client without a token is not built
        Client(region="in")
    assert "EXOPOOL_API_TOKEN" in str(info.value)
