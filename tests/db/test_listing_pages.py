"""Deep listing pages through bucket counts give the same numbers as a plain OFFSET would."""

from __future__ import annotations

import random
from typing import Any

from sqlalchemy import Connection, select, update

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.models import PhoneNumber
from exopool.services.listing import BUCKET, page_bounds, rebuild_listing
from exopool.services.phone_numbers import list_phone_numbers, purchase_phone_number, release_phone_number
from exopool.services.pool import import_numbers
from tests.conftest import Persona
from tests.support import assert_buckets_match_a_recount

NUMBERS = 2 * BUCKET + 400  # three buckets, the last one partly filled


def landlines(count: int) -> list[str]:
    """Valid Bangalore landlines outside the demo pool's range."""
    return [f"+918048{i:06d}" for i in range(count)]


def import_landlines(db: Database, clock: ManualClock, numbers: list[str]) -> None:
    rows = [{"phone_number": n, "cluster": "in", "type": "Landline", "region": "KA"} for n in numbers]
    db.transact(import_numbers, clock.now(), enumerate(rows, start=2))


def buy_and_release_at_random(db: Database, clock: ManualClock, persona: Persona, rng: random.Random) -> list[str]:
    """Buys of every landline in rounds, each round followed by releases of a random fifth of what is
    held; the numbers still held, in order of purchase."""
    numbers = landlines(NUMBERS)
    import_landlines(db, clock, numbers)
    held: list[str] = []

    def round_of(conn: Connection, batch: list[str]) -> None:
        for number in batch:
            held.append(purchase_phone_number(conn, clock, persona.actor, number).phone_number)
        for number in rng.sample(held, len(held) // 5):
            release_phone_number(conn, clock, persona.actor, number)
            held.remove(number)

    for start in range(0, NUMBERS, 600):
        db.transact(round_of, numbers[start:start + 600])
    return held


def listed(db: Database, persona: Persona, page: int, size: int, **filters: Any) -> tuple[list[str], bool]:
    found = db.transact(lambda conn: list_phone_numbers(conn, persona.actor, page, size, **filters))
    return [n.phone_number for n in found.items], found.has_next


def test_every_page_equals_the_plain_offset_answer_after_random_buys_and_releases(
    db: Database, clock: ManualClock, alice: Persona, bob: Persona,
) -> None:
    rng = random.Random(4)
    held = buy_and_release_at_random(db, clock, alice, rng)
    assert len(held) > BUCKET
    assert_buckets_match_a_recount(db)
    for size in (1, 7, 50, 333, BUCKET, 2 * len(held)):
        last = (len(held) - 1) // size
        for page in {0, 1, last // 2, last, last + 1, *rng.sample(range(last + 1), min(5, last + 1))}:
            expected = held[page * size:(page + 1) * size]
            assert listed(db, alice, page, size) == (expected, len(held) > (page + 1) * size), (size, page)
    assert listed(db, bob, 0, 50) == ([], False)


def test_a_page_starting_exactly_at_a_bucket_edge_or_past_the_end_is_right(
    db: Database, clock: ManualClock, alice: Persona,
) -> None:
    numbers = landlines(BUCKET + 10)
    import_landlines(db, clock, numbers)
    db.transact(lambda conn: [purchase_phone_number(conn, clock, alice.actor, n) for n in numbers])
    bounds = db.transact(lambda conn: tuple(conn.execute(select(*page_bounds(alice.account_id, BUCKET + 5))).one()))
    assert bounds == (BUCKET, 5), "the walk starts at the bucket"
    assert listed(db, alice, 1, BUCKET) == (numbers[BUCKET:], False)
    assert listed(db, alice, 99, 10) == (numbers[990:1000], True)
    assert listed(db, alice, 100, 10) == (numbers[1000:1010], False)
    assert listed(db, alice, 101, 10) == ([], False)


def test_filters_find_a_number_past_the_first_page(db: Database, clock: ManualClock, alice: Persona) -> None:
    numbers = landlines(60)
    import_landlines(db, clock, numbers)
    db.transact(lambda conn: [purchase_phone_number(conn, clock, alice.actor, n) for n in numbers])
    deep = numbers[53]
    assert listed(db, alice, 0, 50, phone_number=deep) == ([deep], False)
    assert listed(db, alice, 1, 50, phone_number=deep) == ([], False)
    assert listed(db, alice, 0, 50, friendly_name="0" + deep[3:]) == ([deep], False)


def test_rebuild_numbers_bulk_given_holdings_after_bought_ones_and_recounts(
    db: Database, clock: ManualClock, alice: Persona,
) -> None:
    numbers = landlines(BUCKET + 200)
    import_landlines(db, clock, numbers)
    bought = [db.transact(purchase_phone_number, clock, alice.actor, n).phone_number for n in numbers[:3]]
    clock.advance(1)
    db.transact(lambda conn: conn.execute(
        update(PhoneNumber).where(PhoneNumber.phone_number.in_(numbers[3:]))
        .values(state="active", account_id=alice.account_id, free_at=None, date_created=clock.now())))
    assert db.transact(rebuild_listing, alice.account_id) == len(numbers)
    assert_buckets_match_a_recount(db)
    assert listed(db, alice, 0, 3)[0] == bought
    assert sorted(listed(db, alice, 0, len(numbers))[0]) == numbers
    assert listed(db, alice, 1, BUCKET) == (listed(db, alice, 0, 2 * BUCKET)[0][BUCKET:], False)
    later = db.transact(purchase_phone_number, clock, alice.actor, "+918048332511").phone_number
    assert listed(db, alice, len(numbers), 1) == ([later], False)
