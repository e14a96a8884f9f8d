"""Opening and identifying log files without getting in the suite's way.

On Windows a file opened by Python's ``open`` cannot be renamed or deleted by its writer: the
handle lacks FILE_SHARE_DELETE, and log4net's rolling appender would fail to rotate. Here
files are opened with read, write *and* delete sharing (CreateFileW), so the suite can rename
or delete a log while logsentinel reads it; the open handle still reads the renamed file.
Elsewhere a plain open already allows all of that.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import BinaryIO

HEAD_BYTES = 1024


def open_shared(path: str | Path) -> BinaryIO:
    """Open for binary reading, letting other processes write, rename and delete the file."""
    if os.name != "nt":
        return open(path, "rb")
    return _open_windows(str(path))  # pragma: no cover - exercised on Windows only


def _open_windows(path: str) -> BinaryIO:  # pragma: no cover - Windows only
    if sys.platform != "win32":  # (for the type checker too: the Windows-only modules below)
        raise OSError("Windows only")
    import ctypes
    import msvcrt
    from ctypes import wintypes

    GENERIC_READ = 0x80000000
    FILE_SHARE_ALL = 0x1 | 0x2 | 0x4  # read | write | delete
    OPEN_EXISTING = 3
    FILE_ATTRIBUTE_NORMAL = 0x80
    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.CreateFileW.restype = wintypes.HANDLE
    kernel32.CreateFileW.argtypes = [
        wintypes.LPCWSTR,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.LPVOID,
        wintypes.DWORD,
        wintypes.DWORD,
        wintypes.HANDLE,
    ]
    handle = kernel32.CreateFileW(path, GENERIC_READ, FILE_SHARE_ALL, None, OPEN_EXISTING, FILE_ATTRIBUTE_NORMAL, None)
    if handle in (None, wintypes.HANDLE(-1).value):
        err = ctypes.get_last_error()
        raise OSError(err, ctypes.FormatError(err), path)
    try:
        fd = msvcrt.open_osfhandle(handle, os.O_RDONLY | getattr(os, "O_BINARY", 0))
    except OSError:
        kernel32.CloseHandle(handle)  # not wrapped in a descriptor: nobody else would close it
        raise
    return os.fdopen(fd, "rb")


def delete_pending(fh: BinaryIO) -> bool:
    """True if the file was deleted while we hold it open (Windows). Without POSIX delete
    semantics a deleted file keeps its name until the last handle closes: it is still listed
    and ``stat`` still answers, but it is gone for its writer. Elsewhere: False (see nlink)."""
    if os.name != "nt":
        return False
    return _delete_pending_windows(fh)  # pragma: no cover - exercised on Windows only


def _delete_pending_windows(fh: BinaryIO) -> bool:  # pragma: no cover - Windows only
    if sys.platform != "win32":
        raise OSError("Windows only")
    import ctypes
    import msvcrt
    from ctypes import wintypes

    class FILE_STANDARD_INFO(ctypes.Structure):
        _fields_ = [
            ("AllocationSize", ctypes.c_longlong),
            ("EndOfFile", ctypes.c_longlong),
            ("NumberOfLinks", wintypes.DWORD),
            ("DeletePending", wintypes.BOOLEAN),
            ("Directory", wintypes.BOOLEAN),
        ]

    kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
    kernel32.GetFileInformationByHandleEx.argtypes = [wintypes.HANDLE, ctypes.c_int, ctypes.c_void_p, wintypes.DWORD]
    kernel32.GetFileInformationByHandleEx.restype = wintypes.BOOL
    info = FILE_STANDARD_INFO()
    try:
        handle = msvcrt.get_osfhandle(fh.fileno())
    except (OSError, ValueError):
        return True
    if not kernel32.GetFileInformationByHandleEx(
        handle, 1, ctypes.byref(info), ctypes.sizeof(info)
    ):  # FileStandardInfo
        return False
    return bool(info.DeletePending) or info.NumberOfLinks == 0


def file_key(st: os.stat_result, path: str | Path) -> str:
    """Identity of a file across renames: device and inode (volume serial and file index on
    Windows). File systems without inode numbers fall back to the path."""
    if st.st_ino:
        return f"{st.st_dev}:{st.st_ino}"
    return "path:" + os.path.normcase(os.path.abspath(path))


def read_head(fh: BinaryIO, n: int = HEAD_BYTES) -> bytes:
    pos = fh.tell()
    fh.seek(0)
    head = fh.read(n)
    fh.seek(pos)
    return head


def count_lines(fh: BinaryIO, upto: int, utf16: bool = False) -> int:
    """Lines before byte ``upto`` (for a file joined in the middle)."""
    fh.seek(0)
    left, lines = upto, 0
    needle = b"\n\x00" if utf16 else b"\n"
    carry = b""
    while left > 0:
        data = fh.read(min(left, 1 << 20))
        if not data:
            break
        left -= len(data)
        chunk = carry + data
        lines += chunk.count(needle)
        carry = chunk[-1:] if utf16 else b""
    return lines
