"""What every command needs: settings, a database, a clock, and errors printed as sentences."""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click
from rich.console import Console
from sqlalchemy import exc

from exopool.clock import SystemClock
from exopool.config import Settings
from exopool.db import Database
from exopool.errors import ExopoolError, InvalidParameter
from exopool.migrations import upgrade
from exopool.services.instance import with_instance_secret
from exopool.services.pool import ImportRejected

F = TypeVar("F", bound=Callable[..., Any])
# Our field names as the commands' messages name them.
LABELS = {"sid": "The account sid", "name": "The account name", "label": "The label", "cluster": "The cluster",
          "status": "The status", "email": "The email", "password": "The password"}
console = Console(soft_wrap=True)


def fit_console() -> None:
    """Size output for this run: COLUMNS if set, the terminal if any; piped output keeps tables whole."""
    columns = os.environ.get("COLUMNS", "")
    if columns.isdigit():
        console.width = int(columns)
    elif not sys.stdout.isatty():
        console.width = 240
clock = SystemClock()


def settings() -> Settings:
    return Settings.from_env()


def database(current: Settings | None = None) -> Database:
    """The configured database, migrated to the newest schema; closed when the command ends.

    Its settings carry the instance's secret key, which lives in the database (services.instance).
    """
    db = Database(current or settings())
    context = click.get_current_context(silent=True)
    if context is not None:
        context.call_on_close(db.dispose)
    upgrade(db.engine)
    db.settings = db.transact(with_instance_secret, clock.now(), db.settings)
    return db


def message_of(error: ExopoolError) -> str:
    """The sentence a command prints for an error."""
    if isinstance(error, InvalidParameter) and error.field:
        return f"{LABELS.get(error.field, error.field)} {error.problem}"
    return error.message


def reports_errors(command: F) -> F:
    """Turn our errors into a message and exit status 1 instead of a traceback."""

    @functools.wraps(command)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except ImportRejected as rejected:
            for problem in rejected.problems:  # every bad row, with its line, before the summary
                console.print(f"line {problem.line}: {problem.reason}", markup=False)
            raise click.ClickException(message_of(rejected)) from rejected
        except ExopoolError as error:
            raise click.ClickException(message_of(error)) from error
        except (exc.OperationalError, exc.InterfaceError) as error:  # unreachable, refused, locked...
            reason = str(error.orig or error).strip().splitlines()[0]
            raise click.ClickException(f"The database could not be used: {reason}") from error

    return wrapper  # type: ignore[return-value]  # functools.wraps keeps the signature F, which mypy cannot see
