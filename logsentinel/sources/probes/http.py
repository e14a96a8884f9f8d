"""``http`` probe: is a URL reachable (default https://api.imagicle.com/test)?

Every interval one GET with a timeout; DNS, TLS, connection errors, timeouts, 5xx, or a body
without the expected text count as failures. After ``failures`` failures in a row the probe
writes ``status=down`` (the P1 cloud-connection event); the first success after that writes
``status=up`` (which resolves it). Proxies follow HTTPS_PROXY / NO_PROXY.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import requests

from logsentinel.sources.probes.base import DURATION, Probe, ProbeResult, ProbeSettings

DEFAULT_URL = "https://api.imagicle.com/test"
DEFAULT_EXPECT = "successfully connected"


@dataclass(frozen=True, kw_only=True)
class HttpSettings(ProbeSettings):
    url: str = DEFAULT_URL
    timeout: float = field(default=10.0, metadata=DURATION)
    failures: int = field(default=3, metadata={"positive": True})  # in a row, to be down
    expect: str | None = None  # text the answer must hold (default for api.imagicle.com)
    verify_tls: bool = True
    ca_file: str | None = field(default=None, metadata={"path": True})


class HttpProbe(Probe):
    type = "http"
    settings = HttpSettings

    def __init__(self, name, cfg: HttpSettings) -> None:
        super().__init__(name, cfg)
        self.url = cfg.url
        self.timeout = cfg.timeout
        self.failures_needed = int(cfg.failures)
        self.expect = cfg.expect if cfg.expect is not None else (DEFAULT_EXPECT if self.url == DEFAULT_URL else None)
        self.verify = cfg.ca_file if (cfg.verify_tls and cfg.ca_file) else cfg.verify_tls
        self.session = requests.Session()
        self.failures = 0
        self.down = False

    def _check(self) -> str | None:
        """None if fine, else what went wrong."""
        try:
            resp = self.session.get(self.url, timeout=self.timeout, verify=self.verify)
        except requests.Timeout:
            return f"timeout after {self.timeout}s"
        except requests.exceptions.SSLError:
            return "TLS error"
        except requests.ConnectionError as exc:
            return "cannot connect" + (" (DNS)" if "resolve" in str(exc).lower() or "name" in str(exc).lower() else "")
        except requests.RequestException as exc:
            return type(exc).__name__
        if resp.status_code >= 400:
            return f"HTTP {resp.status_code}"
        if self.expect and self.expect not in resp.text:
            return "unexpected answer"
        return None

    def run(self) -> list[ProbeResult]:
        error = self._check()
        if error is None:
            self.failures = 0
            was_down, self.down = self.down, False
            text = f"probe=http url={self.url} status=up" + (" recovered" if was_down else "")
            return [ProbeResult(self.name, text, True, 1.0)]
        self.failures += 1
        if self.failures >= self.failures_needed:
            self.down = True
            return [
                ProbeResult(
                    self.name,
                    f"probe=http url={self.url} status=down failures={self.failures} error={error.replace(' ', '_')}",
                    False,
                    0.0,
                )
            ]
        return [
            ProbeResult(
                self.name,
                f"probe=http url={self.url} status=failing failures={self.failures} error={error.replace(' ', '_')}",
                False,
                0.0,
            )
        ]
