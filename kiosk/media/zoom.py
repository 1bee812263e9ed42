"""Reading the small print of a press clipping: zoom geometry and a full-resolution worker.

Geometry (pure): a :class:`Zoom` is a scale relative to the fitted ("contain") view and
the view's centre in normalised image coordinates (0..1 across the picture). Normalised
coordinates make the geometry depend only on the picture's *aspect ratio*, so the app can
run it on the fitted photo's size from the first touch; only :func:`max_scale_for` needs
the real pixel size (:attr:`ZoomWorker.image_size`, known once the decode is done).

* pinch: ``zoom_at(z, ..., point_px=midpoint, factor=d_now / d_before)`` then
  ``pan(z, ..., dx, dy)`` by the midpoint's movement: the fingers stay on the same words.
* drag with one finger: ``pan``. Everything is clamped: no panning past the picture's
  edges, an axis smaller than the screen stays centred, scale 1 is the fitted view.

Worker: :class:`ZoomWorker` decodes the clipping at full resolution on its own thread
(:func:`kiosk.media.images.load_full`: the same probe, limit, orientation and flattening as
the slideshow's decode) and keeps it as one BGR numpy array, never as a pygame surface (a
24 MP image is 72 MB as BGR, 92 MiB as a 32-bit surface). For each request it crops the
visible part and resizes it to its place on screen (INTER_AREA when shrinking, cubic when
enlarging) into a BGRA array. Only the latest request counts: requests that were
overtaken before the worker got to them are skipped, and only the newest finished result
is kept for ``poll``.

How the app shows a zoom at once (nothing here blocks):

1. On the first pinch frame, ``worker.open(path)`` and draw a preview every frame from the
   photo already on screen: with ``crop, dest = view(z, fitted_size, screen_size)`` (the
   fitted size works as the image size, see above) blit
   ``pygame.transform.scale(fitted.subsurface(crop_as_rect), dest.size)`` at ``dest``
   (``scale``, not ``smoothscale``: it must cost well under a frame while fingers move).
2. Whenever the zoom changes, ``rid = worker.request(z, screen_size)``; when ``poll()``
   returns the result for the latest ``rid``, draw its array (``surfaces.to_surface``
   once, then blit it each frame) at its ``dest`` instead of the preview: the sharp crop.
   An older result is still closer than nothing while the fingers move.
3. ``close()`` when the visitor zooms out to 1 or the item changes: frees the picture.
"""

from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

import cv2
import numpy as np

from kiosk.media.images import DEFAULT_MAX_PIXELS, ImageError, load_full
from kiosk.thread_priority import run_in_background
from kiosk.visitor.layout import Rect

# Decodes a picture at full size: (path, max pixels, background) -> BGR array.
Loader = Callable[[str, int, tuple[int, int, int]], np.ndarray]

log = logging.getLogger(__name__)

Size = tuple[int, int]
Crop = tuple[int, int, int, int]  # x0, y0, x1, y1 in source pixels (x1, y1 exclusive)

__all__ = [
    "Zoom",
    "ZoomResult",
    "ZoomWorker",
    "clamp",
    "image_to_screen",
    "max_scale_for",
    "pan",
    "screen_to_image",
    "view",
    "zoom_at",
]


@dataclass(frozen=True)
class Zoom:
    """``scale`` x the fitted view, centred on (``cx``, ``cy``) of the picture (0..1)."""

    scale: float = 1.0
    cx: float = 0.5
    cy: float = 0.5


def _check(image_size: Size, screen_size: Size) -> None:
    if min(*image_size, *screen_size) <= 0:
        raise ValueError(f"sizes must be positive: image {image_size}, screen {screen_size}")


def _fit(image_size: Size, screen_size: Size) -> float:
    """Screen pixels per source pixel in the fitted view."""
    return min(screen_size[0] / image_size[0], screen_size[1] / image_size[1])


def _px(z: Zoom, image_size: Size, screen_size: Size) -> float:
    return _fit(image_size, screen_size) * z.scale


def max_scale_for(image_size: Size, screen_size: Size) -> float:
    """How far a visitor may zoom: to twice 1:1 source pixels, and at least 2x."""
    _check(image_size, screen_size)
    return max(2.0, 2.0 / _fit(image_size, screen_size))


