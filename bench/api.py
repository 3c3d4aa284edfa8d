"""exopool's hot path under load, beside a bare ASGI app on the same server, in the same run.

    python bench/api.py [--connections 16,64] [--duration 6] [--rounds 3] [--granian] [--postgres URL]

Servers run side by side, each on its own copy of one prepared database (migrated, a pool of
numbers imported and bought up front): `exopool serve` on SQLite; bench/bare.py, a plain ASGI
callable answering the same 202 body with the same uvicorn options; and, for the release only,
exopool-normal (`exopool serve` with EXOPOOL_SQLITE_SYNCHRONOUS=NORMAL: what syncing every
commit, the default, costs) and two ceilings: bench/service_only.py, exopool's own authenticate +
release_phone_number behind a plain ASGI callable (the ceiling of any web layer in front of these
services), and bench/raw_sql.py, the SQL text exopool's services compile, run on bare sqlite3
with nothing of exopool around it (the ceiling of any Python server for this release on this
schema). With --granian, exopool-granian: `exopool serve` with EXOPOOL_HTTP_SERVER=granian. With
--postgres URL, on fresh databases of that server (dropped afterwards): exopool-pg (one API
process), exopool-pg-2w (`serve --workers 2`) and, for the release, bench/raw_pg.py, the same SQL
on bare psycopg with prepared statements and pipelined writes (the ceiling on PostgreSQL).
wrk loads each in turn, alternating, with the same Lua script, so all pay the same
load-generator cost. Scenarios:

- release: authenticated DELETE of a different number per request (a walk over bought sids);
  the answer comes after the commit, and the bench checks afterwards that each server's database
  holds at least as many releases as wrk counted answers.
- get: authenticated GET of one number.
- list: authenticated GET of the account's first page of 50 numbers.

exopool serves with its in-process release worker off unless --release-worker is given: the
release figure is then the API's own cost, as when the worker runs as a separate process.

Printed per scenario and connection count: requests/s, p50, p99 (medians over the rounds) and
the ratio to the bare app (the median of the per-round ratios), and each server's CPU time
per request, which other load on the machine disturbs less than requests/s; then the verdicts:
the release floor against the bare app, synchronous FULL against NORMAL, granian against
uvicorn, PostgreSQL against SQLite (CPU per request at most 1.5x, req/s at least 0.6), the
PostgreSQL ceiling against SQLite, and two API processes on PostgreSQL against one.
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
PG_CPU_CEILING, PG_THROUGHPUT_FLOOR = 1.5, 0.6  # PostgreSQL against SQLite, one API process each
SCENARIOS = ("release", "get", "list")


@dataclass(frozen=True)
class Spec:
    """One server of the benchmark: exopool (`serve`) or a script of bench/, on its own database."""

    name: str
    engine: str = "sqlite"  # "sqlite", "postgresql", or "" for the bare app, which has no database
    script: str | None = None  # None: `exopool serve`
    env: tuple[tuple[str, str], ...] = ()
    serve_args: tuple[str, ...] = ()
    scenarios: tuple[str, ...] = ("release",)


def specs(args: argparse.Namespace) -> list[Spec]:
    every = SCENARIOS
    found = [Spec("bare", "", "bare.py", scenarios=every), Spec("exopool", scenarios=every)]
    if args.granian:
        found.append(Spec("exopool-granian", env=(("EXOPOOL_HTTP_SERVER", "granian"),), scenarios=every))
    found += [Spec("exopool-normal", env=(("EXOPOOL_SQLITE_SYNCHRONOUS", "NORMAL"),)),
              Spec("service-only", script="service_only.py"), Spec("raw-sql", script="raw_sql.py")]
    if args.postgres:
        found += [Spec("exopool-pg", "postgresql", scenarios=every), Spec("raw-pg", "postgresql", script="raw_pg.py"),
                  Spec("exopool-pg-2w", "postgresql", serve_args=("--workers", "2"), scenarios=every)]
    return found


@dataclass
class Run:
    server: str
    scenario: str
    connections: int
    rps: float
    p50_ms: float
    p99_ms: float
    errors: int
    cpu_us: float  # the server's CPU time per request (all its processes): steadier than req/s on a busy machine


def main() -> int:
    args = parse_args()
    if shutil.which("wrk") is None:
        print("wrk is not installed; on Debian or Ubuntu: sudo apt-get install -y wrk", file=sys.stderr)
        return 2
    levels = [int(level) for level in args.connections.split(",")]
    release_runs = args.rounds * len(levels)
    per_run = int(args.max_rate * args.duration)
    servers_of = specs(args)
    with tempfile.TemporaryDirectory(prefix="exopool-bench-") as tmp, \
            Databases(Path(tmp), args.postgres, servers_of) as urls:
        work = Path(tmp)
        prepared = {}
        for engine in urls.engines():
            print(f"preparing {per_run * release_runs + 1} bought numbers on {engine} ...", flush=True)
            prepared[engine] = prepare(urls.master(engine), per_run * release_runs + 1)
        urls.copy_masters()  # each server releases the same sids in its own copy
        # The files just written are still to reach the disk; flushed now, the kernel's writeback
        # does not stall the measured runs (a checkpoint's fsync waits for a whole dirty file).
        os.sync()
        with Servers(work, urls, servers_of, args.release_worker) as servers:
            runs = measure(args, levels, servers, work, urls, prepared, per_run)
            log_lines = count_access_lines(work / "exopool.log")
    report(runs, levels, log_lines, args, [spec.name for spec in servers_of])
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
                        help="also run exopool on fresh databases of this PostgreSQL server, with one API process "
                             "(exopool-pg) and with two (exopool-pg-2w), beside the SQLite servers, e.g. "
                             "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--granian", action="store_true",
                        help="also run exopool served by granian instead of uvicorn (exopool-granian), side by side")
    parser.add_argument("--release-worker", action="store_true",
                        help="keep exopool's in-process release worker on (by default the API process runs alone, "
                             "as beside a separate worker)")
    return parser.parse_args()


@dataclass(frozen=True)
class Prepared:
    key: str
    token: str
    sids: list[str]

    @property
    def auth(self) -> str:
        return "Basic " + b64encode(f"{self.key}:{self.token}".encode()).decode()


def prepare(url: str, count: int) -> Prepared:
    """A migrated database with an account, its key, and `count` numbers it owns."""
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
    return Prepared(issued.key, issued.token, sids)


class Databases(dict[str, str]):
    """Each server's database URL (the bare app has none): SQLite files in the work directory, and fresh
    databases on a PostgreSQL server, dropped afterwards. Each engine has a master, prepared once and
    copied for every server of that engine."""

    def __init__(self, work: Path, postgres: str | None, servers: list[Spec]) -> None:
        super().__init__()
        self.work, self.server = work, make_url(postgres) if postgres else None
        self.engine_of = {spec.name: spec.engine for spec in servers if spec.engine}
        prefix = f"exopool_bench_{os.getpid()}"
        for name, engine in self.engine_of.items():
            if engine == "sqlite":
                self[name] = f"sqlite:///{work / (name + '.db')}"
            elif self.server is not None:
                self[name] = self.server.set(database=f"{prefix}_{name.replace('-', '_')}").render_as_string(
                    hide_password=False)
        self.masters = {"sqlite": f"sqlite:///{work / 'master.db'}"}
        if self.server is not None:
            self.masters["postgresql"] = self.server.set(database=f"{prefix}_master").render_as_string(
                hide_password=False)

    def engines(self) -> list[str]:
        return sorted(set(self.engine_of.values()))

    def master(self, engine: str) -> str:
        return self.masters[engine]

    def __enter__(self) -> Databases:
        if self.server is not None:
            self._admin(f'CREATE DATABASE "{make_url(self.masters["postgresql"]).database}"')
        return self

    def __exit__(self, *exc: object) -> None:
        if self.server is not None:
            for name, url in [*self.items(), ("master", self.masters["postgresql"])]:
                if name == "master" or self.engine_of[name] == "postgresql":
                    self._admin(f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')

    def copy_masters(self) -> None:
        for name, url in self.items():
            master = self.masters[self.engine_of[name]]
            if self.engine_of[name] == "sqlite":
                shutil.copy(make_url(master).database, make_url(url).database)
            else:
                self._admin(f'CREATE DATABASE "{make_url(url).database}" TEMPLATE "{make_url(master).database}"')

    def _admin(self, statement: str) -> None:
        engine = create_engine(self.server, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text(statement))
        engine.dispose()


class Servers:
    """Every server of the benchmark, each in its own process (or processes) on a free port."""

    def __init__(self, work: Path, urls: Databases, servers: list[Spec], release_worker: bool) -> None:
        self.work, self.urls, self.specs, self.release_worker = work, urls, servers, release_worker
        self.names = tuple(spec.name for spec in servers)
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
        for spec in self.specs:
            command = ([sys.executable, "-m", "exopool", "serve", *spec.serve_args, "--host", "127.0.0.1", "--port"]
                       if spec.script is None else [sys.executable, str(Path(__file__).with_name(spec.script))])
            out = log if spec.name == "exopool" else open(self.work / f"{spec.name}.log", "wb")
            self.processes[spec.name] = subprocess.Popen(
                [*command, str(self.ports[spec.name])],
                env={**env, **dict(spec.env),
                     "EXOPOOL_DATABASE_URL": self.urls.get(spec.name, self.urls.master("sqlite"))},
                stdout=out, stderr=out)
        for name, port in self.ports.items():
            try:
                wait_until_serving(port)
            except RuntimeError:
                self.__exit__()
                shown = (self.work / ("exopool.log" if name == "exopool" else f"{name}.log")).read_text()[-3000:]
                raise SystemExit(f"{name} did not start:\n{shown}") from None
        return self

    def __exit__(self, *exc: object) -> None:
        for process in self.processes.values():
            process.terminate()
        for process in self.processes.values():
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()

    def cpu_seconds(self, server: str) -> float:
        """User and system CPU time the server has used so far, its worker processes' included."""
        return sum(_cpu_of(pid) for pid in _tree(self.processes[server].pid))

    def base(self, server: str) -> str:
        return f"http://127.0.0.1:{self.ports[server]}"


