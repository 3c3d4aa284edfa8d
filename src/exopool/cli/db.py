"""exopool db: the schema."""

from __future__ import annotations

import click

from exopool.cli.common import console, reports_errors, settings
from exopool.db import Database
from exopool.migrations import upgrade


@click.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@reports_errors
def upgrade_db() -> None:
    """Apply every pending migration (also done when the server starts)."""
    current = settings()
    db = Database(current)
    try:
        applied = upgrade(db.engine)
    finally:
        db.dispose()
    for step in applied:
        console.print(f"applied {step}", markup=False)
    console.print(f"the database is at the newest schema ({len(applied)} migration{'' if len(applied) == 1 else 's'}"
                  " applied now)" if applied else "the database was at the newest schema already: nothing to apply",
                  markup=False)


def register(main: click.Group) -> None:
    main.add_command(db_group)
