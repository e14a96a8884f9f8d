"""The fake token that samples/generate.py writes into a Webex log line."""

import importlib.util
from pathlib import Path

_spec = importlib.util.spec_from_file_location(
    "generate", Path(__file__).resolve().parents[2] / "samples" / "generate.py"
)
_mod = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_mod)
FAKE_BEARER = _mod.FAKE_BEARER
