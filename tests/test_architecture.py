"""The shape of the code: the pure core (records, matching, detection) imports no I/O, clock,
logging or threads, not even through the modules it uses; the layers stay in order: the core
never imports a shell (sources, sinks, dispatch, config, cache, state, tools, runtime, web, cli),
and no shell a later one; and no file imports itself through others (no import circle)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from conftest import ROOT

PACKAGE = ROOT / "logsentinel"
PURE = ("records", "matching", "detection")
FORBIDDEN = {
    "time",
    "os",
    "sqlite3",
    "socket",
    "logging",
    "threading",
    "requests",
    "subprocess",
    "shutil",
    "datetime.now",
}
# layers: a package may import its own and earlier ones (and the shared top-level modules)
ORDER = [
    "records",
    "signatures",
    "matching",
    "detection",
    "sources",
    "sinks",
    "dispatch",
    "config",
    "cache",
    "state",
    "tools",
    "runtime",
    "web",
    "cli",
]
SHARED = {"units", "timefmt", "clock", "yamlload", "sre", "__main__"}


def _modules() -> dict[str, Path]:
    return {
        ".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p for p in PACKAGE.rglob("*.py")
    }


def _imports(path: Path) -> set[str]:
    out = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            out.add(node.module)
            out.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Attribute) and node.attr in ("now", "utcnow", "today"):
            out.add("datetime.now")  # a clock read through datetime
    return out


MODULES = _modules()


def _stage(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else None


def _closure(module: str) -> set[str]:
    """Every logsentinel module ``module`` imports, directly or through others."""
    seen, todo = set(), [module]
    while todo:
        mod = todo.pop()
        for name in _imports(MODULES[mod]):
            if name in MODULES and name not in seen:
                seen.add(name)
                todo.append(name)
    return seen


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _stage(m) in PURE))
def test_the_core_is_pure(module):
    reached = {module} | _closure(module)
    bad = {
        (mod, name)
        for mod in reached
        for name in _imports(MODULES[mod])
        if name.split(".")[0] in FORBIDDEN or name in FORBIDDEN
    }
    assert not bad, f"{module} reaches impure imports: {sorted(bad)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _stage(m) in ORDER))
def test_no_layer_imports_a_later_one(module):
    here = ORDER.index(_stage(module))
    later = {
        name
        for name in _imports(MODULES[module])
        if name in MODULES and _stage(name) in ORDER and ORDER.index(_stage(name)) > here
    }
    assert not later, f"{module} imports later layers: {sorted(later)}"


def test_the_guard_itself_sees_an_impure_import(tmp_path):
    probe = tmp_path / "m.py"
    probe.write_text("import os\nfrom time import time\nfrom datetime import datetime\nx = datetime.now()\n")
    assert {"os", "time", "datetime.now"} <= _imports(probe)


def test_every_package_has_its_place():
    stages = {_stage(m) for m in MODULES} - {None}
    top = {m.split(".")[1] for m in MODULES if m.count(".") == 1 and not (PACKAGE / m.split(".")[1]).is_dir()}
    assert stages - top <= set(ORDER), f"packages not in the layer order: {sorted(stages - top - set(ORDER))}"
    assert top <= SHARED, f"top-level modules not declared shared: {sorted(top - SHARED)}"


def _graph() -> dict[str, set[str]]:
    """Each logsentinel module and the logsentinel modules it imports (a name imported from a
    module counts as that module: ``from logsentinel.a import b`` -> ``logsentinel.a`` or the
    submodule ``logsentinel.a.b``), lazy imports inside functions included."""
    return {mod: {name for name in _imports(path) if name in MODULES and name != mod} for mod, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    out: list[list[str]] = []
    counter = 0
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on.add(root)
        while work:
            node, children = work[-1]
            for child in children:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on.add(child)
                    work.append((child, iter(sorted(graph[child]))))
                    break
                if child in on:
                    low[node] = min(low[node], index[child])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[node])
                if low[node] == index[node]:
                    comp = []
                    while True:
                        m = stack.pop()
                        on.discard(m)
                        comp.append(m)
                        if m == node:
                            break
                    if len(comp) > 1:
                        out.append(sorted(comp))
    return out


def test_there_is_no_import_circle():
    assert _cycles(_graph()) == []


def test_the_circle_finder_finds_one():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []
