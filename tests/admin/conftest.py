"""An operator, and a client of the real server's admin API holding its token."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import httpx
import pytest

from exopool.clock import ManualClock
from exopool.db import Database
from exopool.services.operators import create_operator
from tests.conftest import SECRET, ServerThread


@dataclass(frozen=True)
class Operator:
    name: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@pytest.fixture
def operator(db: Database, clock: ManualClock) -> Operator:
    issued = db.transact(create_operator, clock, SECRET, "ops")
    return Operator(issued.name, issued.token)


@pytest.fixture
def admin(server: ServerThread, operator: Operator) -> Iterator[httpx.Client]:
    """A client of /admin/v1 carrying the operator's token."""
    with httpx.Client(base_url=f"{server.url}/admin/v1", headers=operator.headers, timeout=30) as client:
        yield client
