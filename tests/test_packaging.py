"""`python -m build` makes an sdist and, from it, a wheel that twine accepts. The wheel without extras is the
SDK alone: installed into a fresh environment with pytest, its client works and its pytest plugin loads; the
sandbox fixture then says which extra it needs. With `server` it asks for the whole service."""

from __future__ import annotations

import shutil
import subprocess
import sys
import textwrap
import tomllib
import venv
import zipfile
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
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The folder `python -m build` fills: the sdist, and the wheel built from that sdist."""
    work = tmp_path_factory.mktemp("dist")
    source = work / "source"  # a copy: building in place would leave build/ and egg-info in the work tree
    shutil.copytree(ROOT, source, ignore=shutil.ignore_patterns(".*", "tests", "bench", "docs", "build", "dist",
                                                                "*.egg-info", "__pycache__", "node_modules"))
    built = subprocess.run([sys.executable, "-m", "build", "--outdir", str(work / "dist"), str(source)],
                           capture_output=True, text=True, timeout=600)
    assert built.returncode == 0, built.stdout[-3000:] + built.stderr[-3000:]
    return work / "dist"


@pytest.fixture(scope="module")
def wheel(dist: Path) -> Path:
    return next(dist.glob("exopool-*.whl"))


@pytest.fixture(scope="module")
def sdk_only(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment holding the built wheel (no extras) and pytest; its python."""
    work = tmp_path_factory.mktemp("wheel")
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


def test_python_m_build_makes_an_sdist_and_a_wheel_that_twine_accepts(dist: Path) -> None:
    version = PROJECT["version"]
    assert sorted(p.name for p in dist.iterdir()) == [f"exopool-{version}-py3-none-any.whl",
                                                       f"exopool-{version}.tar.gz"]
    checked = subprocess.run([sys.executable, "-m", "twine", "check", "--strict", *map(str, sorted(dist.iterdir()))],
                             capture_output=True, text=True, timeout=120)
    assert checked.returncode == 0 and checked.stdout.count("PASSED") == 2, checked.stdout + checked.stderr


def test_the_wheel_holds_the_service_files_and_its_server_extra_is_the_pinned_service(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = archive.read(next(n for n in names if n.endswith(".dist-info/METADATA"))).decode()
    for folder in ("exopool/web/templates/", "exopool/web/static/", "exopool/migrations/versions/"):
        assert any(n.startswith(folder) for n in names), folder  # what an installed server reads besides code
    requires = [line.removeprefix("Requires-Dist: ") for line in metadata.splitlines()
                if line.startswith("Requires-Dist: ")]
    assert [r for r in requires if ";" not in r] == PROJECT["dependencies"] == ["httpx==0.28.1"]
    server = [r.split(";")[0].strip() for r in requires if r.endswith('extra == "server"')]
    assert server == PROJECT["optional-dependencies"]["server"] and "uvicorn[standard]==0.54.0" in server
