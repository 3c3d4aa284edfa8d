"""AdminClient and AsyncAdminClient against a real server: typed results, cursor iteration, typed problems."""

from __future__ import annotations

import httpx
import pytest

from exopool.client import AdminClient, AsyncAdminClient, AuthenticationError, ConflictError, UnprocessableEntityError
from tests.admin.conftest import Operator
from tests.conftest import Persona, ServerThread
from tests.support import numbers_path, run_async


def test_onboarding_a_customer_in_four_calls_gives_a_working_key(
    server: ServerThread, operator: Operator, http: httpx.Client, pool: int,
) -> None:
    with AdminClient(operator.token, base_url=server.url) as admin:
        account = admin.create_account("acme", "Acme Ltd", "in")
        issued = admin.create_api_key("acme", "production")
        assert admin.create_user("acme", "ops@acme.example", "a long password") == "ops@acme.example"
        assert account.sid == "acme" and account.numbers_held == 0 and issued.token
        listed = http.get("/v2_beta/Accounts/acme/IncomingPhoneNumbers", auth=(issued.key, issued.token))
        assert listed.status_code == 200
        assert [k.key for k in admin.api_keys("acme")] == [issued.key]
        with pytest.raises(ConflictError) as taken:
            admin.create_account("acme", "Again", "in")
        assert taken.value.problem.type == "urn:exopool:problem:conflict"  # type: ignore[attr-defined]


def test_lists_iterate_across_pages_and_problems_are_typed(
    server: ServerThread, operator: Operator, alice: Persona, pool: int,
) -> None:
    with AdminClient(operator.token, base_url=server.url) as admin:
        numbers = [n.phone_number for n in admin.numbers(limit=50)]
        assert len(numbers) == len(set(numbers)) == pool and numbers == sorted(numbers)
        events = list(admin.events(limit=1))
        assert [e.id for e in events] == sorted(e.id for e in events) and len(events) >= 2
        with pytest.raises(UnprocessableEntityError) as rejected:
            admin.import_numbers(b"phone_number,cluster,type,region\n+91804,in,landline,KA\n")
        assert rejected.value.problem.errors[0]["line"] == 2  # type: ignore[attr-defined]
    with AdminClient("wrong", base_url=server.url) as stranger, pytest.raises(AuthenticationError):
        stranger.get_account("alice")


def test_the_async_client_suspends_an_account(
    server: ServerThread, operator: Operator, alice: Persona, http: httpx.Client,
) -> None:
    async def suspend() -> list[str]:
        async with AsyncAdminClient(operator.token, base_url=server.url) as admin:
            await admin.update_account("alice", status="suspended")
            return [account.status async for account in admin.accounts()]

    assert run_async(suspend()) == ["suspended"]
    assert http.get(numbers_path(alice), auth=alice.auth).status_code == 403
