"""Shared pieces of the benchmarks: a private Xvfb screen, a kiosk run, test photos."""

from __future__ import annotations

import contextlib
import functools
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
PYTHON = sys.executable


# A full museum label for a benchmark photo item (format with n=...).
LABEL = """    title:
      en: "Photograph {n}: the harbour at dawn"
      ru: "Снимок {n}: гавань на рассвете"
    caption:
      en: Boats return before the market opens; the keeper walks the breakwater.
      ru: Лодки возвращаются до открытия рынка; смотритель идёт по волнорезу.
    source: Town archive
    date: 1994-05-12
    credit: Harbour Photo Club
"""


@contextlib.contextmanager
def xvfb(size: tuple[int, int] = (1920, 1080), number: int = 91) -> Iterator[str]:
    """A virtual X screen for as long as the block runs; yields its DISPLAY name."""
    display = f":{number}"
    proc = subprocess.Popen(["Xvfb", display, "-screen", "0", f"{size[0]}x{size[1]}x24",
                             "-nolisten", "tcp"], stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            if Path(f"/tmp/.X11-unix/X{number}").exists():
                break
            time.sleep(0.05)
        yield display
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@functools.cache
def _state_dir() -> str:
    return tempfile.mkdtemp(prefix="kiosk-bench-state-")


def kiosk_env(display: str | None) -> dict[str, str]:
    env = {**os.environ, "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    # Its own restart count and proof of play, not those of the kiosk installed here.
    env.setdefault("STATE_DIRECTORY", _state_dir())
    if display is None:
        env["SDL_VIDEODRIVER"] = "dummy"
    else:
        env["DISPLAY"] = display
        env.pop("SDL_VIDEODRIVER", None)
    env["SDL_AUDIODRIVER"] = "dummy"
    return env


def run_kiosk(args: list[str], display: str | None, timeout: float) -> dict:
    """Run `run_kiosk.py run ...` to its end and return its final status."""
    status = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-status-{os.getpid()}.json"
    done = subprocess.run([PYTHON, str(ROOT / "run_kiosk.py"), "run", *args,
                           "--status-file", str(status)], env=kiosk_env(display),
                          capture_output=True, text=True, timeout=timeout)
    if done.returncode != 0:
        raise SystemExit(f"the kiosk failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return json.loads(status.read_text())


def camera_like(path: Path, w: int, h: int, seed: int, quality: int = 90) -> Path:
    """A photo-like JPEG: smooth gradients, shapes and sensor-like noise (compresses like one)."""
    rng = np.random.default_rng(seed)
    small = rng.integers(0, 255, (9, 12, 3), dtype=np.uint8)
    image = cv2.resize(small, (w, h), interpolation=cv2.INTER_CUBIC)
    for _ in range(12):
        centre = (int(rng.integers(0, w)), int(rng.integers(0, h)))
        colour = tuple(int(c) for c in rng.integers(0, 255, 3))
        cv2.circle(image, centre, int(rng.integers(h // 20, h // 4)), colour, -1, cv2.LINE_AA)
    noise = rng.normal(0, 6, (h, w, 3)).astype(np.int16)
    image = np.clip(image.astype(np.int16) + noise, 0, 255).astype(np.uint8)
    cv2.imwrite(str(path), image, [cv2.IMWRITE_JPEG_QUALITY, quality])
    return path


def median_ms(samples: list[float]) -> float:
    return statistics.median(samples) * 1000.0
