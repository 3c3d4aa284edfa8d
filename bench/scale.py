"""Scale benchmark: a million numbers against a thousand, on SQLite and PostgreSQL.

    python bench/scale.py                       # SQLite, 1,000,000 numbers
    python bench/scale.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/postgres

It reports, per engine:
- import: `import_numbers` (validation, duplicate checks, bulk insert; COPY on PostgreSQL) in
  rows/s beside a raw bulk insert of the same, already-validated rows into an empty pool;
- the median time of each API operation through the whole ASGI app (auth, SQL, wire), on a pool
  of --rows numbers with --owned of them held by one account, beside the same on a pool of
  1,000 with 100 owned; the ratio is the point (the goal is 1.5x at most).
Nothing here is run by the test suite.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import create_engine, select, text, update
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from exopool.app import create_app
from exopool.clock import SystemClock
from exopool.config import Settings
from exopool.db import Database
from exopool.db.dialects import bulk_insert
from exopool.migrations import upgrade
from exopool.models import PhoneNumber
from exopool.phone import INDIAN_CIRCLES
from exopool.services.accounts import create_account
from exopool.services.api_keys import create_api_key
from exopool.services.listing import rebuild_listing
from exopool.services.pool import BATCH, POOL_COLUMNS, _pool_row, import_numbers, validate_row

SECRET = "bench-secret-" + "0" * 51
CIRCLES = sorted(INDIAN_CIRCLES)
SMALL, SMALL_OWNED = 1_000, 100
CONTAINS = "000123"  # in either pool, exactly one available number has it: +918048000123


def csv_rows(count: int) -> Iterator[tuple[int, dict[str, str]]]:
    """Distinct valid Bangalore landlines, spread over every circle so InRegion has work to do."""
    for i in range(count):
        yield i + 2, {"phone_number": f"+918048{i:06d}", "cluster": "in", "type": "Landline",
                      "region": CIRCLES[i % len(CIRCLES)]}


class Engines:
    """Fresh migrated databases on one engine, removed at the end."""

    def __init__(self, postgres_url: str | None, prefix: str) -> None:
        self.postgres_url, self.prefix = postgres_url, f"{prefix}{os.getpid()}_"
        self.directory = Path(tempfile.mkdtemp(prefix="exopool-scale-"))
        self.created: list[str] = []

    @property
    def name(self) -> str:
        return "postgresql" if self.postgres_url else "sqlite"

    def fresh(self, label: str) -> str:
        if not self.postgres_url:
            return f"sqlite:///{self.directory / label}.db"
        name = f"{self.prefix}{label}"
        self._admin(f'DROP DATABASE IF EXISTS "{name}"', f'CREATE DATABASE "{name}"')
        self.created.append(name)
        return make_url(self.postgres_url).set(database=name).render_as_string(hide_password=False)

    def _admin(self, *statements: str) -> None:
        engine = create_engine(self.postgres_url, isolation_level="AUTOCOMMIT", poolclass=NullPool)  # type: ignore[arg-type]
        with engine.connect() as conn:
            for statement in statements:
                conn.execute(text(statement))
        engine.dispose()

    def drop_all(self) -> None:
        shutil.rmtree(self.directory, ignore_errors=True)
        for name in self.created:
            self._admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def migrated(url: str) -> Database:
    db = Database(Settings(database_url=url, secret_key=SECRET, run_worker=False, log_json=False,
                           database_statement_timeout_ms=0))  # loading and VACUUM take minutes
    upgrade(db.engine)
    return db


def timed(work: Callable[[], Any]) -> float:
    started = time.perf_counter()
    work()
    return time.perf_counter() - started


def bench_import(engines: Engines, rows: int) -> tuple[float, float, str]:
    """Seconds for import_numbers and for a raw bulk insert of the same validated rows; the raw pool."""
    now = datetime.now()
    db = migrated(engines.fresh("import"))
    imported = timed(lambda: db.transact(import_numbers, now, csv_rows(rows)))
    db.dispose()
    print(f"import   {rows / imported:>10,.0f} rows/s  ({imported:.1f} s: validation, duplicate checks, bulk insert)",
          flush=True)
    url = engines.fresh("big")
    raw = timed(lambda: load_raw(url, rows, now))
    return imported, raw, url


def load_raw(url: str, rows: int, now: datetime, validated: bool = True) -> None:
    """The same rows, validated beforehand, bulk-inserted with nothing else in the way."""
    prepared = [_pool_row(validate_row(row) if validated else known_valid(row), now) for _, row in csv_rows(rows)]
    db = migrated(url)
    started = time.perf_counter()
    # The same batches as import_numbers, so the two differ only in what import does besides inserting.
    db.transact(lambda conn: [bulk_insert(conn, PhoneNumber.__table__, POOL_COLUMNS, prepared[i:i + BATCH])
                              for i in range(0, len(prepared), BATCH)])
    db.dispose()
    global RAW_INSERT_S
    RAW_INSERT_S = time.perf_counter() - started


RAW_INSERT_S = 0.0


def known_valid(row: dict[str, str]) -> dict[str, Any]:
    """What validate_row makes of csv_rows' rows, without the phone parser (for --skip-import)."""
    return {"phone_number": row["phone_number"], "cluster": "in", "number_type": "Landline", "country": "IN",
            "region": row["region"], "voice": True, "sms": False, "rental_price_micros": 0,
            "one_time_price_micros": 0, "incoming_rate_micros": 0, "currency": "INR"}


