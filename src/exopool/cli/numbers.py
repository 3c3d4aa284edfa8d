"""exopool numbers: fill the pool from a CSV file, look at it, and restore a number released by mistake."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click
from rich.progress import Progress
from rich.table import Column, Table
from sqlalchemy import Connection

from exopool.carriers.factory import carrier_for
from exopool.cli.common import clock, console, database, reports_errors
from exopool.config import CLUSTERS
from exopool.errors import BadRequest, NumberNotRestorable
from exopool.jobs.restorer import Restorer
from exopool.lifecycle import NumberState
from exopool.services.history import HistoryEntry, find_number, number_history
from exopool.services.inventory import list_numbers
from exopool.services.pool import BATCH, csv_rows, import_numbers
from exopool.services.restores import releasing_account


@click.group("numbers")
def numbers() -> None:
    """Import and list the numbers of the pool."""


def read_csv(path: Path) -> Iterator[tuple[int, dict[str, str | None]]]:
    """Rows with their line numbers (the header is line 1); a header we cannot use stops at once."""
    with path.open(newline="", encoding="utf-8-sig") as handle:
        yield from csv_rows(handle)


def count_rows(path: Path) -> int:
    """Lines after the header: the progress bar's total, without holding the rows in memory."""
    with path.open("rb") as handle:
        return max(0, sum(1 for _ in handle) - 1)


@numbers.command("import")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", default=BATCH, show_default=True, type=click.IntRange(1),
              help="Rows checked and bulk-inserted together (COPY on PostgreSQL).")
@reports_errors
def import_numbers_command(path: Path, batch_size: int) -> None:
    """Add a CSV file's numbers to the pool.

    All of them, or none if any row is bad.

    Columns: phone_number, cluster, type (required); region, voice, sms, rental_price,
    one_time_price, incoming_rate, currency (optional). See the README.
    """
    db = database()
    try:
        with Progress(console=console, transient=True) as progress:
            task = progress.add_task("checking and importing", total=count_rows(path))
            count = db.transact(import_numbers, clock.now(), read_csv(path),
                                lambda n: progress.advance(task, n), batch_size)
    except BadRequest as error:
        if isinstance(error.__cause__, (UnicodeDecodeError, csv.Error)):
            raise click.ClickException(f"{path.name} is not a UTF-8 CSV file: {error.__cause__}") from error
        raise
    console.print(f"imported {count} number{'' if count == 1 else 's'} from {path.name}")


@numbers.command("list")
@click.option("--cluster", type=click.Choice(CLUSTERS), help="Only this cluster's numbers.")
@click.option("--state", type=click.Choice([s.value for s in NumberState]), help="Only numbers in this state.")
@click.option("--account", "account_sid", help="Only this account's numbers.")
@click.option("--limit", default=100, show_default=True, type=click.IntRange(1), help="At most this many numbers.")
@reports_errors
def list_numbers_command(cluster: str | None, state: str | None, account_sid: str | None, limit: int) -> None:
    """List numbers of the inventory."""
    rows = database().transact(lambda conn: list_numbers(conn, clock.now(), cluster=cluster, state=state,
                                                         account_sid=account_sid, limit=limit))
    # Numbers and sids are copied from here, so they are never cut short on a narrow terminal.
    table = Table(Column("phone_number", no_wrap=True), "cluster", "type", "region", "state", "account",
                  Column("sid", overflow="fold"))
    for row in rows:
        table.add_row(row.phone_number, row.cluster, row.number_type, row.region, row.state,
                      row.account_sid or "", row.sid if row.account_sid else "")
    console.print(table)


@numbers.command("show")
@click.argument("ref", metavar="NUMBER_OR_SID")
@reports_errors
def show_number_command(ref: str) -> None:
    """Show a number and its whole history.

    When, what, by which key, under which request.
    """
    now = clock.now()

    def load(conn: Connection) -> tuple[Any, list[HistoryEntry]]:
        number = find_number(conn, now, ref)
        return number, number_history(conn, now, number.id)

    number, history = database().transact(load)
    console.print(f"{number.phone_number}  state {number.state}  cluster {number.cluster}  "
                  f"account {number.account_sid or '-'}  sid {number.sid}", markup=False)
    table = Table("at", "event", "by", "api_key", "request_id", "details")
    for entry in history:
        details = ", ".join(f"{k}={v}" for k, v in entry.data.items()) + (" (from free_at)" if entry.derived else "")
        table.add_row(entry.at.isoformat(sep=" ", timespec="seconds") + "Z", entry.kind, entry.actor or "",
                      entry.api_key or "", entry.request_id or "", details)
    console.print(table)


@numbers.command("restore")
@click.argument("sid")
@reports_errors
def restore_phone_number_command(sid: str) -> None:
    """Give a released number back to the account that released it.

    Within the restore window, with the sid it had; the carrier provisions it again if it had
    de-provisioned it. The number comes back with its name and URLs.
    """
    db = database()
    try:
        operator = db.transact(releasing_account, sid, "cli:numbers restore")
        restorer = Restorer(db, db.settings, carrier_for(db.settings, db, clock), clock)
        number = restorer.restore_phone_number(operator, sid)
    except NumberNotRestorable as error:  # an operator may know why
        raise click.ClickException(f"{error.message}: {error.reason}") from error
    console.print(f"{number.phone_number} restored to account {number.account_sid} (sid {number.sid})", markup=False)


def register(main: click.Group) -> None:
    main.add_command(numbers)
