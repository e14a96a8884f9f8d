"""The cache folder's contract: where everything kept between starts lives, and how a file in it
is written (a random temporary name made with O_EXCL in the same folder, then renamed over the
old one, so a reader sees a whole file or none and a planted name is never followed) and read
(a regular file only, never through a link, never past MAX_CACHE_BYTES: a cache linked to
/dev/zero or a FIFO is skipped, not read for ever).

Everything in the folder is a hint: deleting it costs time, never results. Each file is sealed
with the key it was made for (``seal``): a file of another library or release copied over it, or
one edited by hand, no longer opens (``unseal`` gives None) and is made again.
"""

from __future__ import annotations

import hashlib
import os
import stat
import tempfile
from pathlib import Path

MAX_CACHE_BYTES = 256 << 20
_MAGIC = b"logsentinel-cache-1\n"
_DIGEST = 32


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


def read_cached(path: Path, max_bytes: int = MAX_CACHE_BYTES) -> bytes | None:
    """The bytes of a cache file, or None: missing, not a regular file (a link, a FIFO, a
    device), or bigger than ``max_bytes``."""
    try:
        if not stat.S_ISREG(os.lstat(path).st_mode):
            return None
        flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
        fd = os.open(path, flags)
    except OSError:
        return None
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode) or st.st_size > max_bytes:
            return None
        with os.fdopen(fd, "rb", closefd=False) as fh:
            data = fh.read(max_bytes + 1)
        return data if len(data) <= max_bytes else None
    except OSError:
        return None
    finally:
        os.close(fd)


def seal(key: str, payload: bytes) -> bytes:
    """``payload`` bound to ``key``: what ``unseal`` opens with the same key only."""
    return _MAGIC + _digest(key, payload) + payload


def unseal(key: str, data: bytes | None) -> bytes | None:
    """The payload ``seal(key, ...)`` made, or None (another key, edited, cut, not sealed)."""
    if data is None or not data.startswith(_MAGIC) or len(data) < len(_MAGIC) + _DIGEST:
        return None
    digest, payload = data[len(_MAGIC) : len(_MAGIC) + _DIGEST], data[len(_MAGIC) + _DIGEST :]
    return payload if digest == _digest(key, payload) else None


def _digest(key: str, payload: bytes) -> bytes:
    return hashlib.sha256(key.encode("utf-8", "surrogatepass") + b"\0" + payload).digest()
