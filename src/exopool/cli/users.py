"""exopool users: the people who log in to an account's dashboard."""

from __future__ import annotations

import click

from exopool.cli.common import clock, console, database, reports_errors
from exopool.services.users import create_operator_user, create_user


@click.group("users")
def users() -> None:
    """Create dashboard users."""


@users.command("create")
@click.option("--account", "account_sid", help="The account the user acts for (not with --operator).")
@click.option("--operator", is_flag=True, help="An operator: sees the operator's pages, of every account.")
@click.option("--email", required=True, help="The email the user logs in with.")
@click.option("--password", envvar="EXOPOOL_USER_PASSWORD", prompt=True, hide_input=True,
              confirmation_prompt=True, help="Asked for when not given (or set EXOPOOL_USER_PASSWORD).")
@reports_errors
def create_user_command(account_sid: str | None, operator: bool, email: str, password: str) -> None:
    """Create a dashboard user: of account ACCOUNT, or an operator.

    With --operator the user belongs to no account and sees the operator's pages.
    """
    if operator == (account_sid is not None):
        raise click.UsageError("pass --account ACCOUNT, or --operator for an operator of every account")
    if operator:
        made = database().transact(create_operator_user, clock, email, password)
        console.print(f"created operator user {made}", markup=False)
        return
    user = database().transact(create_user, clock, account_sid, email, password)
    console.print(f"created user {user.email} for account {user.account_sid}", markup=False)


def register(main: click.Group) -> None:
    main.add_command(users)
