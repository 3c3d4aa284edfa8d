"""The migrations build exactly the schema the models describe, on every engine."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, create_engine, inspect, text

from exopool.ids import new_sid
from exopool.migrations import alembic_config, include_object, upgrade
from exopool.models import Base


def test_upgrading_an_empty_database_leaves_no_difference_from_the_models(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    upgrade(engine)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True, "include_object": include_object})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []


def test_upgrade_creates_every_table_of_the_models(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    upgrade(engine)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables
    assert "alembic_version" in tables


def test_upgrading_twice_changes_nothing(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    upgrade(engine)
    upgrade(engine)
    with engine.connect() as conn:
        applied = set(MigrationContext.configure(conn).get_current_heads())
    engine.dispose()
    assert applied == set(ScriptDirectory.from_config(alembic_config(engine)).get_heads())


HOLDINGS = {"big": 2300, "small": 3}


def test_upgrade_numbers_existing_holdings_in_their_listing_order_and_counts_them(empty_database_url: str) -> None:
    engine = create_engine(empty_database_url)
    upgrade(engine, "0006")
    expected = hold_numbers_as_before_ordinals(engine)
    upgrade(engine)
    with engine.begin() as conn:
        ordinals = conn.execute(text("SELECT a.sid, p.sid, p.ordinal FROM phone_numbers p JOIN accounts a"
                                     " ON a.id = p.account_id WHERE p.state = 'active'")).all()
        buckets = conn.execute(text("SELECT a.sid, b.bucket, b.active FROM listing_buckets b JOIN accounts a"
                                    " ON a.id = b.account_id")).all()
        next_ordinal = dict(conn.execute(text("SELECT sid, next_ordinal FROM accounts")).all())
        unnumbered = conn.execute(text("SELECT count(*) FROM phone_numbers WHERE account_id IS NULL"
                                       " AND ordinal IS NOT NULL")).scalar_one()
    assert {(account, sid): ordinal for account, sid, ordinal in ordinals} == {
        (account, sid): i for account, sids in expected.items() for i, sid in enumerate(sids)}
    assert sorted(buckets) == [("big", 0, 1000), ("big", 1, 1000), ("big", 2, 300), ("small", 0, 3)]
    assert next_ordinal == HOLDINGS and unnumbered == 0
    engine.dispose()


def hold_numbers_as_before_ordinals(engine: Engine) -> dict[str, list[str]]:
    """Accounts holding numbers (bought in several seconds, some in the same one), beside pool and
    released numbers; each account's sids in the listing order of the time, (date_created, sid)."""
    rng = random.Random(7)
    start = datetime(2024, 1, 1)
    rows, expected = [], {}
    with engine.begin() as conn:
        for account, count in HOLDINGS.items():
            conn.execute(text("INSERT INTO accounts (sid, name, cluster, country, status, created_at)"
                              " VALUES (:sid, :sid, 'in', 'IN', 'active', :now)"), {"sid": account, "now": start})
            account_id = conn.execute(text("SELECT id FROM accounts WHERE sid = :sid"), {"sid": account}).scalar_one()
            held = [(start + timedelta(seconds=i // 3), new_sid()) for i in range(count)]
            rows += [(account_id, "active", at, sid) for at, sid in held]
            expected[account] = [sid for _, sid in sorted(held)]
        rows += [(None, state, None, new_sid()) for state in ["available"] * 50 + ["releasing"] * 5]
        rng.shuffle(rows)  # ids in no particular order
        conn.execute(text(
            "INSERT INTO phone_numbers (sid, phone_number, country, region, number_type, voice, sms,"
            " rental_price_micros, one_time_price_micros, incoming_rate_micros, currency, cluster, state,"
            " account_id, date_created, created_at) VALUES (:sid, :number, 'IN', 'KA', 'Landline', :yes, :no,"
            " 0, 0, 0, 'INR', 'in', :state, :account_id, :at, :now)"),
            [{"sid": sid, "number": f"+918048{i:06d}", "yes": True, "no": False, "state": state,
              "account_id": account_id, "at": at, "now": start} for i, (account_id, state, at, sid) in enumerate(rows)])
    return expected
