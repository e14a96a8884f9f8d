"""The signature library: every signature found under one or more patterns folders."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from logsentinel.signatures.build import load_file_signatures, regex_problem
from logsentinel.signatures.model import Problem, Signature
from logsentinel.signatures.vocabulary import VOCABULARY_FILE, Vocabulary
from logsentinel.yamlload import YamlError, load_yaml

YAML_SUFFIXES = (".yaml", ".yml")


@dataclass
class Library:
    """Signatures in load order (sorted by path, then position in the file)."""

    signatures: list[Signature] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    overrides: list[str] = field(default_factory=list)  # bundled signatures replaced by a folder's
    vocabulary: Vocabulary = field(default_factory=Vocabulary)  # every fragment, the last definition of each

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.level == "error"]


def signature_files(folder: Path) -> list[Path]:
    """Every signature file at any depth under ``folder``, in a stable order (the folder's
    vocabulary file is not one)."""
    if folder.is_file():
        return [folder]
    return sorted(
        p for p in folder.rglob("*") if p.suffix in YAML_SUFFIXES and p.is_file() and p.name != VOCABULARY_FILE
    )


def _known_problem(facts: dict[str, Any] | None) -> Any:
    """``regex_problem`` that skips a fragment found a regex on an earlier start (``facts``)."""
    if facts is None:
        return regex_problem

    def problem(source: str) -> tuple[str, int | None] | None:
        key = FRAGMENT_FACT + source
        if key in facts:
            return None
        found = regex_problem(source)
        if found is None:
            facts[key] = [[], False]
        return found

    return problem


FRAGMENT_FACT = "fragment\x00"  # the facts' key of a fragment that compiles by itself


def _read_vocabulary(
    folder: Path, lib: Library, vocab: Vocabulary, facts: dict[str, Any] | None = None, docs: Any = None
) -> Vocabulary:
    """``vocab`` with the fragments of ``folder``'s vocabulary file added (a new object: the
    signatures of earlier folders keep what they were built with; usage is shared)."""
    path = folder / VOCABULARY_FILE
    merged = Vocabulary(dict(vocab.fragments), vocab.used, set(vocab.broken))
    if not folder.is_dir() or not path.is_file():
        return merged
    lib.files.append(path)
    try:
        data = load_yaml(path, docs)
    except YamlError as exc:
        lib.problems.append(Problem(display_path(path), exc.line, None, None, exc.message))
        return merged
    own, problems = Vocabulary.build(data, display_path(path))
    merged.merge(own)
    lib.problems.extend(problems + own.cycles() + merged.compile_each(_known_problem(facts), list(own.fragments)))
    lib.vocabulary.merge(merged)
    return merged


def bundled_folder() -> Path:
    """The signature library that ships with logsentinel: ``logsentinel/patterns`` in an
    installed wheel, ``patterns/`` of the repository in a source checkout."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "patterns"
    return installed if installed.is_dir() else package.parent / "patterns"


def effective_folders(folders: list[Path], bundled: bool = True) -> list[Path]:
    """The bundled library first (unless left out), then ``folders`` (the bundled folder itself
    named again is not read twice)."""
    if not bundled:
        return list(folders)
    base = bundled_folder()
    return [base] + [f for f in map(Path, folders) if f.resolve() != base.resolve()]


def load_library(
    folders: list[Path] | list[str],
    overridable: int = 0,
    vocabulary_of: Path | None = None,
    facts: dict[str, Any] | None = None,
    docs: Any = None,
) -> Library:
    """Load every signature under ``folders``; problems are collected, never raised. A
    signature of a later folder replaces one with the same id from the first ``overridable``
    folders (the bundled library): listed in ``overrides``. Any other repeated id is an error.
    ``vocabulary_of``: a folder whose fragments (only) come first: the bundled vocabulary, which
    every library may use even when the bundled signatures are left out. ``facts``: regexes
    compiled on earlier starts (``build.compile_rx``), a dict the shell keeps on disk. ``docs``:
    signature files parsed on earlier starts (``yamlload.ParsedDocs``), also the shell's."""
    lib = Library()
    seen: dict[str, Signature] = {}
    replaceable: set[str] = set()
    vocab = Vocabulary(used=lib.vocabulary.used)
    if vocabulary_of is not None:
        vocab = _read_vocabulary(vocabulary_of, lib, vocab, facts, docs)
        if lib.files and lib.files[-1].name == VOCABULARY_FILE:
            lib.files.pop()  # not one of this library's files
    definitions: list[Any] = []
    for n, folder in enumerate(map(Path, folders)):
        if not folder.exists():
            lib.problems.append(Problem(str(folder), None, None, None, "patterns folder not found"))
            continue
        before = dict(lib.vocabulary.fragments)
        vocab = _read_vocabulary(folder, lib, vocab, facts, docs)
        definitions += [f for name, f in lib.vocabulary.fragments.items() if before.get(name) is not f]
        files = signature_files(folder)
        if not files:
            lib.problems.append(Problem(str(folder), None, None, None, "no .yaml signature files found", "warning"))
        for path in files:
            lib.files.append(path)
            name = display_path(path)
            try:
                data = load_yaml(path, docs)
            except YamlError as exc:
                lib.problems.append(Problem(name, exc.line, None, None, exc.message))
                continue
            sigs, problems = load_file_signatures(data, name, vocab, facts)
            lib.problems.extend(problems)
            for sig in sigs:
                other = seen.get(sig.id)
                if other is not None and other.id in replaceable and n >= overridable:
                    lib.overrides.append(f"{sig.file}:{sig.line}: {sig.id} replaces the bundled one ({other.file})")
                    lib.signatures[lib.signatures.index(other)] = sig
                    replaceable.discard(sig.id)
                    seen[sig.id] = sig
                    continue
                if other is not None:
                    lib.problems.append(
                        Problem(
                            name, sig.line, sig.id, "id", f"duplicate id: also defined at {other.file}:{other.line}"
                        )
                    )
                    continue
                seen[sig.id] = sig
                lib.signatures.append(sig)
                if n < overridable:
                    replaceable.add(sig.id)
    for frag in definitions:
        if frag.name not in lib.vocabulary.used:
            lib.problems.append(
                Problem(frag.file, frag.line, None, f"fragments.{frag.name}", "fragment is used by no regex", "warning")
            )
    return lib


def load_effective(
    folders: list[Path], bundled: bool = True, facts: dict[str, Any] | None = None, docs: Any = None
) -> Library:
    """The library a config or a command line names: the bundled one, added to and overridden
    by ``folders``."""
    return load_library(
        effective_folders(folders, bundled),
        overridable=1 if bundled else 0,
        vocabulary_of=None if bundled else bundled_folder(),
        facts=facts,
        docs=docs,
    )


def display_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
