"""The container image, built as `make image` builds it and checked from outside the running container:
the README's tour, a user other than root, data in /data kept across a restart, and a prompt clean stop."""

from __future__ import annotations

import fcntl
import os
import shutil
import subprocess
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from exopool.testing.server import free_port
from tests.support import assert_error

ROOT = Path(__file__).resolve().parent.parent.parent
IMAGE = "localhost/exopool:test"
ULIMITS = ["--ulimit", "nofile=16384:16384", "--ulimit", "nproc=16384:16384"]
NUMBERS = "/v2_beta/Accounts/demo_in/IncomingPhoneNumbers"
DEMO = ("demo_in_key", "demo_in_token")
TOUR_NUMBER = "08048332503"  # the README tour's purchase


def container_engine() -> list[str] | None:
    """podman (on runc where it is installed, as `make image` builds), else a Docker that answers."""
    if shutil.which("podman"):
        return ["podman", *(["--runtime", "runc"] if shutil.which("runc") else [])]
    if shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True).returncode == 0:
        return ["docker"]
    return None


ENGINE = container_engine()
pytestmark = pytest.mark.skipif(ENGINE is None, reason="no container engine: neither podman nor a running Docker")


def engine(*args: str, timeout: float = 60, check: bool = True) -> subprocess.CompletedProcess[str]:
    assert ENGINE is not None
    done = subprocess.run([*ENGINE, *args], capture_output=True, text=True, timeout=timeout)
    assert not check or done.returncode == 0, f"{' '.join(args)}: {done.stdout}{done.stderr}"
    return done


@pytest.fixture(scope="module")
def image() -> str:
    """The image, built by `make image`'s script (reusing the layers and base image built before it)."""
    assert ENGINE is not None
    environ = {**os.environ, "IMAGE": IMAGE, "ENGINE": ENGINE[0]}
    # Test processes running side by side build one at a time: the second finds every layer built.
    with open(Path(tempfile.gettempdir()) / "exopool-image-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = subprocess.run([str(ROOT / "deploy" / "build-image")], env=environ, capture_output=True, text=True,
                               timeout=1200)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return IMAGE


@dataclass
class Container:
    name: str
    url: str

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)

    def wait_until_serving(self, limit_s: float = 60) -> None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/healthz", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        logs = engine("logs", self.name, check=False)
        pytest.fail(f"the container did not serve within {limit_s} s:\n{logs.stdout}{logs.stderr}")

    def state(self, field: str) -> str:
        return engine("inspect", "--format", f"{{{{.State.{field}}}}}", self.name).stdout.strip()


@pytest.fixture
def container(image: str) -> Iterator[Container]:
    """The image run with no arguments, its /data on a volume of its own, published on a loopback port."""
    name = f"exopool-test-{uuid.uuid4().hex[:10]}"
    port = free_port()
    engine("run", "--detach", "--name", name, *ULIMITS, "--volume", f"{name}:/data",
           "--publish", f"127.0.0.1:{port}:8080", image)
    running = Container(name, f"http://127.0.0.1:{port}")
    try:
        running.wait_until_serving()
        yield running
    finally:
        engine("rm", "--force", name, check=False)
        engine("volume", "rm", "--force", name, check=False)


def test_the_demo_answers_the_readme_tour_from_outside_the_container(container: Container) -> None:
    with container.http() as http:
        assert_error(http.get(NUMBERS), 401, 1010)
        held = http.get(NUMBERS, auth=DEMO)
        assert held.status_code == 200 and held.json()["incoming_phone_numbers"], held.text
        bought = http.post(NUMBERS, data={"PhoneNumber": TOUR_NUMBER}, auth=DEMO)
        assert bought.status_code == 200 and bought.json()["phone_number"] == "+918048332503", bought.text
        released = http.delete(f"{NUMBERS}/{TOUR_NUMBER}", auth=DEMO)
        assert released.status_code == 202 and released.json() == {"Status": 202, "Message": "Accepted"}
        assert_error(http.get(f"{NUMBERS}/{TOUR_NUMBER}", auth=DEMO), 404, 1000)


def test_the_server_runs_as_a_user_other_than_root(container: Container) -> None:
    ids = engine("exec", container.name, "python3", "-c", "import os; print(os.getuid(), os.getgid())").stdout.split()
    assert ids == ["10001", "10001"]
    owner = engine("exec", container.name, "python3", "-c", "import os; print(os.stat('/data/exopool.db').st_uid)")
    assert owner.stdout.strip() == "10001"  # the database it writes is in the volume, and its own


def test_data_in_the_volume_survives_a_restart_and_stop_ends_it_cleanly_within_seconds(container: Container) -> None:
    with container.http() as http:
        sid = http.post(NUMBERS, data={"PhoneNumber": TOUR_NUMBER}, auth=DEMO).json()["sid"]
    started = time.monotonic()
    engine("stop", "--time", "20", container.name)
    assert time.monotonic() - started < 5  # SIGTERM ends it; the 20 s until SIGKILL are never needed
    assert container.state("Running") == "false" and container.state("ExitCode") == "0"
    engine("start", container.name)
    container.wait_until_serving()
    with container.http() as http:
        kept = http.get(f"{NUMBERS}/{sid}", auth=DEMO)
    assert kept.status_code == 200 and kept.json()["phone_number"] == "+918048332503", kept.text


def test_the_image_checks_its_own_health_and_keeps_no_build_secret(container: Container) -> None:
    assert ENGINE is not None
    if ENGINE[0] == "podman":
        assert engine("healthcheck", "run", container.name).returncode == 0
    assert "http://127.0.0.1:8080/healthz" in engine("image", "inspect", IMAGE).stdout  # its HEALTHCHECK
    left = engine("exec", container.name, "python3", "-c",
                  "import os; print([p for p in ('/run/secrets/ca-bundle', '/root/.cache/pip', '/src') "
                  "if os.path.exists(p)])")
    assert left.stdout.strip() == "[]"
