"""What the dashboard's sandbox panel needs of a sandbox, as a small interface.

The dashboard does not import the sandbox (edges never import each other): the composition root
hands it something with these methods in sandbox mode, and nothing otherwise.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Protocol


class SandboxControls(Protocol):
    def now(self) -> datetime:
        """The sandbox clock's time."""

    def advanced_seconds(self) -> float:
        """How far the clock was moved since the server started."""

    async def advance(self, seconds: float) -> None:
        """Move the clock forward; what became due has happened when this returns."""

    async def reset(self) -> None:
        """Back to the seeded state: data, journal, fault rules, release timing."""

    def requests(self, *, path: str | None, status: int | None, api_key: str | None,
                 limit: int) -> list[dict[str, Any]]:
        """The journal's entries, newest last; path a glob, status and api_key exact."""

    def fault_rules(self) -> list[dict[str, Any]]:
        """The fault rules as the control plane lists them."""

    def add_fault(self, spec: dict[str, Any]) -> dict[str, Any]:
        """Add a rule from the control plane's fields; InvalidParameter names a bad field."""

    def delete_fault(self, rule_id: int) -> bool:
        """Remove a rule; False when there is none with that id."""
