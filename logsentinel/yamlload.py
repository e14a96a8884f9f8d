"""Safe YAML loading that remembers the line of every mapping key, for error messages.

PyYAML is imported on the first parse: a start whose documents come from a cache of parsed
documents (``load_yaml``'s ``docs``, kept by ``cache.yamldocs``) never imports it.
"""

from __future__ import annotations

import difflib
import hashlib
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    import yaml


class LineDict(dict):
    """A dict built from a YAML mapping; ``lines[key]`` is the 1-based line of that key."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.lines: dict = {}
        self.line: int | None = None

    def line_of(self, key) -> int | None:
        return self.lines.get(key, self.line)


class LineList(list):
    """A list built from a YAML sequence; ``lines[i]`` is the line of item i."""

    def __init__(self, *args) -> None:
        super().__init__(*args)
        self.lines: list[int] = []
        self.line: int | None = None

    def line_of(self, index: int) -> int | None:
        return self.lines[index] if 0 <= index < len(self.lines) else self.line


@cache
def _loader_class() -> Any:
    """The safe loader that builds LineDicts and LineLists (PyYAML imported here, once)."""
    import yaml

    base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml when built with it: 5x faster

    class _Loader(base):  # type: ignore[misc,valid-type]
        pass

    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)
    _Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, _construct_sequence)
    return _Loader


def _construct_mapping(loader: Any, node: yaml.MappingNode) -> LineDict:
    import yaml

    loader.flatten_mapping(node)
    out = LineDict()
    out.line = node.start_mark.line + 1
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                None, None, "found an unhashable key", key_node.start_mark
            ) from None
        if key in out:
            raise yaml.constructor.ConstructorError(None, None, f"duplicate key {key!r}", key_node.start_mark)
        out[key] = loader.construct_object(value_node, deep=True)
        out.lines[key] = key_node.start_mark.line + 1
    return out


def _construct_sequence(loader: Any, node: yaml.SequenceNode) -> LineList:
    out = LineList(loader.construct_object(child, deep=True) for child in node.value)
    out.lines = [child.start_mark.line + 1 for child in node.value]
    out.line = node.start_mark.line + 1
    return out


# A document whose aliases make it bigger than this is refused: nine aliases of nine aliases...
# (an 800-byte "billion laughs") would be walked, printed and stored as a billion nodes.
MAX_EXPANDED_NODES = 100_000


def _expanded_size(root: yaml.Node) -> int | None:
    """How many nodes the document holds once every alias is followed, or None when that is
    more than MAX_EXPANDED_NODES (or an alias refers to a node holding it)."""
    import yaml

    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()

    def size(node: yaml.Node) -> int:
        key = id(node)
        if key in sizes:
            return sizes[key]
        if key in open_nodes:
            raise OverflowError
        open_nodes.add(key)
        total = 1
        if isinstance(node, yaml.MappingNode):
            children = [n for pair in node.value for n in pair]
        elif isinstance(node, yaml.SequenceNode):
            children = node.value
        else:
            children = []
        for child in children:
            total += size(child)
            if total > MAX_EXPANDED_NODES:
                raise OverflowError
        open_nodes.discard(key)
        sizes[key] = total
        return total

    try:
        return size(root)
    except (OverflowError, RecursionError):
        return None


def _load(text: str):
    import yaml

    loader = _loader_class()(text)
    try:
        node = loader.get_single_node()
        if node is None:
            return None
        if _expanded_size(node) is None:
            raise yaml.constructor.ConstructorError(
                None,
                None,
                f"its aliases (*name) expand it past {MAX_EXPANDED_NODES} values, or into itself; write the values out",
                node.start_mark,
            )
        return loader.construct_document(node)
    finally:
        loader.dispose()


class YamlError(Exception):
    """A YAML file that cannot be read or parsed; carries the file, line and what is wrong."""

    def __init__(self, path: Path, line: int | None, message: str) -> None:
        self.path, self.line, self.message = path, line, message
        super().__init__(f"{path}:{line}: {message}" if line else f"{path}: {message}")


class ParsedDocs(Protocol):
    """Documents parsed on earlier starts, by the digest of their text (``cache.yamldocs``)."""

    def get(self, key: str) -> Any: ...

    def put(self, key: str, encoded: Any) -> None: ...


def load_yaml(path: Path, docs: ParsedDocs | None = None):
    """Load one YAML document safely, with line numbers on mappings and sequences. ``docs``:
    documents parsed on earlier starts; a file whose text is found there is not parsed again."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlError(path, None, f"not UTF-8 text ({exc.reason} at byte {exc.start})") from None
    except OSError as exc:
        raise YamlError(path, None, f"cannot read: {exc.strerror or exc}") from None
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest() if docs is not None else ""
    if docs is not None:
        known = docs.get(key)
        if known is not None:
            try:
                return decode_doc(known)
            except (TypeError, ValueError, KeyError, IndexError, AttributeError):
                pass  # a cache entry of another shape: parse the text
    doc = _parse(path, text)
    if docs is not None:
        encoded = encode_doc(doc)
        if encoded is not None:
            docs.put(key, encoded)
    return doc


