"""Basic auth for the listener against bcrypt hashes, as Prometheus exporters' web config does."""

from __future__ import annotations

import base64
import hashlib
import threading

MAX_BCRYPT_BYTES = 72
# a bcrypt hash of nothing anyone knows: an unknown user is checked against it, so the answer
# takes as long as for a known user and user names cannot be told apart by timing
_DUMMY = b"$2b$12$0mJ3zRjm7y1HjzL6N1oXUeDZb6yG0tQdXoYH2n8mA0b1JY9nSx7e2"


class BasicAuth:
    """Basic auth against bcrypt hashes (``basic_auth_users``); a password that passed once is
    remembered by its digest, so a page refresh does not pay bcrypt's cost again."""

    def __init__(self, users: dict[str, str]) -> None:
        self.users = {u: h.encode() for u, h in users.items()}
        self._passed: set[bytes] = set()
        self._lock = threading.Lock()

    def allows(self, header: str | None) -> bool:
        return self.user(header) is not None

    def user(self, header: str | None) -> str | None:
        """The signed-in user's name, or None."""
        if not header or not header.startswith("Basic "):
            return None
        try:
            user, _, password = base64.b64decode(header[6:]).decode("utf-8").partition(":")
        except (ValueError, UnicodeDecodeError):
            return None
        hashed = self.users.get(user)
        known = hashed is not None
        hashed = hashed if hashed is not None else _DUMMY  # an unknown user costs what a known one does
        digest = hashlib.sha256(hashed + b"\0" + password.encode("utf-8")).digest()
        with self._lock:
            if known and digest in self._passed:
                return user
        import bcrypt

        secret = password.encode("utf-8")[:MAX_BCRYPT_BYTES]  # bcrypt reads 72 bytes; newer ones refuse more
        try:
            ok = bcrypt.checkpw(secret, hashed)
        except ValueError:  # a malformed hash in the config: nobody gets in with it
            return None
        if not (ok and known):
            return None
        with self._lock:
            self._passed.add(digest)
        return user
