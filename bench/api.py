"""exopool's hot path under load, beside a bare ASGI app on the same server, in the same run.

    python bench/api.py [--connections 16,64] [--duration 6] [--rounds 3]

Five servers run side by side: `exopool serve` on a fresh SQLite database (migrated, a pool of
numbers imported and bought up front); bench/bare.py, a plain ASGI callable answering the same
202 body with the same uvicorn options; and, for the release scenario, on its own copy of the same
database each: exopool-normal, `exopool serve` with EXOPOOL_SQLITE_SYNCHRONOUS=NORMAL (what syncing
every commit, the default, costs), and two ceilings: bench/service_only.py, exopool's own authenticate +
release_phone_number behind a plain ASGI callable (the ceiling of any web layer in front of these
services), and bench/raw_sql.py, the SQL text exopool's services compile, run on bare sqlite3
with nothing of exopool around it (the ceiling of any Python server for this release on this
schema). wrk loads each in turn, alternating, with the same Lua script, so all pay the same
load-generator cost. Scenarios:

- release: authenticated DELETE of a different number per request (a walk over bought sids);
  the answer comes after the commit, and the bench checks afterwards that each server's database
  holds at least as many releases as wrk counted answers.
- get: authenticated GET of one number (bare and exopool).

exopool serves with its in-process release worker off unless --release-worker is given: the
release figure is then the API's own cost, as when the worker runs as a separate process.
With --postgres URL, exopool and service-only run on fresh databases of that PostgreSQL server
(dropped afterwards) and raw-sql and exopool-normal, which are SQLite's, are left out.

Printed per scenario and connection count: requests/s, p50, p99 (medians over the rounds) and
the ratio to the bare app (the median of the per-round ratios), and each server's CPU time
per request, which other load on the machine disturbs less than requests/s.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from base64 import b64encode
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from sqlalchemy import create_engine, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from exopool.clock import SystemClock  # noqa: E402
from exopool.migrations import upgrade  # noqa: E402
from exopool.models import PhoneNumber  # noqa: E402
from exopool.services.accounts import create_account  # noqa: E402
from exopool.services.api_keys import create_api_key  # noqa: E402
from exopool.services.listing import rebuild_listing  # noqa: E402
from exopool.services.pool import import_numbers  # noqa: E402

SCRIPT = Path(__file__).resolve().parent / "wrk.lua"
SECRET = "bench-secret-" + "0" * 51
ACCOUNT = "bench"
HOST = "api.in.exotel.com"
FLOOR = 0.25
SERVERS = ("bare", "exopool", "exopool-normal", "service-only", "raw-sql")
SCRIPTS = {"bare": "bare.py", "service-only": "service_only.py", "raw-sql": "raw_sql.py"}


@dataclass
class Run:
    server: str
    scenario: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float  # the server process's CPU time per request: steadier than req/s on a busy machine


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed; on Debian or Ubuntu: sudo apt-get install -y wrk", file=sys.stderr)
        return 2
    levels = [int(level) for level in args.connections.split(",")]
    release_runs = args.rounds * len(levels)
    per_run = int(args.max_rate * args.duration)
    with tempfile.TemporaryDirectory(prefix="exopool-bench-") as tmp, Databases(Path(tmp), args.postgres) as urls:
        work = Path(tmp)
        print(f"preparing {per_run * release_runs + 1} bought numbers in {urls['exopool']} ...", flush=True)
        key, token, sids = prepare(urls["exopool"], per_run * release_runs + 1)
        urls.copy_for_the_ceilings()  # each ceiling releases the same sids in its own copy
        # The files just written are still to reach the disk; flushed now, the kernel's writeback
        # does not stall the measured runs (a checkpoint's fsync waits for a whole dirty file).
        os.sync()
        auth = "Basic " + b64encode(f"{key}:{token}".encode()).decode()
        with Servers(work, urls, args.release_worker) as servers:
            runs = measure(args, levels, servers, work, urls, auth, sids, per_run)
            log_lines = count_access_lines(work / "exopool.log")
    report(runs, levels, log_lines, args)
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--connections", default="64", help="comma-separated connection counts (default 64)")
    parser.add_argument("--duration", type=int, default=6, help="seconds per wrk run (default 6)")
    parser.add_argument("--rounds", type=int, default=3, help="alternating rounds per cell (default 3)")
    parser.add_argument("--threads", type=int, default=2, help="wrk threads (default 2)")
    parser.add_argument("--max-rate", type=float, default=16000,
                        help="release requests/s the pool is sized for (default 16000)")
    parser.add_argument("--postgres", metavar="URL",
                        help="run exopool (and service-only) on fresh databases of this PostgreSQL server instead "
                             "of SQLite, e.g. postgresql+psycopg://postgres@127.0.0.1:5432/postgres; raw-sql is "
                             "SQLite's and is left out")
    parser.add_argument("--release-worker", action="store_true",
                        help="keep exopool's in-process release worker on (by default the API process runs alone, "
                             "as beside a separate worker)")
    return parser.parse_args()


def prepare(url: str, count: int) -> tuple[str, str, list[str]]:
    """A migrated database with an account, its key, and `count` numbers it owns; their sids."""
    engine = create_engine(url)
    upgrade(engine)
    clock = SystemClock()
    rows = ((line, {"phone_number": f"+9198{line:08d}", "cluster": "in", "type": "Mobile", "region": "KA"})
            for line in range(count))
    with engine.begin() as conn:
        import_numbers(conn, clock.now(), rows)
        account = create_account(conn, clock, ACCOUNT, "Bench", "in")
        issued = create_api_key(conn, clock, SECRET, ACCOUNT, "bench")
        now = clock.now()
        # Buying one by one through the service would take minutes; one UPDATE and a renumbering give the same rows.
        conn.execute(update(PhoneNumber).values(
            state="active", account_id=account.id, friendly_name=PhoneNumber.phone_number,
            free_at=None, date_created=now, date_updated=now))
        rebuild_listing(conn, account.id)
        sids = list(conn.execute(select(PhoneNumber.sid).order_by(PhoneNumber.id)).scalars())
    engine.dispose()
    return issued.key, issued.token, sids


class Databases(dict[str, str]):
    """Each server's database URL (the bare app has none): SQLite files in the work directory, or fresh
    databases on a PostgreSQL server, dropped afterwards."""

    def __init__(self, work: Path, postgres: str | None) -> None:
        super().__init__()
        self.server = make_url(postgres) if postgres else None
        if self.server is None:
            self.update({name: f"sqlite:///{work / (name + '.db')}" for name in SERVERS[1:]})
        else:
            prefix = f"exopool_bench_{os.getpid()}"
            self.update({name: self.server.set(database=f"{prefix}_{name.replace('-', '_')}").render_as_string(
                hide_password=False) for name in ("exopool", "service-only")})

    def __enter__(self) -> Databases:
        if self.server is not None:
            self._admin(f'CREATE DATABASE "{make_url(self["exopool"]).database}"')
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            for url in self.values():
                self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def copy_for_the_ceilings(self) -> None:
        source = make_url(self["exopool"]).database
        for name, url in self.items():
            if name == "exopool":
                continue
            if self.server is None:
                shutil.copy(make_url(self["exopool"]).database, make_url(url).database)
            else:
                self._admin(f'CREATE DATABASE "{make_url(url).database}" TEMPLATE "{source}"')

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.server, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(statement))
        engine.dispose()


class Servers:
    """exopool serve and the bare app, each in its own process on a free port."""

    def __init__(self, work: Path, urls: Databases, release_worker: bool) -> None:
        self.work, self.urls, self.release_worker = work, urls, release_worker
        self.names = ("bare", *urls)
        self.ports = {name: free_port() for name in self.names}
        self.processes: dict[str, subprocess.Popen[bytes]] = {}

    def __enter__(self) -> Servers:
        env = {k: v for k, v in os.environ.items() if not k.startswith("EXOPOOL_")}
        env.update({
            "PYTHONPATH": os.pathsep.join(filter(None, [str(ROOT / "src"), env.get("PYTHONPATH")])),
            "EXOPOOL_SECRET_KEY": SECRET,
            "EXOPOOL_DATA_DIR": str(self.work / "data"), "EXOPOOL_LOG_JSON": "true",
            "EXOPOOL_RUN_WORKER": "true" if self.release_worker else "false",
        })
        log = open(self.work / "exopool.log", "wb")
        for name in self.names:
            exopool = name.startswith("exopool")
            command = ([sys.executable, "-m", "exopool", "serve", "--host", "127.0.0.1", "--port"] if exopool
                       else [sys.executable, str(Path(__file__).with_name(SCRIPTS[name]))])
            out = log if name == "exopool" else subprocess.DEVNULL
            durability = {"EXOPOOL_SQLITE_SYNCHRONOUS": "NORMAL"} if name == "exopool-normal" else {}
            self.processes[name] = subprocess.Popen(
                [*command, str(self.ports[name])],
                env={**env, **durability, "EXOPOOL_DATABASE_URL": self.urls.get(name, "")}, stdout=out, stderr=out)
        for port in self.ports.values():
            wait_until_serving(port)
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            process.wait(timeout=15)

    def cpu_seconds(self, server: str) -> float:
        """User and system CPU time the server process has used so far (0 where /proc is missing)."""
        try:
            fields = Path(f"/proc/{self.processes[server].pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def base(self, server: str) -> str:
        return f"http://127.0.0.1:{self.ports[server]}"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_serving(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"no server answered on port {port}")


def measure(
    args: argparse.Namespace, levels: list[int], servers: Servers, work: Path, urls: Databases,
    auth: str, sids: list[str], per_run: int,
) -> list[Run]:
    collection = f"/v2_beta/Accounts/{ACCOUNT}/IncomingPhoneNumbers/"
    engines = {name: create_engine(url) for name, url in urls.items()}
    runs, used = [], 1  # sids[0] is the number every GET asks for; it is never released
    for name in ("bare", "exopool"):  # warm both servers up before anything counts
        wrk(servers.base(name), args, 16, 1, "get", collection + sids[0], auth)
    for round_no in range(args.rounds):
        for connections in levels:
            # Alternate who goes first, so neither server always runs right after the other.
            order = servers.names if round_no % 2 == 0 else tuple(reversed(servers.names))
            batch = sids[used:used + per_run]
            used += per_run
            sid_file = work / f"sids-{round_no}-{connections}.txt"
            sid_file.write_text("\n".join(batch) + "\n")
            for name in order:
                cpu = servers.cpu_seconds(name)
                run = wrk(servers.base(name), args, connections, args.duration, "release", collection, auth, sid_file)
                runs.append(as_run(name, "release", connections, run, servers.cpu_seconds(name) - cpu))
                if name != "bare":
                    check_durable(name, engines[name], batch, run["requests"] - run["non_2xx"])
                if name == "exopool" and args.release_worker:
                    drain(engines[name])
            for name in (n for n in order if n in ("bare", "exopool")):
                cpu = servers.cpu_seconds(name)
                run = wrk(servers.base(name), args, connections, args.duration, "get", collection + sids[0], auth)
                runs.append(as_run(name, "get", connections, run, servers.cpu_seconds(name) - cpu))
            print(f"round {round_no + 1}/{args.rounds} at {connections} connections done", flush=True)
    for engine in engines.values():
        engine.dispose()
    return runs


def wrk(
    base: str, args: argparse.Namespace, connections: int, duration: int, mode: str, path: str,
    auth: str, sid_file: Path | None = None,
) -> dict[str, int]:
    extra = [str(sid_file), str(args.threads)] if sid_file else []
    command = ["wrk", "-t", str(args.threads), "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s",
               "-s", str(SCRIPT), base, "--", mode, path, auth, HOST, *extra]
    done = subprocess.run(command, capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"wrk failed: {done.stderr.strip() or done.stdout.strip()}")
    out = done.stdout
    return json.loads(next(line for line in reversed(out.splitlines()) if line.startswith("{")))


def as_run(server: str, scenario: str, connections: int, run: dict[str, int], cpu_s: float) -> Run:
    errors = sum(run[k] for k in ("non_2xx", "connect_errors", "read_errors", "write_errors", "timeouts"))
    return Run(server, scenario, connections, run["requests"] / (run["duration_us"] / 1e6),
               run["p50_us"] / 1000, run["p99_us"] / 1000, errors, cpu_s * 1e6 / max(run["requests"], 1))


def check_durable(server: str, engine, batch: list[str], answered: int) -> None:  # type: ignore[no-untyped-def]
    """Every 202 wrk saw from server must be a committed release: the number left the account."""
    with engine.connect() as conn:
        released = 0
        for start in range(0, len(batch), 900):
            chunk = batch[start:start + 900]
            released += conn.execute(
                select(text("count(*)")).select_from(PhoneNumber)
                .where(PhoneNumber.sid.in_(chunk), PhoneNumber.account_id.is_(None))
            ).scalar_one()
    if released < answered:
        raise SystemExit(f"{server}: only {released} releases are in its database, but {answered} were answered 202")


def drain(engine, timeout: float = 300) -> None:  # type: ignore[no-untyped-def]
    """Wait for the in-process worker to finish the queued releases, so it does not load the next run."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with engine.connect() as conn:
            pending = conn.execute(text("SELECT count(*) FROM release_jobs WHERE state IN ('queued', 'running')"))
            if pending.scalar_one() == 0:
                return
        time.sleep(0.2)


