"""Clip seams: no dropped and no repeated frame where a clip follows itself or another.

Two shows, each run by the real kiosk fullscreen on a 1920x1080 Xvfb screen with cuts
between its clips: one clip alone (it follows itself: each loop is a seam), and two clips
one after the other (each follows the other). The clips are ffmpeg's moving testsrc2 at
1080p30 with a tone, ``--clip-s`` long (default 5 s, so a 40 s run has 7-8 seams).

Measured from outside the kiosk's counters: its ``KIOSK_TRACE_FRAMES`` hook appends
``monotonic pts clip`` each time a new clip picture is taken for a frame, with the frame's
time (its deadline: it is drawn a little before and presented at it). At each seam (the
clip key changes, or the pts goes back to the start):

* dropped at the seam: frames of the outgoing clip after the last one shown (its last
  pts against the file's last frame), plus frames of the incoming one before the first
  shown (its first pts against 0);
* repeated at the seam: the refreshes (60 Hz) the outgoing clip's last picture stayed
  beyond its frame period before the incoming one's first replaced it (a 30 fps picture
  shows for two refreshes; a third is a repeat).

Reference, in the same run: the same counts between frames inside the clips (a frame
whose pts is not the next one is dropped; a picture held a refresh beyond its period is
a repeat, as at a seam),
so a seam is judged against how the machine plays the middle of a clip. The repeats in a
clip's first half second are counted apart: a picture held while the sound starts.

Target: 0 dropped and 0 repeated frames at every seam.

    python benchmarks/clip_seams.py [--seconds 40] [--clip-s 5] [--sound pulse]

``--sound pulse`` plays the sound through a PulseAudio server started here (Debian's
``pulseaudio``), whose only output is read on the benchmark's own clock like a sound
card (``_pulse.py``): the clips' clock is then a sound card's, not SDL's dummy driver's
(which runs about 0.2 % fast against the screen's refresh, a repeat every few seconds).
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import itertools

from _clips import ffmpeg_clip, watch_kiosk_sounding
from _harness import xvfb

FPS = 30
REFRESH_S = 1 / 60
START_S = 0.5  # repeats this close to a clip's start are counted apart


def write_show(root: Path, clips: list[Path]) -> list[str]:
    for d in ("exhibits", "assets", "config"):
        (root / d).mkdir(exist_ok=True)
    items = ""
    for clip in clips:
        target = root / "assets" / clip.name
        if not target.exists():
            os.link(clip, target)
        items += f"  - video: {clip.name}\n    transition: cut\n"
    (root / "exhibits" / "seams.yaml").write_text(f"title: Seams\nitems:\n{items}")
    (root / "config" / "kiosk.yaml").write_text("languages: {offered: [en], default: en}\n")
    return ["--exhibits", str(root / "exhibits"), "--config", str(root / "config" / "kiosk.yaml")]


def read_trace(path: Path) -> list[tuple[float, float, str]]:
    rows = []
    for line in path.read_text().splitlines():
        parts = line.split(" ", 2)
        if len(parts) == 3:
            rows.append((float(parts[0]), float(parts[1]), parts[2]))
    return rows


def analyse(rows: list[tuple[float, float, str]], last_pts: float) -> dict:
    period = 1.0 / FPS
    seams: list[dict] = []
    inner_dropped = inner_repeated = inner_frames = start_repeated = 0
    for (t0, p0, k0), (t1, p1, k1) in itertools.pairwise(rows):
        gap = (t1 - t0) / period
        if k1 != k0 or p1 < p0:  # a seam
            dropped = round((last_pts - p0) / period) + round(p1 / period)
            held = max(0, round((t1 - t0 - period) / REFRESH_S))
            seams.append({"at": t1, "dropped": dropped, "repeated": held,
                          "gap_periods": gap, "from": k0, "to": k1})
        else:
            inner_frames += 1
            steps = round((p1 - p0) / period)
            inner_dropped += max(0, steps - 1)
            held = max(0, round((t1 - t0 - steps * period) / REFRESH_S))
            inner_repeated += held
            if p0 < START_S:
                start_repeated += held
    return {"seams": seams, "inner_frames": inner_frames, "inner_dropped": inner_dropped,
            "inner_repeated": inner_repeated, "start_repeated": start_repeated}


def run(name: str, clips: list[Path], seconds: float, clip_s: float, display: str,
        sound: str = "dummy") -> dict:
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        args = write_show(work, clips)
        trace = work / "trace.txt"
        print(f"{name}: playing for {seconds:g} s ...", flush=True)
        watched = watch_kiosk_sounding(sound, args, display, seconds, work,
                                       KIOSK_TRACE_FRAMES=str(trace))
        if watched.code != 0 or "Traceback" in watched.stderr:
            raise SystemExit(f"the kiosk failed ({watched.code}):\n{watched.stderr[-3000:]}")
        last_pts = round(clip_s * FPS - 1) / FPS
        return analyse(read_trace(trace), last_pts)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=40)
    parser.add_argument("--clip-s", type=float, default=5)
    parser.add_argument("--sound", choices=("dummy", "pulse"), default="dummy",
                        help="the kiosk's sound: SDL's dummy driver, or a PulseAudio "
                             "server started here (Debian's pulseaudio)")
    args = parser.parse_args()
    a = ffmpeg_clip("seam-a", f"testsrc2=size=1920x1080:rate={FPS}",
                    "sine=frequency=440:sample_rate=48000", args.clip_s)
    b = ffmpeg_clip("seam-b", f"testsrc=size=1920x1080:rate={FPS}",
                    "sine=frequency=660:sample_rate=48000", args.clip_s)
    results = []
    with xvfb() as display:
        results.append(("itself", run("a clip after itself", [a], args.seconds,
                                       args.clip_s, display, args.sound)))
        results.append(("another", run("a clip after another", [a, b], args.seconds,
                                       args.clip_s, display, args.sound)))
    print(f"\n{os.cpu_count()} cores, 1920x1080 Xvfb, 1080p{FPS} clips of {args.clip_s:g} s, "
          f"cuts between them, kiosk sound: {args.sound}")
    for name, r in results:
        seams = r["seams"]
        dropped = sum(s["dropped"] for s in seams)
        repeated = sum(s["repeated"] for s in seams)
        gaps = ", ".join(f"{s['gap_periods']:.2f}" for s in seams)
        print(f"[{name}] {len(seams)} seams: dropped {dropped}, repeated {repeated} "
              "[target 0 and 0]")
        print(f"  seam gaps in frame periods (1.00 = on time): {gaps}")
        print(f"  reference, inside the clips: {r['inner_frames']} frames, dropped "
              f"{r['inner_dropped']}, repeated {r['inner_repeated']} "
              f"({r['start_repeated']} in a clip's first {START_S:g} s)")
        for s in seams:
            if s["dropped"] or s["repeated"]:
                print(f"  seam at {s['at']:.2f}: dropped {s['dropped']}, repeated "
                      f"{s['repeated']} ({s['from'].split('|')[-1]} -> "
                      f"{s['to'].split('|')[-1]})")


if __name__ == "__main__":
    main()
