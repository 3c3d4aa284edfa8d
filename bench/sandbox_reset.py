"""How fast /_sandbox/reset is: restoring the snapshot against applying the seed again, at two pool sizes.

Run: python bench/sandbox_reset.py  (prints milliseconds per operation and the ratio)
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from exopool.clock import ManualClock
from exopool.config import Settings
from exopool.db import Database
from exopool.migrations import upgrade
from exopool.sandbox import state
from exopool.sandbox.seed import default_seed, parse_seed


def seed_with_pool(size: int):  # type: ignore[no-untyped-def]
    base = default_seed().source
    pool = [*base["pool"], {"phone_number": "+912261200000", "cluster": "in", "type": "Landline", "region": "MU",
                            "count": size}]
    return parse_seed({**base, "pool": pool})


def timed(work, rounds: int = 5) -> float:  # type: ignore[no-untyped-def]
    samples = []
    for _ in range(rounds):
        started = time.perf_counter()
        work()
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples)


def main() -> None:
    clock = ManualClock()
    for extra in (0, 5000):
        with tempfile.TemporaryDirectory() as folder:
            db = Database(Settings(database_url=f"sqlite:///{folder}/bench.db", secret_key="bench"))
            upgrade(db.engine)
            seed = seed_with_pool(extra) if extra else default_seed()
            snapshot = db.transact(state.apply_seed, clock, "bench", seed)
            apply_ms = timed(lambda db=db, seed=seed: db.transact(state.apply_seed, clock, "bench", seed), 3)
            restore_ms = timed(lambda db=db, snapshot=snapshot: db.transact(state.restore, snapshot))
            print(f"pool {len(seed.pool) + 14:>6}: apply {apply_ms:8.1f} ms  reset {restore_ms:7.1f} ms  "
                  f"({apply_ms / restore_ms:.0f}x faster)")
            db.dispose()


if __name__ == "__main__":
    main()
