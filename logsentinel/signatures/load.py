"""The signature library: every signature found under one or more patterns folders."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from logsentinel.signatures.build import load_file_signatures
from logsentinel.signatures.model import Problem, Signature
from logsentinel.yamlload import YamlError, load_yaml

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Library:
    """Signatures in load order (sorted by path, then position in the file)."""

    signatures: list[Signature] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


def signature_files(folder: Path) -> list[Path]:
    """Every YAML file at any depth under ``folder``, in a stable order."""
    if folder.is_file():
        return [folder]
    return sorted(p for p in folder.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file())


def load_library(folders: list[Path] | list[str]) -> Library:
    """Load every signature under ``folders``; problems are collected, never raised."""
    lib = Library()
    seen: dict[str, Signature] = {}
    for folder in map(Path, folders):
        if not folder.exists():
            lib.problems.append(Problem(str(folder), None, None, None, "patterns folder not found"))
            continue
        files = signature_files(folder)
        if not files:
            lib.problems.append(Problem(str(folder), None, None, None, "no .yaml signature files found", "warning"))
        for path in files:
            lib.files.append(path)
            name = display_path(path)
            try:
                data = load_yaml(path)
            except YamlError as exc:
                lib.problems.append(Problem(name, exc.line, None, None, exc.message))
                continue
            sigs, problems = load_file_signatures(data, name)
            lib.problems.extend(problems)
            for sig in sigs:
                other = seen.get(sig.id)
                if other is not None:
                    lib.problems.append(Problem(name, sig.line, sig.id, "id",
                                                f"duplicate id: also defined at {other.file}:{other.line}"))
                    continue
                seen[sig.id] = sig
                lib.signatures.append(sig)
    return lib


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
