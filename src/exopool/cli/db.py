"""exopool db: the schema."""

from __future__ import annotations

import click

from exopool.cli.common import console, database, reports_errors


@click.group("db")
def db_group() -> None:
    """Manage the database schema."""


@db_group.command("upgrade")
@reports_errors
def upgrade_db() -> None:
    """Apply every pending migration (also done when the server starts)."""
    database()
    console.print("database is up to date")


def register(main: click.Group) -> None:
    main.add_command(db_group)
