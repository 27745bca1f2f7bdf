"""The modules of `server/` import each other one way: no cycle, not even under TYPE_CHECKING or
inside a function.

A cycle means two modules cannot be understood (or tested, or moved) one without the other, and a
function-level import that dodges one only hides it. The graph is read from the source with `ast`,
so it sees every import statement wherever it stands, relative imports resolved to module names.
Lazy imports of third-party libraries are outside the graph: only `server.*` counts.
"""

from __future__ import annotations

import ast
from collections import deque
from dataclasses import dataclass
from pathlib import Path

import server

PACKAGE_ROOT = Path(server.__file__).parent

# Cycles that exist today and are being removed; each must go, and then go from this list (the
# test fails when a listed cycle no longer exists, so the list cannot outlive the cycle).
KNOWN_CYCLES: set[frozenset[str]] = set()  # none: keep it that way


@dataclass(frozen=True)
class Import:
    """One import statement's edge: `source` imports `target` at `line`."""

    source: str
    target: str
    line: int


def module_names(root: Path, package: str) -> dict[str, Path]:
    """Every module under `root` by its dotted name (a package by its own name, not `__init__`)."""
    names: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        parts = [package, *path.relative_to(root).with_suffix("").parts]
        if parts[-1] == "__init__":
            parts.pop()
        names[".".join(parts)] = path
    return names


def _base(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    """The module a `from ... import` names, with its leading dots resolved against `module`."""
    if node.level == 0:
        return node.module or ""
    anchor = module.split(".")
    if not is_package:
        anchor.pop()  # a module's `.` is its package; a package's `.` is itself
    anchor = anchor[: len(anchor) - (node.level - 1)]
    return ".".join(anchor + ([node.module] if node.module else []))


def imports_of(module: str, path: Path, known: set[str]) -> list[Import]:
    """The edges from `module` to other modules in `known`. `from a import b` is an edge to `a.b`
    when that is a module, and to `a` otherwise (b is a name defined in a)."""
    tree = ast.parse(path.read_text(), filename=str(path))
    is_package = path.name == "__init__.py"
    edges: list[Import] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = _base(module, is_package, node)
            targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in known else base for alias in node.names]
        else:
            continue
        edges += [Import(module, t, node.lineno) for t in dict.fromkeys(targets) if t in known and t != module]
    return edges


def import_graph(root: Path, package: str) -> dict[str, dict[str, int]]:
    """module -> imported module -> the line of the (first) import."""
    modules = module_names(root, package)
    graph: dict[str, dict[str, int]] = {m: {} for m in modules}
    for module, path in modules.items():
        for edge in imports_of(module, path, set(modules)):
            graph[module].setdefault(edge.target, edge.line)
    return graph


def cyclic_groups(graph: dict[str, dict[str, int]]) -> set[frozenset[str]]:
    """The strongly connected components with more than one module (Tarjan's algorithm): each is
    a set of modules that all reach each other, so every cycle lies inside exactly one of them."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: set[frozenset[str]] = set()

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on_stack.add(v)
        for w in graph[v]:
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on_stack:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            group = set()
            while True:
                w = stack.pop()
                on_stack.discard(w)
                group.add(w)
                if w == v:
                    break
            if len(group) > 1:
                groups.add(frozenset(group))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return groups


def shortest_cycle(graph: dict[str, dict[str, int]], group: frozenset[str]) -> list[str]:
    """A shortest cycle through the group's first module, as `a.py:3 -> b.py:7 -> a` steps."""
    start = min(group)
    came_from: dict[str, str] = {}
    queue = deque([start])
    while queue:
        v = queue.popleft()
        for w in sorted(graph[v]):
            if w not in group:
                continue
            if w == start:
                path = [v]
                while path[-1] != start:
                    path.append(came_from[path[-1]])
                path.reverse()
                return [f"{a} (line {graph[a][b]})" for a, b in zip(path, path[1:] + [start])] + [start]
            if w not in came_from:
                came_from[w] = v
                queue.append(w)
    raise AssertionError(f"{sorted(group)} is not a cycle")  # pragma: no cover


def describe(graph: dict[str, dict[str, int]], groups: set[frozenset[str]]) -> str:
    return "\n".join(" -> ".join(shortest_cycle(graph, g)) for g in sorted(groups, key=sorted))


def test_server_modules_import_each_other_one_way():
    graph = import_graph(PACKAGE_ROOT, "server")
    groups = cyclic_groups(graph)
    new = groups - KNOWN_CYCLES
    assert not new, f"import cycle(s) in server/:\n{describe(graph, new)}"


def test_every_known_cycle_still_exists():
    gone = KNOWN_CYCLES - cyclic_groups(import_graph(PACKAGE_ROOT, "server"))
    assert not gone, f"no longer a cycle, take it off KNOWN_CYCLES: {[sorted(g) for g in gone]}"


DEVELOPMENT_TOOLING = {"server.harness"}  # runs servers for tests and benchmarks


def test_no_server_module_imports_the_development_tooling():
    graph = import_graph(PACKAGE_ROOT, "server")
    users = {f"{m} (line {targets[t]})": t for m, targets in graph.items() for t in targets
             if t in DEVELOPMENT_TOOLING and m not in DEVELOPMENT_TOOLING}
    assert not users, f"the server imports its development tooling: {users}"


# --- the checker itself ------------------------------------------------------------------------

def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = root / "pkg" / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return root / "pkg"


def test_the_checker_sees_cycles_hidden_under_type_checking_and_in_functions(tmp_path):
    pkg = write(tmp_path, {
        "__init__.py": "",
        "live/__init__.py": "",
        "live/hub.py": "from .channel import Channel\n",
        "live/channel.py": "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from .hub import Hub\n",
        "app.py": "def make():\n    from pkg.live import hub\n",
        "live/wiring.py": "def later():\n    from .. import app\n",
        "cli.py": "import json\nimport pkg.app\n",  # one way: no cycle
    })
    graph = import_graph(pkg, "pkg")
    assert graph["pkg.app"] == {"pkg.live.hub": 2}
    assert graph["pkg.live.wiring"] == {"pkg.app": 2}
    assert graph["pkg.cli"] == {"pkg.app": 2}
    assert cyclic_groups(graph) == {frozenset({"pkg.live.hub", "pkg.live.channel"})}
    assert describe(graph, cyclic_groups(graph)) == (
        "pkg.live.channel (line 3) -> pkg.live.hub (line 1) -> pkg.live.channel")


def test_the_checker_resolves_names_to_their_module_or_package(tmp_path):
    pkg = write(tmp_path, {
        "__init__.py": "from .store import base\n",
        "store/__init__.py": "from .base import Store\n",
        "store/base.py": "from . import sql\nfrom ..store import Store\n",
        "store/sql.py": "",
    })
    graph = import_graph(pkg, "pkg")
    assert graph["pkg"] == {"pkg.store.base": 1}
    assert graph["pkg.store"] == {"pkg.store.base": 1}
    assert graph["pkg.store.base"] == {"pkg.store.sql": 1, "pkg.store": 2}
    assert cyclic_groups(graph) == {frozenset({"pkg.store", "pkg.store.base"})}
