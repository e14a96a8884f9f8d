"""A stand-in for pywin32's ``win32event`` (tests only): the signal event a subscription sets."""

from pywintypes import HANDLEType

WAIT_OBJECT_0 = 0
WAIT_TIMEOUT = 258
INFINITE = 0xFFFFFFFF


def CreateEvent(sa, manual_reset, initial_state, name):
    return HANDLEType()


def WaitForSingleObject(handle, milliseconds):
    return WAIT_TIMEOUT
