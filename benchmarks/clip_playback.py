"""Paced clip playback on a real X screen: dropped clip frames, frame times and CPU.

Plays a 1080p30, a 1080p60 and a 4K30 H.264 + AAC clip (ffmpeg's moving testsrc2, 20 s) with the
real kiosk, fullscreen on a 1920x1080 Xvfb screen (display flip included), from a
one-clip exhibit followed by a still card. The kiosk's status file gives the clip's
counts (``clip_frames``: shown, dropped late, decoded, time between new pictures); the
CPU used is the process's user+system time from /proc over the wall time while the
clip's pictures were changing (both cores count: 100 % is one core); memory is the peak
resident set (VmRSS, sampled every 0.1-0.25 s) of each player over its run. The
"floor" is the peak RSS of a bare process on the kiosk's stack (``FLOOR``): what any
player written with it holds before doing anything of its own.

Reference, measured in the same run on the same Xvfb screen: ``mpv --vo=x11`` playing
the same clip fullscreen (sound decoded to ``--ao=null``; software decoding), its CPU
over its whole run and its own dropped-frame counts. Frame times are also given as a
ratio to the clip's frame period (1.00 = every frame on time).

Targets: dropped <= 0.1 % of the clip's frames.

With ``--runs N`` each clip is played N times by each player, alternately; every run
is a row, and the median CPU and RSS ratios of the runs are given per clip (mpv's CPU
varies by a fifth from run to run on a shared 2-core machine: one run says little).

    python benchmarks/clip_playback.py [--seconds 20] [--only 1080p30|1080p60|4k30] [--no-mpv]
        [--sound pulse] [--runs 1]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _clips import clip_window, cpu_s, ffmpeg_clip, one_clip_show, watch_kiosk_sounding
from _harness import xvfb

CLIPS = {
    "1080p30": ("testsrc2=size=1920x1080:rate=30", 30),
    "1080p60": ("testsrc2=size=1920x1080:rate=60", 60),
    "4k30": ("testsrc2=size=3840x2160:rate=30", 30),
}
MPV_DROPS = """local vo, dec = "?", "?"
mp.observe_property("frame-drop-count", "number", function(_, v) if v then vo = v end end)
mp.observe_property("decoder-frame-drop-count", "number",
  function(_, v) if v then dec = v end end)
mp.register_event("shutdown", function()
  io.stderr:write(string.format("MPV-DROPS %s %s\\n", vo, dec))
end)
"""


def play_kiosk(clip: Path, seconds: float, display: str, work: Path,
               sound: str = "dummy") -> dict:
    args = one_clip_show(work, clip)
    watched = watch_kiosk_sounding(sound, args, display, seconds + 12, work)
    if watched.code != 0 or "Traceback" in watched.stderr or "ERROR" in watched.stderr:
        raise SystemExit(f"the kiosk failed ({watched.code}):\n{watched.stderr[-3000:]}")
    first, last = clip_window(watched.samples)
    counts = watched.final["clip_frames"]
    busy = (last.busy_s - first.busy_s) / (last.at - first.at)
    return {"counts": counts, "cpu": (last.cpu_s - first.cpu_s) / (last.at - first.at),
            "others": busy - (last.cpu_s - first.cpu_s) / (last.at - first.at),
            "rss": max(smp.status.get("rss_bytes", 0) for smp in watched.samples),
            "skipped": watched.final["skipped"]}


def play_mpv(clip: Path, display: str, work: Path) -> dict | None:
    mpv = shutil.which("mpv")
    if mpv is None:
        return None
    script = work / "drops.lua"
    script.write_text(MPV_DROPS)
    env = {**os.environ, "DISPLAY": display}
    start = time.monotonic()
    proc = subprocess.Popen([mpv, "--no-config", "--vo=x11", "--fs", "--ao=null", "--hwdec=no",
                             "--no-osc", "--really-quiet", f"--script={script}", str(clip)],
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                            text=True)
    cpu = 0.0
    rss = 0
    while proc.poll() is None:
        try:
            cpu = cpu_s(proc.pid)
            rss = max(rss, rss_bytes(proc.pid))
        except (OSError, IndexError, ValueError):
            break
        time.sleep(0.1)
    err = proc.communicate()[1]
    wall = time.monotonic() - start
    drops = next((line.split()[1:] for line in err.splitlines()
                  if line.startswith("MPV-DROPS")), ["?", "?"])
    return {"cpu": cpu / wall, "wall": wall, "rss": rss, "vo_drops": drops[0],
            "dec_drops": drops[1]}


# The least any player on the kiosk's stack holds: Python with the libraries the kiosk
# imports, a fullscreen pygame window on the same screen, and PyAV decoding the clip with
# the kiosk's decoder threads, doing nothing with the pictures. The window is made as
# kiosk/render/display.py makes it (X11 shared memory, no OpenGL: 118 MiB less).
FLOOR = """
import os, sys
import av, cv2, numpy, pygame, yaml
from kiosk.media.video_source import decoder_threads
os.environ["SDL_FRAMEBUFFER_ACCELERATION"] = "0"  # X11 shared memory, as the kiosk
pygame.display.init()
screen = pygame.display.set_mode(pygame.display.get_desktop_sizes()[0], pygame.NOFRAME)
screen.fill((20, 20, 20)); pygame.display.flip()
with av.open(sys.argv[1]) as c:
    s = c.streams.video[0]; s.thread_type = "AUTO"; s.codec_context.thread_count = decoder_threads()
    for i, f in enumerate(c.decode(s)):
        if i == 300: break
