"""CPU used while the venue is closed (outside opening hours).

Runs the kiosk fullscreen on a 1920x1080 Xvfb screen with opening hours that are closed
all day, and measures the process's CPU time (user + system, /proc) over a minute after
it settled. Reference, measured in the same run: the same kiosk while open, on a still
photo (its progress line moving).

Target: under 1% of one core while closed.

    python benchmarks/closed_cpu.py [--seconds 60]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import PYTHON, ROOT, camera_like, kiosk_env, xvfb


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(root: Path, config: str, display: str, seconds: float) -> float:
    (root / "config" / "kiosk.yaml").write_text(config)
    env = {**kiosk_env(display), "STATE_DIRECTORY": str(root / "state")}
    proc = subprocess.Popen([PYTHON, str(ROOT / "run_kiosk.py"), "--exhibits",
                             str(root / "exhibits"), "--config",
                             str(root / "config" / "kiosk.yaml")], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(8)  # started, settled
        c0, t0 = cpu_seconds(proc.pid), time.monotonic()
        time.sleep(seconds)
        return (cpu_seconds(proc.pid) - c0) / (time.monotonic() - t0)
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp, xvfb() as display:
        root = Path(tmp)
        for folder in ("exhibits", "assets", "config"):
            (root / folder).mkdir()
        camera_like(root / "assets" / "p.jpg", 1600, 1200, seed=3)
        (root / "exhibits" / "a.yaml").write_text(
            "items:\n  - photo: p.jpg\n    duration: 1h\n    caption: Still\n")
        closed = measure(root, "opening_hours: {daily: closed}\nclosed: {screen: card}\n",
                         display, args.seconds)
        open_ = measure(root, "", display, args.seconds)
    print(f"CPU while closed: {100 * closed:.2f}% of one core  [target < 1%]")
    print(f"reference, open on a still photo: {100 * open_:.2f}% of one core "
          f"(closed = {closed / open_:.3f}x open)")


if __name__ == "__main__":
    main()
