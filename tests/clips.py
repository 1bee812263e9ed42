"""Tiny real video files for tests, encoded with PyAV (no ffmpeg binary needed)."""

from __future__ import annotations

from pathlib import Path

import av
import numpy as np

SAMPLE_RATE = 48_000


def write_clip(path: Path, seconds: float = 2.0, *, fps: int = 25, audio: bool = True,
               size: tuple[int, int] = (64, 48), faststart: bool = False) -> Path:
    """An H.264 clip of a slowly brightening grey, with a quiet 440 Hz tone if ``audio``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    options = {"movflags": "faststart"} if faststart else {}
    with av.open(str(path), "w", options=options) as out:
        video = out.add_stream("libx264", rate=fps)
        video.width, video.height = size
        video.pix_fmt = "yuv420p"
        sound = out.add_stream("aac", rate=SAMPLE_RATE, layout="stereo") if audio else None
        for i in range(round(seconds * fps)):
            image = np.full((size[1], size[0], 3), (i * 5) % 256, np.uint8)
            out.mux(video.encode(av.VideoFrame.from_ndarray(image, format="rgb24")))
        out.mux(video.encode())
        if sound is not None:
            total = round(seconds * SAMPLE_RATE)
            for pts in range(0, total, 1024):
                t = np.arange(pts, min(pts + 1024, total)) / SAMPLE_RATE
                wave = (0.1 * np.sin(2 * np.pi * 440 * t)).astype(np.float32)
                frame = av.AudioFrame.from_ndarray(np.stack([wave, wave]), format="fltp",
                                                   layout="stereo")
                frame.sample_rate, frame.pts = SAMPLE_RATE, pts
                out.mux(sound.encode(frame))
            out.mux(sound.encode())
    return path
