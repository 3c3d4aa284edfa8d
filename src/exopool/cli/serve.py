"""exopool serve and exopool worker: run the API and the release worker."""

from __future__ import annotations

import os

import click
import uvicorn

from exopool.cli.common import clock, console, database, reports_errors, settings
from exopool.config import CLUSTER_HOSTS, Settings
from exopool.services.demo import DEMO_PASSWORD, DemoCredentials, demo_email, seed_demo


@click.command("serve")
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=8080, show_default=True)
@click.option("--sandbox/--no-sandbox", default=None, help="Sandbox mode (default: EXOPOOL_SANDBOX, else off).")
@click.option("--demo", is_flag=True, help="Seed demo accounts, keys and numbers, and print how to call them.")
@click.option("--workers", default=1, show_default=True, help="API processes sharing the port.")
@click.option("--release-worker/--no-release-worker", default=None,
              help="Run a release worker inside the server (default on; EXOPOOL_RUN_WORKER).")
@reports_errors
def serve(host: str, port: int, sandbox: bool | None, demo: bool, workers: int, release_worker: bool | None) -> None:
    """Serve the ExoPhones API on HOST:PORT."""
    if sandbox is not None:
        os.environ["EXOPOOL_SANDBOX"] = "true" if sandbox else "false"
    if release_worker is not None:
        os.environ["EXOPOOL_RUN_WORKER"] = "true" if release_worker else "false"
    current = settings()
    os.environ["EXOPOOL_SECRET_KEY"] = current.secret_key  # every server process must share it
    db = database(current)
    if demo:
        print_demo(db.transact(seed_demo, clock, current.secret_key), current, host, port)
    db.dispose()
    uvicorn.run("exopool.api.factory:app_from_env", factory=True, host=host, port=port, workers=workers,
                access_log=False, log_config=None, server_header=False)


def print_demo(accounts: list[DemoCredentials], current: Settings, host: str, port: int) -> None:
    base = f"http://{host}:{port}"
    console.print(f"[bold]exopool[/] on {base} (sandbox={'on' if current.sandbox else 'off'}, "
                  f"database {current.database_url})\n")
    for acct in accounts:
        local = acct.cluster == current.default_cluster
        host_header = "" if local else f" -H 'Host: {CLUSTER_HOSTS[acct.cluster]}'"
        url = f"http://{acct.key}:{acct.token}@{host}:{port}/v2_beta/Accounts/{acct.sid}/IncomingPhoneNumbers"
        console.print(f"[bold]{acct.sid}[/] (cluster {acct.cluster}, {CLUSTER_HOSTS[acct.cluster]})\n"
                      f"  API key {acct.key}  API token {acct.token}", markup=True)
        console.print(f"  list:    curl{host_header} {url}\n"
                      f"  buy:     curl{host_header} -X POST {url} -d PhoneNumber={acct.buyable}\n"
                      f"  release: curl{host_header} -X DELETE {url}/{acct.first_bought}", markup=False)
        console.print(f"  dashboard: {base}/dashboard  (log in as {demo_email(acct.sid)} / {DEMO_PASSWORD})\n",
                      markup=False)


def register(main: click.Group) -> None:
    main.add_command(serve)
