"""exopool accounts and exopool api-keys: who may call the API."""

from __future__ import annotations

import json

import click
from rich.table import Table

from exopool.cli.common import clock, console, database, reports_errors
from exopool.config import CLUSTERS
from exopool.services.accounts import create_account, list_accounts
from exopool.services.api_keys import create_api_key, revoke_api_key


@click.group("accounts")
def accounts() -> None:
    """Create and list accounts."""


@accounts.command("create")
@click.argument("sid")
@click.option("--name", required=True, help="A name people recognise.")
@click.option("--cluster", type=click.Choice(CLUSTERS), required=True,
              help="sg (api.exotel.com) or in (api.in.exotel.com).")
@click.option("--country", default="IN", show_default=True, help="Default country for parsing national numbers.")
@reports_errors
def create_account_command(sid: str, name: str, cluster: str, country: str) -> None:
    """Create account SID (the path segment API clients use)."""
    account = database().transact(create_account, clock, sid, name, cluster, country)
    console.print(f"created account {account.sid} in cluster {account.cluster}")


@accounts.command("list")
@reports_errors
def list_accounts_command() -> None:
    """List every account."""
    table = Table("sid", "name", "cluster", "country", "status", "created")
    for row in database().transact(list_accounts):
        table.add_row(row.sid, row.name, row.cluster, row.country, row.status, f"{row.created_at:%Y-%m-%d %H:%M}")
    console.print(table)


@click.group("api-keys")
def api_keys() -> None:
    """Create and revoke API keys."""


@api_keys.command("create")
@click.option("--account", "account_sid", required=True, help="The account sid.")
@click.option("--label", default="", help="What the key is for.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON object, for scripts.")
@reports_errors
def create_api_key_command(account_sid: str, label: str, as_json: bool) -> None:
    """Create a key; its token is printed now and never again."""
    db = database()
    issued = db.transact(create_api_key, clock, db.settings.secret_key, account_sid, label)
    if as_json:
        click.echo(json.dumps({"account_sid": issued.account_sid, "api_key": issued.key,
                               "api_token": issued.token, "label": issued.label}))
        return
    console.print(f"API key:   {issued.key}\nAPI token: {issued.token}\n(the token is shown only this once)")


@api_keys.command("revoke")
@click.argument("key")
@reports_errors
def revoke_api_key_command(key: str) -> None:
    """Revoke KEY: it stops working at once."""
    database().transact(revoke_api_key, clock, key)
    console.print(f"revoked {key}")


def register(main: click.Group) -> None:
    main.add_command(accounts)
    main.add_command(api_keys)