def _tree(pid: int) -> list[int]:
    """pid and all its descendants (0 processes where /proc is missing)."""
    found, tasks = [pid], Path(f"/proc/{pid}/task")
    if tasks.exists():
        for task in tasks.iterdir():
            try:
                children = (task / "children").read_text().split()
            except OSError:
                continue
            for child in children:
                found += _tree(int(child))
    return found


def _cpu_of(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


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
    prepared: dict[str, Prepared], per_run: int,
) -> list[Run]:
    collection = f"/v2_beta/Accounts/{ACCOUNT}/IncomingPhoneNumbers"
    engines = {name: create_engine(url) for name, url in urls.items()}
    own = {spec.name: prepared[spec.engine or "sqlite"] for spec in servers.specs}  # the bare app: any auth
    reads = {"get": lambda name: f"{collection}/{own[name].sids[0]}", "list": lambda name: f"{collection}?PageSize=50"}
    runs, used = [], 1  # sids[0] is the number every GET asks for; it is never released
    for spec in servers.specs:  # warm them up before anything counts
        if "get" in spec.scenarios:
            wrk(servers.base(spec.name), args, 16, 1, "get", reads["get"](spec.name), own[spec.name].auth)
    for round_no in range(args.rounds):
        for connections in levels:
            # Alternate who goes first, so no server always runs right after the same other.
            order = servers.specs if round_no % 2 == 0 else list(reversed(servers.specs))
            files = {}
            for engine, numbers in prepared.items():
                batch = numbers.sids[used:used + per_run]
                sid_file = work / f"sids-{engine}-{round_no}-{connections}.txt"
                sid_file.write_text("\n".join(batch) + "\n")
                files[engine] = (batch, sid_file)
            used += per_run
            for spec in order:
                batch, sid_file = files[spec.engine or "sqlite"]
                cpu = servers.cpu_seconds(spec.name)
                run = wrk(servers.base(spec.name), args, connections, args.duration, "release", collection + "/",
                          own[spec.name].auth, sid_file)
                runs.append(as_run(spec.name, "release", connections, run, servers.cpu_seconds(spec.name) - cpu))
                if spec.engine:
                    check_durable(spec.name, engines[spec.name], batch, run["requests"] - run["non_2xx"])
                if spec.script is None and args.release_worker:
                    drain(engines[spec.name])
            for scenario, path_of in reads.items():
                for spec in (s for s in order if scenario in s.scenarios):
                    cpu = servers.cpu_seconds(spec.name)
                    run = wrk(servers.base(spec.name), args, connections, args.duration, "get", path_of(spec.name),
                              own[spec.name].auth)
                    runs.append(as_run(spec.name, scenario, connections, run, servers.cpu_seconds(spec.name) - cpu))
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


