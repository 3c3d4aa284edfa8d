"""exopool users: the people who log in to an account's dashboard."""

from __future__ import annotations

import click

from exopool.cli.common import clock, console, database, reports_errors
from exopool.services.users import create_user


@click.group("users")
def users() -> None:
    """Create dashboard users."""


@users.command("create")
@click.option("--account", "account_sid", required=True, help="The account the user acts for.")
@click.option("--email", required=True, help="The email the user logs in with.")
@click.option("--password", envvar="EXOPOOL_USER_PASSWORD", prompt=True, hide_input=True,
              confirmation_prompt=True, help="Asked for when not given (or set EXOPOOL_USER_PASSWORD).")
@reports_errors
def create_user_command(account_sid: str, email: str, password: str) -> None:
    """Create a user who logs in to the dashboard of account ACCOUNT."""
    user = database().transact(create_user, clock, account_sid, email, password)
    console.print(f"created user {user.email} for account {user.account_sid}", markup=False)


def register(main: click.Group) -> None:
    main.add_command(users)
