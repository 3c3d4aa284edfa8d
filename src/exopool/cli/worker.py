"""exopool worker: run release jobs in a process of their own; several may share one database."""

from __future__ import annotations

import logging
import signal

import click

from exopool.carriers.factory import carrier_for
from exopool.cli.common import clock, database, reports_errors, settings
from exopool.jobs.worker import ReleaseWorker
from exopool.logs import configure_logging

log = logging.getLogger("exopool.worker")


@click.command("worker")
@reports_errors
def worker() -> None:
    """Run release jobs until SIGTERM or SIGINT, which let the job in hand finish first."""
    current = settings()
    configure_logging(current.log_level, current.log_json)
    db = database(current)
    runner = ReleaseWorker(db, current, carrier_for(current, db, clock), clock)
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: runner.stop())
    log.info("release worker %s started (carrier %s)", runner.name, current.carrier)
    runner.run_forever()
    log.info("release worker %s stopped", runner.name)
    db.dispose()


def register(main: click.Group) -> None:
    main.add_command(worker)
