"""A decoded clip frame turned into screen pixels: upright, fitted, BGRA, in pooled buffers.

The common case (4:2:0 video in TV range, which is what cameras, phones and exports make)
never builds a full-size BGR picture: the three YUV planes straight from the decoder are
cropped (``cover``) and scaled to the fitted size, and only then converted to BGRA, so a
4K source costs the conversion of a 1080p one. Hardware decoders hand over the same
4:2:0 picture as NV12 (Y, then U and V interleaved): its two planes take the same path.
Everything lands in ``FramePool`` buffers sized by the screen, not the source. Other
pixel formats (10-bit, 4:4:4, full range) go through libswscale to BGR at full size
first, as every frame did before: correct, slower.

Measured on the 2-core box (``benchmarks/video_throughput.py``): libswscale's own
scale+convert (``VideoFrame.reformat`` to the fitted size) takes 6 ms a 4K frame against
3 ms here, and its output is a fresh FFmpeg buffer per frame instead of a pooled one.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import cv2
import numpy as np

from kiosk.media.frame_pool import FramePool
from kiosk.media.images import Fit, _crop_to_aspect, _round_div, fit_size

_TURNS = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180,
          270: cv2.ROTATE_90_COUNTERCLOCKWISE}
JPEG_RANGE = 2  # AVCOL_RANGE_JPEG: full-range YUV, which cvtColor's I420 table is not for


@dataclass(frozen=True, slots=True)
class Yuv420:
    """A fitted picture still in 4:2:0 planes, converted only when it is drawn, straight
    onto the screen (or the clip's layer): 1.5 bytes a pixel wait in the queue instead
    of 4, and no BGRA copy is made between the reader and the screen.

    ``i420`` is cvtColor's layout (Y rows, then U, then V; with ``nv12``, Y rows then
    U and V interleaved) with even sides; the picture is its top-left ``height`` x
    ``width`` (one less than the buffer for odd sizes).
    """

    i420: np.ndarray
    width: int
    height: int
    nv12: bool = False

    @property
    def shape(self) -> tuple[int, int, int]:
        return self.height, self.width, 4

    def into(self, dst: np.ndarray) -> None:
        """Convert into ``dst``, an (height, width, 4) BGRA view (the screen's pixels)."""
        ew = self.i420.shape[1]
        eh = self.i420.shape[0] * 2 // 3
        code = cv2.COLOR_YUV2BGRA_NV12 if self.nv12 else cv2.COLOR_YUV2BGRA_I420
        if (ew, eh) == (self.width, self.height):
            cv2.cvtColor(self.i420, code, dst=dst)
        else:  # an odd side: convert the even buffer, keep the picture's part
            dst[:] = cv2.cvtColor(self.i420, code)[: self.height, : self.width]


Picture = np.ndarray | Yuv420  # a fitted frame: BGRA pixels, or planes to convert on drawing


def warm_up(size: tuple[int, int]) -> None:
    """Convert one screen-sized frame, on the thread that calls it (the render thread, at
    start-up). OpenCV sets up its worker pool and tables on first use: 70 ms that fell on
    a clip's first frames, with its clock already running (4 of them dropped at 60 fps).
    And its pool threads take the priority of the thread that starts them: started by a
    photo decode (kiosk/thread_priority.py), they would convert the render thread's
    frames in the background too. At least 1080p: OpenCV shares out only large images."""
    w, h = max(1920, size[0] // 2 * 2), max(1080, size[1] // 2 * 2)
    cv2.cvtColor(np.zeros((h * 3 // 2, w), np.uint8), cv2.COLOR_YUV2BGRA_I420,
                 dst=np.empty((h, w, 4), np.uint8))


def draw_picture(picture: Picture, dst: np.ndarray) -> None:
    """A fitted frame into ``dst`` (a BGRA view of its size)."""
    if isinstance(picture, Yuv420):
        picture.into(dst)
    else:
        dst[:] = picture


def as_bgra(picture: Picture) -> np.ndarray:
    """A fitted frame as BGRA pixels (converted when it is still planar)."""
    if isinstance(picture, np.ndarray):
        return picture
    out = np.empty(picture.shape, np.uint8)
    picture.into(out)
    return out


def fit_frame(frame: np.ndarray, target_w: int, target_h: int, fit: Fit,
              rotation_cw: int = 0, pool: FramePool | None = None) -> np.ndarray:
    """A decoded BGR frame turned upright and fitted, as a C-contiguous BGRA array.

    ``contain``: the fitted size (the compositor letterboxes); ``cover``: exactly the
    target, centre-cropped. The fit is done in the stored orientation with the target's
    axes swapped, and the small result is rotated. With a ``pool`` the steps write into
    reused buffers instead of new ones.
    """
    take = pool.take if pool is not None else _new_pixels
    swap = rotation_cw in (90, 270)
    tw, th = (target_h, target_w) if swap else (target_w, target_h)
    src_h, src_w = frame.shape[:2]
    if fit == "cover":
        frame = _crop_to_aspect(frame, tw, th)
        out_w, out_h = tw, th
    else:
        out_w, out_h = fit_size(src_w, src_h, tw, th, "contain")
    if frame.ndim == 2:
        frame = cv2.cvtColor(frame, cv2.COLOR_GRAY2BGR)
    h, w = frame.shape[:2]
    if (w, h) != (out_w, out_h):
        frame = cv2.resize(frame, (out_w, out_h), dst=take((out_h, out_w, frame.shape[2])),
                           interpolation=_interpolation(w, h, out_w, out_h))
    if frame.shape[2] == 3:
        out = cv2.cvtColor(frame, cv2.COLOR_BGR2BGRA, dst=take((out_h, out_w, 4)))
    else:
        out = np.ascontiguousarray(frame)
    del frame  # a pooled scratch buffer is free again
    return _turn(out, rotation_cw, take)


Planes = tuple[np.ndarray, ...]  # Y, U, V (I420) or Y, UV (NV12: chroma pairs, h/2 x w/2 x 2)


def fit_yuv420(planes: Planes, target_w: int, target_h: int, fit: Fit, rotation_cw: int = 0,
               pool: FramePool | None = None, planar: bool = False) -> Picture:
    """Decoder planes of a 4:2:0 picture (Y, U, V or NV12's Y, UV; even sides, TV range)
    fitted and turned upright as BGRA, scaling the planes before the colour conversion;
    with ``planar`` (and no rotation) left as fitted planes, a ``Yuv420``.

    The result has the same size as ``fit_frame``'s; it may be a view of a buffer one
    pixel wider or taller (4:2:0 needs even sides), with rows one buffer-row apart.
    """
    take = pool.take if pool is not None else _new_pixels
    y_plane = planes[0]
    nv12 = len(planes) == 2
    h, w = y_plane.shape
    swap = rotation_cw in (90, 270)
    tw, th = (target_h, target_w) if swap else (target_w, target_h)
    x0 = y0 = 0
    cw, ch = w, h
    if fit == "cover":
        if w * th > tw * h:  # too wide: keep the middle columns (even, for the chroma)
            cw = max(2, min(w, _round_div(h * tw, th)) & ~1)
            x0 = (w - cw) // 2 & ~1
        else:
            ch = max(2, min(h, _round_div(w * th, tw)) & ~1)
            y0 = (h - ch) // 2 & ~1
        out_w, out_h = tw, th
    else:
        out_w, out_h = fit_size(w, h, tw, th, "contain")
    ew, eh = out_w + (out_w & 1), out_h + (out_h & 1)
    i420 = take((eh * 3 // 2, ew))  # cvtColor's layout: Y rows, then the chroma rows
    flat = i420.reshape(-1)
    quarter = ew * eh // 4
    if nv12:  # U and V stay interleaved, and are scaled as one two-channel picture
        chroma: list[np.ndarray] = [flat[ew * eh :].reshape(eh // 2, ew // 2, 2)]
    else:
        chroma = [flat[ew * eh : ew * eh + quarter].reshape(eh // 2, ew // 2),
                  flat[ew * eh + quarter :].reshape(eh // 2, ew // 2)]
    interpolation = _interpolation(cw, ch, ew, eh)
    jobs = [(y_plane, i420[:eh], 1)] + [(src, dst, 2) for src, dst in zip(planes[1:], chroma,
                                                                            strict=True)]
    for src, dst, k in jobs:
        part = src[y0 // k : (y0 + ch) // k, x0 // k : (x0 + cw) // k]
        if part.shape == dst.shape:
            np.copyto(dst, part)
        else:
            cv2.resize(part, (dst.shape[1], dst.shape[0]), dst=dst,
                       interpolation=interpolation)
    del flat, chroma, jobs
    if planar and rotation_cw not in _TURNS:
        return Yuv420(i420, out_w, out_h, nv12)
    code = cv2.COLOR_YUV2BGRA_NV12 if nv12 else cv2.COLOR_YUV2BGRA_I420
    bgra = cv2.cvtColor(i420, code, dst=take((eh, ew, 4)))
    del i420  # the scratch is free again
    return _turn(bgra[:out_h, :out_w], rotation_cw, take)


def yuv420_planes(frame: Any) -> Planes | None:
    """A PyAV frame's planes as views (no copy), when ``fit_yuv420`` can take them:
    Y, U and V of yuv420p, or Y and the interleaved UV of nv12 (what VA-API and V4L2
    decoders hand over); else None."""
    name = frame.format.name
    if (name not in ("yuv420p", "nv12") or frame.color_range == JPEG_RANGE
            or frame.width % 2 or frame.height % 2):
        return None
    views: list[np.ndarray] = []
    for plane in frame.planes:
        rows = np.frombuffer(plane, np.uint8, count=plane.line_size * plane.height)
        rows = rows.reshape(plane.height, plane.line_size)
        if name == "nv12" and views:  # plane.width counts UV pairs, two bytes each
            views.append(rows[:, : 2 * plane.width].reshape(plane.height, plane.width, 2))
        else:
            views.append(rows[:, : plane.width])
    return tuple(views)


class FrameFitter:
    """Fits whatever a clip source hands over: PyAV frames (the fast path when it
    applies, else libswscale to BGR first) or BGR arrays (tests' fake sources);
    ``planar``: leave 4:2:0 pictures as planes (``Yuv420``) for the drawing to convert."""

    def __init__(self, target_w: int, target_h: int, fit: Fit, rotation_cw: int,
                 pool: FramePool | None, planar: bool = False) -> None:
        self.target = (target_w, target_h)
        self.fit: Fit = fit
        self.rotation_cw = rotation_cw
        self.pool = pool
        self.planar = planar
        self._reformatter: Any = None  # one libswscale context for the whole clip
        self.fast = 0  # frames that took the planar path (benchmarks print it)

    def __call__(self, picture: Any) -> Picture:
        tw, th = self.target
        if isinstance(picture, np.ndarray):
            return fit_frame(picture, tw, th, self.fit, self.rotation_cw, self.pool)
        planes = yuv420_planes(picture)
        if planes is not None:
            self.fast += 1
            return fit_yuv420(planes, tw, th, self.fit, self.rotation_cw, self.pool,
                              self.planar)
        if self._reformatter is None:
            from av.video.reformatter import VideoReformatter

            self._reformatter = VideoReformatter()
        bgr = self._reformatter.reformat(picture, format="bgr24").to_ndarray()
        return fit_frame(bgr, tw, th, self.fit, self.rotation_cw, self.pool)


def _interpolation(w: int, h: int, out_w: int, out_h: int) -> int:
    # Area averaging only when shrinking a lot (aliasing); bilinear is 3-4x cheaper at
    # 4K and looks the same for factors under 2.
    shrink = out_w * 2 <= w and out_h * 2 <= h
    return cv2.INTER_AREA if shrink else cv2.INTER_LINEAR


def _turn(out: np.ndarray, rotation_cw: int, take: Any) -> np.ndarray:
    turn = _TURNS.get(rotation_cw)
    if turn is None:
        return out
    h, w = out.shape[:2]
    shape = (w, h, 4) if rotation_cw in (90, 270) else (h, w, 4)
    return cv2.rotate(out, turn, dst=take(shape))


def _new_pixels(shape: tuple[int, ...]) -> np.ndarray:
    return np.empty(shape, np.uint8)
