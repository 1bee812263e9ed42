"""Soak: days of show compressed into half an hour, watching for anything that grows.

A show of 200 photos at 0.2 s each plus a short clip with sound, played headless at
1920x1080 for 30 minutes (about 9,000 item changes). Every 10 s: the kiosk's RSS, open
file descriptors and threads, from /proc. After the first 5 minutes: the RSS band (max -
min), the slope of a least-squares line through RSS and the upper end of its 95%
confidence interval, and whether fds and threads stayed flat. Reference: the RSS at the
5-minute mark.

Targets: RSS band <= 16 MiB, slope upper bound < 5 MiB per hour, fds and threads flat.
Not part of CI (it takes half an hour).

    python benchmarks/soak.py [--minutes 30]
"""

from __future__ import annotations

import argparse
import math
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import PYTHON, ROOT, camera_like, kiosk_env

MIB = 1024 * 1024


def sample(pid: int) -> tuple[int, int, int]:
    status = Path(f"/proc/{pid}/status").read_text().splitlines()
    fields = dict(line.split(":", 1) for line in status if ":" in line)
    rss = int(fields["VmRSS"].split()[0]) * 1024
    threads = int(fields["Threads"])
    fds = len(list(Path(f"/proc/{pid}/fd").iterdir()))
    return rss, fds, threads


def slope_with_bound(xs: list[float], ys: list[float]) -> tuple[float, float]:
    """Least-squares slope and the upper end of its 95% interval (normal approximation;
    over 100 samples the t quantile is within 2% of 1.96)."""
    n = len(xs)
    mx, my = sum(xs) / n, sum(ys) / n
    sxx = sum((x - mx) ** 2 for x in xs)
    b = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sxx
    a = my - b * mx
    resid = sum((y - a - b * x) ** 2 for x, y in zip(xs, ys, strict=True))
    se = math.sqrt(resid / max(n - 2, 1) / sxx)
    return b, b + 1.96 * se


def make_clip(path: Path) -> None:
    subprocess.run(["ffmpeg", "-loglevel", "error", "-y", "-f", "lavfi", "-i",
                    "testsrc2=size=640x360:rate=25:duration=4", "-f", "lavfi", "-i",
                    "sine=frequency=440:duration=4", "-c:v", "libx264", "-pix_fmt", "yuv420p",
                    "-c:a", "aac", "-shortest", str(path)], check=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--photos", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        photos = root / "assets" / "soak"
        photos.mkdir(parents=True)
        (root / "exhibits").mkdir()
        print(f"making {args.photos} photos and a clip ...", flush=True)
        for n in range(args.photos):
            camera_like(photos / f"{n:03d}.jpg", 1600, 1200, seed=5000 + n, quality=80)
        make_clip(root / "assets" / "clip.mp4")
        (root / "exhibits" / "soak.yaml").write_text(
            "title: Soak\ndefaults: {duration: 0.2s, transition: cut}\n"
            "items:\n  - sequence: soak/*.jpg\n  - video: clip.mp4\n")
        env = {**kiosk_env(None), "STATE_DIRECTORY": str(root / "state")}
        status = root / "status.json"
        proc = subprocess.Popen([PYTHON, str(ROOT / "run_kiosk.py"), "--exhibits",
                                 str(root / "exhibits"), "--windowed", "--size", "1920x1080",
                                 "--run-for", str(args.minutes * 60), "--status-file",
                                 str(status)], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
        start = time.monotonic()
        series: list[tuple[float, int, int, int]] = []
        while proc.poll() is None:
            time.sleep(10)
            try:
                series.append((time.monotonic() - start, *sample(proc.pid)))
            except (FileNotFoundError, ProcessLookupError, KeyError):
                break
        _, err = proc.communicate()
        final = status.read_text() if status.exists() else "{}"
    import json

    final_status = json.loads(final)
    warm = [s for s in series if s[0] >= min(300.0, args.minutes * 60 / 6)]
    rss = [r for _, r, _, _ in warm]
    xs = [t / 3600 for t, *_ in warm]
    slope, upper = slope_with_bound(xs, [r / MIB for r in rss])
    fds = sorted({f for _, _, f, _ in warm})
    threads = sorted({t for _, _, _, t in warm})
    print(f"ran {series[-1][0] / 60:.1f} min; loops {final_status.get('loop_count')}, "
          f"frames {final_status.get('frames')}, skipped {final_status.get('skipped')}")
    print("RSS every 10 s (MiB): " + " ".join(f"{r / MIB:.0f}" for _, r, _, _ in series))
    print("fds: " + " ".join(str(f) for _, _, f, _ in series))
    print("threads: " + " ".join(str(t) for _, _, _, t in series))
    print(f"after warm-up: RSS {min(rss) / MIB:.1f}..{max(rss) / MIB:.1f} MiB, band "
          f"{(max(rss) - min(rss)) / MIB:.1f} MiB (reference at the start of the window "
          f"{rss[0] / MIB:.1f} MiB)  [target <= 16 MiB]")
    print(f"RSS slope {slope:+.2f} MiB/h, 95% upper bound {upper:+.2f} MiB/h  [target < 5]")
    print(f"fds seen {fds}, threads seen {threads}  [target: flat]")
    if "Traceback" in err:
        print("a traceback in the log:\n" + err[-2000:])


if __name__ == "__main__":
    main()
