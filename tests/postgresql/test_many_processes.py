"""Four API processes and two release workers on one PostgreSQL, under 32 concurrent clients.

The clients buy, update, list and release a small set of numbers, colliding on purpose; the
invariants are then checked on the database and against what the clients were told.
"""

from __future__ import annotations

import random
import subprocess
import sys
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from threading import Lock

import httpx
import pytest
from sqlalchemy import Connection, select

from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.lifecycle import NumberState, check_transition
from exopool.models import Event, PhoneNumber, ReleaseJob
from exopool.services.demo import pool_rows
from exopool.services.pool import import_numbers
from tests.conftest import SECRET, Persona, ServerProcess, make_persona, subprocess_env
from tests.postgres import PostgresServer
from tests.support import assert_buckets_match_a_recount

ACCOUNTS, CLIENTS, OPERATIONS, HOT_NUMBERS = 8, 32, 2000, 40
REPLAYED = {"number.purchased": NumberState.ACTIVE, "number.release_accepted": NumberState.RELEASING,
            "number.aging": NumberState.AGING, "release.failed": NumberState.RELEASE_FAILED}


@dataclass
class Account:
    """What the clients of one account were told: the sids it holds, as far as they know."""

    persona: Persona
    sids: set[str] = field(default_factory=set)
    lock: Lock = field(default_factory=Lock)


@dataclass
class Outcomes:
    statuses: Counter[tuple[str, int]] = field(default_factory=Counter)
    accepted_releases: list[str] = field(default_factory=list)
    lock: Lock = field(default_factory=Lock)

    def note(self, operation: str, response: httpx.Response) -> None:
        with self.lock:
            self.statuses[(operation, response.status_code)] += 1
            if operation == "release" and response.status_code == 202:
                self.accepted_releases.append(str(response.request.url).rsplit("/", 1)[1])


@pytest.fixture
def settings(postgres_server: PostgresServer, tmp_path: Path) -> Iterator[Settings]:
    with postgres_server.fresh_database() as url:
        yield Settings(database_url=url, data_dir=str(tmp_path / "data"), secret_key=SECRET, run_worker=False,
                       aging_period_s=0, log_json=True, carrier="simulated", carrier_failure_rate=0.1,
                       carrier_seed=7, release_max_attempts=30, release_backoff_base_s=0.02,
                       release_backoff_max_s=0.1, worker_poll_s=0.05)


def worker_env(settings: Settings) -> dict[str, str]:
    return subprocess_env(settings, EXOPOOL_CARRIER="simulated", EXOPOOL_CARRIER_FAILURE_RATE="0.1",
                          EXOPOOL_RELEASE_MAX_ATTEMPTS="30", EXOPOOL_RELEASE_BACKOFF_BASE_S="0.02",
                          EXOPOOL_RELEASE_BACKOFF_MAX_S="0.1", EXOPOOL_WORKER_POLL_S="0.05", EXOPOOL_LOG_LEVEL="ERROR")


def seed(db: Database) -> tuple[list[Account], list[str]]:
    clock = ManualClock()
    db.transact(import_numbers, clock.now(), pool_rows())
    accounts = [Account(make_persona(db, clock, f"acct{i}", "in")) for i in range(ACCOUNTS)]
    rows = [row for _, row in pool_rows() if row["cluster"] == "in"]
    return accounts, [row["phone_number"] for row in rows[:HOT_NUMBERS]]


def client(url: str, account: Account, hot: list[str], operations: int, seed_value: int, outcomes: Outcomes) -> None:
    """One client: a random mix of operations, aimed at numbers other clients want too."""
    rng = random.Random(seed_value)
    path = f"/v2_beta/Accounts/{account.persona.sid}/IncomingPhoneNumbers"
    with httpx.Client(base_url=url, headers={"Host": "api.in.exotel.com"}, auth=account.persona.auth,
                      timeout=30) as http:
        for _ in range(operations):
            roll = rng.random()
            with account.lock:
                known = sorted(account.sids)
            if roll < 0.35 or not known:
                response = http.post(path, data={"PhoneNumber": rng.choice(hot)})
                outcomes.note("buy", response)
                if response.status_code == 200:
                    with account.lock:
                        account.sids.add(response.json()["sid"])
            elif roll < 0.55:
                response = http.post(f"{path}/{rng.choice(known)}", data={"FriendlyName": f"n{rng.randrange(99)}"})
                outcomes.note("update", response)
            elif roll < 0.70:
                outcomes.note("list", http.get(path, params={"PageSize": 20}))
            else:
                sid = rng.choice(known)
                response = http.delete(f"{path}/{sid}")
                outcomes.note("release", response)
                with account.lock:
                    account.sids.discard(sid)