def report(runs: list[Run], levels: list[int], log_lines: int, args: argparse.Namespace, names: list[str]) -> None:
    print(f"\nwrk -t{args.threads}, {args.duration:g}s per run, {args.rounds} alternating rounds; "
          f"medians over rounds; release worker {'on' if args.release_worker else 'off'}\n")
    print(f"{'scenario':<10}{'conns':>6}{'server':>16}{'req/s':>10}{'p50 ms':>9}{'p99 ms':>9}{'ratio':>8}"
          f"{'errors':>8}{'cpu us/req':>12}{'cpu ratio':>11}")
    verdicts = []
    for scenario in SCENARIOS:
        for connections in levels:
            cell = {name: rows for name in names if (rows := _of(runs, name, scenario, connections))}
            ratios = {name: _ratios(cell["bare"], rows) for name, rows in cell.items() if name != "bare"}
            for name, rows in cell.items():
                shown = (f"{ratios[name][0]:.1%}", f"{ratios[name][1]:.1%}") if name in ratios else ("", "")
                print(f"{scenario:<10}{connections:>6}{name:>16}{statistics.median(r.rps for r in rows):>10.0f}"
                      f"{statistics.median(r.p50_ms for r in rows):>9.2f}"
                      f"{statistics.median(r.p99_ms for r in rows):>9.2f}{shown[0]:>8}{sum(r.errors for r in rows):>8}"
                      f"{statistics.median(r.cpu_us for r in rows):>12.0f}{shown[1]:>11}")
            if scenario == "release" and connections == 64:
                verdicts.append((ratios["exopool"][0], ratios["raw-sql"][0] if "raw-sql" in ratios else None))
    print("\nratio: the server's req/s over the bare app's, median of the per-round pairs; cpu ratio: the bare"
          "\napp's server CPU per request over the server's, the same comparison with less noise from other load."
          "\nservice-only: exopool's authenticate + release_phone_number with no web layer, the ceiling for release."
          "\nraw-sql: exopool's release SQL on bare sqlite3 with no Python of exopool's: the ceiling of any Python"
          " server.\nraw-pg: the same on bare psycopg (prepared, pipelined writes): the ceiling on PostgreSQL.")
    print(f"access log lines written by exopool: {log_lines}")
    durability(runs, levels)
    for ratio, ceiling in verdicts:
        verdict = "meets" if ratio >= FLOOR else "misses"
        print(f"release at 64 connections: {ratio:.1%} of the bare app, {verdict} the {FLOOR:.0%} floor")
        if ceiling:  # what this machine allows any Python server with this release's SQL
            print(f"raw-sql, the ceiling, reached {ceiling:.1%} of the bare app on this machine; exopool "
                  f"{ratio / ceiling:.0%} of the ceiling")
    compare(runs, levels, "exopool-granian", "exopool", "granian against uvicorn")
    postgres(runs, levels)


