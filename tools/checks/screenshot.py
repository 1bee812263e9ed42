"""Save what an X display shows (the root window) as a PNG, with no extra packages.

Used by the system checks: `DISPLAY=:77 python tools/checks/screenshot.py out.png`.
"""

import ctypes
import ctypes.util
import sys

import numpy as np
import pygame


def grab_root() -> np.ndarray:
    xlib = ctypes.cdll.LoadLibrary(ctypes.util.find_library("X11") or "libX11.so.6")
    xlib.XOpenDisplay.restype = ctypes.c_void_p
    xlib.XDefaultRootWindow.restype = ctypes.c_ulong
    xlib.XGetImage.restype = ctypes.c_void_p
    xlib.XGetImage.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_int,
                               ctypes.c_uint, ctypes.c_uint, ctypes.c_ulong, ctypes.c_int]
    xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
    display = xlib.XOpenDisplay(None)
    if not display:
        raise SystemExit("cannot open the X display")
    root = xlib.XDefaultRootWindow(display)
    screen = xlib.XDefaultScreen(ctypes.c_void_p(display))
    width = xlib.XDisplayWidth(ctypes.c_void_p(display), screen)
    height = xlib.XDisplayHeight(ctypes.c_void_p(display), screen)
    zpixmap, all_planes = 2, 0xFFFFFFFF
    image = xlib.XGetImage(display, root, 0, 0, width, height, all_planes, zpixmap)

    class XImage(ctypes.Structure):
        _fields_ = [("width", ctypes.c_int), ("height", ctypes.c_int), ("xoffset", ctypes.c_int),
                    ("format", ctypes.c_int), ("data", ctypes.c_void_p),
                    ("byte_order", ctypes.c_int), ("bitmap_unit", ctypes.c_int),
                    ("bitmap_bit_order", ctypes.c_int), ("bitmap_pad", ctypes.c_int),
                    ("depth", ctypes.c_int), ("bytes_per_line", ctypes.c_int),
                    ("bits_per_pixel", ctypes.c_int)]

    info = XImage.from_address(image)
    raw = ctypes.string_at(info.data, info.bytes_per_line * info.height)
    rows = np.frombuffer(raw, np.uint8).reshape(info.height, info.bytes_per_line)
    bgra = rows[:, : info.width * 4].reshape(info.height, info.width, 4)
    return bgra[:, :, 2::-1].copy()  # RGB


if __name__ == "__main__":
    rgb = grab_root()
    pygame.image.save(pygame.surfarray.make_surface(rgb.swapaxes(0, 1)), sys.argv[1])
    print(f"saved {sys.argv[1]} ({rgb.shape[1]}x{rgb.shape[0]})")
