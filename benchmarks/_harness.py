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
from typing import NamedTuple

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


# The same label in Simplified Chinese and in Arabic (format with n=...): a show with
# captions in other scripts than Latin and Cyrillic.
LABEL_ZH = """    title:
      zh-Hans: "第{n}号照片：黎明时分的港口"
    caption:
      zh-Hans: "渔船在市场开门之前返回；看守人沿着防波堤行走，\\
        海鸥在码头上空盘旋，远处的灯塔依然亮着。"
    source: 城市档案馆
    date: 1994-05-12
    credit: 港口摄影俱乐部
"""
LABEL_AR = """    title:
      ar: "الصورة {n}: الميناء عند الفجر"
    caption:
      ar: تعود القوارب قبل أن يفتح السوق؛ ويمشي الحارس على كاسر الأمواج
        بينما تحلق النوارس فوق الرصيف.
    source: أرشيف المدينة
    date: 1994-05-12
    credit: نادي التصوير في الميناء
"""
LABELS = {"latin": LABEL, "zh": LABEL_ZH, "ar": LABEL_AR}


def _display_taken(number: int) -> bool:
    return (Path(f"/tmp/.X11-unix/X{number}").exists()
            or Path(f"/tmp/.X{number}-lock").exists())


@contextlib.contextmanager
def xvfb(size: tuple[int, int] = (1920, 1080), number: int | None = None) -> Iterator[str]:
    """A virtual X screen for as long as the block runs; yields its DISPLAY name.

    Without ``number``, the first free display from :91 up, so two benchmarks can run at
    once (another one's screen is never shared: its frames would disturb the figures).
    """
    for _ in range(3):
        want = number if number is not None else next(
            n for n in range(91, 200) if not _display_taken(n))
        proc = subprocess.Popen(["Xvfb", f":{want}", "-screen", "0",
                                 f"{size[0]}x{size[1]}x24", "-nolisten", "tcp"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(100):
            if proc.poll() is not None or Path(f"/tmp/.X11-unix/X{want}").exists():
                break
            time.sleep(0.05)
        if proc.poll() is None:
            break
        if number is not None:
            raise SystemExit(f"Xvfb could not start on :{number} (is it taken?)")
        # lost a race for that display to another benchmark: take the next free one
    else:
        raise SystemExit("Xvfb could not start on a free display")
    try:
        yield f":{want}"
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
    """Run `run_kiosk.py run ...` to its end and return its final status, with
    ``render_wait_ms`` and ``stolen_ms`` (``run_watched``)."""
    status = Path(os.environ.get("TMPDIR", "/tmp")) / f"bench-status-{os.getpid()}.json"
    run = run_watched("the kiosk", [PYTHON, str(ROOT / "run_kiosk.py"), "run", *args,
                                    "--status-file", str(status)],
                      kiosk_env(display), timeout)
    return {**json.loads(status.read_text()), "render_wait_ms": run.wait_ms,
            "stolen_ms": run.stolen_ms}


class Watched(NamedTuple):
    output: str
    wait_ms: float | None  # its main thread ready to run but waiting for a core
    stolen_ms: float | None  # the cores' time the host took from this virtual machine


def run_watched(name: str, command: list[str], env: dict[str, str], timeout: float
                ) -> Watched:
    """Run ``command`` to its end: its output, how long its main thread was ready to run
    but waited for a core, in ms (the kernel's schedstat, read while it runs), and how
    much of the cores' time the host of a virtual machine took meanwhile, in ms (its
    steal: a frame can come late while no process here was running); None where the
    kernel does not tell. A failure ends the benchmark with its error output."""
    stolen_before = stolen_ms()
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=err, text=True)
        waited, end = None, time.monotonic() + timeout
        while proc.poll() is None:
            sample = core_wait_ms(proc.pid)
            waited = sample if sample is not None else waited  # the last one read
            if time.monotonic() > end:
                proc.kill()
                proc.wait()
                raise SystemExit(f"{name} did not end within {timeout:g} s")
            time.sleep(0.1)
        if proc.returncode != 0:
            err.seek(0)
            raise SystemExit(f"{name} failed ({proc.returncode}):\n{err.read()[-2000:]}")
        out.seek(0)
        stolen_after = stolen_ms()
        stolen = (stolen_after - stolen_before
                  if stolen_before is not None and stolen_after is not None else None)
        return Watched(out.read(), waited, stolen)


def core_wait_ms(pid: int) -> float | None:
    """How long a process's main thread has been ready to run but waited for a core, in
    ms (the kernel's schedstat; None where there is none, or it has ended)."""
    try:
        fields = Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()
    except OSError:
        return None
    return int(fields[1]) / 1e6


def stolen_ms() -> float | None:
    """The cores' time (all of them, in ms) the host has taken from this virtual machine
    since it started: /proc/stat's steal, 0 on a machine of its own; None where there is
    none."""
    try:
        fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()
        return int(fields[8]) * 1000.0 / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


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
