"""Basic auth for the listener against bcrypt hashes, as Prometheus exporters' web config does."""

from __future__ import annotations

import base64
import hashlib
import threading


class BasicAuth:
    """Basic auth against bcrypt hashes (``basic_auth_users``); a password that passed once is
    remembered by its digest, so a page refresh does not pay bcrypt's cost again."""

    def __init__(self, users: dict[str, str]) -> None:
        self.users = {u: h.encode() for u, h in users.items()}
        self._passed: set[bytes] = set()
        self._lock = threading.Lock()

    def allows(self, header: str | None) -> bool:
        if not header or not header.startswith("Basic "):
            return False
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        hashed = self.users.get(user)
        if hashed is None:
            return False
        digest = hashlib.sha256(hashed + b"\0" + password.encode("utf-8")).digest()
        with self._lock:
            if digest in self._passed:
                return True
        import bcrypt

        if not bcrypt.checkpw(password.encode("utf-8"), hashed):
            return False
        with self._lock:
            self._passed.add(digest)
        return True
