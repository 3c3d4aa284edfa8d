"""The container image as `make image` builds it, and a way to run and watch its containers."""

from __future__ import annotations

import fcntl
import os
import shutil
import ssl
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parent.parent.parent
IMAGE = "localhost/exopool:test"  # not :latest, which is the operator's
# Below the hard limits of hosts that set them low; the runtime refuses a container asking for more.
ULIMITS = ["--ulimit", "nofile=16384:16384", "--ulimit", "nproc=16384:16384"]


def container_engine() -> list[str] | None:
    """podman (on runc where it is installed, as `make image` builds), else a Docker that answers."""
    if shutil.which("podman"):
        return ["podman", *(["--runtime", "runc"] if shutil.which("runc") else [])]
    if shutil.which("docker") and subprocess.run(["docker", "info"], capture_output=True).returncode == 0:
        return ["docker"]
    return None


ENGINE = container_engine()
NEEDS_ENGINE = pytest.mark.skipif(ENGINE is None, reason="no container engine: neither podman nor a running Docker")


def engine(*args: str, timeout: float = 120, check: bool = True) -> subprocess.CompletedProcess[str]:
    """The container engine's answer to one command; a failure shows what it printed."""
    assert ENGINE is not None
    done = subprocess.run([*ENGINE, *args], capture_output=True, text=True, timeout=timeout)
    assert not check or done.returncode == 0, f"{' '.join(args)}: {done.stdout}{done.stderr}"
    return done


# A line of the CA bundle handed to the build as its secret: the image test looks for it in every file.
BUNDLE_MARKER = "# exopool image test: this build secret must be in no layer"


def host_ca_bundle() -> Path | None:
    """The bundle the host's pip trusts, found as deploy/build-image finds it."""
    named = os.environ.get("PIP_CERT", "")
    if not named:
        asked = subprocess.run([sys.executable, "-m", "pip", "config", "get", "global.cert"], capture_output=True,
                               text=True)
        named = asked.stdout.strip() if asked.returncode == 0 else ""
    named = named or ssl.get_default_verify_paths().cafile or ""
    return Path(named) if named and Path(named).is_file() else None


@pytest.fixture(scope="session")
def image(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The id of the image built by `make image`'s script (reusing the layers and base image built before it), pip
    trusting the host's CA bundle with BUNDLE_MARKER added."""
    assert ENGINE is not None
    environ = {**os.environ, "IMAGE": IMAGE, "ENGINE": ENGINE[0]}
    bundle = host_ca_bundle()
    if bundle is not None:
        marked = tmp_path_factory.mktemp("ca") / "ca-bundle.pem"
        marked.write_text(f"{bundle.read_text()}\n{BUNDLE_MARKER}\n")
        environ["CA_BUNDLE"] = str(marked)
    # Test processes running side by side build one at a time: the second finds every layer built. They
    # run the image by its id, which a build from another checkout, taking the tag, cannot change.
    with open(Path(tempfile.gettempdir()) / "exopool-image-build.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        built = subprocess.run([str(ROOT / "deploy" / "build-image")], env=environ, capture_output=True, text=True,
                               timeout=1200)
        assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
        return engine("image", "inspect", "--format", "{{.Id}}", IMAGE).stdout.strip()


@dataclass
class Container:
    """A running container of the image and the address its HTTP answers on, from outside."""

    name: str
    url: str

    def http(self) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10)

    def wait_until_answering(self, path: str = "/healthz", limit_s: float = 60) -> None:
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}{path}", timeout=2).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.25)
        logs = engine("logs", self.name, check=False)
        pytest.fail(f"{self.name} did not answer {path} within {limit_s} s:\n{logs.stdout}{logs.stderr}")

    def state(self, field: str) -> str:
        return engine("inspect", "--format", f"{{{{.State.{field}}}}}", self.name).stdout.strip()

    def remove(self) -> None:
        engine("rm", "--force", "--volumes", self.name, check=False)
