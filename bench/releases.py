"""How fast releases drain: 10,000 queued releases, `none` carrier, no aging, 1 and 2 worker processes.

The releases are queued first and held back; the clock starts with the one statement that makes
them all due, while the workers are already polling. Each rate is printed beside the raw rate of
the same number of single-row UPDATE transactions on the same database, measured in the same run,
so the ratio says what the pipeline costs over the database's own floor (a release is a claim
share, a job UPDATE, a number UPDATE and two events).

    python bench/releases.py                        # SQLite in a temporary directory
    python bench/releases.py --count 2000 --workers 1 2 4
    python bench/releases.py --database-url postgresql+psycopg://postgres@127.0.0.1:5432/release_bench
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import create_engine, func, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from exopool.clock import SystemClock  # noqa: E402
from exopool.config import Settings  # noqa: E402
from exopool.db import Database  # noqa: E402
from exopool.entities import Actor  # noqa: E402
from exopool.migrations import upgrade  # noqa: E402
from exopool.models import PhoneNumber, ReleaseJob  # noqa: E402
from exopool.services.accounts import create_account  # noqa: E402
from exopool.services.demo import pool_rows  # noqa: E402
from exopool.services.phone_numbers import purchase_phone_number, release_phone_number  # noqa: E402
from exopool.services.pool import import_numbers  # noqa: E402

PREFIX = "+918048"
clock = SystemClock()


def fresh_database(base_url: str | None, scratch: Path, name: str) -> str:
    """An empty, migrated database for one measurement."""
    if base_url is None:
        url = f"sqlite:///{scratch / name}.db"
    else:
        server = make_url(base_url)
        database = f"{server.database}_{name}"
        admin = create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{database}"'))
        admin.dispose()
        url = server.set(database=database).render_as_string(hide_password=False)
    engine = create_engine(url)
    upgrade(engine)
    engine.dispose()
    return url


def drop_database(url: str) -> None:
    """Remove a PostgreSQL scratch database (SQLite ones go with the temporary directory)."""
    target = make_url(url)
    if target.get_backend_name() != "postgresql":
        return
    admin = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{target.database}" WITH (FORCE)'))
    admin.dispose()


def fill_pool(db: Database, count: int) -> Actor:
    """count numbers in the pool, all bought by one account; its actor."""
    db.transact(import_numbers, clock.now(), pool_rows((("in", PREFIX, "Landline", "KA", count),)))
    account = db.transact(create_account, clock, "bench", "Bench", "in")
    actor = Actor(account.id, "bench", "in", "IN", None, "bench")
    numbers = [f"{PREFIX}{i:06d}" for i in range(count)]
    db.transact(lambda conn: [purchase_phone_number(conn, clock, actor, n) for n in numbers])
    return actor


def queue_all(db: Database, actor: Actor) -> int:
    """Release every number the account holds, in one transaction; how many."""

    def release_all(conn):  # type: ignore[no-untyped-def]
        held = conn.execute(select(PhoneNumber.sid).where(PhoneNumber.account_id == actor.account_id)).scalars()
        return len([release_phone_number(conn, clock, actor, sid) for sid in list(held)])

    return db.transact(release_all)


def raw_update_rate(db: Database, count: int) -> float:
    """Single-row UPDATE transactions per second, one after another, through the same Database."""
    ids = db.transact(lambda conn: list(conn.execute(select(PhoneNumber.id).limit(count)).scalars()))
    started = time.perf_counter()
    for number_id in ids:
        db.transact(lambda conn, i=number_id: conn.execute(
            update(PhoneNumber).where(PhoneNumber.id == i).values(date_updated=clock.now())))
    return len(ids) / (time.perf_counter() - started)


def start_workers(url: str, count: int) -> list[subprocess.Popen[str]]:
    """count `exopool worker` processes, returned once each is polling."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EXOPOOL_")}
    env.update({"PYTHONPATH": str(ROOT / "src"), "EXOPOOL_DATABASE_URL": url, "EXOPOOL_CARRIER": "none",
                "EXOPOOL_AGING_PERIOD_S": "0", "EXOPOOL_WORKER_POLL_S": "0.05", "EXOPOOL_SECRET_KEY": "bench",
                "EXOPOOL_LOG_JSON": "false"})
    workers = [subprocess.Popen([sys.executable, "-m", "exopool", "worker"], env=env, stderr=subprocess.PIPE,
                                text=True) for _ in range(count)]
    for process in workers:
        assert process.stderr is not None
        for line in process.stderr:
            if "started" in line:
                break
        else:
            raise SystemExit("a worker did not start")
        # keep draining its log so a full pipe never blocks it
        threading.Thread(target=process.stderr.read, daemon=True).start()
    return workers


def hold_jobs(db: Database, until: datetime) -> None:
    """Make every queued job due at until: queue first, start the clock with one statement."""
    db.transact(lambda conn: conn.execute(update(ReleaseJob).values(next_attempt_at=until)))


def remaining(db: Database) -> int:
    with db.begin() as conn:
        return conn.execute(select(func.count()).where(ReleaseJob.state != "done")).scalar_one()


def back_in_pool(db: Database) -> int:
    with db.begin() as conn:
        return conn.execute(select(func.count()).where(PhoneNumber.free_at <= clock.now())).scalar_one()


def drain(url: str, count: int, workers: int) -> tuple[float, float]:
    """(releases per second with that many workers, raw UPDATE transactions per second), same database."""
    db = Database(Settings(database_url=url, secret_key="bench"))
    actor = fill_pool(db, count)
    queued = queue_all(db, actor)
    hold_jobs(db, datetime(9999, 1, 1))
    raw = raw_update_rate(db, count)
    running = start_workers(url, workers)
    try:
        started = time.perf_counter()
        hold_jobs(db, clock.now())
        while remaining(db):
            time.sleep(0.1)
        elapsed = time.perf_counter() - started
    finally:
        for process in running:
            process.send_signal(signal.SIGTERM)
        for process in running:
            process.wait(30)
    assert back_in_pool(db) == queued == count, "not every number came back"
    db.dispose()
    return queued / elapsed, raw


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--database-url", help="a PostgreSQL database URL; its name is a prefix for scratch databases")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        engine = "sqlite" if args.database_url is None else make_url(args.database_url).get_backend_name()
        print(f"{args.count} releases, carrier none, aging 0, {engine}")
        print(f"{'workers':>7}  {'releases/s':>10}  {'raw UPDATE tx/s':>15}  {'ratio':>5}")
        rates = {}
        for workers in args.workers:
            url = fresh_database(args.database_url, Path(scratch), f"w{workers}")
            try:
                rate, raw = drain(url, args.count, workers)
            finally:
                drop_database(url)
            rates[workers] = rate
            print(f"{workers:>7}  {rate:>10.0f}  {raw:>15.0f}  {rate / raw:>5.2f}")
        for workers in sorted(rates)[1:]:
            first = min(rates)
            print(f"{workers} workers against {first}: {rates[workers] / rates[first]:.2f}x the releases/s")


if __name__ == "__main__":
    main()
