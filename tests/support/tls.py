"""A self-signed certificate for 127.0.0.1 (openssl), for servers the tests run with TLS."""

from __future__ import annotations

import subprocess
from pathlib import Path


def self_signed(tmp_path: Path) -> tuple[Path, Path]:
    """(certificate, key) valid for two days for the IP 127.0.0.1."""
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj", "/CN=127.0.0.1",
         "-addext", "subjectAltName=IP:127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
        timeout=60,
    )  # fmt: skip
    return cert, key
