"""The attacks that once worked, replayed against a real `exopool serve` process: each now fails."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest

from exopool.config import Settings
from tests.conftest import ServerProcess

DEMO = ("demo_in_key", "demo_in_token")
NUMBERS = "/v2_beta/Accounts/demo_in/IncomingPhoneNumbers"
EMAIL, PASSWORD = "demo_in@example.com", "exopool-demo"


@pytest.fixture
def sandbox(tmp_path: Path) -> Iterator[ServerProcess]:
    """A sandbox with the demo data, its login throttle per address off so the per-email one decides."""
    settings = Settings(database_url=f"sqlite:///{tmp_path / 'exopool.db'}", data_dir=str(tmp_path / "data"))
    with ServerProcess(settings, "--sandbox", "--demo", EXOPOOL_LOGIN_ATTEMPTS_PER_MINUTE="0",
                       EXOPOOL_LOG_LEVEL="WARNING") as server:
        yield server


def client(server: ServerProcess, **options: object) -> httpx.Client:
    return httpx.Client(base_url=server.url, headers={"Host": "api.in.exotel.com"}, timeout=60, **options)  # type: ignore[arg-type]


def csrf_of(html: str) -> str:
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    return found.group(1)


def log_in(server: ServerProcess, email: str, password: str) -> int:
    with client(server) as browser:
        token = csrf_of(browser.get("/dashboard/login").text)
        return browser.post("/dashboard/login", data={"csrf_token": token, "email": email,
                                                      "password": password}).status_code


def at_once(count: int, call: Callable[[], object]) -> list[object]:
    barrier = threading.Barrier(count)

    def go(_: int) -> object:
        barrier.wait()
        return call()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(go, range(count)))


def rss_mb(server: ServerProcess) -> float:
    status = Path(f"/proc/{server.process.pid}/status").read_text()
    return int(re.search(r"VmRSS:\s+(\d+) kB", status).group(1)) / 1024  # type: ignore[union-attr]


def test_the_journal_keeps_no_dashboard_password_or_token_and_faults_leave_the_rest_alone(
    sandbox: ServerProcess,
) -> None:
    with client(sandbox) as browser:
        token = csrf_of(browser.get("/dashboard/login").text)
        browser.post("/dashboard/login", data={"csrf_token": token, "email": EMAIL, "password": PASSWORD})
        token = csrf_of(browser.get("/dashboard/api-settings").text)
        browser.post("/dashboard/api-settings/keys", data={"csrf_token": token, "label": "once"})
        shown = re.search(r'<code id="new-token">([0-9a-f]{40})</code>', browser.get("/dashboard/api-settings").text)
        assert shown is not None
        assert browser.post("/_sandbox/faults", json={"action": "error", "status": 503}).status_code == 201
        assert browser.get(NUMBERS, auth=DEMO).status_code == 503
        for path in ("/healthz", "/readyz", "/metrics", "/openapi.json", "/dashboard/numbers"):
            assert browser.get(path).status_code == 200, path
        journal = browser.get("/_sandbox/requests").text
    assert PASSWORD not in journal and shown.group(1) not in journal and "/dashboard" not in journal


def test_forty_wrong_passwords_at_once_are_checked_no_more_than_three_times(sandbox: ServerProcess) -> None:
    statuses = Counter(at_once(40, lambda: log_in(sandbox, EMAIL, "wrong password")))
    assert statuses[401] <= 3 and statuses[401] + statuses[429] == 40, statuses
    assert log_in(sandbox, EMAIL, PASSWORD) == 429
    assert [log_in(sandbox, "nobody@example.com", "wrong password") for _ in range(4)] == [401, 401, 401, 429]


def test_a_flood_of_anonymous_log_ins_leaves_the_api_serving(sandbox: ServerProcess) -> None:
    before = rss_mb(sandbox)
    stop, answers = threading.Event(), Counter[int]()

    def flood(n: int) -> None:
        while not stop.is_set():
            answers[log_in(sandbox, f"nobody{n}@example.com", "wrong password")] += 1

    threads = [threading.Thread(target=flood, args=(n,)) for n in range(32)]
    for thread in threads:
        thread.start()
    try:
        time.sleep(1)
        with client(sandbox) as api:
            served = [api.get(NUMBERS, auth=DEMO) for _ in range(20)]
    finally:
        stop.set()
        for thread in threads:
            thread.join()
    assert [r.status_code for r in served] == [200] * 20
    assert max(r.elapsed.total_seconds() for r in served) < 5  # not queued behind the password checks
    assert answers[429] > 0, "attempts past the queue are refused without a check"
    assert rss_mb(sandbox) - before < 150, "password checks run one at a time, so their memory is bounded"


def test_headers_that_never_end_are_cut_off_and_cost_no_memory(sandbox: ServerProcess) -> None:
    before = rss_mb(sandbox)

    def endless() -> bytes:
        with socket.create_connection(("127.0.0.1", sandbox.port), timeout=10) as sock:
            try:
                sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Long: ")
                for _ in range(4096):  # 64 MiB, if the server kept reading
                    sock.sendall(b"a" * 16384)
            except (BrokenPipeError, ConnectionResetError):
                pass
            try:
                return sock.recv(100)
            except (TimeoutError, ConnectionResetError):
                return b""

    answers = at_once(4, endless)
    assert all(answer == b"" or answer.startswith(b"HTTP/1.1 431") for answer in answers), answers
    assert rss_mb(sandbox) - before < 50
    with client(sandbox) as api:
        assert api.get("/healthz").status_code == 200


def test_a_keyed_write_sent_twice_at_once_runs_once_and_answers_alike(sandbox: ServerProcess) -> None:
    with client(sandbox) as api:
        bought = api.get(NUMBERS, auth=DEMO).json()["incoming_phone_numbers"]
        free = [n["phone_number"] for n in api.get("/v2_beta/Accounts/demo_in/AvailablePhoneNumbers/IN/Landline",
                                                    params={"PageSize": 10}, auth=DEMO).json()]

    def send(method: str, path: str, key: str, data: dict[str, str] | None) -> Callable[[], httpx.Response]:
        def call() -> httpx.Response:
            with client(sandbox) as api:
                return api.request(method, path, data=data, auth=DEMO, headers={"Idempotency-Key": key})
        return call

    for n, number in enumerate(free[:5]):
        pair = at_once(2, send("POST", NUMBERS, f"buy-{n}", {"PhoneNumber": number}))
        assert [r.status_code for r in pair] == [200, 200] and pair[0].json() == pair[1].json()  # type: ignore[union-attr]
    for n, number in enumerate(bought):
        call = send("DELETE", f"{NUMBERS}/{number['sid']}", f"release-{n}", None)
        answers = [*at_once(2, call), call()]
        assert [r.status_code for r in answers] == [202, 202, 202]  # type: ignore[union-attr]
