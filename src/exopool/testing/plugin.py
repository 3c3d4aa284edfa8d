"""The pytest plugin: `exopool_sandbox`, a fresh exopool sandbox for each test.

Registered through the `pytest11` entry point, so installing exopool is enough. Choose the seed
with `@pytest.mark.exopool_seed(...)` (a mapping, or a path to a JSON or YAML file), or by
overriding the `exopool_seed` fixture; without either, the demo seed is used.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from exopool.testing.server import ExopoolSandbox, Seed, migrated_sqlite, start_sandbox


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "exopool_seed(seed): the seed of the exopool_sandbox fixture (a mapping or a JSON/YAML file path)"
    )


@pytest.fixture(scope="session")
def exopool_database_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One migrated database per session; each sandbox starts from a copy."""
    return migrated_sqlite(tmp_path_factory.mktemp("exopool-template") / "exopool.db")


@pytest.fixture
def exopool_seed(request: pytest.FixtureRequest) -> Seed:
    """The seed named by the closest exopool_seed marker; None means the demo seed."""
    marker = request.node.get_closest_marker("exopool_seed")
    return marker.args[0] if marker else None


@pytest.fixture
def exopool_sandbox(
    exopool_seed: Seed, exopool_database_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ExopoolSandbox]:
    """A running exopool sandbox: base_url, accounts (with fixed keys), journal, fault and clock methods."""
    directory = tmp_path_factory.mktemp("exopool-sandbox")
    with start_sandbox(directory, exopool_seed, exopool_database_template) as sandbox:
        yield sandbox
