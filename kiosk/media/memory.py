"""Keep the process's memory honest over days of large, short-lived pixel buffers."""

from __future__ import annotations

import ctypes
import ctypes.util
import logging

log = logging.getLogger(__name__)

M_TRIM_THRESHOLD = -1
M_MMAP_THRESHOLD = -3


def release_big_buffers_to_the_system(threshold_bytes: int = 1 << 20) -> bool:
    """Make glibc give every buffer of 1 MiB or more its own mapping, returned on free.

    By default glibc raises its mmap threshold after large frees, so later decoded
    photos and layers come from the heap, which fragments and never shrinks: RSS then
    creeps up over a long show although live memory is flat. Returns False off glibc.
    """
    name = ctypes.util.find_library("c")
    try:
        libc = ctypes.CDLL(name or "libc.so.6")
        mallopt = libc.mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes = [ctypes.c_int, ctypes.c_int]
    ok = mallopt(M_MMAP_THRESHOLD, threshold_bytes) == 1
    ok = mallopt(M_TRIM_THRESHOLD, 4 * threshold_bytes) == 1 and ok
    return ok
