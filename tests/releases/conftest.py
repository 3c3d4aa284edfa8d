"""Release tests: big pools, queued releases, worker processes, and fast retry settings.

Every test here runs on each engine of tests/conftest.py's database_url (PostgreSQL too when
EXOPOOL_TEST_POSTGRES_URL is set).
"""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.models import ReleaseJob
from exopool.services.demo import pool_rows
from exopool.services.phone_numbers import purchase_phone_number, release_phone_number
from exopool.services.pool import import_numbers
from tests.conftest import SECRET, Persona, subprocess_env

BIG_PREFIX = "+918048"  # Bengaluru landlines +918048000000..., not in the demo pool
RELEASE_FIELDS = (
    "carrier", "carrier_latency_ms", "carrier_failure_rate", "carrier_seed", "carrier_fail_attempts",
    "webhook_url", "webhook_secret", "webhook_timeout_s", "release_max_attempts", "release_backoff_base_s",
    "release_backoff_max_s", "release_lease_s", "worker_poll_s", "worker_batch",
)


@pytest.fixture
def settings(database_url: str, tmp_path: Path) -> Settings:
    """Settings for quick release tests: retries within a tenth of a second, short polls."""
    return Settings(database_url=database_url, data_dir=str(tmp_path / "data"), secret_key=SECRET,
                    run_worker=False, aging_period_s=0, log_json=False, carrier="simulated",
                    release_backoff_base_s=0.05, release_backoff_max_s=0.2, release_lease_s=10,
                    worker_poll_s=0.05)


def big_pool(db: Database, clock: ManualClock, count: int) -> list[str]:
    """count more numbers in the Mumbai cluster's pool; their E.164 forms."""
    db.transact(import_numbers, clock.now(), pool_rows((("in", BIG_PREFIX, "Landline", "KA", count),)))
    return [f"{BIG_PREFIX}{i:06d}" for i in range(count)]


def queue_releases(db: Database, clock: ManualClock, persona: Persona, numbers: list[str]) -> list[str]:
    """Buy each number and release it at once, all in one transaction; the release sids."""

    def buy_and_release(conn: Any) -> list[str]:
        return [release_phone_number(conn, clock, persona.actor,
                                     purchase_phone_number(conn, clock, persona.actor, n).sid)
                for n in numbers]

    return db.transact(buy_and_release)


def job_states(db: Database) -> dict[str, int]:
    with db.begin() as conn:
        return dict(conn.execute(select(ReleaseJob.state, func.count()).group_by(ReleaseJob.state)).all())  # type: ignore[arg-type]


def wait_for(check: Callable[[], Any], timeout: float = 20, every: float = 0.05) -> Any:
    """Poll check until it returns something truthy; fail the test after timeout seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = check()
        if result:
            return result
        time.sleep(every)
    raise AssertionError(f"gave up after {timeout}s waiting for {check.__name__}")


def release_env(settings: Settings) -> dict[str, str]:
    """EXOPOOL_* variables carrying the release settings to a child process."""
    values = {name: getattr(settings, name) for name in RELEASE_FIELDS}
    return {f"EXOPOOL_{name.upper()}": "" if value is None else str(value) for name, value in values.items()}


class WorkerProcess:
    """`python -m exopool worker` as a child process; started() waits until it runs."""

    def __init__(self, settings: Settings) -> None:
        self.env = subprocess_env(settings, **release_env(settings), EXOPOOL_LOG_JSON="false")
        self.process: subprocess.Popen[bytes] | None = None
        self.output: list[str] = []
        self.ready = threading.Event()

    def __enter__(self) -> WorkerProcess:
        self.process = subprocess.Popen([sys.executable, "-m", "exopool", "worker"], env=self.env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()
        if not self.ready.wait(20):
            raise RuntimeError("exopool worker did not start: " + "".join(self.output))
        return self

    def _read(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line.decode(errors="replace"))
            if "release worker" in self.output[-1] and "started" in self.output[-1]:
                self.ready.set()

    def signal(self, signum: int) -> None:
        assert self.process is not None
        self.process.send_signal(signum)

    def wait(self, timeout: float = 10) -> int:
        assert self.process is not None
        return self.process.wait(timeout)

    def __exit__(self, *exc: object) -> None:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.reader.join(10)  # the output ends with the process
        assert self.process.stdout is not None
        self.process.stdout.close()
