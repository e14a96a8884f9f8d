"""The cache folder's contract: where everything kept between starts lives, and how a file in it
is written (a random temporary name made with O_EXCL in the same folder, then renamed over the
old one, so a reader sees a whole file or none and a planted name is never followed).

Everything in the folder is a hint: deleting it costs time, never results.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path


def cache_dir() -> Path:
    """Where caches are kept (LOGSENTINEL_CACHE_DIR overrides)."""
    env = os.environ.get("LOGSENTINEL_CACHE_DIR")
    if env:
        return Path(env)
    if os.name == "nt":
        return Path(os.environ.get("LOCALAPPDATA", Path.home())) / "logsentinel" / "cache"
    return Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "logsentinel"


def write_atomic(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one rename (raises OSError; nothing half-written stays)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
