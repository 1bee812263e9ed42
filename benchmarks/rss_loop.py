"""Memory after a full loop of a 1,000-photo show at 1920x1080 with a 128 MiB cache.

Makes 1,000 distinct camera-like JPEGs (1600x1200), plays them headless at 1920x1080
(0.1 s each, cut) until the show has looped once, sampling the kiosk's own rss_bytes
from its status file. Reference, measured in the same run: the RSS of a bare Python
process that imported pygame, cv2 and numpy.

Target: RSS after the loop <= 250 MiB.

    python benchmarks/rss_loop.py [--photos 1000]
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import PYTHON, ROOT, camera_like, kiosk_env

MIB = 1024 * 1024


def bare_rss() -> int:
    code = ("import pygame, cv2, numpy, os; "
            "print(int(open('/proc/self/statm').read().split()[1]) * os.sysconf('SC_PAGE_SIZE'))")
    return int(subprocess.run([PYTHON, "-c", code], env=kiosk_env(None), capture_output=True,
                              text=True, check=True).stdout)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--photos", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        photos = root / "assets" / "many"
        photos.mkdir(parents=True)
        (root / "exhibits").mkdir()
        (root / "config").mkdir()
        print(f"making {args.photos} photos ...", flush=True)
        for n in range(args.photos):
            camera_like(photos / f"{n:04d}.jpg", 1600, 1200, seed=1000 + n, quality=80)
        (root / "exhibits" / "many.yaml").write_text(
            "title: Many\ndefaults: {duration: 0.1s, transition: cut}\n"
            "items:\n  - sequence: many/*.jpg\n")
        (root / "config" / "kiosk.yaml").write_text("cache_size: 128MB\n")
        status = root / "status.json"
        start = time.monotonic()
        proc = subprocess.Popen([PYTHON, str(ROOT / "run_kiosk.py"), "run", "--exhibits",
                                 str(root / "exhibits"), "--config",
                                 str(root / "config" / "kiosk.yaml"), "--windowed", "--size",
                                 "1920x1080", "--status-file", str(status)],
                                env=kiosk_env(None), stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        samples: list[tuple[float, int, int]] = []
        try:
            while proc.poll() is None and time.monotonic() - start < 1800:
                time.sleep(1.0)
                try:
                    s = json.loads(status.read_text())
                except (FileNotFoundError, json.JSONDecodeError):
                    continue
                samples.append((time.monotonic() - start, s["rss_bytes"], s["loop_count"]))
                if s["loop_count"] >= 1:
                    break
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    reference = bare_rss()
    after = samples[-1][1]
    peak = max(r for _, r, _ in samples)
    print(f"one loop of {args.photos} photos took {samples[-1][0]:.0f} s")
    print("RSS every 10 s (MiB):", " ".join(f"{r / MIB:.0f}" for t, r, _ in samples[::10]))
    print(f"reference (bare python + pygame + cv2 + numpy): {reference / MIB:.0f} MiB")
    print(f"RSS after the loop: {after / MIB:.0f} MiB (peak {peak / MIB:.0f} MiB; "
          f"{after / reference:.2f}x the reference)  [target <= 250 MiB]")


if __name__ == "__main__":
    main()
