"""How fast can a clip be presented on a 1920x1080 screen, against decoding alone?

For 720p, 1080p and 4K H.264 clips with moving content, measures frames per second of:

* present:  VideoReader as the kiosk's clips use it (PyAV decode, planes cropped and
            scaled to the fitted size on its thread), with the render side converting
            every frame to BGRA straight into a 1920x1080 32-bit pygame surface
            through ``surfaces.pixels`` (letterboxed), as the clip painter does,
            unpaced: as fast as frames come;
* cv2 read: ``cv2.VideoCapture.read`` alone (full-size BGR), what the reader used before;
* PyAV:     PyAV decode only (``thread_type="AUTO"``, no pixel conversion).

Prints medians over runs and present / PyAV (target >= 0.8).

    python benchmarks/video_throughput.py [--runs 3] [--seconds 4] [--dir DIR] [--threads N]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import av
import cv2
import numpy as np
import pygame

from kiosk.media import video_source
from kiosk.media.frame_pool import FramePool
from kiosk.media.video import QUEUE_FRAMES, VideoReader
from kiosk.media.video_fit import draw_picture
from kiosk.media.video_source import decoder_threads
from kiosk.render.surfaces import pixels

SCREEN = (1920, 1080)
FPS = 30
SIZES = {"720p": (1280, 720), "1080p": (1920, 1080), "4K": (3840, 2160)}


def make_clip(path: Path, w: int, h: int, seconds: float) -> None:
    """Camera-like moving content: a textured scene panning, with a moving bright block,
    encoded like a typical export (x264 veryfast, crf 23, yuv420p)."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:h, 0:w + 4 * w // 3].astype(np.float32)
    scene = np.dstack([127 + 90 * np.sin(x / 97.0) * np.cos(y / 61.0),
                       127 + 90 * np.cos((x + y) / 143.0),
                       255 * x / x.max()])
    scene += rng.normal(0, 6, scene.shape).astype(np.float32)
    scene = np.clip(scene, 0, 255).astype(np.uint8)
    del x, y
    with av.open(str(path), "w") as c:
        s = c.add_stream("libx264", rate=FPS)
        s.width, s.height, s.pix_fmt = w, h, "yuv420p"
        s.options = {"preset": "veryfast", "crf": "23"}
        n = round(seconds * FPS)
        for i in range(n):
            dx = i * (scene.shape[1] - w) // n
            img = np.ascontiguousarray(scene[:, dx:dx + w])
            bx = (i * 7 * w // 300) % (w - w // 8)
            img[h // 3 : h // 3 + h // 8, bx : bx + w // 8] = 255
            frame = av.VideoFrame.from_ndarray(img, format="bgr24")
            frame.pts = i
            for p in s.encode(frame):
                c.mux(p)
        for p in s.encode():
            c.mux(p)


def pyav_decode_fps(path: Path) -> float:
    with av.open(str(path)) as c:
        s = c.streams.video[0]
        s.thread_type = "AUTO"
        n = 0
        t0 = time.perf_counter()
        for _ in c.decode(s):
            n += 1
        return n / (time.perf_counter() - t0)


def cv2_read_fps(path: Path) -> float:
    cap = cv2.VideoCapture(str(path), cv2.CAP_FFMPEG,
                           [cv2.CAP_PROP_N_THREADS, decoder_threads()])
    n = 0
    t0 = time.perf_counter()
    while cap.read()[0]:
        n += 1
    cap.release()
    return n / (time.perf_counter() - t0)


def present_fps(path: Path, surface: pygame.Surface, pool: FramePool) -> tuple[float, int]:
    """Every frame copied into the screen surface as soon as the reader has it, the
    frames in pooled buffers as the kiosk's clips have them."""
    reader = VideoReader(path, SCREEN, "contain", queue_frames=QUEUE_FRAMES, pool=pool,
                         planar=True).start()
    frame_s = 1.0 / FPS
    clock = 0.0
    n = 0
    t0 = None
    try:
        while not reader.ended:
            got = reader.frame_at(clock)
            if got is None:
                if reader.decoding_done and reader.queued == 0:
                    clock += frame_s  # run past the last frame
                else:
                    time.sleep(0.0005)
                continue
            pts, frame = got
            if t0 is None:
                t0 = time.perf_counter()
            h, w = frame.shape[:2]
            x, y = (SCREEN[0] - w) // 2, (SCREEN[1] - h) // 2
            view = pixels(surface)
            draw_picture(frame, view[y : y + h, x : x + w])
            del view
            n += 1
            clock = pts + frame_s  # ask for the next frame at once: unpaced
        t1 = time.perf_counter()
        assert reader.error is None, reader.error
        dropped = reader.stats.dropped
    finally:
        reader.stop()
    return (n - 1) / (t1 - t0), dropped  # intervals after the first frame


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seconds", type=float, default=4.0)
    ap.add_argument("--dir", type=Path, default=None, help="keep the clips here")
    ap.add_argument("--threads", type=int, default=None,
                    help="decoder threads of the reader (default: the kiosk's choice)")
    args = ap.parse_args()
    if args.threads:
        video_source.decoder_threads = lambda: args.threads

    folder = args.dir or Path(tempfile.mkdtemp(prefix="kiosk-video-bench-"))
    folder.mkdir(parents=True, exist_ok=True)
    surface = pygame.Surface(SCREEN, 0, 32)
    pool = FramePool()
    print(f"{os.cpu_count()} CPUs, {video_source.decoder_threads()} decoder threads, "
          f"OpenCV {cv2.__version__}, PyAV {av.__version__}, "
          f"{args.seconds:g} s clips at {FPS} fps, medians of {args.runs} runs\n")
    print(f"{'clip':<7} {'MB':>5} {'present fps':>12} {'cv2 read fps':>13} "
          f"{'PyAV fps':>9} {'present/PyAV':>13} {'dropped':>8}")
    for name, (w, h) in SIZES.items():
        path = folder / f"bench_{name}.mp4"
        if not path.exists():
            make_clip(path, w, h, args.seconds)
        present, pyav, cvr, drops = [], [], [], []
        present_fps(path, surface, pool)  # warm caches, imports and the pool
        for _ in range(args.runs):
            fps, dropped = present_fps(path, surface, pool)
            present.append(fps)
            drops.append(dropped)
            cvr.append(cv2_read_fps(path))
            pyav.append(pyav_decode_fps(path))
        p, c, a = (statistics.median(v) for v in (present, cvr, pyav))
        print(f"{name:<7} {path.stat().st_size / 1e6:>5.1f} {p:>12.1f} {c:>13.1f} "
              f"{a:>9.1f} {p / a:>13.2f} {max(drops):>8}")


if __name__ == "__main__":
    main()
