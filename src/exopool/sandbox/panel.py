"""The sandbox as the dashboard's sandbox panel sees it (web.controls.SandboxControls), without either
edge importing the other: the composition root hands this to the dashboard in sandbox mode."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from exopool.sandbox.core import Sandbox


class PanelControls:
    def __init__(self, sandbox: Sandbox) -> None:
        self.sandbox = sandbox

    def now(self) -> datetime:
        return self.sandbox.clock.now()

    def advanced_seconds(self) -> float:
        return self.sandbox.advanced_seconds

    async def advance(self, seconds: float) -> None:
        await self.sandbox.advance(seconds)

    async def reset(self) -> None:
        await self.sandbox.reset()

    def requests(self, *, path: str | None, status: int | None, api_key: str | None,
                 limit: int) -> list[dict[str, Any]]:
        return self.sandbox.journal.find(path=path, status=status, api_key=api_key, limit=limit)

    def fault_rules(self) -> list[dict[str, Any]]:
        return [rule.to_wire() for rule in self.sandbox.faults.rules()]

    def add_fault(self, spec: dict[str, Any]) -> dict[str, Any]:
        return self.sandbox.faults.add(spec).to_wire()

    def delete_fault(self, rule_id: int) -> bool:
        return self.sandbox.faults.delete(rule_id)
