"""Python's own regex parser and its opcodes, the same names across Python versions: the parse
trees that the widened scan forms, the required words and the backtracking checks walk."""

from __future__ import annotations

try:  # Python >= 3.11
    import re._compiler as compiler
    import re._constants as C
    import re._parser as P
except ImportError:  # pragma: no cover - older Pythons
    import sre_compile as compiler  # type: ignore
    import sre_constants as C  # type: ignore
    import sre_parse as P  # type: ignore

# the repeat opcodes (possessive ones from Python 3.11) and the atomic group (None before 3.11)
REPEATS = frozenset({C.MAX_REPEAT, C.MIN_REPEAT} | ({C.POSSESSIVE_REPEAT} if hasattr(C, "POSSESSIVE_REPEAT") else set()))
ATOMIC = getattr(C, "ATOMIC_GROUP", None)

__all__ = ["ATOMIC", "C", "P", "REPEATS", "compiler"]