def screen_to_image(z: Zoom, image_size: Size, screen_size: Size,
                    point_px: tuple[float, float]) -> tuple[float, float]:
    """The picture point (source pixels) under a screen point."""
    s = _px(z, image_size, screen_size)
    return (z.cx * image_size[0] + (point_px[0] - screen_size[0] / 2) / s,
            z.cy * image_size[1] + (point_px[1] - screen_size[1] / 2) / s)


def image_to_screen(z: Zoom, image_size: Size, screen_size: Size,
                    point: tuple[float, float]) -> tuple[float, float]:
    """Where a picture point (source pixels) is on screen."""
    s = _px(z, image_size, screen_size)
    return (screen_size[0] / 2 + (point[0] - z.cx * image_size[0]) * s,
            screen_size[1] / 2 + (point[1] - z.cy * image_size[1]) * s)


def clamp(z: Zoom, image_size: Size, screen_size: Size, max_scale: float | None = None
          ) -> Zoom:
    """Scale within 1..max_scale; the view never shows past the picture's edges, and an
    axis the picture does not fill is centred (so scale 1 is the centred, fitted view)."""
    _check(image_size, screen_size)
    top = max_scale_for(image_size, screen_size) if max_scale is None else max(1.0, max_scale)
    scale = min(max(z.scale, 1.0), top) if math.isfinite(z.scale) else 1.0
    s = _fit(image_size, screen_size) * scale
    centre = []
    for c, i, v in ((z.cx, image_size[0], screen_size[0]), (z.cy, image_size[1],
                                                             screen_size[1])):
        half = v / s / 2 / i  # half the view, as a fraction of the picture
        if half >= 0.5 - 1e-9 or not math.isfinite(c):
            centre.append(0.5)
        else:
            centre.append(min(max(c, half), 1.0 - half))
    return Zoom(scale, centre[0], centre[1])


def zoom_at(z: Zoom, image_size: Size, screen_size: Size, point_px: tuple[float, float],
            factor: float, max_scale: float | None = None, *, clamped: bool = True) -> Zoom:
    """Zoom by ``factor`` keeping the picture point under ``point_px`` where it is.

    The point stays put exactly unless clamping had to move the view (at the picture's
    edges, or at the scale limits). ``clamped=False`` returns the unclamped view (tests).
    """
    _check(image_size, screen_size)
    top = max_scale_for(image_size, screen_size) if max_scale is None else max(1.0, max_scale)
    ix, iy = screen_to_image(z, image_size, screen_size, point_px)
    scale = min(max(z.scale * factor, 1.0), top)
    s = _fit(image_size, screen_size) * scale
    out = Zoom(scale,
               (ix - (point_px[0] - screen_size[0] / 2) / s) / image_size[0],
               (iy - (point_px[1] - screen_size[1] / 2) / s) / image_size[1])
    return clamp(out, image_size, screen_size, top) if clamped else out


def pan(z: Zoom, image_size: Size, screen_size: Size, dx_px: float, dy_px: float,
        max_scale: float | None = None) -> Zoom:
    """Move the picture with a finger that moved ``dx_px``, ``dy_px`` on screen."""
    _check(image_size, screen_size)
    s = _px(z, image_size, screen_size)
    moved = Zoom(z.scale, z.cx - dx_px / s / image_size[0], z.cy - dy_px / s / image_size[1])
    return clamp(moved, image_size, screen_size, max_scale)


def view(z: Zoom, image_size: Size, screen_size: Size) -> tuple[Crop, Rect]:
    """What to show: the source pixels ``crop`` = (x0, y0, x1, y1) and where they go.

    ``dest`` is exactly where the crop lands at this zoom. The crop is widened to whole
    source pixels, so at high zoom ``dest`` may reach up to one source pixel past the
    screen's edges (blits clip it; :class:`ZoomWorker` returns it clipped).
    """
    _check(image_size, screen_size)
    iw, ih = image_size
    sw, sh = screen_size
    s = _px(z, image_size, screen_size)
    vx0, vy0 = z.cx * iw - sw / s / 2, z.cy * ih - sh / s / 2
    x0, y0 = max(0, math.floor(vx0 + 1e-9)), max(0, math.floor(vy0 + 1e-9))
    x1 = min(iw, max(x0 + 1, math.ceil(vx0 + sw / s - 1e-9)))
    y1 = min(ih, max(y0 + 1, math.ceil(vy0 + sh / s - 1e-9)))
    dx0, dy0 = round((x0 - vx0) * s), round((y0 - vy0) * s)
    dx1, dy1 = round((x1 - vx0) * s), round((y1 - vy0) * s)
    return (x0, y0, x1, y1), Rect(dx0, dy0, max(1, dx1 - dx0), max(1, dy1 - dy0))


