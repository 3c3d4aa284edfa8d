"""`exopool serve --demo` (what `make demo` runs) starts on whatever the database holds."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.services.accounts import create_account
from exopool.services.demo import pool_rows
from exopool.services.pool import import_numbers
from tests.conftest import ServerProcess

DEMO = ("demo_in_key", "demo_in_token")


def served(settings: Settings, *args: str) -> tuple[int, int, str]:
    """Start `exopool serve ARGS`, ask for the demo's numbers and the health, stop it; its output."""
    with ServerProcess(settings, *args) as server, httpx.Client(base_url=server.url) as http:
        numbers = http.get("/v2_beta/Accounts/demo_in/IncomingPhoneNumbers", auth=DEMO).status_code
        health = http.get("/healthz").status_code
        server.process.terminate()
        output = server.process.communicate(timeout=20)[0].decode()
    return numbers, health, output


def test_the_demo_is_created_once_and_found_the_next_time(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'demo.db'}", data_dir=str(tmp_path / "data"))
    for _ in range(2):
        numbers, _, output = served(settings, "--sandbox", "--demo")
        assert numbers == 200 and "API key demo_in_key" in output


def test_a_database_holding_other_data_is_served_as_it_is_with_a_line_saying_so(tmp_path: Path) -> None:
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'seeded.db'}", data_dir=str(tmp_path / "data"))
    db = Database(settings)
    from exopool.migrations import upgrade

    upgrade(db.engine)
    clock = ManualClock()
    db.transact(import_numbers, clock.now(), pool_rows())  # the demo's own numbers, as a custom seed may hold
    db.transact(create_account, clock, "acme", "Acme", "in")
    db.dispose()
    numbers, health, output = served(settings, "--sandbox", "--demo")
    assert (numbers, health) == (401, 200)
    assert "holds data of its own, so the demo data is not added" in output
    assert not re.search(r"invalid row|Error", output)


def test_over_tls_the_printed_curl_commands_trust_the_local_ca(capsys, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    from exopool.cli.serve import print_demo
    from exopool.services.demo import DemoCredentials

    ca = tmp_path / "tls" / "ca.pem"
    account = DemoCredentials("demo_in", "in", "demo_in_key", "demo_in_token", "0" * 32, "+918048332510")
    print_demo([account], Settings(), "127.0.0.1", 8443, ca=ca)
    printed = capsys.readouterr().out
    commands = [line for line in printed.splitlines() if "curl" in line]
    assert len(commands) == 3
    assert all(f"curl --cacert {ca.resolve()} " in line and "https://" in line for line in commands)


def test_listening_on_every_address_the_printed_commands_call_the_loopback_one(capsys) -> None:  # type: ignore[no-untyped-def]
    from exopool.cli.serve import print_demo
    from exopool.services.demo import DemoCredentials

    account = DemoCredentials("demo_in", "in", "demo_in_key", "demo_in_token", "0" * 32, "+918048332510")
    print_demo([account], Settings(), "0.0.0.0", 8080)
    printed = capsys.readouterr().out
    assert "exopool on http://0.0.0.0:8080" in printed  # where it listens
    calls = [line for line in printed.splitlines() if "curl" in line or "dashboard:" in line]
    assert len(calls) == 4 and all("@127.0.0.1:8080/" in line or "http://127.0.0.1:8080/dashboard" in line
                                   for line in calls)
