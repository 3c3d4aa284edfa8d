"""Substring search through the trigram indexes and deep pages through the covering index."""

from __future__ import annotations

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.services.available_numbers import Search, search_available_numbers
from exopool.services.demo import pool_rows
from exopool.services.phone_numbers import list_phone_numbers, purchase_phone_number
from tests.conftest import Persona

IN_LANDLINES = [row["phone_number"] for _, row in pool_rows() if row["cluster"] == "in" and row["type"] == "Landline"]


def search(db: Database, clock: ManualClock, contains: str | None = None, region: str | None = None) -> list[str]:
    query = Search("in", "IN", "Landline", region=region, contains=contains, page_size=1000)
    return [n.phone_number for n in db.transact(search_available_numbers, clock.now(), query)]


def test_contains_finds_exactly_the_numbers_holding_the_digits_in_order(db: Database, clock: ManualClock,
                                                                         pool: int) -> None:
    for digits in ("2612", "048332512", "33", "8"):
        assert search(db, clock, digits) == sorted(n for n in IN_LANDLINES if digits in n), digits


def test_contains_sees_numbers_imported_after_the_index_was_built_and_not_bought_ones(
    db: Database, clock: ManualClock, alice: Persona,
) -> None:
    bought = db.transact(purchase_phone_number, clock, alice.actor, "+918048332507").phone_number
    assert search(db, clock, "8332507") == []
    assert "+918048332508" in search(db, clock, "8332508")
    assert bought not in search(db, clock, "80483325")


def test_in_region_keeps_only_that_circle(db: Database, clock: ManualClock, pool: int) -> None:
    expected = sorted(row["phone_number"] for _, row in pool_rows()
                      if row["cluster"] == "in" and row["type"] == "Landline" and row["region"] == "MU")
    assert search(db, clock, region="MU") == expected


def test_pages_of_a_listing_join_up_to_the_whole_list_in_purchase_order(db: Database, clock: ManualClock,
                                                                       alice: Persona) -> None:
    numbers = IN_LANDLINES[:7]
    for number in numbers:
        clock.advance(1)
        db.transact(purchase_phone_number, clock, alice.actor, number)
    pages = [db.transact(list_phone_numbers, alice.actor, page, 3) for page in range(3)]
    assert [n.phone_number for page in pages for n in page.items] == numbers
    assert [page.has_next for page in pages] == [True, True, False]
    assert db.transact(list_phone_numbers, alice.actor, 3, 3).items == []
