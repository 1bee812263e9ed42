"""How long from starting the kiosk to its first picture on screen?

Measured from launching `run_kiosk.py` (demo show, fullscreen on a 1920x1080 Xvfb
screen) to the status file saying `playing` (the kiosk writes it on its first picture),
against the reference measured in the same run: `python -c "import pygame, cv2"`.
Both warm (the files are in the page cache after a first untimed run).

Target: first picture <= reference + 0.3 s.

    python benchmarks/first_frame.py [--runs 5]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import PYTHON, ROOT, kiosk_env, xvfb


def time_import(display: str) -> float:
    start = time.perf_counter()
    subprocess.run([PYTHON, "-c", "import pygame, cv2"], env=kiosk_env(display), check=True)
    return time.perf_counter() - start


def time_first_picture(display: str, status: Path) -> float:
    status.unlink(missing_ok=True)
    start = time.perf_counter()
    proc = subprocess.Popen([PYTHON, str(ROOT / "run_kiosk.py"), "--run-for", "3",
                             "--status-file", str(status)], env=kiosk_env(display),
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while time.perf_counter() - start < 30:
            try:
                if json.loads(status.read_text())["state"] == "playing":
                    return time.perf_counter() - start
            except (FileNotFoundError, json.JSONDecodeError, KeyError):
                pass
            time.sleep(0.002)
        raise SystemExit("no picture within 30 s")
    finally:
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    with xvfb() as display, tempfile.TemporaryDirectory() as tmp:
        status = Path(tmp) / "status.json"
        time_import(display)
        time_first_picture(display, status)  # warm-up
        imports, firsts = [], []
        for _ in range(args.runs):  # interleaved, so both see the same machine load
            imports.append(time_import(display))
            firsts.append(time_first_picture(display, status))
    ref, first = statistics.median(imports), statistics.median(firsts)
    runs = lambda values: ", ".join(f"{t:.3f}" for t in values)  # noqa: E731
    print(f"import pygame, cv2: median {ref:.3f} s  (runs: {runs(imports)})")
    print(f"first picture:      median {first:.3f} s  (runs: {runs(firsts)})")
    print(f"first picture - import = {first - ref:+.3f} s  [target <= +0.3 s]; "
          f"ratio {first / ref:.2f}x")


if __name__ == "__main__":
    main()