def _parse(path: Path, text: str):
    import yaml

    try:
        return _load(text)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        what = exc.problem or exc.context or "invalid YAML"
        hint = ""
        if "escape" in what:
            hint = " (write regexes in single quotes: '\\d+' — double quotes treat \\ as an escape)"
        raise YamlError(path, mark.line + 1 if mark else None, f"YAML error: {what}{hint}") from None
    except yaml.YAMLError as exc:
        raise YamlError(path, None, f"YAML error: {exc}") from None


# ---- parsed documents as JSON (for the cache of parsed documents) --------------------------

_SCALARS = (str, int, float, bool, type(None))


def encode_doc(doc: Any) -> Any:
    """``doc`` as JSON values, lines included (a mapping {"m": [[key, value, line], ...], "l":
    line}, a sequence {"s": [...], "ls": [lines], "l": line}), or None when it holds a value
    JSON does not carry as it is (a date, bytes, a set): such a document is parsed every time."""
    try:
        return {"doc": _enc(doc)}
    except _NotJson:
        return None


class _NotJson(Exception):
    pass


def _enc(value: Any) -> Any:
    if isinstance(value, LineDict):
        return {"m": [[_enc(k), _enc(v), value.lines.get(k)] for k, v in value.items()], "l": value.line}
    if isinstance(value, LineList):
        return {"s": [_enc(v) for v in value], "ls": list(value.lines), "l": value.line}
    if isinstance(value, _SCALARS):
        return value
    raise _NotJson


def decode_doc(encoded: Any) -> Any:
    """The document ``encode_doc`` gave (raises TypeError, KeyError... on any other shape)."""
    return _dec(encoded["doc"])


def _dec(value: Any) -> Any:
    if isinstance(value, dict):
        if "m" in value:
            out = LineDict()
            for k, v, line in value["m"]:
                key = _dec(k)
                out[key] = _dec(v)
                if line is not None:
                    out.lines[key] = line
            out.line = value["l"]
            return out
        seq = LineList(_dec(v) for v in value["s"])
        seq.lines, seq.line = list(value["ls"]), value["l"]
        return seq
    if isinstance(value, _SCALARS):
        return value
    raise TypeError(type(value).__name__)


def did_you_mean(key, allowed) -> str:
    """'; did you mean 'x'?' for a near miss of a known key, else the list of known keys."""
    close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
    return f"; did you mean '{close[0]}'?" if close else f"; known keys: {', '.join(sorted(allowed))}"


def control_character_problem(value: str) -> str | None:
    """Why a path written in YAML is broken, if it holds a control character: in double quotes
    YAML reads ``"D:\\Logs\\new"`` as ``D:\\Logs`` + newline + ``ew``."""
    if any(ord(c) < 0x20 or ord(c) == 0x7F for c in value):
        return (
            f"{value!r} holds a control character: in double quotes YAML reads \\n, \\t, \\r... as one; "
            "write Windows paths in single quotes, e.g. 'D:\\Logs\\new'"
        )
    return None
