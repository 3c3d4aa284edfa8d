"""Alembic migrations, configured in code so they run from an installed package."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from exopool.db.dialects import migration_lock

HERE = Path(__file__).parent


# Objects outside the models, which autogenerate must neither drop nor report as drift: the search
# indexes a migration creates (with their triggers and tables), and the simulated carrier's ledger.
UNMODELLED_PREFIXES = ("ix_phone_numbers_digits", "phone_numbers_digits", "simulated_carrier_ledger",
                       "ix_simulated_carrier_ledger")


def include_object(obj: object, name: str | None, kind: str, reflected: bool, compare_to: object) -> bool:
    """Leave the migration-only search objects out of autogenerate's comparison."""
    return not (reflected and compare_to is None and (name or "").startswith(UNMODELLED_PREFIXES))


def alembic_config(engine: Engine) -> Config:
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.attributes["engine"] = engine
    return config


def upgrade(engine: Engine, revision: str = "heads") -> list[str]:
    """Bring the database's schema up to revision (every branch's newest by default, so revisions
    written side by side on one parent apply together); what it applied, oldest first, each as
    "revision: what it does"."""
    config = alembic_config(engine)
    # Several processes starting at once would race to create the same tables: they take turns.
    with migration_lock(engine):
        before = current_revisions(engine)
        command.upgrade(config, revision)
        after = current_revisions(engine)
    scripts = ScriptDirectory.from_config(config)
    applied = [step for step in scripts.iterate_revisions(tuple(after), tuple(before)) if step.revision not in before]
    return [f"{step.revision}: {(step.doc or '').strip()}" for step in reversed(applied)]


def current_revisions(engine: Engine) -> set[str]:
    with engine.connect() as conn:
        return set(MigrationContext.configure(conn).get_current_heads())
