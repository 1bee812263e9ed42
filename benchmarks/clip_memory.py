"""Memory while one long clip plays: RSS growth after the first minute.

One 30-minute file (ffmpeg: moving testsrc2 640x360 at 30 fps with a 440 Hz tone, H.264 +
AAC; one file, not a loop, so the reader and the sound stream through it all) played by
the kiosk (headless SDL dummy video in a 1920x1080 window, so each frame is scaled up as
on a real screen; dummy audio, which still mixes). The status file's ``rss_bytes`` is
sampled every 10 s. Reference, from the same run: the RSS at the end of the first minute.

Target: RSS max - min after the first minute <= 16 MiB.

    python benchmarks/clip_memory.py [--minutes 30]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _clips import env_for, ffmpeg_clip, one_clip_show, watch_kiosk

MIB = 2**20


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=30)
    parser.add_argument("--every", type=float, default=10.0, help="seconds between samples")
    args = parser.parse_args()
    clip = ffmpeg_clip("long", "testsrc2=size=640x360:rate=30",
                       "sine=frequency=440:sample_rate=48000", args.minutes * 60,
                       ("-preset", "ultrafast", "-g", "60"))
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run = [*one_clip_show(work, clip), "--windowed", "--size", "1920x1080"]
        print(f"playing {clip.name} ({args.minutes:g} min) ...", flush=True)
        watched = watch_kiosk(run, env_for(None), args.minutes * 60 + 5, work / "status.json",
                              args.every)
    if watched.code != 0 or "Traceback" in watched.stderr or "ERROR" in watched.stderr:
        raise SystemExit(f"the kiosk failed ({watched.code}):\n{watched.stderr[-3000:]}")
    playing = [s for s in watched.samples if s.status.get("item", "") and
               s.status["item"].endswith(clip.name) and s.status["state"] == "playing"]
    start = playing[0].status["uptime_s"]
    after = [s for s in playing if s.status["uptime_s"] >= start + 60]
    if len(after) < 2:
        raise SystemExit("too short: fewer than two samples after the first minute")
    t = np.array([s.status["uptime_s"] for s in after]) / 3600
    rss = np.array([s.status["rss_bytes"] for s in after], dtype=float)
    base = rss[0]
    slope = float(np.polyfit(t, rss, 1)[0]) if len(t) > 2 else 0.0
    counts = watched.final.get("clip_frames", {})
    growth = rss.max() - rss.min()
    print(f"\n{os.cpu_count()} cores; {len(after)} samples every {args.every:g} s after the "
          f"first minute of a {args.minutes:g} min clip; pictures shown {counts.get('shown')}, "
          f"dropped {counts.get('dropped')}, decoded {counts.get('decoded')}")
    print(f"{'RSS at 1 min':>13} {'min MiB':>8} {'max MiB':>8} {'last MiB':>8} "
          f"{'max-min MiB':>11} {'growth/base':>11} {'trend MiB/h':>11}")
    print(f"{base / MIB:13.1f} {rss.min() / MIB:8.1f} {rss.max() / MIB:8.1f} "
          f"{rss[-1] / MIB:8.1f} {growth / MIB:11.2f} {growth / base:11.3f} "
          f"{slope / MIB:11.2f}")
    print("target: max - min after the first minute <= 16 MiB")


if __name__ == "__main__":
    main()