def compare(runs: list[Run], levels: list[int], name: str, against: str, label: str) -> dict[str, tuple[float, float]]:
    """Per scenario at the highest connection count: (req/s ratio, CPU-per-request ratio) of name over against,
    medians of the per-round pairs; printed, and returned for verdicts."""
    found = {}
    connections = max(levels)
    for scenario in SCENARIOS:
        one, other = _of(runs, name, scenario, connections), _of(runs, against, scenario, connections)
        if not one or not other:
            continue
        pairs = list(zip(other, one, strict=True))
        rps = statistics.median(o.rps / a.rps for a, o in pairs)
        cpu = statistics.median(o.cpu_us / a.cpu_us if a.cpu_us else 0.0 for a, o in pairs)
        found[scenario] = (rps, cpu)
        print(f"{label}, {scenario} at {connections} connections: {rps:.0%} of the req/s, {cpu:.0%} of the CPU "
              f"per request")
    return found


def postgres(runs: list[Run], levels: list[int]) -> None:
    """PostgreSQL against SQLite with one API process each, and two API processes against one."""
    for scenario, (rps, cpu) in compare(runs, levels, "exopool-pg", "exopool", "PostgreSQL against SQLite").items():
        meets = cpu <= PG_CPU_CEILING and rps >= PG_THROUGHPUT_FLOOR
        print(f"  {scenario}: {'meets' if meets else 'misses'} the bar (CPU per request at most "
              f"{PG_CPU_CEILING:.1f}x SQLite's, req/s at least {PG_THROUGHPUT_FLOOR:.0%} of it)")
    compare(runs, levels, "raw-pg", "exopool", "raw-pg, the ceiling on PostgreSQL, against exopool on SQLite")
    compare(runs, levels, "exopool-pg-2w", "exopool-pg", "PostgreSQL, two API processes against one")


def durability(runs: list[Run], levels: list[int]) -> None:
    """What syncing every commit costs: exopool (synchronous FULL, the default) against exopool-normal."""
    for connections in levels:
        full, normal = _of(runs, "exopool", "release", connections), _of(runs, "exopool-normal", "release", connections)
        if not normal:
            continue
        pairs = list(zip(normal, full, strict=True))
        rps = statistics.median(f.rps / n.rps for n, f in pairs)
        cpu = statistics.median(f.cpu_us / n.cpu_us if n.cpu_us else 0.0 for n, f in pairs)
        print(f"durability at {connections} connections: synchronous FULL (the default) answered {rps:.0%} of "
              f"NORMAL's releases/s, at {cpu:.0%} of its CPU per release")


def _of(runs: list[Run], server: str, scenario: str, connections: int) -> list[Run]:
    return [r for r in runs if (r.server, r.scenario, r.connections) == (server, scenario, connections)]


def _ratios(bare: list[Run], other: list[Run]) -> tuple[float, float]:
    """(req/s ratio, cpu ratio) against the bare app: medians of the per-round pairs."""
    pairs = list(zip(bare, other, strict=True))
    return (statistics.median(o.rps / b.rps for b, o in pairs),
            statistics.median(b.cpu_us / o.cpu_us if o.cpu_us else 0.0 for b, o in pairs))


if __name__ == "__main__":
    sys.exit(main())
