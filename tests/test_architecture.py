"""The shape of the code: the pure core (records, matching, detection) imports no I/O, clock,
logging or threads, not even through the modules it uses; and the layers stay in order: the
core never imports a shell (sources, sinks, dispatch, app, cli), and no shell a later one."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from conftest import ROOT

PACKAGE = ROOT / "logsentinel"
PURE = ("records", "matching", "detection")
FORBIDDEN = {"time", "os", "sqlite3", "socket", "logging", "threading", "requests", "subprocess", "shutil",
             "datetime.now"}
# layers: a package may import its own and earlier ones (and the shared top-level modules)
ORDER = ["records", "signatures", "matching", "detection", "sources", "sinks", "dispatch", "app", "cli"]
SHARED = {"units", "timefmt", "clock", "yamlload"}


def _modules() -> dict[str, Path]:
    return {".".join(p.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__"): p
            for p in PACKAGE.rglob("*.py")}


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
    bad = {(mod, name) for mod in reached for name in _imports(MODULES[mod])
           if name.split(".")[0] in FORBIDDEN or name in FORBIDDEN}
    assert not bad, f"{module} reaches impure imports: {sorted(bad)}"


@pytest.mark.parametrize("module", sorted(m for m in MODULES if _stage(m) in ORDER))
def test_no_layer_imports_a_later_one(module):
    here = ORDER.index(_stage(module))
    later = {name for name in _imports(MODULES[module])
             if name in MODULES and _stage(name) in ORDER and ORDER.index(_stage(name)) > here}
    assert not later, f"{module} imports later layers: {sorted(later)}"


def test_the_guard_itself_sees_an_impure_import(tmp_path):
    probe = tmp_path / "m.py"
    probe.write_text("import os\nfrom time import time\nfrom datetime import datetime\nx = datetime.now()\n")
    assert {"os", "time", "datetime.now"} <= _imports(probe)
