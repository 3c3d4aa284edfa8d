"""The pytest plugin: `exopool_sandbox`, a fresh exopool sandbox for each test.

Registered through the `pytest11` entry point, so installing exopool is enough. Choose the seed
with `@pytest.mark.exopool_seed(...)` (a mapping, or a path to a JSON or YAML file), or by
overriding the `exopool_seed` fixture; without either, the demo seed is used.

The plugin loads with the SDK alone (`pip install exopool`): the server's libraries are imported
only when a test asks for a sandbox, which then says to install `exopool[server]` if they are missing.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from exopool.testing.server import ExopoolSandbox

Seed = Mapping[str, Any] | str | Path | None
NEEDS_SERVER = "the exopool_sandbox fixture runs exopool's server, which needs its extra: pip install 'exopool[server]'"


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "exopool_seed(seed): the seed of the exopool_sandbox fixture (a mapping or a JSON/YAML file path)"
    )


def server_module() -> ModuleType:
    """exopool.testing.server, or a failed test saying which extra to install."""
    try:
        from exopool.testing import server
    except ModuleNotFoundError as error:
        pytest.fail(f"{NEEDS_SERVER} ({error.name} is not installed)", pytrace=False)
    return server


@pytest.fixture(scope="session")
def exopool_database_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database per session; each sandbox starts from a copy."""
    template: Path = server_module().migrated_sqlite(tmp_path_factory.mktemp("exopool-template") / "exopool.db")
    return template


@pytest.fixture
def exopool_seed(request: pytest.FixtureRequest) -> Seed:
    """The seed named by the closest exopool_seed marker; None means the demo seed."""
    marker = request.node.get_closest_marker("exopool_seed")
    seed: Seed = marker.args[0] if marker else None
    return seed


@pytest.fixture
def exopool_sandbox(
    exopool_seed: Seed, exopool_database_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ExopoolSandbox]:
    """A running exopool sandbox: base_url, accounts (with fixed keys), journal, fault and clock methods."""
    directory = tmp_path_factory.mktemp("exopool-sandbox")
    with server_module().start_sandbox(directory, exopool_seed, exopool_database_template) as sandbox:
        yield sandbox