def count_access_lines(path: Path) -> int:
    with open(path, "rb") as lines:
        return sum(1 for line in lines if b'"request_id"' in line)


def report(runs: list[Run], levels: list[int], log_lines: int, args: argparse.Namespace) -> None:
    print(f"\nwrk -t{args.threads}, {args.duration:g}s per run, {args.rounds} alternating rounds; "
          f"medians over rounds; release worker {'on' if args.release_worker else 'off'}\n")
    print(f"{'scenario':<10}{'conns':>6}{'server':>13}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}"
          f"{'errors':>8}{'cpu us/req':>12}{'cpu ratio':>11}")
    verdicts = []
    for scenario in ("release", "get"):
        for connections in levels:
            cell = {name: [r for r in runs if (r.server, r.scenario, r.connections) == (name, scenario, connections)]
                    for name in SERVERS}
            ratios = {name: _ratios(cell["bare"], cell[name]) for name in SERVERS[1:] if cell[name]}
            ratio = ratios["exopool"][0]
            for name, rows in cell.items():
                if not rows:
                    continue
                shown = (f"{ratios[name][0]:.1%}", f"{ratios[name][1]:.1%}") if name in ratios else ("", "")
                print(f"{scenario:<10}{connections:>6}{name:>13}{statistics.median(r.rps for r in rows):>10.0f}"
                      f"{statistics.median(r.p50_ms for r in rows):>9.2f}"
                      f"{statistics.median(r.p99_ms for r in rows):>9.2f}{shown[0]:>8}{sum(r.errors for r in rows):>8}"
                      f"{statistics.median(r.cpu_us for r in rows):>12.0f}{shown[1]:>11}")
            if scenario == "release" and connections == 64:
                verdicts.append((ratio, ratios["raw-sql"][0] if "raw-sql" in ratios else None))
    print("\nratio: the server's req/s over the bare app's, median of the per-round pairs; cpu ratio: the bare"
          "\napp's server CPU per request over the server's, the same comparison with less noise from other load."
          "\nservice-only: exopool's authenticate + release_phone_number with no web layer, the ceiling for release."
          "\nraw-sql: exopool's release SQL on bare sqlite3 with no Python of exopool's: the ceiling of any Python"
          " server.")
    print(f"access log lines written by exopool: {log_lines}")
    durability(runs, levels)
    for ratio, ceiling in verdicts:
        verdict = "meets" if ratio >= FLOOR else "misses"
        print(f"release at 64 connections: {ratio:.1%} of the bare app, {verdict} the {FLOOR:.0%} floor")
        if ceiling is not None:  # what this machine allows any Python server with this release's SQL
            print(f"raw-sql, the ceiling, reached {ceiling:.1%} of the bare app on this machine; exopool "
                  f"{ratio / ceiling:.0%} of the ceiling")


def durability(runs: list[Run], levels: list[int]) -> None:
    """What syncing every commit costs: exopool (synchronous FULL, the default) against exopool-normal."""
    for connections in levels:
        full, normal = ([r for r in runs if (r.server, r.scenario, r.connections) == (name, "release", connections)]
                        for name in ("exopool", "exopool-normal"))
        if not normal:
            continue
        pairs = list(zip(normal, full, strict=True))
        rps = statistics.median(f.rps / n.rps for n, f in pairs)
        cpu = statistics.median(f.cpu_us / n.cpu_us if n.cpu_us else 0.0 for n, f in pairs)
        print(f"durability at {connections} connections: synchronous FULL (the default) answered {rps:.0%} of "
              f"NORMAL's releases/s, at {cpu:.0%} of its CPU per release")


def _ratios(bare: list[Run], other: list[Run]) -> tuple[float, float]:
    """(req/s ratio, cpu ratio) against the bare app: medians of the per-round pairs."""
    pairs = list(zip(bare, other, strict=True))
    return (statistics.median(o.rps / b.rps for b, o in pairs),
            statistics.median(b.cpu_us / o.cpu_us if o.cpu_us else 0.0 for b, o in pairs))


if __name__ == "__main__":
    sys.exit(main())
