"""Alembic migrations, configured in code so they run from an installed package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

HERE = Path(__file__).parent


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


def upgrade(engine: Engine, revision: str = "head") -> None:
    """Bring the database's schema up to revision (the newest by default)."""
    command.upgrade(alembic_config(engine), revision)