@dataclass(frozen=True)
class Pool:
    db: Database
    sid: str
    auth: tuple[str, str]
    owned: list[str]
    pages: int


def build_pool(url: str, rows: int, owned: int) -> Pool:
    """The pool at url with its last `owned` numbers held by one account.

    The last, so that the low numbers (CONTAINS among them) stay available in either pool."""
    db = migrated(url)
    now = datetime.now()

    def own(conn: Any) -> tuple[str, str, list[str]]:
        account = create_account(conn, SystemClock(), "scale", "Scale", "in")
        issued = create_api_key(conn, SystemClock(), SECRET, "scale", "bench")
        conn.execute(update(PhoneNumber).where(PhoneNumber.id > rows - owned).values(
            state="active", account_id=account.id, free_at=None, date_created=now, date_updated=now,
            friendly_name="bench"))
        rebuild_listing(conn, account.id)
        sids = conn.execute(select(PhoneNumber.sid).where(PhoneNumber.account_id == account.id)
                            .order_by(PhoneNumber.id)).scalars().all()
        return issued.key, issued.token, list(sids)

    key, token, sids = db.transact(own)
    _analyze(db)
    return Pool(db, "scale", (key, token), sids, owned // 50)


def _analyze(db: Database) -> None:
    """What autovacuum (PostgreSQL) or an operator's ANALYZE (SQLite) does after a bulk load."""
    if db.is_sqlite:
        db.transact(lambda conn: conn.execute(text("ANALYZE")))
        return
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE"))


class Api:
    """The whole app of one pool, called in-process over ASGI."""

    def __init__(self, pool: Pool) -> None:
        settings = Settings(database_url=str(pool.db.settings.database_url), secret_key=SECRET, run_worker=False,
                            log_json=False, log_level="WARNING")
        self.pool, self.app = pool, create_app(settings)
        self.http = httpx.AsyncClient(transport=httpx.ASGITransport(app=self.app),
                                      base_url="http://api.in.exotel.com", auth=pool.auth)

    def operations(self) -> dict[str, Callable[[int], tuple[str, str]]]:
        pool, base = self.pool, f"/v2_beta/Accounts/{self.pool.sid}"
        numbers, search = f"{base}/IncomingPhoneNumbers", f"{base}/AvailablePhoneNumbers/IN/Landline"
        return {
            "list first page": lambda i: ("GET", f"{numbers}?Page=0&PageSize=50"),
            "list middle page": lambda i: ("GET", f"{numbers}?Page={pool.pages // 2}&PageSize=50"),
            "list last page": lambda i: ("GET", f"{numbers}?Page={pool.pages - 1}&PageSize=50"),
            "get one": lambda i: ("GET", f"{numbers}/{pool.owned[(i * 7919) % len(pool.owned)]}"),
            "search Contains": lambda i: ("GET", f"{search}?Contains={CONTAINS}"),
            "search InRegion": lambda i: ("GET", f"{search}?InRegion={CIRCLES[i % len(CIRCLES)]}"),
            "release one": lambda i: ("DELETE", f"{numbers}/{pool.owned[-1 - i]}"),
        }

    async def call(self, method: str, path: str) -> float:
        started = time.perf_counter()
        response = await self.http.request(method, path)
        elapsed = time.perf_counter() - started
        assert response.status_code in (200, 202), (path, response.status_code, response.text[:200])
        if "Contains=" in path:
            assert len(response.json()) == 1, ("Contains should find exactly one number", response.text[:200])
        return elapsed

    async def close(self) -> None:
        await self.http.aclose()
        self.app.state.runtime.db.dispose()


async def measure(small: Pool, large: Pool, repeats: int) -> dict[str, tuple[float, float]]:
    """Median milliseconds of each operation on each pool, the two interleaved request by request
    so that load from anything else on the machine falls on both alike."""
    apis = Api(small), Api(large)
    results = {}
    for name in apis[0].operations():
        count = min(repeats, SMALL_OWNED - 10) if name == "release one" else repeats
        samples: tuple[list[float], list[float]] = ([], [])
        for i in range(count + 3):
            for api, sink in zip(apis, samples, strict=True):
                elapsed = await api.call(*api.operations()[name](i))
                if i >= 3:  # the first few warm caches and the connection pool
                    sink.append(elapsed)
        results[name] = (statistics.median(samples[0]) * 1000, statistics.median(samples[1]) * 1000)
    for api in apis:
        await api.close()
    return results


def run_engine(engines: Engines, rows: int, owned: int, repeats: int, skip_import: bool = False) -> None:
    print(f"\n== {engines.name}: {rows:,} numbers, {owned:,} owned by one account ==", flush=True)
    if skip_import:
        big_url = engines.fresh("big")
        load_raw(big_url, rows, datetime.now(), validated=False)
    else:
        imported, _, big_url = bench_import(engines, rows)
        raw = RAW_INSERT_S
        print(f"raw bulk {rows / raw:>10,.0f} rows/s  ({raw:.1f} s)   "
              f"import takes {imported / raw:.2f}x the raw insert", flush=True)
    small_url = engines.fresh("small")
    load_raw(small_url, SMALL, datetime.now())
    big, small = build_pool(big_url, rows, owned), build_pool(small_url, SMALL, SMALL_OWNED)
    results = asyncio.run(measure(small, big, repeats))
    big.db.dispose()
    small.db.dispose()
    print(f"{'operation':<18}{SMALL:>10,} (ms){rows:>12,} (ms){'ratio':>8}")
    for name, (little, large) in results.items():
        print(f"{name:<18}{little:>15.3f}{large:>17.3f}{large / little:>8.2f}", flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--owned", type=int, default=100_000)
    parser.add_argument("--repeats", type=int, default=100)
    parser.add_argument("--postgres-url", default=os.environ.get("EXOPOOL_BENCH_POSTGRES_URL"))
    parser.add_argument("--db-prefix", default="exopool_bench_", help="Prefix of the PostgreSQL databases made.")
    parser.add_argument("--skip-import", action="store_true", help="Only the operations table (a faster run).")
    parser.add_argument("--engine", choices=("sqlite", "postgresql", "both"), default=None)
    args = parser.parse_args()
    engine = args.engine or ("both" if args.postgres_url else "sqlite")
    for name in ("sqlite", "postgresql"):
        if engine not in (name, "both"):
            continue
        engines = Engines(args.postgres_url if name == "postgresql" else None, args.db_prefix)
        try:
            run_engine(engines, args.rows, args.owned, args.repeats, args.skip_import)
        finally:
            engines.drop_all()


if __name__ == "__main__":
    main()