def render_view(image: np.ndarray, crop: Crop, dest: Rect, screen_size: Size
                ) -> tuple[Rect, np.ndarray]:
    """Crop ``image`` (BGR) and resize it to ``dest``, clipped to the screen, as BGRA."""
    x0, y0, x1, y1 = crop
    part = image[y0:y1, x0:x1]
    shrinking = dest.w <= part.shape[1] and dest.h <= part.shape[0]
    scaled = cv2.resize(part, (dest.w, dest.h),
                        interpolation=cv2.INTER_AREA if shrinking else cv2.INTER_CUBIC)
    cx0, cy0 = max(0, -dest.x), max(0, -dest.y)
    cx1 = min(dest.w, screen_size[0] - dest.x)
    cy1 = min(dest.h, screen_size[1] - dest.y)
    if cx1 <= cx0 or cy1 <= cy0:
        return Rect(max(0, dest.x), max(0, dest.y), 0, 0), np.zeros((0, 0, 4), np.uint8)
    visible = scaled[cy0:cy1, cx0:cx1]
    out = cv2.cvtColor(visible, cv2.COLOR_BGR2BGRA)
    return Rect(dest.x + cx0, dest.y + cy0, cx1 - cx0, cy1 - cy0), out


# ----------------------------------------------------------------------------- worker


class ZoomResult(NamedTuple):
    request_id: int
    zoom: Zoom  # as requested (drawn clamped to the picture)
    dest: Rect  # on screen, clipped to it
    array: np.ndarray  # (dest.h, dest.w, 4) uint8 BGRA, C-contiguous


