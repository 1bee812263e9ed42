"""Drawing a moving photo's framing from its pre-scaled picture, once per changed frame.

The picture was decoded and scaled once on the photo cache's workers (BGRA, the screen's
own pixel layout); here a frame is only a copy or one resampling pass into the screen:

* a whole-pixel framing at one picture pixel per screen pixel (a clipping being read) is
  a plain copy of the rows in view (about 0.5 ms at 1920x1080);
* any other framing (a pan) is one bilinear ``cv2.warpAffine`` of the sub-pixel box, so a
  slow drift moves smoothly instead of stepping a pixel at a time (shimmer).

A framing equal to the last one drawn (a dwell, a pause) costs nothing; a pan's next frame
is usually made ahead on a thread (kiosk/media/motion_frames.py) into a surface that
becomes the layer: nothing is drawn here then.
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import pygame

from kiosk.playback.motion import Box
from kiosk.render.surfaces import pixels

RGB = tuple[int, int, int]


def is_plain_copy(box: Box, screen: tuple[int, int]) -> bool:
    """Whether the framing is a whole-pixel window at 1:1 (a copy, no resampling)."""
    return (abs(box.w - screen[0]) < 1e-6 and abs(box.h - screen[1]) < 1e-6
            and float(box.x).is_integer() and float(box.y).is_integer())


def draw_framing(target: pygame.Surface, image: np.ndarray, box: Box, background: RGB
                 ) -> None:
    """Fill ``target`` with the ``box`` of ``image`` (BGRA, h x w x 4) scaled to it."""
    view = pixels(target)
    try:
        resample(view, image, box, background)
    finally:
        del view


def bands(height: int, count: int) -> list[tuple[int, int]]:
    """The rows of a frame ``height`` rows high cut into ``count`` bands, top to bottom."""
    count = max(1, min(count, height))
    return [(height * k // count, height * (k + 1) // count) for k in range(count)]


def resample(view: np.ndarray, image: np.ndarray, box: Box, background: RGB,
             rows: tuple[int, int] | None = None) -> None:
    """Write the ``box`` of ``image`` scaled to fill ``view`` (h x w x 4, any thread);
    with ``rows`` (a, b), only those rows of it, exactly as the whole frame has them."""
    sh, sw = view.shape[:2]
    ih, iw = image.shape[:2]
    a, b = rows if rows is not None else (0, sh)
    if is_plain_copy(box, (sw, sh)):
        _copy(view[a:b], image, int(box.x), int(box.y) + a, background)
        return
    s = sw / box.w
    matrix = np.array([[s, 0.0, -box.x * s], [0.0, s, -box.y * s]], dtype=np.float64)
    # Only the rows and columns in view are handed over (the rest would be skipped
    # anyway, but a smaller source keeps OpenCV's tiling in cache).
    x0, y0 = max(0, math.floor(box.x) - 1), max(0, math.floor(box.y) - 1)
    x1 = min(iw, math.ceil(box.x + box.w) + 2)
    y1 = min(ih, math.ceil(box.y + box.h) + 2)
    if x1 <= x0 or y1 <= y0:
        _fill(view[a:b], background)
        return
    matrix[0, 2] += x0 * s
    matrix[1, 2] += y0 * s
    # A band is the whole frame moved up by its first row: the same source and matrix
    # otherwise, so every pixel comes out as the whole frame has it (no seam).
    matrix[1, 2] -= a
    fill = (*background[::-1], 255)
    cv2.warpAffine(image[y0:y1, x0:x1], matrix, (sw, b - a), dst=view[a:b],
                   flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT,
                   borderValue=fill)


def _copy(view: np.ndarray, image: np.ndarray, x: int, y: int, background: RGB) -> None:
    """The screen-sized window at (x, y) of the picture; bands where it runs out."""
    sh, sw = view.shape[:2]
    ih, iw = image.shape[:2]
    sx0, sy0 = max(0, x), max(0, y)
    sx1, sy1 = min(iw, x + sw), min(ih, y + sh)
    if sx1 <= sx0 or sy1 <= sy0:
        _fill(view, background)
        return
    dx, dy = sx0 - x, sy0 - y
    h, w = sy1 - sy0, sx1 - sx0
    # The bands around the window: above, below, left, right.
    for band in (view[:dy], view[dy + h:], view[dy:dy + h, :dx], view[dy:dy + h, dx + w:]):
        if band.size:
            _fill(band, background)
    np.copyto(view[dy:dy + h, dx:dx + w], image[sy0:sy1, sx0:sx1])


def _fill(view: np.ndarray, background: RGB) -> None:
    """``view`` (h x w x 4, BGRA) painted the background, opaque: as whole 32-bit pixels,
    about 40 times faster than numpy broadcasting the four bytes (7 ms at 1080p, which a
    reading's last frames took when its window ran past the picture's end)."""
    r, g, b = background
    # B, G, R, A in memory is this 32-bit value on the little-endian machines SDL runs on.
    view.view(np.uint32)[...] = b | g << 8 | r << 16 | 0xFF << 24