"""


def stack_floor(clip: Path, display: str) -> int:
    """Peak RSS of FLOOR: the memory the kiosk's stack costs before any of its own work."""
    env = {**os.environ, "DISPLAY": display, "SDL_AUDIODRIVER": "dummy",
           "PYGAME_HIDE_SUPPORT_PROMPT": "1"}
    proc = subprocess.Popen([sys.executable, "-c", FLOOR, str(clip)], env=env,
                            cwd=Path(__file__).resolve().parents[1])
    rss = 0
    while proc.poll() is None:
        try:
            rss = max(rss, rss_bytes(proc.pid))
        except (OSError, ValueError):
            break
        time.sleep(0.02)
    if proc.wait() != 0:
        raise SystemExit("the stack's floor process failed")
    return rss


def rss_bytes(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--only", choices=sorted(CLIPS))
    parser.add_argument("--no-mpv", action="store_true")
    parser.add_argument("--sound", choices=("dummy", "pulse"), default="dummy",
                        help="the kiosk's sound: SDL's dummy driver, or a PulseAudio "
                             "server started here whose card this benchmark plays")
    parser.add_argument("--runs", type=int, default=1,
                        help="play each clip this many times with each player, alternately")
    args = parser.parse_args()
    if args.runs < 1:
        parser.error("--runs: at least 1")
    rows = []
    for name, (source, fps) in CLIPS.items():
        if args.only and name != args.only:
            continue
        clip = ffmpeg_clip(name, source, "sine=frequency=440:sample_rate=48000", args.seconds)
        for _ in range(args.runs):
            with tempfile.TemporaryDirectory() as tmp, xvfb() as display:
                work = Path(tmp)
                print(f"{name}: kiosk ...", flush=True)
                kiosk = play_kiosk(clip, args.seconds, display, work, args.sound)
                print(f"{name}: mpv ...", flush=True)
                mpv = None if args.no_mpv else play_mpv(clip, display, work)
                kiosk["floor"] = stack_floor(clip, display)
            rows.append((name, fps, kiosk, mpv))
    print(f"\n{os.cpu_count()} cores, 1920x1080 Xvfb screen, {args.seconds:g} s clips, "
          f"kiosk sound: {args.sound}; CPU: 100 % = one core; load average "
          f"{os.getloadavg()[0]:.2f}")
    print(f"{'clip':8} {'frames':>6} {'shown':>6} {'dropped':>8} {'drop %':>7} "
          f"{'p50 ms':>7} {'p99 ms':>7} {'worst ms':>8} {'p99/period':>10} "
          f"{'CPU %':>6} {'others %':>8} {'mpv CPU %':>9} {'kiosk/mpv':>9} "
          f"{'mpv drops vo/dec':>16} {'RSS MiB':>7} {'mpv MiB':>7} {'RSS/mpv':>7} "
          f"{'floor MiB':>9} {'floor/mpv':>9}")
    for name, fps, kiosk, mpv in rows:
        c, iv = kiosk["counts"], kiosk["counts"]["interval_ms"]
        period = 1000.0 / fps
        drop_pct = 100.0 * c["dropped"] / max(c["decoded"], 1)
        mpv_cpu = f"{100 * mpv['cpu']:.0f}" if mpv else "n/a"
        ratio = f"{kiosk['cpu'] / mpv['cpu']:.2f}" if mpv and mpv["cpu"] else "n/a"
        drops = f"{mpv['vo_drops']}/{mpv['dec_drops']}" if mpv else "n/a"
        rss = kiosk["rss"] / 2**20
        mpv_rss = f"{mpv['rss'] / 2**20:.0f}" if mpv else "n/a"
        rss_ratio = f"{kiosk['rss'] / mpv['rss']:.2f}" if mpv and mpv["rss"] else "n/a"
        floor = kiosk["floor"] / 2**20
        floor_ratio = f"{kiosk['floor'] / mpv['rss']:.2f}" if mpv and mpv["rss"] else "n/a"
        print(f"{name:8} {c['decoded']:6d} {c['shown']:6d} {c['dropped']:8d} {drop_pct:7.2f} "
              f"{iv['p50']:7.1f} {iv['p99']:7.1f} {iv['max']:8.1f} {iv['p99'] / period:10.2f} "
              f"{100 * kiosk['cpu']:6.0f} {100 * kiosk['others']:8.0f} {mpv_cpu:>9} "
              f"{ratio:>9} {drops:>16} {rss:7.0f} {mpv_rss:>7} {rss_ratio:>7} "
              f"{floor:9.0f} {floor_ratio:>9}")
        if kiosk["skipped"]:
            print(f"  skipped: {kiosk['skipped']}")
    if args.runs > 1 and not args.no_mpv:
        for name in dict.fromkeys(r[0] for r in rows):
            runs = [(k, m) for n, _, k, m in rows if n == name and m and m["cpu"] and m["rss"]]
            cpu = statistics.median(k["cpu"] / m["cpu"] for k, m in runs)
            rss = statistics.median(k["rss"] / m["rss"] for k, m in runs)
            floor = statistics.median(k["floor"] / m["rss"] for k, m in runs)
            print(f"{name}: median of {len(runs)} runs: CPU kiosk/mpv {cpu:.2f}, "
                  f"RSS kiosk/mpv {rss:.2f} (floor/mpv {floor:.2f})")
    print("others %: CPU used by every other process (Xvfb included) while the clip played")
    print("floor: Python, the kiosk's libraries, a fullscreen window and PyAV decoding the "
          "clip, nothing else (the least RSS any player on this stack can have)")
    print("target: dropped <= 0.1 % of the clip's frames")


if __name__ == "__main__":
    main()
