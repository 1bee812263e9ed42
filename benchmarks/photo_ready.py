"""How long until a camera photo is ready to show on a 1920x1080 screen?

Compares kiosk.media.images.load_image (contain) with the plain OpenCV recipe it must not
be slower than (imread REDUCED_2 + INTER_AREA resize to the same size) and, for context,
pygame.image.load + smoothscale. Target: load_image / OpenCV ratio <= 1.1.

    python benchmarks/photo_ready.py [--runs 7] [--warmup 1] [--no-rss]

Peak RSS growth is measured per (file, method) in a fresh child process (Linux
/proc/self/clear_refs), because the process-wide peak only ever grows.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np
import pygame

from kiosk.media.images import fit_size, load_image

TARGET = (1920, 1080)

FILES = {
    "12 MP JPEG q90": ("photo_12mp.jpg", 4000, 3000),
    "24 MP JPEG q90": ("photo_24mp.jpg", 6000, 4000),
    "12 MP PNG": ("scan_12mp.png", 4000, 3000),
}


def make_photo(path: Path, w: int, h: int) -> None:
    """Photo-like content: smooth gradients plus sensor-like noise (hard for JPEG/PNG)."""
    rng = np.random.default_rng(42)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.dstack(
        [
            127 + 100 * np.sin(x / w * 6.0),
            127 + 100 * np.cos(y / h * 5.0),
            255 * (x + y) / (w + h),
        ]
    )
    del x, y
    noise = rng.normal(0, 12, (h, w, 3)).astype(np.float32)
    img = np.clip(base + noise, 0, 255).astype(np.uint8)
    del base, noise
    params = [cv2.IMWRITE_JPEG_QUALITY, 90] if path.suffix == ".jpg" else []
    if not cv2.imwrite(str(path), img, params):
        raise RuntimeError(f"could not write {path}")


def method_load_image(path: Path) -> np.ndarray:
    return load_image(path, *TARGET, fit="contain")


def method_opencv(path: Path) -> np.ndarray:
    img = cv2.imread(str(path), cv2.IMREAD_REDUCED_COLOR_2)
    h, w = img.shape[:2]
    size = fit_size(w, h, *TARGET, "contain")
    return cv2.resize(img, size, interpolation=cv2.INTER_AREA)


def method_pygame(path: Path) -> pygame.Surface:
    surf = pygame.image.load(str(path))
    size = fit_size(surf.get_width(), surf.get_height(), *TARGET, "contain")
    return pygame.transform.smoothscale(surf, size)


METHODS: dict[str, Callable[[Path], object]] = {
    "load_image": method_load_image,
    "cv2 REDUCED_2+resize": method_opencv,
    "pygame load+smoothscale": method_pygame,
}


def median_ms(
    methods: dict[str, Callable[[Path], object]], path: Path, runs: int, warmup: int
) -> dict[str, float]:
    """Median wall time per method, interleaving methods so background load hits all alike."""
    names = list(methods)
    times: dict[str, list[float]] = {m: [] for m in names}
    for i in range(warmup + runs):
        order = names[i % len(names) :] + names[: i % len(names)]
        for m in order:
            t0 = time.perf_counter()
            methods[m](path)
            if i >= warmup:
                times[m].append(time.perf_counter() - t0)
    return {m: statistics.median(times[m]) * 1000 for m in names}


def peak_rss_mb() -> float:
    """VmHWM (peak resident set) in MB; Linux only."""
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    raise OSError("no VmHWM")


def rss_child(method: str, path: str) -> None:
    # Reset the peak to the current RSS so imports and start-up do not count.
    with open("/proc/self/clear_refs", "w") as f:
        f.write("5")
    before = peak_rss_mb()
    METHODS[method](Path(path))
    print(f"{peak_rss_mb() - before:.0f}")


def rss_growth_mb(method: str, path: Path) -> str:
    out = subprocess.run(
        [sys.executable, __file__, "--rss-child", method, str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    return out.stdout.strip().splitlines()[-1] if out.returncode == 0 else "error"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--warmup", type=int, default=1)
    ap.add_argument("--no-rss", action="store_true", help="skip peak-RSS child processes")
    ap.add_argument("--rss-child", nargs=2, metavar=("METHOD", "PATH"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.rss_child:
        rss_child(*args.rss_child)
        return

    print(
        f"OpenCV {cv2.__version__}, pygame {pygame.version.ver}, {os.cpu_count()} CPUs, "
        f"cv2 threads {cv2.getNumThreads()}, median of {args.runs} (warm-up {args.warmup}), "
        f"target {TARGET[0]}x{TARGET[1]} contain"
    )
    with tempfile.TemporaryDirectory(prefix="photo_ready_") as tmp:
        rows = []
        for label, (name, w, h) in FILES.items():
            path = Path(tmp) / name
            make_photo(path, w, h)
            size_mb = path.stat().st_size / 1e6
            ms = median_ms(METHODS, path, args.runs, args.warmup)
            rss = {m: "-" if args.no_rss else rss_growth_mb(m, path) for m in METHODS}
            rows.append((f"{label} ({size_mb:.1f} MB)", ms, rss))

    header = (
        f"{'file':<28} {'load_image ms':>13} {'cv2 ref ms':>10} {'ratio':>6} "
        f"{'pygame ms':>9}   peak RSS growth MB (load_image / cv2 / pygame)"
    )
    print(header)
    print("-" * len(header))
    for label, ms, rss in rows:
        ours, ref, pg = ms.values()
        print(
            f"{label:<28} {ours:>13.1f} {ref:>10.1f} {ours / ref:>6.2f} {pg:>9.1f}   "
            + " / ".join(rss.values())
        )


if __name__ == "__main__":
    main()