def run_clients(url: str, accounts: list[Account], hot: list[str]) -> Outcomes:
    outcomes = Outcomes()
    per_client = OPERATIONS // CLIENTS
    extra = OPERATIONS - per_client * CLIENTS
    with ThreadPoolExecutor(CLIENTS) as pool:
        futures = [pool.submit(client, url, accounts[i % ACCOUNTS], hot, per_client + (i < extra), i, outcomes)
                   for i in range(CLIENTS)]
        for future in futures:
            future.result()
    return outcomes


def wait_for_releases(db: Database, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = db.transact(lambda conn: conn.execute(
            select(ReleaseJob.id).where(ReleaseJob.state.in_(("queued", "running"))).limit(1)).first())
        if pending is None:
            return
        time.sleep(0.1)
    raise AssertionError("release jobs were still pending after the workers had time to finish them")


def replay(conn: Connection) -> dict[int, tuple[str, int | None]]:
    """Each number's state and owner, rebuilt from the event log alone; illegal steps fail the test."""
    state: dict[int, tuple[str, int | None]] = defaultdict(lambda: (NumberState.AVAILABLE.value, None))
    for event in conn.execute(select(Event.kind, Event.number_id, Event.account_id).order_by(Event.id)):
        target = REPLAYED.get(event.kind)
        if target is None or event.number_id is None:
            continue
        current, _ = state[event.number_id]
        check_transition(current, target)
        state[event.number_id] = (target.value, event.account_id if target == NumberState.ACTIVE else None)
    return state


def children_of(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def test_four_api_processes_and_two_workers_keep_every_invariant_under_colliding_clients(settings: Settings) -> None:
    db = Database(settings)
    accounts, hot = seed(db)
    env = worker_env(settings)
    workers = [subprocess.Popen([sys.executable, "-m", "exopool", "worker"], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for _ in range(2)]
    try:
        with ManyServers(settings, "--workers", "4", "--no-release-worker", EXOPOOL_LOG_LEVEL="ERROR") as server:
            wait_for_api_processes(server, 4)
            outcomes = run_clients(server.url, accounts, hot)
        wait_for_releases(db)
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(timeout=20)

    unexpected = {key: n for key, n in outcomes.statuses.items() if key not in EXPECTED}
    assert not unexpected, f"unexpected answers: {unexpected}"
    assert sum(outcomes.statuses.values()) == OPERATIONS
    assert outcomes.statuses[("buy", 200)] > 50 and outcomes.statuses[("buy", 400)] > 50, "collisions happened"
    assert len(outcomes.accepted_releases) > 50
    check_database(db, outcomes, {worker.pid for worker in workers})
    db.dispose()


class ManyServers(ServerProcess):
    startup_s = 90.0  # four interpreters importing at once on a busy machine


EXPECTED = {("buy", 200), ("buy", 400), ("buy", 409), ("update", 200), ("update", 404), ("list", 200),
            ("release", 202), ("release", 404)}


def wait_for_api_processes(server: ServerProcess, count: int) -> None:
    deadline = time.monotonic() + 30
    while len(children_of(server.process.pid)) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"exopool serve --workers {count} did not start {count} processes")
        time.sleep(0.1)
    with httpx.Client(base_url=server.url, timeout=5) as http:
        while http.get("/readyz").status_code != 200:
            time.sleep(0.1)


def check_database(db: Database, outcomes: Outcomes, worker_pids: set[int]) -> None:
    with db.begin() as conn:
        numbers = conn.execute(select(PhoneNumber.id, PhoneNumber.state, PhoneNumber.account_id)).all()
        jobs = conn.execute(select(ReleaseJob.sid, ReleaseJob.state, ReleaseJob.worker)).all()
        confirmed = Counter(conn.execute(select(Event.number_sid).where(Event.kind == "release.carrier_confirmed"))
                            .scalars())
        replayed = replay(conn)
    for number in numbers:
        assert number.state in {s.value for s in NumberState}
        assert (number.state == NumberState.ACTIVE) == (number.account_id is not None), number
        assert replayed[number.id] == (number.state, number.account_id), f"number {number.id} does not replay"
    accepted = Counter(outcomes.accepted_releases)
    assert max(accepted.values()) == 1, "a release sid was accepted twice"
    assert {job.sid for job in jobs} == set(accepted), "every 202, and only a 202, queued a release"
    assert all(job.state == "done" for job in jobs), "every release completed"
    assert confirmed == accepted, "each release was confirmed by the carrier exactly once"
    assert {int(job.worker.split(":")[1]) for job in jobs} <= worker_pids, "releases ran in the worker processes"
    assert_buckets_match_a_recount(db)
