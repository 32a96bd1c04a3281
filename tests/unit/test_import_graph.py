"""The import graph runs one way: features build on the ground floor, never the reverse, and no
two modules import each other (not even from inside a function)."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[2] / "inspect_app"
# What every feature may import; it imports no feature (issue 14).
GROUND_FLOOR = ("web", "access", "errors", "config", "extensions")
# Every feature package (a folder with its blueprint), and the modules that gather them.
FEATURES = {p.parent.name for p in PACKAGE.glob("*/__init__.py")}
GATHERERS = {"inspect_app", "inspect_app.models", "inspect_app.cli", "inspect_app.demo", "inspect_app.nav"}


def _modules() -> dict[str, Path]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imports(name: str) -> set[str]:
    """The package modules `name` imports anywhere in its body, functions included."""
    path = MODULES[name]
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = package.split(".")
            base = base[:len(base) - node.level + 1] if node.level else []
            target = ".".join([*base, node.module] if node.module else base)
            for alias in node.names:  # `from . import x` names a module when x is one
                sub = f"{target}.{alias.name}"
                found.add(sub if sub in MODULES else target)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: _imports(name) for name in MODULES}


def _reach(start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        for nxt in GRAPH[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_the_graph_sees_the_package():
    """Guards the test itself: it parses real modules and finds known edges."""
    assert "inspect_app.hazards.service" in GRAPH["inspect_app.hazards.lifecycle"]
    assert "inspect_app.errors" in GRAPH["inspect_app.web"]


@pytest.mark.parametrize("module", GROUND_FLOOR)
def test_ground_floor_imports_no_feature(module):
    name = f"inspect_app.{module}"
    reached = _reach(name)
    features = sorted(m for m in reached if m in GATHERERS or m.split(".")[1] in FEATURES)
    assert features == [], f"{name} reaches {features}"


def _circles() -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan), the app factory left out:
    it imports every feature to register it, so it sits on top of the graph."""
    graph = {n: GRAPH[n] - {"inspect_app"} for n in GRAPH if n != "inspect_app"}
    # The task queue imports the job modules when it starts, to know them: the queue's
    # counterpart of the app factory, so those edges are left out too.
    graph["inspect_app.tasks"] = {m for m in graph["inspect_app.tasks"]
                                  if m.split(".")[1] not in FEATURES}
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    circles = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph[node]:
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                circles.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(circles)


def test_no_import_circle():
    # ledgers/service and ledgers/stats were the last pair; both now import ledgers/filters.
    assert _circles() == []


# Modules that scripts (bench/, one-off shells) import before any app exists; each builds
# statements or loader options at import, which configures the mappers then.
FIRST_IMPORTS = ("inspect_app.sites.service", "inspect_app.hazards.service",
                 "inspect_app.ledgers.service", "inspect_app.generate", "inspect_app.home.views")


@pytest.mark.parametrize("name", FIRST_IMPORTS)
def test_module_imports_first_in_a_fresh_interpreter(name):
    """Imported first, before create_app(), the module finds every mapper it names."""
    import subprocess
    import sys

    done = subprocess.run([sys.executable, "-c", f"import {name}"], capture_output=True,
                          text=True, cwd=PACKAGE.parent, timeout=120)
    assert done.returncode == 0, done.stderr[-800:]
