"""exopool releases: see the release queue, and send a failed release back to it."""

from __future__ import annotations

from datetime import datetime

import click
from rich.table import Column, Table

from exopool.cli.common import clock, console, database, reports_errors
from exopool.entities import Actor
from exopool.lifecycle import JobState
from exopool.services.releases import list_releases, retry_release

STATES = [state.value for state in JobState]


@click.group("releases")
def releases() -> None:
    """The release queue: one job per released number."""


@releases.command("list")
@click.option("--state", type=click.Choice(STATES))
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1), help="At most this many releases.")
@reports_errors
def list_releases_command(state: str | None, limit: int) -> None:
    """List releases, newest first: state, attempts, last error, next try."""
    rows = database().transact(lambda conn: list_releases(conn, state=state, limit=limit))
    table = Table(Column("sid", no_wrap=True, min_width=32), Column("phone_number", no_wrap=True, min_width=13),
                  "state", "attempts", "last_error", "next_try", "worker")
    for row in rows:
        waiting = row.state == JobState.QUEUED
        table.add_row(row.sid, row.phone_number, row.state, str(row.attempts), row.last_error or "",
                      _when(row.next_attempt_at) if waiting else "", row.worker or "")
    console.print(table)


@releases.command("retry")
@click.argument("sid")
@reports_errors
def retry_release_command(sid: str) -> None:
    """Send a failed release back to the queue.

    Its number goes from release_failed back to releasing, and the release gets a fresh budget of attempts.
    """
    operator = Actor(label="cli:releases retry")
    job = database().transact(retry_release, clock.now(), operator, sid)
    console.print(f"release {job.sid} of {job.phone_number} queued again")


def _when(at: datetime | None) -> str:
    return at.isoformat(sep=" ", timespec="seconds") + "Z" if at else ""


def register(main: click.Group) -> None:
    main.add_command(releases)
