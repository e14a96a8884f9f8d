"""Python's own regex parser and its opcodes, the same names across Python versions: the parse
trees that the widened scan forms, the required words and the backtracking checks walk."""

from __future__ import annotations

import re._compiler as compiler  # Python >= 3.11, as the project requires
import re._constants as C
import re._parser as P

# the repeat opcodes (possessive ones from Python 3.11) and the atomic group (None before 3.11)
REPEATS = frozenset(
    {C.MAX_REPEAT, C.MIN_REPEAT} | ({C.POSSESSIVE_REPEAT} if hasattr(C, "POSSESSIVE_REPEAT") else set())
)
ATOMIC = getattr(C, "ATOMIC_GROUP", None)

__all__ = ["ATOMIC", "REPEATS", "C", "P", "compiler"]
