"""The wheel without extras is the SDK alone: installed into a fresh environment with pytest, its client
works and its pytest plugin loads; the sandbox fixture then says which extra it needs."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PYTEST = "pytest==9.2.0"

SDK_TEST = textwrap.dedent("""
    import httpx
    from exopool.client import Client, NotFoundError

    def test_the_client_maps_a_404():
        def answer(request):
            return httpx.Response(404, json={"RestException": {"Status": 404, "Message": "gone", "Code": 1000}})
        client = Client("key", "token", "acme1", region="in", transport=httpx.MockTransport(answer))
        try:
            client.phone_numbers.get("x")
        except NotFoundError as error:
            assert error.code == 1000
        else:
            raise AssertionError("no NotFoundError")
""")
FIXTURE_TEST = "def test_a_sandbox(exopool_sandbox):\n    pass\n"


@pytest.fixture(scope="module")
def sdk_only(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the built wheel (no extras) and pytest; its python."""
    work = tmp_path_factory.mktemp("wheel")
    source = work / "source"  # a copy: building in place would leave build/ and egg-info in the work tree
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "tests", "bench", "docs", "build",
                                                                "*.egg-info", "__pycache__", "node_modules"))
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--quiet", "--no-deps", "-w", str(work), str(source)],
                   check=True, timeout=600)
    wheel = next(work.glob("exopool-*.whl"))
    venv.create(work / "venv", with_pip=True)
    python = work / "venv" / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", str(wheel), PYTEST], check=True, timeout=600)
    return python


def pytest_in(python: Path, directory: Path, source: str) -> subprocess.CompletedProcess[str]:
    directory.mkdir()
    (directory / "test_it.py").write_text(source)
    return subprocess.run([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider", str(directory)],
                          cwd=directory, capture_output=True, text=True, timeout=300)


def test_the_sdk_alone_installs_without_the_server_and_its_plugin_loads(sdk_only: Path, tmp_path: Path) -> None:
    missing = subprocess.run([str(sdk_only), "-c", "import uvicorn"], capture_output=True, text=True)
    assert missing.returncode != 0  # the server's libraries are truly absent
    ran = pytest_in(sdk_only, tmp_path / "sdk", SDK_TEST)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert "1 passed" in ran.stdout


def test_the_sandbox_fixture_without_the_server_says_to_install_the_extra(sdk_only: Path, tmp_path: Path) -> None:
    ran = pytest_in(sdk_only, tmp_path / "fixture", FIXTURE_TEST)
    assert ran.returncode == 1 and "1 error" in ran.stdout, ran.stdout + ran.stderr
    assert "pip install 'exopool[server]'" in ran.stdout and "ModuleNotFoundError" not in ran.stdout
