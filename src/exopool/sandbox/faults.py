"""Fault rules: make matching requests fail, slow down, or lose their connection, on purpose.

A rule matches a method, a path pattern and an account. Patterns are globs (`*` matches
anything, including `/`) unless they start with `re:`, which makes the rest a regular
expression matched against the whole path. Each rule draws from its own random generator, so
a rule given a `seed` fires on the same requests every run; `count` caps how often it fires.
"""

from __future__ import annotations

import random
import re
import threading
from dataclasses import dataclass, field
from fnmatch import fnmatchcase
from typing import Any

from exopool.errors import InvalidParameter

ACTIONS = ("error", "latency", "drop")
MAX_LATENCY_MS = 60_000


@dataclass
class FaultRule:
    id: int
    action: str
    method: str = "*"
    path: str = "*"
    account: str | None = None
    status: int = 500
    message: str | None = None
    retry_after: int | None = None
    latency_ms: int = 0
    probability: float = 1.0
    count: int | None = None
    seed: int | None = None
    fired: int = 0
    seen: int = 0
    rng: random.Random = field(default_factory=random.Random, repr=False)

    def matches(self, method: str, path: str, account: str | None) -> bool:
        if self.method != "*" and self.method != method:
            return False
        if self.account is not None and self.account != account:
            return False
        if self.path.startswith("re:"):
            return re.fullmatch(self.path[3:], path) is not None
        return fnmatchcase(path, self.path)

    @property
    def exhausted(self) -> bool:
        return self.count is not None and self.fired >= self.count

    def draw(self) -> bool:
        """Whether the rule fires on this matching request; the draw happens even when p is 1."""
        self.seen += 1
        if self.exhausted or self.rng.random() >= self.probability:
            return False
        self.fired += 1
        return True

    def to_wire(self) -> dict[str, Any]:
        shown = {k: v for k, v in vars(self).items() if k != "rng"}
        return {**shown, "remaining": None if self.count is None else max(self.count - self.fired, 0)}


class Faults:
    """The rules in the order they were added; the first rule that fires decides (latency adds up)."""

    def __init__(self) -> None:
        self._rules: list[FaultRule] = []
        self._lock = threading.Lock()
        self._next_id = 1

    def add(self, spec: dict[str, Any]) -> FaultRule:
        with self._lock:
            rule = parse_rule(self._next_id, spec)
            self._next_id += 1
            self._rules.append(rule)
            return rule

    def rules(self) -> list[FaultRule]:
        with self._lock:
            return list(self._rules)

    def delete(self, rule_id: int) -> bool:
        with self._lock:
            kept = [r for r in self._rules if r.id != rule_id]
            found, self._rules = len(kept) != len(self._rules), kept
            return found

    def clear(self) -> None:
        with self._lock:
            self._rules = []

    def firing(self, method: str, path: str, account: str | None) -> list[FaultRule]:
        """The rules that fire for this request: any latency rules, then at most one error or drop."""
        fired = []
        with self._lock:
            for rule in self._rules:
                if rule.matches(method, path, account) and rule.draw():
                    fired.append(rule)
                    if rule.action != "latency":
                        break
        return fired


def parse_rule(rule_id: int, spec: dict[str, Any]) -> FaultRule:
    """A rule from the control plane's JSON, or InvalidParameter saying what is wrong."""
    unknown = set(spec) - {"action", "method", "path", "account", "status", "message", "retry_after",
                           "latency_ms", "probability", "count", "seed"}
    if unknown:
        raise InvalidParameter(None, f"Unknown fault field(s): {', '.join(sorted(unknown))}")
    action = spec.get("action")
    if action not in ACTIONS:
        raise InvalidParameter("action", f"must be one of {', '.join(ACTIONS)}, not {action!r}")
    rule = FaultRule(
        rule_id, action, method=str(spec.get("method") or "*").upper(), path=str(spec.get("path") or "*"),
        account=spec.get("account"), message=spec.get("message"),
        status=_int(spec, "status", 500, 400, 599) or 500,
        latency_ms=_int(spec, "latency_ms", 0, 0, MAX_LATENCY_MS) or 0,
        retry_after=_int(spec, "retry_after", None, 0, 86_400), count=_int(spec, "count", None, 1, 10**9),
        seed=_int(spec, "seed", None, -(2**63), 2**63), probability=_probability(spec.get("probability", 1.0)),
    )
    if action == "latency" and rule.latency_ms == 0:
        raise InvalidParameter("latency_ms", "must be greater than 0 for a latency fault")
    if rule.path.startswith("re:"):
        try:
            re.compile(rule.path[3:])
        except re.error as error:
            raise InvalidParameter("path", f"regular expression {rule.path[3:]!r} is not valid: {error}") from error
    rule.rng = random.Random(rule.seed)
    return rule


def _int(spec: dict[str, Any], name: str, default: int | None, low: int, high: int) -> int | None:
    value = spec.get(name, default)
    if value is None:
        return None
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise InvalidParameter(name, f"must be a whole number from {low} to {high}, not {value!r}")
    return value


def _probability(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
        raise InvalidParameter("probability", f"must be a number from 0 to 1, not {value!r}")
    return float(value)
