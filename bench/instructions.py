"""Instructions per release, counted by valgrind: what each layer costs, free of the machine's noise.

    python bench/instructions.py [--pool 100000] [--requests 2000]

wrk's requests/s on a shared two-core machine move by 10-20% between runs, more than most changes
to the hot path; instruction counts do not move (callgrind gives the same total twice for the same
inputs). This drives releases through each server's ASGI app in-process, with no socket and no
HTTP parser, under `valgrind --tool=callgrind`, and prints the instructions each release costs:

- bare: the yardstick app (bench/bare.py), which answers the 202 without any work;
- raw-sql: exopool's release SQL on bare sqlite3 (bench/raw_sql.py);
- service-only: exopool's services with no web layer (bench/service_only.py);
- exopool: the whole app, as `exopool serve` builds it.

Each is run twice, with `--requests` and three times as many releases after the same warm-up,
and the difference is divided by the difference in releases, so start-up and warm-up cancel out.
Every thread of the process is counted (the commit and checkpoint threads too); time in the
kernel (socket and file system calls) is not, and neither is the HTTP server in front of the app,
which is the same for all four. Needs valgrind (Debian and Ubuntu: apt-get install -y valgrind);
takes a few minutes.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
from base64 import b64encode
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
sys.path[:0] = [str(BENCH.parent / "src"), str(BENCH)]

from api import ACCOUNT, HOST, SECRET, prepare  # noqa: E402

SERVERS = ("bare", "raw-sql", "service-only", "exopool")
WARM_UP = 500


def main() -> int:
    args = parse_args()
    if args.child:
        server, database, releases = args.child
        run_child(server, database, int(releases))
        return 0
    if shutil.which("valgrind") is None:
        print("valgrind is not installed; on Debian or Ubuntu: sudo apt-get install -y valgrind", file=sys.stderr)
        return 2
    counts = (args.requests, 3 * args.requests)
    with tempfile.TemporaryDirectory(prefix="exopool-instructions-") as tmp:
        work = Path(tmp)
        print(f"preparing {args.pool} bought numbers ...", flush=True)
        prepared = work / "prepared.db"
        key, token, sids = prepare(f"sqlite:///{prepared}", args.pool)
        (work / "credentials.json").write_text(json.dumps({"key": key, "token": token,
                                                           "sids": sids[:WARM_UP + counts[1]]}))
        runs = [(server, releases) for server in SERVERS for releases in counts]
        with ThreadPoolExecutor(os.cpu_count() or 1) as pool:  # counts do not depend on what else runs
            totals = dict(zip(runs, pool.map(lambda run: instructions(work, prepared, *run), runs), strict=True))
    per_release = {server: (totals[server, counts[1]] - totals[server, counts[0]]) / (counts[1] - counts[0])
                   for server in SERVERS}
    report(per_release, args)
    return 0


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pool", type=int, default=100_000, help="bought numbers in the database (default 100000)")
    parser.add_argument("--requests", type=int, default=2000,
                        help="releases of the shorter run; the longer makes three times as many (default 2000)")
    parser.add_argument("--child", nargs=3, metavar=("SERVER", "DATABASE", "RELEASES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.pool < WARM_UP + 3 * args.requests:
        parser.error(f"--pool must hold the warm-up and the longer run: at least {WARM_UP + 3 * args.requests}")
    return args


def instructions(work: Path, prepared: Path, server: str, releases: int) -> int:
    """Instructions of one child process that serves the warm-up and then `releases` releases."""
    database, report = work / f"{server}-{releases}.db", work / f"{server}-{releases}.valgrind"
    shutil.copy(prepared, database)
    done = subprocess.run(
        ["valgrind", "--tool=callgrind", f"--callgrind-out-file={work / 'callgrind.%p'}", f"--log-file={report}",
         sys.executable, __file__, "--child", server, str(database), str(releases)],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)  # the app's log lines: not wanted
    found = re.search(r"Collected : (\d+)", report.read_text() if report.exists() else "")
    if done.returncode != 0 or found is None:
        raise SystemExit(f"{server} failed under valgrind:\n{done.stderr[-3000:]}")
    return int(found.group(1))


def run_child(server: str, database: str, releases: int) -> None:
    credentials = json.loads((Path(database).parent / "credentials.json").read_text())
    os.environ.update({"EXOPOOL_DATABASE_URL": f"sqlite:///{database}", "EXOPOOL_SECRET_KEY": SECRET,
                       "EXOPOOL_DATA_DIR": str(Path(database).parent / "data"), "EXOPOOL_RUN_WORKER": "false"})
    app = app_for(server)
    auth = b"Basic " + b64encode(f"{credentials['key']}:{credentials['token']}".encode())
    sids = credentials["sids"]
    import uvloop

    answers = uvloop.run(serve(app, auth, [sids[:WARM_UP], sids[WARM_UP:WARM_UP + releases]]))
    if answers != {202: WARM_UP + releases}:
        raise SystemExit(f"{server} answered {answers}")


def app_for(server: str) -> Any:
    if server == "bare":
        import bare

        return bare.app
    from exopool.config import Settings

    if server == "raw-sql":
        import raw_sql

        return raw_sql.make_app(Settings.from_env())
    if server == "service-only":
        import service_only

        return service_only.make_app(Settings.from_env())
    os.environ["EXOPOOL_LOG_JSON"] = "true"  # as bench/api.py serves it
    from exopool.app import app_from_env

    return app_from_env()


async def serve(app: Any, auth: bytes, batches: list[list[str]]) -> dict[int, int]:
    """Start the app's lifespan, release each batch's sids through it 64 at a time, stop it; the statuses."""
    answers: dict[int, int] = {}
    startup, shutdown = asyncio.Queue(), asyncio.Queue()  # type: ignore[var-annotated]
    state: dict[str, Any] = {}
    messages = [{"type": "lifespan.startup"}]

    async def lifespan_receive() -> dict[str, str]:
        return messages.pop() if messages else await shutdown.get()

    lifespan = asyncio.create_task(app({"type": "lifespan", "asgi": {"version": "3.0"}, "state": state},
                                       lifespan_receive, startup.put))
    await startup.get()
    for batch in batches:
        sids = iter(batch)
        await asyncio.gather(*(releaser(app, auth, state, sids, answers) for _ in range(64)))
    await shutdown.put({"type": "lifespan.shutdown"})
    await lifespan
    return answers


async def releaser(app: Any, auth: bytes, state: dict[str, Any], sids: Any, answers: dict[int, int]) -> None:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            answers[message["status"]] = answers.get(message["status"], 0) + 1

    for sid in sids:
        await app({"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "DELETE",
                   "scheme": "http", "path": f"/v2_beta/Accounts/{ACCOUNT}/IncomingPhoneNumbers/{sid}",
                   "raw_path": b"", "query_string": b"", "root_path": "", "client": ("127.0.0.1", 1),
                   "server": ("127.0.0.1", 80), "state": dict(state),
                   "headers": [(b"host", HOST.encode()), (b"authorization", auth)]}, receive, send)


def report(per_release: dict[str, float], args: argparse.Namespace) -> None:
    print(f"\n{args.pool} bought numbers; {args.requests} and {3 * args.requests} releases after {WARM_UP} "
          "to warm up\n")
    print(f"{'server':>13} {'instructions/release':>21} {'over the layer above':>21}")
    previous: str | None = None
    for server in SERVERS:
        extra = "" if previous is None else f"{per_release[server] - per_release[previous]:+,.0f}"
        print(f"{server:>13} {per_release[server]:>21,.0f} {extra:>21}")
        previous = server
    print("\nOver the layer above: what raw-sql adds to the bare app (the release's SQL), service-only to "
          "raw-sql\n(exopool's services), exopool to service-only (the web layer). Kernel time is not counted.")



if __name__ == "__main__":
    sys.exit(main())
