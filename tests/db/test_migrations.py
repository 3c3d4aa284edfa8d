"""The migrations build exactly the schema the models describe, on every engine."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

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
