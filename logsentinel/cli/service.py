"""``logsentinel service install | uninstall | start | stop | status``: the Windows service, with
pywin32's service framework (``win32serviceutil``; ``pythonservice.exe`` hosts
``cli.winservice.LogsentinelService``), not a home-made SCM client.

``install`` registers it for delayed automatic start with recovery (restart after 10 s, three
times), as the virtual account ``NT SERVICE\\logsentinel`` by default; makes
``%ProgramData%\\logsentinel`` (config, ``state\\``, ``logs\\``, the secrets file
``logsentinel.env``) readable only by that account and Administrators; and adds the account to
Event Log Readers. The commands it runs for ACLs and groups are also printed, so an
administrator can read them, or run them by hand where they fail (``--no-groups`` prints only).
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

SERVICE = "logsentinel"
DISPLAY = "logsentinel (UCX Suite proactive support)"
DESCRIPTION = "Watches the UCX Suite's logs and the Windows event log and reports monitored events."
CLASS = "logsentinel.cli.winservice.LogsentinelService"
VIRTUAL_ACCOUNT = r"NT SERVICE\logsentinel"
RESTART_AFTER_MS = 10_000
RESTARTS = 3
STOP_WAIT_S = 30.0


def add_parser(sub) -> None:
    p = sub.add_parser("service", help="the Windows service: install, uninstall, start, stop, status")
    p.add_argument("action", choices=["install", "uninstall", "start", "stop", "status"])
    p.add_argument("-c", "--config", metavar="FILE", help="the config the service runs (install)")
    p.add_argument(
        "--account",
        default=VIRTUAL_ACCOUNT,
        help=rf"the account it runs as (default {VIRTUAL_ACCOUNT}; LocalSystem; DOMAIN\user asks for its password)",
    )
    p.add_argument("--data-dir", type=Path, help=r"its folder (default %%ProgramData%%\logsentinel)")
    p.add_argument("--no-groups", action="store_true", help="print the ACL and group commands instead of running them")
    p.set_defaults(func=cmd_service)


def data_dir(given: Path | None = None) -> Path:
    return given or Path(os.environ.get("PROGRAMDATA", r"C:\ProgramData")) / "logsentinel"


def read_env_file(path: Path) -> dict[str, str]:
    """``NAME=value`` lines (``#`` comments, blank lines, optional quotes around the value); a
    line that is not one is skipped. The values are secrets: never logged."""
    out: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        return out
    for raw in text.splitlines():
        line = raw.strip()
        if not line or line.startswith("#") or "=" not in line:
            continue
        name, _, value = line.partition("=")
        name, value = name.strip(), value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        if name.replace("_", "").isalnum():
            out[name] = value
    return out


def setup_commands(account: str, folder: Path, groups: bool = True) -> list[list[str]]:
    """What ``install`` runs beside registering the service: the folder's ACLs (inheritance
    removed; the service account may modify, SYSTEM and Administrators have full control) and,
    for an account that is not LocalSystem, Event Log Readers."""
    system = account.lower() in ("localsystem", r"nt authority\system", ".\\localsystem")
    who = [] if system else [f"{account}:(OI)(CI)M"]
    cmds = [
        [
            "icacls",
            str(folder),
            "/inheritance:r",
            "/grant:r",
            *who,
            "*S-1-5-32-544:(OI)(CI)F",
            "*S-1-5-18:(OI)(CI)F",
        ],  # Administrators, SYSTEM (by SID: any language)
    ]
    if groups and not system:
        cmds.append(["net", "localgroup", "Event Log Readers", account, "/add"])
    return cmds


def _shown(cmd: list[str]) -> str:
    return " ".join(f'"{c}"' if " " in c else c for c in cmd)


def cmd_service(args) -> int:
    if sys.platform != "win32":
        print(
            "logsentinel service: Windows services exist on Windows only; on Linux use contrib/systemd "
            "(docs/operations.md)",
            file=sys.stderr,
        )
        return 2
    return _windows(args)


def _windows(args) -> int:  # pragma: no cover - Windows only (CI: .ci/windows-release under Wine)
    import pywintypes
    import win32service
    import win32serviceutil

    try:
        if args.action == "install":
            return _install(args, win32service, win32serviceutil)
        if args.action == "uninstall":
            win32serviceutil.RemoveService(SERVICE)
            print(f"service {SERVICE} removed")
            return 0
        if args.action == "start":
            win32serviceutil.StartService(SERVICE)
            return _wait(win32serviceutil, win32service.SERVICE_RUNNING, "running")
        if args.action == "stop":
            win32serviceutil.StopService(SERVICE)
            return _wait(win32serviceutil, win32service.SERVICE_STOPPED, "stopped")
        state = win32serviceutil.QueryServiceStatus(SERVICE)[1]
        print(f"service {SERVICE}: {_STATES.get(state, state)}")
        return 0 if state == win32service.SERVICE_RUNNING else 3
    except pywintypes.error as exc:
        print(
            f"logsentinel service {args.action}: {exc.funcname} error {exc.winerror}: {exc.strerror}"
            + (" (run it as Administrator)" if exc.winerror == 5 else ""),
            file=sys.stderr,
        )
        return 1


_STATES = {
    1: "stopped",
    2: "start pending",
    3: "stop pending",
    4: "running",
    5: "continue pending",
    6: "pause pending",
    7: "paused",
}


def _wait(win32serviceutil, wanted: int, word: str) -> int:  # pragma: no cover - Windows only
    deadline = time.monotonic() + STOP_WAIT_S
    while time.monotonic() < deadline:
        state = win32serviceutil.QueryServiceStatus(SERVICE)[1]
        if state == wanted:
            print(f"service {SERVICE} {word}")
            return 0
        time.sleep(0.25)
    print(
        f"service {SERVICE}: still {_STATES.get(state, state)} after {STOP_WAIT_S:.0f} s (see its log)", file=sys.stderr
    )
    return 1


def _install(args, win32service, win32serviceutil) -> int:  # pragma: no cover - Windows only
    if not args.config:
        print(
            "logsentinel service install: give the config it runs: -c C:\\ProgramData\\logsentinel\\logsentinel.yaml",
            file=sys.stderr,
        )
        return 2
    config = Path(args.config).resolve()
    folder = data_dir(args.data_dir)
    for sub in ("state", "logs"):
        (folder / sub).mkdir(parents=True, exist_ok=True)
    env = folder / "logsentinel.env"
    if not env.exists():
        env.write_text(
            "# NAME=value lines: secrets the config names as ${NAME} (this file: the service and "
            "Administrators only)\n",
            encoding="utf-8",
        )
    account = args.account
    system = account.lower() in ("localsystem", r"nt authority\system")
    password = None
    if not system and not account.upper().startswith("NT SERVICE\\"):
        import getpass

        password = getpass.getpass(f"password of {account}: ")
    here = Path(sys.executable).with_name("pythonservice.exe")
    win32serviceutil.InstallService(
        CLASS,
        SERVICE,
        DISPLAY,
        startType=win32service.SERVICE_AUTO_START,
        exeName=str(here) if here.exists() else None,
        userName=None if system else account,
        password=password,
        description=DESCRIPTION,
    )
    win32serviceutil.SetServiceCustomOption(SERVICE, "config", str(config))
    win32serviceutil.SetServiceCustomOption(SERVICE, "data", str(folder))
    print(f"service {SERVICE} installed: runs {config} as {account}; its folder {folder}")
    _configure(win32service)
    for cmd in setup_commands(account, folder):
        if args.no_groups:
            print("run as Administrator:", _shown(cmd))
            continue
        res = subprocess.run(cmd, capture_output=True, text=True, check=False)
        print(("done: " if res.returncode == 0 else "FAILED (run it by hand): ") + _shown(cmd))
    print("Event Log Readers membership takes effect at the service's next start")
    return 0


def _configure(win32service) -> None:  # pragma: no cover - Windows only
    """Delayed automatic start and recovery actions (said, not fatal, where the SCM refuses)."""
    scm = win32service.OpenSCManager(None, None, win32service.SC_MANAGER_ALL_ACCESS)
    try:
        handle = win32service.OpenService(scm, SERVICE, win32service.SERVICE_ALL_ACCESS)
        try:
            for what, info, value in (
                ("delayed automatic start", win32service.SERVICE_CONFIG_DELAYED_AUTO_START_INFO, True),
                (
                    "recovery (restart after 10 s, 3 times)",
                    win32service.SERVICE_CONFIG_FAILURE_ACTIONS,
                    {
                        "ResetPeriod": 86400,
                        "RebootMsg": None,
                        "Command": None,
                        "Actions": [(win32service.SC_ACTION_RESTART, RESTART_AFTER_MS)] * RESTARTS,
                    },
                ),
            ):
                try:
                    win32service.ChangeServiceConfig2(handle, info, value)
                    print(f"done: {what}")
                except Exception as exc:
                    print(f"FAILED: {what}: {exc} (set it in services.msc)")
        finally:
            win32service.CloseServiceHandle(handle)
    finally:
        win32service.CloseServiceHandle(scm)
