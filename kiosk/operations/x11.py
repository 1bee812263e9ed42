"""A few X11 questions answered through libX11 directly (ctypes), with no extra package.

- Is a window manager running? Without one, SDL's fullscreen request waits for replies
  that never come (about 0.35 s at start); a borderless window the size of the screen
  is the same picture at once.
- What does the screen show? (a screenshot for the system checks)
"""

from __future__ import annotations

import ctypes
import ctypes.util
import os
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np


def _xlib() -> ctypes.CDLL | None:
    name = ctypes.util.find_library("X11") or "libX11.so.6"
    try:
        lib = ctypes.cdll.LoadLibrary(name)
    except OSError:
        return None
    lib.XOpenDisplay.restype = ctypes.c_void_p
    lib.XOpenDisplay.argtypes = [ctypes.c_char_p]
    lib.XCloseDisplay.argtypes = [ctypes.c_void_p]
    lib.XDefaultRootWindow.restype = ctypes.c_ulong
    lib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    lib.XDefaultScreen.argtypes = [ctypes.c_void_p]
    lib.XDisplayWidth.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
    lib.XInternAtom.restype = ctypes.c_ulong
    lib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
    lib.XGetWindowProperty.argtypes = [
        ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_long, ctypes.c_long,
        ctypes.c_int, ctypes.c_ulong, ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_int), ctypes.POINTER(ctypes.c_ulong),
        ctypes.POINTER(ctypes.c_ulong), ctypes.POINTER(ctypes.c_void_p)]
    lib.XFree.argtypes = [ctypes.c_void_p]
    lib.XGetImage.restype = ctypes.c_void_p
    lib.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                              ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
    return lib


@contextmanager
def _display() -> Iterator[tuple[ctypes.CDLL, int] | None]:
    lib = _xlib() if os.environ.get("DISPLAY") else None
    handle = lib.XOpenDisplay(None) if lib is not None else None
    try:
        yield (lib, handle) if lib is not None and handle else None
    finally:
        if lib is not None and handle:
            lib.XCloseDisplay(handle)


def has_window_manager() -> bool | None:
    """True or False on X11; None when there is no X display to ask."""
    with _display() as found:
        if found is None:
            return None
        lib, handle = found
        atom = lib.XInternAtom(handle, b"_NET_SUPPORTING_WM_CHECK", 1)
        if not atom:
            return False
        actual_type, fmt = ctypes.c_ulong(), ctypes.c_int()
        count, after, data = ctypes.c_ulong(), ctypes.c_ulong(), ctypes.c_void_p()
        status = lib.XGetWindowProperty(handle, lib.XDefaultRootWindow(handle), atom, 0, 1, 0,
                                        0, ctypes.byref(actual_type), ctypes.byref(fmt),
                                        ctypes.byref(count), ctypes.byref(after),
                                        ctypes.byref(data))
        if data:
            lib.XFree(data)
        return status == 0 and count.value > 0


class _XImage(ctypes.Structure):
    _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                ("format", ctypes.c_int), ("data", ctypes.c_void_p),
                ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
                ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
                ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int),
                ("bits_per_pixel", ctypes.c_int)]


def grab_screen() -> np.ndarray:
    """What the X screen shows now, as an RGB array (24-bit TrueColor screens)."""
    with _display() as found:
        if found is None:
            raise RuntimeError("no X display to read")
        lib, handle = found
        screen = lib.XDefaultScreen(handle)
        width, height = lib.XDisplayWidth(handle, screen), lib.XDisplayHeight(handle, screen)
        zpixmap, all_planes = 2, 0xFFFFFFFF
        image = lib.XGetImage(handle, lib.XDefaultRootWindow(handle), 0, 0, width, height,
                              all_planes, zpixmap)
        if not image:
            raise RuntimeError("the X server gave no image")
        info = _XImage.from_address(image)
        w, h, pitch = info.width, info.height, info.bytes_per_line
        raw = ctypes.string_at(info.data, pitch * h)
        lib.XFree(image)  # the struct only; the pixels were copied just above
        rows = np.frombuffer(raw, np.uint8).reshape(h, pitch)
        bgrx = rows[:, : w * 4].reshape(h, w, 4)
        return bgrx[:, :, 2::-1].copy()
