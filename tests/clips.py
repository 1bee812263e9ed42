"""Tiny test clips written with PyAV, with the frame number readable from the pixels.

Each frame: the top half a colour that changes per frame with a white square in the
top-left corner (to see rotation), the bottom half 8 black/white stripes spelling the
frame number in binary (most significant bit on the left), readable after scaling.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

BITS = 8


def frame_image(i: int, w: int, h: int) -> np.ndarray:
    img = np.zeros((h, w, 3), np.uint8)
    img[: h // 2] = ((i * 10) % 256, (i * 37) % 256, 255 - (i * 10) % 256)
    img[: max(1, h // 4), : max(1, w // 4)] = 255
    for b in range(BITS):
        if i >> (BITS - 1 - b) & 1:
            img[h // 2 :, b * w // BITS : (b + 1) * w // BITS] = 255
    return img


def frame_number(image: np.ndarray) -> int:
    """The number frame_image drew, from a decoded (maybe scaled) BGR/BGRA frame."""
    h, w = image.shape[:2]
    y = int(h * 0.78)
    n = 0
    for b in range(BITS):
        x = int((b + 0.5) * w / BITS)
        n = n << 1 | int(image[y, x, :3].mean() > 128)
    return n


def make_clip(path: Path, w: int = 160, h: int = 120, seconds: float = 2.0, fps: int = 25,
              audio: tuple[str, int] | None = ("stereo", 44100), video: bool = True,
              rotation_cw: int = 0, faststart: bool = False, tone_hz: float = 440.0) -> Path:
    """An H.264 + AAC MP4. ``audio`` is (layout, rate) or None; ``rotation_cw`` writes a
    display matrix saying "turn the picture this far clockwise to show it"."""
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as c:
        vs = None
        if video:
            vs = c.add_stream("libx264", rate=fps)
            # 4:2:0 needs even sizes; odd ones (real files have them) use 4:4:4.
            vs.width, vs.height = w, h
            vs.pix_fmt = "yuv420p" if w % 2 == 0 and h % 2 == 0 else "yuv444p"
            vs.options = {"preset": "ultrafast", "tune": "zerolatency", "crf": "18"}
            if rotation_cw:
                vs.set_display_rotation(-rotation_cw)  # PyAV takes counter-clockwise
        a_s = None
        if audio is not None:
            layout, rate = audio
            a_s = c.add_stream("aac", rate=rate, layout=layout)
        if vs is not None:
            for i in range(round(seconds * fps)):
                frame = av.VideoFrame.from_ndarray(frame_image(i, w, h), format="bgr24")
                frame.pts = i
                for p in vs.encode(frame):
                    c.mux(p)
            for p in vs.encode():
                c.mux(p)
        if a_s is not None:
            layout, rate = audio
            n_ch = a_s.layout.nb_channels
            total = round(seconds * rate)
            tone = (0.3 * np.sin(2 * np.pi * tone_hz * np.arange(total) / rate)).astype(
                np.float32)
            for k in range(0, total, 1024):
                block = np.ascontiguousarray(np.tile(tone[k : k + 1024], (n_ch, 1)))
                frame = av.AudioFrame.from_ndarray(block, format="fltp", layout=layout)
                frame.sample_rate, frame.pts = rate, k
                for p in a_s.encode(frame):
                    c.mux(p)
            for p in a_s.encode():
                c.mux(p)
    return path


def truncate(src: Path, dst: Path, fraction: float = 0.5) -> Path:
    data = src.read_bytes()
    dst.write_bytes(data[: int(len(data) * fraction)])
    return dst


def numbers_played(reader: Any, check: Callable[[Any], object] | None = None) -> list[int]:
    """Start ``reader`` (a VideoReader) and take every picture it hands over, as the clips
    take them, by its drawn number; ``check(picture)`` sees each one. Waits only while
    the real decoder thread works; ends with the reader stopped and without an error."""
    from kiosk.media.video_fit import as_bgra

    numbers = []
    clock = 0.0
    try:
        reader.start()
        while not reader.ended:
            got = reader.frame_at(clock)
            if got is not None:
                if check is not None:
                    check(got[1])
                numbers.append(frame_number(as_bgra(got[1])))
            elif reader.queued == 0 and not reader.decoding_done:
                threading.Event().wait(0.002)  # a real decoder thread is working
            else:
                clock += 0.02
    finally:
        assert reader.stop(timeout_s=5)
    assert reader.error is None
    return numbers
