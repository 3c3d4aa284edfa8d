"""Alembic migrations, configured in code so they run from an installed package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, text

HERE = Path(__file__).parent
MIGRATION_LOCK = 0x6578_6F70  # any constant the whole deployment agrees on


# Objects a migration creates outside the models (search indexes, their triggers and tables);
# autogenerate must neither drop them nor report them as drift.
UNMODELLED_PREFIXES = ("ix_phone_numbers_digits", "phone_numbers_digits")


def include_object(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    """Leave the migration-only search objects out of autogenerate's comparison."""
    return not (reflected and compare_to is None and (name or "").startswith(UNMODELLED_PREFIXES))


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> None:
    """Bring the database's schema up to revision (every branch's newest by default, so revisions
    written side by side on one parent apply together)."""
    if engine.dialect.name != "postgresql":
        command.upgrade(alembic_config(engine), revision)
        return
    # Several processes starting at once would race to create the same tables: take turns.
    with engine.connect() as lock:
        lock.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
        try:
            command.upgrade(alembic_config(engine), revision)
        finally:
            lock.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
            lock.commit()
