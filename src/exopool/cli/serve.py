"""exopool serve: run the API (and, unless told otherwise, a release worker inside it)."""

from __future__ import annotations

import os
from collections.abc import MutableMapping
from pathlib import Path

import click

from exopool.cli.common import clock, console, database, reports_errors, settings
from exopool.config import CLUSTER_HOSTS, Settings
from exopool.files import private_directory
from exopool.ops.metrics import MULTIPROCESS_DIR
from exopool.sandbox.seed import load_seed_file
from exopool.sandbox.tls import ensure_certificates, trust_instructions
from exopool.server import run_server
from exopool.services.demo import DEMO_PASSWORD, DemoCredentials, demo_email, seed_demo

WILDCARDS = ("0.0.0.0", "::", "[::]")  # listen on every address (the container image's default)
LOOPBACK = "127.0.0.1"


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for all).")
@click.option("--port", default=8080, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--sandbox/--no-sandbox", default=None, help="Sandbox mode (default: EXOPOOL_SANDBOX, else off).")
@click.option("--demo", is_flag=True, help="Seed demo accounts, keys and numbers, and print how to call them.")
@click.option("--seed", "seed_file", type=click.Path(exists=True, dir_okay=False),
              help="Sandbox seed (JSON or YAML): applied at start, and what /_sandbox/reset returns to.")
@click.option("--tls", is_flag=True,
              help="Serve HTTPS with a local CA and certificate, created once in the data directory.")
@click.option("--workers", default=1, show_default=True, type=click.IntRange(1), help="API processes sharing the port.")
@click.option("--release-worker/--no-release-worker", default=None,
              help="Run a release worker inside the server (default on; EXOPOOL_RUN_WORKER).")
@reports_errors
def serve(host: str, port: int, sandbox: bool | None, demo: bool, seed_file: str | None, tls: bool, workers: int,
          release_worker: bool | None) -> None:
    """Serve the ExoPhones API on HOST:PORT."""
    if seed_file:
        os.environ["EXOPOOL_SANDBOX_SEED"] = str(Path(seed_file).resolve())
    if sandbox is not None:
        os.environ["EXOPOOL_SANDBOX"] = "true" if sandbox else "false"
    if release_worker is not None:
        os.environ["EXOPOOL_RUN_WORKER"] = "true" if release_worker else "false"
    current = settings()
    check_sandbox_options(current, seed_file, demo, workers)
    certificates = ensure_certificates(current.data_dir) if tls else None
    db = database(current)  # every server process reads the instance's secret key from it
    if demo:
        accounts = db.transact(seed_demo, clock, db.settings.secret_key)
        if accounts is None:
            console.print("The database holds data of its own, so the demo data is not added: serving it as it "
                          f"is ({current.database_url}; `exopool accounts list` shows its accounts).", markup=False)
        else:
            print_demo(accounts, current, host, port, ca=certificates.ca_cert if certificates else None)
    db.dispose()
    if workers > 1:
        share_metrics(current)
    if certificates:
        console.print(trust_instructions(certificates, port), markup=False, highlight=False)
    run_server(current.http_server, host, port, workers, current.max_header_bytes,
               (certificates.cert, certificates.key) if certificates else None)


def share_metrics(current: Settings, environ: MutableMapping[str, str] = os.environ) -> None:
    """Have the API processes count requests in one directory, so any of them answers a scrape for all.

    The operator's PROMETHEUS_MULTIPROC_DIR is used as given (created if missing); otherwise
    `metrics` in the data directory, emptied first, as counts left by an earlier run would be
    added to this one's.
    """
    if MULTIPROCESS_DIR in environ:
        private_directory(Path(environ[MULTIPROCESS_DIR]))
        return
    directory = Path(current.data_dir) / "metrics"
    private_directory(directory)
    for left in directory.glob("*.db"):
        left.unlink()
    environ[MULTIPROCESS_DIR] = str(directory.resolve())  # the worker processes inherit os.environ


def check_sandbox_options(current: Settings, seed_file: str | None, demo: bool, workers: int) -> None:
    if seed_file and not current.sandbox:
        raise click.UsageError("--seed needs sandbox mode (--sandbox)")
    if seed_file and demo:
        raise click.UsageError("--seed replaces the demo data: use one of --seed and --demo")
    if current.sandbox and workers > 1:
        raise click.UsageError("sandbox mode keeps its journal, faults and clock in one process: use --workers 1")
    if seed_file:
        load_seed_file(seed_file)  # a bad seed is a message now, not a failed start later


def print_demo(accounts: list[DemoCredentials], current: Settings, host: str, port: int,
               ca: Path | None = None) -> None:
    """The demo's credentials and curl commands that work as pasted (over https, trusting the local CA)."""
    scheme = "https" if ca else "http"
    console.print(f"[bold]exopool[/] on {scheme}://{host}:{port} (sandbox={'on' if current.sandbox else 'off'}, "
                  f"database {current.database_url})\n")
    host = LOOPBACK if host in WILDCARDS else host  # what a client can call: 0.0.0.0 is no address to send to
    base = f"{scheme}://{host}:{port}"
    curl = f"curl --cacert {ca.resolve()}" if ca else "curl"
    for acct in accounts:
        local = acct.cluster == current.default_cluster
        host_header = "" if local else f" -H 'Host: {CLUSTER_HOSTS[acct.cluster]}'"
        url = f"{scheme}://{acct.key}:{acct.token}@{host}:{port}/v2_beta/Accounts/{acct.sid}/IncomingPhoneNumbers"
        console.print(f"[bold]{acct.sid}[/] (cluster {acct.cluster}, {CLUSTER_HOSTS[acct.cluster]})\n"
                      f"  API key {acct.key}  API token {acct.token}", markup=True)
        console.print(f"  list:    {curl}{host_header} {url}\n"
                      f"  buy:     {curl}{host_header} -X POST {url} -d PhoneNumber={acct.buyable}\n"
                      f"  release: {curl}{host_header} -X DELETE {url}/{acct.first_bought}", markup=False)
        console.print(f"  dashboard: {base}/dashboard  (log in as {demo_email(acct.sid)} / {DEMO_PASSWORD})\n",
                      markup=False)


def register(main: click.Group) -> None:
    main.add_command(serve)
