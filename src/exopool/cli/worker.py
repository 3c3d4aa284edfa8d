"""exopool worker: run release jobs and send webhooks in a process of their own; several may share one database."""

from __future__ import annotations

import logging
import signal
import threading

import click

from exopool.carriers.factory import carrier_for
from exopool.cli.common import clock, database, reports_errors, settings
from exopool.config import Settings
from exopool.db import Database
from exopool.jobs.webhooks import DeliveryWorker
from exopool.jobs.worker import ReleaseWorker
from exopool.logs import configure_logging
from exopool.services.instance import SANDBOX, recorded_mode

log = logging.getLogger("exopool.worker")


@click.command("worker")
@reports_errors
def worker() -> None:
    """Run release jobs and send webhooks.

    Runs until SIGTERM or SIGINT, which let the job and the delivery in hand finish first.
    """
    current = settings()
    configure_logging(current.log_level, current.log_json)
    db = database(current)
    current = following_the_server(db, current)
    runner = ReleaseWorker(db, current, carrier_for(current, db, clock), clock)
    sender = DeliveryWorker(db, current.replace(secret_key=db.settings.secret_key), clock)

    def stop(*_: object) -> None:
        runner.stop()
        sender.stop()

    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, stop)
    webhooks = threading.Thread(target=sender.run_forever, name="webhook-worker", daemon=True)
    webhooks.start()
    log.info("webhook worker %s started", sender.name)
    log.info("release worker %s started (carrier %s)", runner.name, current.carrier)
    runner.run_forever()
    webhooks.join(timeout=current.webhook_delivery_timeout_s + 5)
    log.info("release worker %s stopped", runner.name)
    db.dispose()


def following_the_server(db: Database, current: Settings) -> Settings:
    """The settings of the mode the database's last server ran in: a sandbox's releases age for 0
    seconds and go to the simulated carrier there, so they do here too (what the environment sets
    explicitly still wins)."""
    mode = db.transact(recorded_mode)
    if mode is None or (mode == SANDBOX) == current.sandbox:
        return current
    sandbox = mode == SANDBOX
    log.warning("the database's server runs %s; this worker follows it%s", "in sandbox mode" if sandbox
                else "outside sandbox mode", ": releases age for 0 seconds unless EXOPOOL_AGING_PERIOD_S is set"
                if sandbox else "")
    return Settings.from_env(sandbox=sandbox).replace(secret_key=db.settings.secret_key)


def register(main: click.Group) -> None:
    main.add_command(worker)