class ZoomWorker:
    """One full-resolution picture and the crops of it that the screen asks for.

    ``open``/``request``/``poll``/``close`` are for the render thread and never wait on
    a decode or a resize. ``start``/``stop``/``join`` (or ``with ZoomWorker() as w``) own
    the thread. Failures never raise out: ``error`` says what went wrong (for the log and
    the visitor, who keeps the fitted photo).
    """

    def __init__(self, background: tuple[int, int, int] = (0, 0, 0),
                 load: Loader = load_full) -> None:
        self._background = background
        self._load = load
        self._lock = threading.Lock()
        self._wake = threading.Condition(self._lock)
        self._stopped = False
        self._thread: threading.Thread | None = None
        # Guarded by _lock.
        self._generation = 0  # bumped by open/close: work for an older one is dropped
        self._open_job: tuple[int, str, int] | None = None
        self._image: np.ndarray | None = None
        self._image_size: Size | None = None
        self._error: str | None = None
        self._request: tuple[int, int, Zoom, Size] | None = None  # gen, id, zoom, screen
        self._result: ZoomResult | None = None
        self._next_id = 0
        self._busy = ""
        self.skipped = 0  # requests overtaken before the worker reached them
        self.rendered = 0

    # -- lifecycle ------------------------------------------------------------------
    def start(self) -> ZoomWorker:
        with self._lock:
            if self._stopped:
                raise RuntimeError("a stopped ZoomWorker cannot be restarted")
            if self._thread is None:
                self._thread = threading.Thread(target=self._run, name="kiosk-zoom",
                                                daemon=False)
                self._thread.start()
        return self

    def stop(self, timeout_s: float = 2.0) -> bool:
        """Drop the picture and pending work, wake the thread and join it.

        A decode in progress cannot be interrupted; returns False if the thread is still
        busy at the deadline (calling ``stop`` or ``join`` again waits for it later).
        """
        with self._wake:
            self._stopped = True
            self._drop_locked()
            self._wake.notify_all()
            busy = self._busy
        ok = self.join(timeout_s)
        if not ok:
            log.warning("zoom worker still busy after %.1f s: %s", timeout_s, busy or "?")
        return ok

    def join(self, timeout_s: float | None = None) -> bool:
        """Wait for the thread to end (after ``stop``); True if it has."""
        thread = self._thread
        if thread is None:
            return True
        thread.join(timeout_s)
        return not thread.is_alive()

    def __enter__(self) -> ZoomWorker:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    # -- render thread API ----------------------------------------------------------
    def open(self, path: str | os.PathLike[str], max_pixels: int = DEFAULT_MAX_PIXELS) -> None:
        """Start decoding ``path`` at full resolution (replacing any open picture)."""
        with self._wake:
            self._drop_locked()
            self._open_job = (self._generation, os.fspath(path), max_pixels)
            self._wake.notify_all()

    def close(self) -> None:
        """Forget the picture, pending requests and results (frees the memory)."""
        with self._wake:
            self._drop_locked()

    def request(self, zoom: Zoom, screen_size: Size) -> int:
        """Ask for the view at ``zoom``; returns its id. A newer request replaces it."""
        with self._wake:
            self._next_id += 1
            if self._request is not None:
                self.skipped += 1
            self._request = (self._generation, self._next_id, zoom, screen_size)
            self._wake.notify_all()
            return self._next_id

    def poll(self) -> ZoomResult | None:
        """The newest finished view since the last poll, or None (never blocks)."""
        with self._lock:
            result, self._result = self._result, None
            return result

    @property
    def image_size(self) -> Size | None:
        """(width, height) of the decoded picture, upright; None until it is decoded."""
        with self._lock:
            return self._image_size

    @property
    def ready(self) -> bool:
        with self._lock:
            return self._image is not None

    @property
    def error(self) -> str | None:
        """Why the last ``open`` failed (None: no failure)."""
        with self._lock:
            return self._error

    @property
    def idle(self) -> bool:
        """Nothing being decoded or drawn, and nothing waiting that could be."""
        with self._lock:
            return not self._busy and self._open_job is None and (
                self._request is None or self._image is None)

    @property
    def bytes_held(self) -> int:
        """Bytes of pixels this worker keeps: the picture and an unpolled result."""
        with self._lock:
            held = self._image.nbytes if self._image is not None else 0
            if self._result is not None:
                held += self._result.array.nbytes
            return held

    # -- worker ---------------------------------------------------------------------
    def _drop_locked(self) -> None:
        self._generation += 1
        self._open_job = None
        self._image = None
        self._image_size = None
        self._error = None
        self._request = None
        self._result = None

    def _run(self) -> None:
        run_in_background()
        while True:
            try:
                with self._wake:
                    while not self._stopped and self._open_job is None and (
                            self._request is None or self._image is None):
                        self._wake.wait()
                    if self._stopped:
                        return
                    if self._open_job is not None:
                        job, self._open_job = self._open_job, None
                        self._busy = f"decoding {job[1]}"
                        request = None
                    else:
                        job = None
                        pending, image = self._request, self._image
                        assert pending is not None and image is not None  # the wait above
                        gen, rid, zoom, screen = pending
                        self._request = None
                        request = (gen, rid, zoom, screen, image)
                        self._busy = f"rendering request {rid}"
                if job is not None:
                    self._decode(*job)
                elif request is not None:
                    self._render(*request)
            except Exception:  # never let the thread die: the show goes on without zoom
                log.exception("zoom worker failed")
                with self._lock:
                    self._error = "zoom failed (see the log)"
                time.sleep(0.05)
            finally:
                with self._lock:
                    self._busy = ""

    def _decode(self, generation: int, path: str, max_pixels: int) -> None:
        error = None
        image = None
        try:
            image = self._load(path, max_pixels, self._background)
        except ImageError as e:
            error = e.reason
        except MemoryError:
            error = "not enough memory to open the picture at full size"
        except Exception as e:
            log.exception("decoding %s for zoom failed", path)
            error = f"cannot open the picture ({type(e).__name__})"
        with self._wake:
            if generation != self._generation:
                return  # closed or replaced meanwhile: drop it
            if error is not None:
                self._error = error
                log.warning("zoom: %s: %s", path, error)
                return
            assert image is not None  # _load returns an image or raises
            self._image = image
            self._image_size = (image.shape[1], image.shape[0])
            self._wake.notify_all()

    def _render(self, generation: int, rid: int, zoom: Zoom, screen: Size,
                image: np.ndarray) -> None:
        size = (image.shape[1], image.shape[0])
        crop, dest = view(clamp(zoom, size, screen), size, screen)
        dest, array = render_view(image, crop, dest, screen)
        del image
        with self._lock:
            if generation != self._generation:
                return
            self._result = ZoomResult(rid, zoom, dest, array)
            self.rendered += 1
