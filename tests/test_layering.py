"""The rings of docs/design.md hold: every import points inward, edges never import each other, and
no two of exopool's packages import each other, however indirectly."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SOURCE = Path(__file__).resolve().parent.parent / "src"

# Innermost first; a module may import its own ring and the rings inside it (docs/design.md).
RINGS = (
    ("core", ("exopool", "exopool.config", "exopool.errors", "exopool.entities", "exopool.lifecycle",
              "exopool.phone", "exopool.clock", "exopool.ids", "exopool.text", "exopool.flags", "exopool.backoff",
              "exopool.logs", "exopool.files", "exopool.shown")),
    ("infrastructure", ("exopool.models", "exopool.db", "exopool.migrations", "exopool.carriers", "exopool.senders",
                        "exopool.ratelimit")),
    ("services", ("exopool.services",)),
    ("workers", ("exopool.jobs",)),
    ("http", ("exopool.http",)),
    ("edges", ("exopool.api", "exopool.admin", "exopool.web", "exopool.sandbox", "exopool.ops")),
    ("composition", ("exopool.app", "exopool.server", "exopool.cli", "exopool.testing", "exopool.__main__")),
)
EDGES = dict(RINGS)["edges"]
SDK = "exopool.client"  # a distribution of its own: it imports nothing of the server, and the server nothing of it


def module_name(path: Path) -> str:
    parts = list(path.relative_to(SOURCE).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports_of(path: Path) -> set[str]:
    """Every exopool module this file imports, at the top or inside a function."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return {name for name in found if name == "exopool" or name.startswith("exopool.")}


def owner(module: str, groups: tuple[str, ...]) -> str | None:
    """The longest of groups that module is or lies inside."""
    matches = [group for group in groups if module == group or module.startswith(group + ".")]
    return max(matches, key=len) if matches else None


def ring_of(module: str) -> int | None:
    for index, (_, members) in enumerate(RINGS):
        if owner(module, members) is not None and (module == "exopool" or owner(module, members) != "exopool"):
            return index
    return None


def known(imported: str) -> str | None:
    """The module (or package) an imported name belongs to, among the source files."""
    candidate = imported
    while candidate:
        if (SOURCE / Path(*candidate.split("."))).with_suffix(".py").exists() or \
                (SOURCE / Path(*candidate.split(".")) / "__init__.py").exists():
            return candidate
        candidate = candidate.rpartition(".")[0]
    return None


MODULES = {module_name(path): path for path in SOURCE.rglob("*.py") if "migrations/versions" not in str(path)}
GRAPH = {module: {found for name in imports_of(path) if (found := known(name)) and found != module}
         for module, path in MODULES.items()}
SERVER = sorted(module for module in MODULES if owner(module, (SDK,)) is None)


def test_every_module_of_the_server_belongs_to_a_ring() -> None:
    assert [module for module in SERVER if ring_of(module) is None] == []


@pytest.mark.parametrize("module", SERVER)
def test_a_module_imports_only_its_own_ring_and_the_rings_inside_it(module: str) -> None:
    ring = ring_of(module)
    assert ring is not None
    outward = sorted(name for name in GRAPH[module] if owner(name, (SDK,)) is None and (ring_of(name) or 0) > ring)
    assert outward == [], f"{module} (ring {RINGS[ring][0]}) imports outer rings"


@pytest.mark.parametrize("module", [module for module in SERVER if owner(module, EDGES)])
def test_an_edge_imports_no_other_edge(module: str) -> None:
    own = owner(module, EDGES)
    assert sorted(name for name in GRAPH[module] if owner(name, EDGES) not in (None, own)) == []


def test_the_sdk_and_the_server_do_not_import_each_other() -> None:
    sdk = [module for module in MODULES if owner(module, (SDK,))]
    assert sorted(name for module in sdk for name in GRAPH[module] if owner(name, (SDK,)) is None) == []
    assert sorted(name for module in SERVER for name in GRAPH[module] if owner(name, (SDK,))) == []


def package_of(module: str) -> str:
    """exopool.db.units -> exopool.db; a module at the package root is its own node."""
    return ".".join(module.split(".")[:2])


def test_no_two_packages_import_each_other_even_indirectly() -> None:
    edges: dict[str, set[str]] = {}
    for module, names in GRAPH.items():
        edges.setdefault(package_of(module), set()).update(
            package_of(name) for name in names if package_of(name) != package_of(module))
    assert find_cycle(edges) is None


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    """A cycle of the graph, as the nodes along it, or None when it has none."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return [*path[path.index(nxt):], nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        path.pop()
        return None

    for start in sorted(edges):
        if start not in state and (cycle := visit(start)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle_and_only_a_cycle() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b", "c"}, "b": {"c"}, "c": set()}) is None


def test_a_module_of_an_outer_ring_is_caught() -> None:
    assert ring_of("exopool.services.pool") == 2 and ring_of("exopool.api.routes") == 5
    assert ring_of("exopool.config") == 0 and ring_of("exopool") == 0
