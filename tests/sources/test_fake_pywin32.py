"""The pywin32 double (``tests/support/fakewin``) against the real pywin32: every ``Evt*``
function and constant the double has, the real ``win32evtlog`` has too, with the same values,
and ``pywintypes.error`` carries ``winerror``, ``funcname`` and ``strerror`` as the double's
does. pywin32 exists on Windows only: this runs in ``.ci/windows`` (Windows CPython under Wine)."""

from __future__ import annotations

import importlib
import sys

import pytest
from conftest import FAKE_PYWIN32, ROOT

FAKE = ROOT / "tests" / "support" / "fakewin"


def _real():
    saved = {name: sys.modules.pop(name) for name in FAKE_PYWIN32 if name in sys.modules}
    path = [p for p in sys.path if FAKE.as_posix() not in p.replace("\\", "/")]
    old = sys.path[:]
    sys.path[:] = path
    try:
        return importlib.import_module("win32evtlog"), importlib.import_module("pywintypes")
    except ImportError as exc:
        pytest.skip(f"pywin32 is not installed here ({exc}): it runs in .ci/windows")
    finally:
        sys.path[:] = old
        for name in FAKE_PYWIN32:
            sys.modules.pop(name, None)
        sys.modules.update(saved)


def test_the_double_has_the_real_names_and_constants(fake_pywin32):
    import win32evtlog as fake

    real, _ = _real()
    names = sorted(n for n in vars(fake) if n.startswith("Evt"))
    assert len(names) > 20
    missing = [n for n in names if not hasattr(real, n)]
    assert missing == [], f"the double has names pywin32 lacks: {missing}"
    differ = {
        n: (getattr(fake, n), getattr(real, n))
        for n in names
        if isinstance(getattr(fake, n), int) and getattr(fake, n) != getattr(real, n)
    }
    assert differ == {}, f"constants that differ (double, pywin32): {differ}"
    assert not hasattr(real, "EvtClose"), "pywin32 grew EvtClose: the reader could use it"


def test_the_double_raises_what_pywin32_raises(fake_pywin32):
    import pywintypes as fake

    _, real = _real()
    for module in (fake, real):
        exc = module.error(15011, "EvtNext", "The result set is no longer valid")
        assert (exc.winerror, exc.funcname, exc.strerror) == (15011, "EvtNext", "The result set is no longer valid")
        assert exc.args == (15011, "EvtNext", "The result set is no longer valid")
