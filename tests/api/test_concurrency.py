"""Races against a running server: conditional updates decide, so exactly one caller wins."""

from __future__ import annotations

import ssl
import threading
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import httpx

from exopool.db import Database
from tests.conftest import Persona, ServerProcess
from tests.support import assert_buckets_match_a_recount, bought_sid, buy, numbers_path

HOST = {"Host": "api.in.exotel.com"}
RELEASERS = 20
ROUNDS = 4
# One TLS context for every client: building one per client costs more than the race (the calls are plain HTTP).
TLS = ssl.create_default_context()


def race(base_url: str, calls: list[Callable[[httpx.Client], httpx.Response]]) -> list[httpx.Response]:
    """Run the calls at once, each on its own already-open connection, released by one barrier."""
    barrier = threading.Barrier(len(calls))

    def run(call: Callable[[httpx.Client], httpx.Response]) -> httpx.Response:
        with httpx.Client(base_url=base_url, headers=HOST, timeout=30, verify=TLS) as client:
            client.get("/warm-up")  # opens the connection before the start line
            barrier.wait()
            return call(client)

    with ThreadPoolExecutor(len(calls)) as pool:
        return list(pool.map(run, calls))


def release_race(base_url: str, persona: Persona, number: str) -> None:
    with httpx.Client(base_url=base_url, headers=HOST, verify=TLS) as client:
        sid = bought_sid(client, persona, number)
    path = f"{numbers_path(persona)}/{sid}"
    responses = race(base_url, [lambda c: c.delete(path, auth=persona.auth)] * RELEASERS)
    assert Counter(r.status_code for r in responses) == {202: 1, 404: RELEASERS - 1}
    assert [r.json() for r in responses if r.status_code == 202] == [{"Status": 202, "Message": "Accepted"}]
    assert all(r.json()["RestException"]["Code"] == 1000 for r in responses if r.status_code == 404)


def purchase_race(base_url: str, first: Persona, second: Persona, number: str) -> None:
    responses = race(base_url, [lambda c: buy(c, first, number), lambda c: buy(c, second, number)])
    assert sorted(r.status_code for r in responses) == [200, 400], [r.text for r in responses]
    winner = first if responses[0].status_code == 200 else second
    with httpx.Client(base_url=base_url, headers=HOST, verify=TLS) as client:
        for persona in (first, second):
            owned = client.get(f"{numbers_path(persona)}/{number}", auth=persona.auth).status_code
            assert owned == (200 if persona is winner else 404)


def test_twenty_concurrent_releases_of_one_number_give_one_202_and_nineteen_404s(  # type: ignore[no-untyped-def]
    server, db: Database, alice: Persona,
) -> None:
    for i in range(ROUNDS):
        release_race(server.url, alice, f"+91804833252{i}")
    assert_buckets_match_a_recount(db)


def test_two_accounts_buying_one_number_at_once_give_one_200_and_one_400(  # type: ignore[no-untyped-def]
    server, db: Database, alice: Persona, bob: Persona,
) -> None:
    for i in range(ROUNDS):
        purchase_race(server.url, alice, bob, f"+91804833253{i}")
    assert_buckets_match_a_recount(db)


def test_one_account_buying_and_releasing_many_numbers_at_once_keeps_listing_and_counts(  # type: ignore[no-untyped-def]
    server, db: Database, alice: Persona,
) -> None:
    numbers = [f"+9180483325{i:02d}" for i in range(32)]
    bought = race(server.url, [lambda c, n=n: buy(c, alice, n) for n in numbers[:16]])
    assert [r.status_code for r in bought] == [200] * 16
    sids = [r.json()["sid"] for r in bought]
    path = numbers_path(alice)
    mixed = race(server.url, [*(lambda c, s=s: c.delete(f"{path}/{s}", auth=alice.auth) for s in sids[::2]),
                              *(lambda c, n=n: buy(c, alice, n) for n in numbers[16:])])
    assert Counter(r.status_code for r in mixed) == {202: 8, 200: 16}
    assert_buckets_match_a_recount(db)
    held = {*sids[1::2], *(r.json()["sid"] for r in mixed if r.status_code == 200)}
    with httpx.Client(base_url=server.url, headers=HOST) as client:
        listed = client.get(path, params={"PageSize": 100}, auth=alice.auth).json()["incoming_phone_numbers"]
    assert len(listed) == len(held) and {n["sid"] for n in listed} == held


def test_races_across_two_server_processes_on_one_database_have_one_winner(  # type: ignore[no-untyped-def]
    settings, db: Database, alice: Persona, bob: Persona,
) -> None:
    # Two worker processes really run in parallel, so only the database's conditional updates keep order.
    with ServerProcess(settings, "--workers", "2") as server:
        for i in range(ROUNDS):
            release_race(server.url, alice, f"+91804833252{i}")
            purchase_race(server.url, alice, bob, f"+91804833253{i}")
    assert_buckets_match_a_recount(db)
