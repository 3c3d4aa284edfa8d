"""A sandbox server in a thread of the test process: fresh database, a seed, and the control plane at hand."""

from __future__ import annotations

import contextlib
import json
import secrets
import shutil
import socket
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import create_engine

from exopool.app import create_app
from exopool.clock import ManualClock
from exopool.config import CLUSTER_HOSTS, Settings
from exopool.migrations import upgrade
from exopool.server import BoundedHttpToolsProtocol

Seed = Mapping[str, Any] | str | Path | None
# One secret for every sandbox of this process, so a seed applied once is restored in the next sandbox.
PROCESS_SECRET = secrets.token_hex(32)


@dataclass(frozen=True)
class SandboxAccount:
    """An account of the seed, with the key and token a client would hold."""

    sid: str
    cluster: str
    key: str
    token: str

    @property
    def auth(self) -> tuple[str, str]:
        return self.key, self.token

    @property
    def host(self) -> str:
        """The Host header that selects this account's cluster."""
        return CLUSTER_HOSTS[self.cluster]


class ExopoolSandbox:
    """A running sandbox: its base URL, the seed's accounts, and methods for the control plane."""

    def __init__(self, base_url: str, accounts: list[SandboxAccount]) -> None:
        self.base_url = base_url
        self.accounts = {account.sid: account for account in accounts}
        self.control = httpx.Client(base_url=base_url, timeout=30)

    @property
    def account(self) -> SandboxAccount:
        """The seed's first account: the one most tests need."""
        return next(iter(self.accounts.values()))

    def client(self, account: str | SandboxAccount | None = None, **options: Any) -> httpx.Client:
        """An httpx client for one account: its credentials and its cluster's Host header."""
        chosen = self._account(account)
        return httpx.Client(base_url=self.base_url, auth=chosen.auth, headers={"Host": chosen.host}, **options)

    def account_url(self, account: str | SandboxAccount | None = None) -> str:
        """The account's base URL, `.../v2_beta/Accounts/{sid}`, as Exotel clients are configured."""
        return f"{self.base_url}/v2_beta/Accounts/{self._account(account).sid}"

    def _account(self, account: str | SandboxAccount | None) -> SandboxAccount:
        if isinstance(account, SandboxAccount):
            return account
        return self.accounts[account] if account else self.account

    def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.control.request(method, f"/_sandbox{path}", **kwargs)
        response.raise_for_status()
        return response.json() if response.content else None

    def reset(self) -> None:
        self._call("POST", "/reset")

    def seed(self, seed: Mapping[str, Any]) -> None:
        self._call("POST", "/seed", json=dict(seed))

    def requests(self, **filters: str) -> list[dict[str, Any]]:
        """The journal, oldest first; filters: account, method, path (a glob), limit."""
        return self._call("GET", "/requests", params=filters)["requests"]

    def clear_requests(self) -> None:
        self._call("DELETE", "/requests")

    def add_fault(self, **rule: Any) -> dict[str, Any]:
        """A fault rule: action=error|latency|drop, method, path, account, status, latency_ms, probability,
        count, seed."""
        return self._call("POST", "/faults", json=rule)

    def faults(self) -> list[dict[str, Any]]:
        return self._call("GET", "/faults")["faults"]

    def clear_faults(self) -> None:
        self._call("DELETE", "/faults")

    def now(self) -> str:
        return self._call("GET", "/clock")["now"]

    def advance(self, seconds: float = 0, *, minutes: float = 0, hours: float = 0, days: float = 0) -> str:
        """Move the sandbox clock forward; what became due has happened when this returns."""
        body = {"seconds": seconds, "minutes": minutes, "hours": hours, "days": days}
        return self._call("POST", "/clock", json=body)["now"]

    def release_timing(self, timing: str, seconds: float | None = None) -> None:
        """immediate, delay (with seconds of sandbox time) or manual."""
        self._call("PUT", "/releases", json={"timing": timing, "seconds": seconds})

    def releases(self) -> list[dict[str, Any]]:
        return self._call("GET", "/releases")["releases"]

    def complete_release(self, sid: str) -> dict[str, Any]:
        return self._call("POST", f"/releases/{sid}/complete")

    def fail_release(self, sid: str, reason: str | None = None) -> dict[str, Any]:
        return self._call("POST", f"/releases/{sid}/fail", json={"reason": reason} if reason else {})

    def close(self) -> None:
        self.control.close()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def migrated_sqlite(path: Path) -> Path:
    """A SQLite file at path with the newest schema: a template to copy for each test."""
    engine = create_engine(f"sqlite:///{path}")
    upgrade(engine)
    engine.dispose()
    return path


def sandbox_settings(directory: Path, seed: Seed) -> Settings:
    """Settings of a throwaway sandbox in directory; a mapping seed is written there as JSON."""
    seed_path = ""
    if isinstance(seed, Mapping):
        seed_path = str(directory / "seed.json")
        Path(seed_path).write_text(json.dumps(dict(seed)))
    elif seed is not None:
        seed_path = str(seed)
    return Settings(database_url=f"sqlite:///{directory / 'exopool.db'}", data_dir=str(directory / "data"),
                    secret_key=PROCESS_SECRET, sandbox=True, sandbox_seed=seed_path, run_worker=True,
                    aging_period_s=0, log_json=False, log_level="WARNING")


@contextlib.contextmanager
def start_sandbox(directory: Path, seed: Seed = None, template: Path | None = None) -> Iterator[ExopoolSandbox]:
    """Serve a fresh sandbox on a free port until the block ends; template is an already migrated database."""
    directory.mkdir(parents=True, exist_ok=True)
    settings = sandbox_settings(directory, seed)
    if template is not None:
        shutil.copy(template, directory / "exopool.db")
    port = free_port()
    config = uvicorn.Config(create_app(settings, clock=ManualClock()), host="127.0.0.1", port=port,
                            log_config=None, access_log=False, lifespan="on", http=BoundedHttpToolsProtocol)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="exopool-sandbox", daemon=True)
    thread.start()
    sandbox = ExopoolSandbox(f"http://127.0.0.1:{port}", [])
    try:
        _wait_started(server, thread)
        sandbox.accounts = {a["sid"]: _account(a) for a in sandbox._call("GET", "")["accounts"]}
        yield sandbox
    finally:
        sandbox.close()
        server.should_exit = True
        thread.join(timeout=10)


def _account(raw: dict[str, Any]) -> SandboxAccount:
    first = raw["api_keys"][0] if raw["api_keys"] else {"key": "", "token": ""}
    return SandboxAccount(raw["sid"], raw["cluster"], first["key"], first["token"])


def _wait_started(server: uvicorn.Server, thread: threading.Thread) -> None:
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise RuntimeError("the exopool sandbox did not start (is the seed valid?)")
        time.sleep(0.01)
