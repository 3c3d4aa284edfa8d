"""Writing a seed into the database, and going back to it in one fast transaction.

A seed is applied once through the ordinary services (so it obeys every rule they check); the
rows it produced are then kept in memory, and a reset deletes everything and inserts those rows
again. That is a handful of bulk statements instead of hundreds of validated inserts.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, delete, select, update

from exopool.clock import Clock
from exopool.db import execute, first
from exopool.db.dialects import existing_numbers, put_rows, realign_sequences, table_rows
from exopool.entities import Actor
from exopool.models import Account, Base, PhoneNumber
from exopool.sandbox import magic
from exopool.sandbox.seed import Seed, SeedAccount
from exopool.services.accounts import create_account, set_account_status
from exopool.services.api_keys import create_api_key
from exopool.services.phone_numbers import purchase_phone_number
from exopool.services.pool import import_numbers
from exopool.services.users import create_user

Snapshot = dict[str, Any]
SEED_ACTOR = "sandbox-seed"


def is_empty(conn: Connection) -> bool:
    return first(conn, select(Account.id).limit(1)) is None


def wipe(conn: Connection) -> None:
    for table in reversed(Base.metadata.sorted_tables):
        execute(conn, delete(table))


def apply_seed(conn: Connection, clock: Clock, secret: str, seed: Seed) -> Snapshot:
    """Replace everything with the seed (and the magic numbers); the rows that makes, to reset to."""
    wipe(conn)
    rows = [*seed.pool, *magic.pool_rows()]
    import_numbers(conn, clock.now(), enumerate(rows, start=1))
    for account in seed.accounts:
        _create_account(conn, clock, secret, account)
    return snapshot(conn)


def _create_account(conn: Connection, clock: Clock, secret: str, seeded: SeedAccount) -> None:
    account = create_account(conn, clock, seeded.sid, seeded.name, seeded.cluster, seeded.country)
    for key in seeded.api_keys:
        create_api_key(conn, clock, secret, seeded.sid, key.label, Actor(label=SEED_ACTOR),
                       key=key.key, token=key.token)
    for user in seeded.users:
        create_user(conn, clock, seeded.sid, user.email, user.password)
    actor = Actor(account.id, account.sid, account.cluster, account.country, None, SEED_ACTOR)
    for owned in seeded.numbers:
        number = purchase_phone_number(conn, clock, actor, owned.phone_number, voice_url=owned.voice_url,
                                       sms_url=owned.sms_url, friendly_name=owned.friendly_name)
        if owned.sid:
            execute(conn, update(PhoneNumber).where(PhoneNumber.id == number.id).values(sid=owned.sid))
    if seeded.status != "active":
        set_account_status(conn, seeded.sid, seeded.status)


def add_magic_numbers(conn: Connection, clock: Clock) -> int:
    """Put the magic numbers into a database that was not seeded by the sandbox; how many were missing."""
    rows = magic.pool_rows()
    present = existing_numbers(conn, [row["phone_number"] for row in rows])
    missing = [row for row in rows if row["phone_number"] not in present]
    return import_numbers(conn, clock.now(), enumerate(missing, start=1)) if missing else 0


def snapshot(conn: Connection) -> Snapshot:
    """Every table's rows, as fast to put back as the engine allows (dialects.table_rows)."""
    return {table.name: table_rows(conn, table) for table in Base.metadata.sorted_tables}


def restore(conn: Connection, rows: Snapshot) -> None:
    """Every table back to the snapshot, in the caller's transaction."""
    wipe(conn)
    for table in Base.metadata.sorted_tables:
        put_rows(conn, table, rows.get(table.name) or [])
    realign_sequences(conn, Base.metadata.sorted_tables)
