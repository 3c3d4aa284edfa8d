"""exopool operators: who may call the admin API."""

from __future__ import annotations

import json

import click
from rich.table import Table

from exopool.cli.common import clock, console, database, reports_errors
from exopool.services.operators import create_operator, list_operators, revoke_operator


@click.group("operators")
def operators() -> None:
    """Create, list and revoke operator tokens."""


@operators.command("create")
@click.option("--name", required=True, help="Who the operator is; recorded as the actor of each admin action.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object, for scripts.")
@reports_errors
def create_operator_command(name: str, as_json: bool) -> None:
    """Create an operator; its token is printed now and never again."""
    db = database()
    issued = db.transact(create_operator, clock, db.settings.secret_key, name)
    if as_json:
        click.echo(json.dumps({"name": issued.name, "token": issued.token}))
        return
    console.print(f"operator: {issued.name}\ntoken:    {issued.token}\n(the token is shown only this once)",
                  markup=False)


@operators.command("list")
@reports_errors
def list_operators_command() -> None:
    """List operators (never their tokens)."""
    table = Table("name", "created", "last used", "revoked")
    for row in database().transact(list_operators):
        table.add_row(row.name, _at(row.created_at), _at(row.last_used_at), _at(row.revoked_at))
    console.print(table)


@operators.command("revoke")
@click.argument("name")
@reports_errors
def revoke_operator_command(name: str) -> None:
    """Revoke NAME's token: it stops working at once."""
    database().transact(revoke_operator, clock, name)
    console.print(f"revoked operator {name}", markup=False)


def _at(value: object) -> str:
    return f"{value:%Y-%m-%d %H:%M}" if value is not None else ""


def register(main: click.Group) -> None:
    main.add_command(operators)
