"""How long from a curator's save to the new show on screen (live reload).

Runs the kiosk headless on a show whose item stays on screen, then saves the manifest 20
times (alternately in place and by rename, as editors do), each time correcting the
caption of the item on screen, and reads from the status file when the new show was
swapped in (`show_loaded_at`, milliseconds). The reference is the settle time itself
(1 s): the watcher waits that long after the last write before it reads anything.

Targets: median and max <= settle + 1 s; the edit to the item on screen visible within
2.5 s (the kiosk redraws the item in the frame after the swap).

    python benchmarks/reload_latency.py [--saves 20]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import PYTHON, ROOT, camera_like, kiosk_env

SETTLE_S = 1.0  # kiosk.live.watcher.DEFAULT_SETTLE_S


def manifest(caption: str) -> str:
    return ("title: Reload\nitems:\n  - photo: p.jpg\n    duration: 1h\n"
            f"    caption: {caption}\n")


def loaded_at(status: Path) -> float | None:
    try:
        text = json.loads(status.read_text()).get("show_loaded_at")
    except (FileNotFoundError, json.JSONDecodeError):
        return None
    return datetime.fromisoformat(text).timestamp() if text else None


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--saves", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "exhibits").mkdir()
        (root / "assets").mkdir()
        camera_like(root / "assets" / "p.jpg", 1600, 1200, seed=7)
        target = root / "exhibits" / "a.yaml"
        target.write_text(manifest("first"))
        status = root / "status.json"
        env = {**kiosk_env(None), "STATE_DIRECTORY": str(root / "state")}
        proc = subprocess.Popen([PYTHON, str(ROOT / "run_kiosk.py"), "--exhibits",
                                 str(root / "exhibits"), "--windowed", "--size", "1280x720",
                                 "--status-file", str(status)], env=env,
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        latencies = []
        try:
            while loaded_at(status) is None:
                time.sleep(0.05)
            time.sleep(2.0)
            for n in range(args.saves):
                before = loaded_at(status)
                text = manifest(f"corrected caption number {n}")
                if n % 2:
                    tmp_file = target.with_name(".a.yaml.tmp")
                    tmp_file.write_text(text)
                    os.replace(tmp_file, target)
                else:
                    target.write_text(text)
                written = time.time()
                deadline = time.monotonic() + 15
                while time.monotonic() < deadline:
                    now = loaded_at(status)
                    if now is not None and now != before:
                        latencies.append(now - written)
                        break
                    time.sleep(0.01)
                else:
                    latencies.append(float("inf"))
                time.sleep(0.5)
        finally:
            proc.terminate()
            proc.wait(timeout=30)
    median, worst = statistics.median(latencies), max(latencies)
    print(f"{args.saves} saves, settle time {SETTLE_S:g} s (the reference)")
    print("latencies (s): " + " ".join(f"{x:.2f}" for x in latencies))
    print(f"save -> new show swapped in: median {median:.2f} s "
          f"({median / SETTLE_S:.2f}x settle), max {worst:.2f} s  "
          f"[target <= settle + 1 s = {SETTLE_S + 1:g} s]")
    print(f"the item on screen was the one edited: its new caption is drawn in the frame "
          f"after the swap, so visible within max {worst + 0.05:.2f} s [target <= 2.5 s]")


if __name__ == "__main__":
    main()
