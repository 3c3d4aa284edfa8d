"""The container image, built as `make image` builds it and checked from outside the running container:
the README's tour, a user other than root, data in /data kept across a restart, and a prompt clean stop."""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Iterator

import pytest

from exopool.testing.server import free_port
from tests.image.conftest import (
    BUNDLE_MARKER,
    ENGINE,
    NEEDS_ENGINE,
    ROOT,
    ULIMITS,
    Container,
    engine,
    host_ca_bundle,
)
from tests.support import assert_error

NUMBERS = "/v2_beta/Accounts/demo_in/IncomingPhoneNumbers"
DEMO = ("demo_in_key", "demo_in_token")
TOUR_NUMBER = "08048332503"  # the README tour's purchase
pytestmark = NEEDS_ENGINE


@pytest.fixture
def container(image: str) -> Iterator[Container]:
    """The image run with no arguments, its /data on a volume of its own, published on a loopback port."""
    name = f"exopool-test-{uuid.uuid4().hex[:10]}"
    port = free_port()
    engine("run", "--detach", "--name", name, *ULIMITS, "--volume", f"{name}:/data",
           "--publish", f"127.0.0.1:{port}:8080", image)
    running = Container(name, f"http://127.0.0.1:{port}")
    try:
        running.wait_until_answering()
        yield running
    finally:
        running.remove()
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
    container.wait_until_answering()
    with container.http() as http:
        kept = http.get(f"{NUMBERS}/{sid}", auth=DEMO)
    assert kept.status_code == 200 and kept.json()["phone_number"] == "+918048332503", kept.text


def test_the_image_checks_its_own_health(image: str, container: Container) -> None:
    assert ENGINE is not None
    if ENGINE[0] == "podman":
        assert engine("healthcheck", "run", container.name).returncode == 0
    assert "http://127.0.0.1:8080/healthz" in engine("image", "inspect", image).stdout  # its HEALTHCHECK


def test_the_build_secret_and_the_build_itself_are_nowhere_in_the_image(image: str) -> None:
    final = (ROOT / "Containerfile").read_text().rpartition("\nFROM ")[2]
    assert not re.search(r"^RUN\b", final, flags=re.MULTILINE)  # the last stage sees no build mount
    history = engine("history", "--no-trunc", "--format", "{{.CreatedBy}}", image).stdout
    assert "secret" not in history and "/root/.cache/pip" not in history
    if host_ca_bundle() is None:
        return  # no bundle was handed to the build
    found = engine("run", "--rm", *ULIMITS, "--user", "0", "--entrypoint", "grep", image, "-rlF", BUNDLE_MARKER, "/",
                   "--exclude-dir=proc", "--exclude-dir=sys", "--exclude-dir=dev", check=False)
    assert found.returncode == 1 and found.stdout == "", found.stdout  # grep: 1 is "no file holds it"
