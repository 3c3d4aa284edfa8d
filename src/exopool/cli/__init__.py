"""The exopool command: serve, worker, db, accounts, api-keys, operators, numbers, releases, users, openapi."""

from __future__ import annotations

import click

from exopool.cli import admin, db, numbers, openapi, operators, releases, serve, users, worker
from exopool.cli.common import fit_console


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """exopool: a self-hostable phone-number service that speaks Exotel's ExoPhones API.

    Settings come from EXOPOOL_* environment variables (see the Settings section of the README).
    """
    fit_console()


for module in (serve, db, admin, operators, numbers, worker, releases, users, openapi):
    module.register(main)
