"""What each of a release's statements costs SQLite, with no server around them.

    python bench/statements.py [--pool 100000] [--releases 20000] [--rounds 5]

Runs the release's SQL with bench/raw_sql.py's own `write_release` (the key lookup once per
transaction, the conditional UPDATE, the event, the release job, the listing bucket), 20 releases to a transaction
as group commit makes them under load, in a plain loop on one sqlite3 connection with exopool's
pragmas: no HTTP, no event loop, no thread. Beside that whole release it runs the same loop
leaving one statement out, each on a fresh copy of the same database and alternating, so a
statement's cost is the difference from the whole measured in the same round. Printed: the
median CPU time per release of each variant over the rounds, and each statement's share.

The whole release here is the least any server can spend on this SQL per request; what a server
spends beyond it and beyond the bare app's HTTP is its own Python (see docs/benchmarks.md).
"""

from __future__ import annotations

import argparse
import os
import shutil
import sqlite3
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent / "src"), str(BENCH)]

from api import prepare  # noqa: E402
from raw_sql import LOOKUP, PRAGMAS, bound, write_release  # noqa: E402

BATCH = 20
VARIANTS = ("whole", "without event", "without job", "without bucket")


def main() -> int:
    args = parse_args()
    with tempfile.TemporaryDirectory(prefix="exopool-statements-") as tmp:
        prepared = Path(tmp) / "prepared.db"
        print(f"preparing {args.pool} bought numbers ...", flush=True)
        key, _token, sids = prepare(f"sqlite:///{prepared}", args.pool)
        per_release: dict[str, list[float]] = {variant: [] for variant in VARIANTS}
        for round_ in range(args.rounds):
            batch = sids[round_ * args.releases:(round_ + 1) * args.releases]
            for variant in VARIANTS:
                database = Path(tmp) / f"{round_}-{variant.replace(' ', '-')}.db"
                shutil.copy(prepared, database)
                os.sync()  # the copy's writeback must not slow the run's commits
                per_release[variant].append(run(database, key, batch,
                                                leave_out=frozenset([variant.removeprefix("without ")])))
                database.unlink()
    report({variant: statistics.median(times) for variant, times in per_release.items()}, args)
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pool", type=int, default=100_000, help="bought numbers in the database (default 100000)")
    parser.add_argument("--releases", type=int, default=20_000, help="releases per run (default 20000)")
    parser.add_argument("--rounds", type=int, default=5, help="alternating rounds (default 5)")
    args = parser.parse_args()
    if args.pool < args.rounds * args.releases:
        parser.error(f"--pool must hold every round's releases: at least {args.rounds * args.releases}")
    return args


def run(database: Path, key: str, sids: list[str], leave_out: frozenset[str]) -> float:
    """CPU seconds per release of releasing sids, BATCH to a transaction."""
    conn = sqlite3.connect(database, isolation_level=None)
    for pragma in PRAGMAS:
        conn.execute(f"PRAGMA {pragma}")
    started = time.process_time()
    for start in range(0, len(sids), BATCH):
        conn.execute("BEGIN IMMEDIATE")
        now = datetime.now(UTC).replace(tzinfo=None)
        account = conn.execute(LOOKUP[0], bound(LOOKUP, key=key)).fetchone()[4]
        for sid in sids[start:start + BATCH]:
            write_release(conn, now, key, account, sid, leave_out)
        conn.execute("COMMIT")
        if start % (200 * BATCH) == 0:  # as exopool's checkpoint thread keeps the log short
            conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    spent = time.process_time() - started
    conn.close()
    return spent / len(sids)


def report(median: dict[str, float], args: argparse.Namespace) -> None:
    whole = median["whole"]
    print(f"\n{args.pool} bought numbers; {args.releases} releases per run, {BATCH} to a transaction, "
          f"median of {args.rounds} rounds\n")
    print(f"{'variant':>15} {'CPU us/release':>15} {'the statement left out':>23}")
    for variant in VARIANTS:
        share = ("" if variant == "whole"
                 else f"{(whole - median[variant]) * 1e6:+.1f} us ({(whole - median[variant]) / whole:.0%})")
        print(f"{variant:>15} {median[variant] * 1e6:>15.1f} {share:>23}")
    rest = median["without event"] + median["without job"] + median["without bucket"] - 2 * whole
    print(f"{'the rest':>15} {'':>15} {f'{rest * 1e6:.1f} us ({rest / whole:.0%})':>23}"
          "   (the UPDATE, key lookup and COMMIT: the whole less the three)")


if __name__ == "__main__":
    sys.exit(main())
