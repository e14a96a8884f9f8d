"""A stand-in for pywin32's ``pywintypes`` (tests only): the ``error`` its API functions raise,
``error(winerror, funcname, strerror)``, with those three as attributes and as ``args``."""


class error(Exception):
    def __init__(self, winerror: int, funcname: str = "", strerror: str = "") -> None:
        super().__init__(winerror, funcname, strerror)
        self.winerror = winerror
        self.funcname = funcname
        self.strerror = strerror


class HANDLEType:
    """pywin32's PyHANDLE: an int() of the raw handle, ``Close()``; closing twice is harmless."""

    _next = 0x100

    def __init__(self) -> None:
        HANDLEType._next += 4
        self.handle = HANDLEType._next
        self.closed = False

    def __int__(self) -> int:
        return self.handle

    def Close(self) -> None:
        self.closed = True
