"""A/V drift: the sound actually written out against the clip picture on screen.

The clip (ffmpeg: moving testsrc2 at 30 fps, 320x240, H.264 + AAC 48 kHz) carries one
counter in picture and sound: every 0.5 s a new period k starts, the picture with frame
pts k/2 and the sound with a 50 ms beep at 600 + 200 * (k mod 8) Hz (so each beep is
identified by its pitch, and a missed or extra beep is caught, not miscounted).

The kiosk plays it (headless SDL dummy video, a 640x360 window) with SDL's ``disk``
audio driver, which writes the mixed output to a file one device buffer at a time and
then sleeps for that buffer's duration, i.e. at real-time pace. Two independent records:

* sound: a thread of this benchmark polls the output file's size every 0.5 ms against
  ``time.monotonic``; a sample at frame offset j of a buffer that appeared at time W is
  taken as sent out at W + j / rate (the driver "plays" the buffer while it sleeps).
  Beep onsets are found in the written file (first sample over 30 % of the beep peak
  after 0.2 s of quiet).
* picture: the kiosk's ``KIOSK_TRACE_FRAMES`` hook appends ``monotonic pts key`` when a
  new clip picture is taken for a frame, with the frame's time (its deadline, at which
  the loop presents it); the first picture with pts >= k/2 is change k.

drift_k = sound time of beep k - presentation time of picture change k (positive: the
sound comes after the picture). The player's own audio clock is used nowhere.

Error of the method: the file poll (+-0.25 ms as the midpoint of two polls; the largest
poll gap is printed), the onset detector (about 0.3 ms for a 600-2000 Hz tone at 30 %),
the present itself (the trace time is the frame's deadline, when the loop presents it;
under 1 ms for a 640x360 dummy window, later only for a late frame), and the write of
one buffer (the driver's fwrite, microseconds). The sound source itself may be shifted
by the AAC encoder; its onsets are measured from the decoded file and printed
(``source offset``).

Target: max |drift| <= 20 ms over 10 minutes. With ``--stall-server S`` the PulseAudio
server hangs once for S seconds: every beep must still be heard (matched), the ones
after the stall in sync again.

    python benchmarks/av_drift.py [--minutes 10] [--sound pulse [--stall-server 0.8]]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(1, str(Path(__file__).resolve().parents[1]))
from _clips import Watched, env_for, ffmpeg_clip, one_clip_show, watch_kiosk

RATE = 48000
CHANNELS = 2
PERIOD_S = 0.5
BEEP_S = 0.05
QUIET_S = 0.2
BUFFER = 1024  # the mixer's device buffer (kiosk.media.audio.init_mixer)
STALL_AT_S = 20.0  # --stall-server: when, after the kiosk's start


def beep_hz(k: int) -> float:
    return 600.0 + 200.0 * (k % 8)


def make_clip(minutes: float) -> Path:
    seconds = minutes * 60
    audio = (f"aevalsrc=exprs='0.8*sin(2*PI*(600+200*mod(floor(t/{PERIOD_S}),8))*t)"
             f"*lt(mod(t,{PERIOD_S}),{BEEP_S})*gte(t,{PERIOD_S})':s={RATE}")
    return ffmpeg_clip("drift", "testsrc2=size=320x240:rate=30", audio, seconds,
                       ("-preset", "veryfast", "-g", "30"))


def onsets(mono: np.ndarray, rate: int) -> list[tuple[int, float]]:
    """(first sample, pitch Hz) of each beep: the first sample over 30 % of the peak after
    QUIET_S of quiet, and the pitch from zero crossings over the next 40 ms."""
    level = np.abs(mono.astype(np.float32))
    peak = float(np.percentile(level[level > 0], 99.9)) if level.any() else 0.0
    loud = np.flatnonzero(level > 0.3 * peak)
    if loud.size == 0:
        return []
    starts = loud[np.concatenate(([True], np.diff(loud) > QUIET_S * rate))]
    out = []
    n = int(0.04 * rate)
    for s in starts:
        seg = mono[s + 48:s + 48 + n].astype(np.float32)
        crossings = np.count_nonzero(np.signbit(seg[1:]) != np.signbit(seg[:-1]))
        out.append((int(s), crossings / 2 / (len(seg) / rate)))
    return out


def identify(found: list[tuple[int, float]]) -> list[int | None]:
    """k of each onset (beeps start at k = 1): the k with the beep's pitch (k mod 8) nearest
    to where the time since the previous beep puts it. A beep lost from the written sound
    (a skip) leaves a gap in the k's, and is counted, not miscounted."""
    ks: list[int | None] = []
    prev_k, prev_s = 0, None
    for s, hz in found:
        guess = 1.0 if prev_s is None else prev_k + (s - prev_s) / RATE / PERIOD_S
        pitch = round((hz - 600.0) / 200.0)
        if not 0 <= pitch < 8 or abs(hz - beep_hz(pitch)) > 60:
            ks.append(None)  # a beep cut by a skip in the sound: not a clean onset
            continue
        k = min((pitch + 8 * n for n in range(int(guess) // 8 - 1, int(guess) // 8 + 2)),
                key=lambda c: abs(c - guess))
        if k <= prev_k:
            raise SystemExit(f"beep {k} after beep {prev_k}: the count is not trusted")
        ks.append(k)
        prev_k, prev_s = k, s
    return ks


def source_offsets(clip: Path) -> list[float]:
    """Where each beep starts in the clip's own decoded sound, minus its nominal time."""
    from kiosk.media.audio import decode_pcm

    pcm = np.concatenate(list(decode_pcm(clip, RATE, 1)))[:, 0]
    found = onsets(pcm, RATE)
    return [s / RATE - k * PERIOD_S for k, (s, _) in zip(identify(found), found, strict=True)
            if k is not None]


class FileGrowth(threading.Thread):
    """Polls a file's size against the monotonic clock; keeps (time, size) at each change."""

    def __init__(self, path: Path, every_s: float = 0.0005) -> None:
        super().__init__(daemon=True)
        self.path, self.every_s = path, every_s
        self.steps: list[tuple[float, int]] = []
        self.max_gap_s = 0.0
        self.done = threading.Event()

    def run(self) -> None:
        size, before = 0, time.monotonic()
        while not self.done.is_set():
            try:
                now_size = os.stat(self.path).st_size
            except FileNotFoundError:
                now_size = 0
            now = time.monotonic()
            self.max_gap_s = max(self.max_gap_s, now - before) if self.steps else 0.0
            if now_size != size:
                self.steps.append(((before + now) / 2, now_size))  # it grew between polls
                size = now_size
            before = now
            time.sleep(self.every_s)


def sent_at(steps: list[tuple[float, int]], frame: int) -> float:
    """When output frame ``frame`` was sent out: its buffer's write time plus its offset."""
    frame_bytes = 2 * CHANNELS
    sizes = [s for _, s in steps]
    i = int(np.searchsorted(sizes, (frame + 1) * frame_bytes))
    first = (sizes[i - 1] if i > 0 else 0) // frame_bytes
    return steps[i][0] + (frame - first) / RATE


def trace_changes(trace: Path) -> dict[int, float]:
    """k -> when the first picture with pts >= k/2 was drawn."""
    out: dict[int, float] = {}
    for line in trace.read_text().splitlines():
        at, pts, _key = line.split(" ", 2)
        k = int((float(pts) + 0.001) // PERIOD_S)
        out.setdefault(k, float(at))
    return out


class Played:
    """A run's sound as heard: mono samples, when each was played, how that was measured."""

    def __init__(self, pcm: np.ndarray, played_at: Callable[[int], float],
                 method: list[str]) -> None:
        self.pcm, self.played_at, self.method = pcm, played_at, method


def run_disk(work: Path, run: list[str], minutes: float) -> tuple[Played, Watched]:
    raw, trace = work / "out.raw", work / "trace.txt"
    env = env_for(None, "disk", SDL_DISKAUDIOFILE=str(raw), KIOSK_TRACE_FRAMES=str(trace))
    growth = FileGrowth(raw)
    growth.start()
    try:
        watched = watch_kiosk(run, env, minutes * 60 + 8, work / "status.json", 1.0)
    finally:
        growth.done.set()
        growth.join()
    pcm = np.fromfile(raw, np.int16).reshape(-1, CHANNELS)[:, 0]
    sizes = np.diff([0] + [s for _, s in growth.steps]) // (2 * CHANNELS)
    method = [f"method: SDL disk driver; file polled every 0.5 ms (largest gap "
              f"{growth.max_gap_s * 1000:.1f} ms); output written in steps of "
              f"{int(np.median(sizes))} frames ({100 * float(np.mean(sizes == BUFFER)):.1f} % "
              f"one {BUFFER}-frame buffer)"]
    return Played(pcm, lambda f: sent_at(growth.steps, f), method), watched


def run_pulse(work: Path, run: list[str], minutes: float, latency: str,
              buffer_bytes: int, stall_s: float = 0.0) -> tuple[Played, Watched]:
    from _pulse import SoundCard, pulse_server

    raw = work / "card.raw"
    with pulse_server() as server:
        card = SoundCard(server, raw, buffer_bytes)
        card.start()
        try:
            env = server.client_env(env_for(None, "pulseaudio",
                                            KIOSK_TRACE_FRAMES=str(work / "trace.txt")))
            if latency == "assumed":
                env["KIOSK_SOUND_LATENCY"] = "assumed"
            def stall_later(_proc: object) -> None:  # once, STALL_AT_S into the run
                timer = threading.Timer(STALL_AT_S, server.stall, (stall_s,))
                timer.daemon = True
                timer.start()

            watched = watch_kiosk(run, env, minutes * 60 + 8, work / "status.json", 1.0,
                                  on_start=stall_later if stall_s > 0 else None)
        finally:
            card.stop()
        if card.error:
            raise SystemExit(f"the sound card failed: {card.error}")
    pcm = np.fromfile(raw, np.int16).reshape(-1, CHANNELS)[:, 0]
    heard = card.heard()
    late = heard.late * 1000
    method = [f"method: PulseAudio, pipe sink read by this benchmark every "
              f"{card.period_frames} frames (a {card.buffer_bytes // (2 * CHANNELS)}-frame "
              f"card buffer, {1000 * card.buffer_bytes / (2 * CHANNELS) / RATE:.0f} ms); "
              f"kiosk clock latency: {latency}"
              + (f"; the server hung for {stall_s:g} s, {STALL_AT_S:g} s after the kiosk "
                 "started" if stall_s > 0 else ""),
              f"card reads late by p50 {np.median(late):.2f} ms, p99 "
              f"{np.percentile(late, 99):.2f} ms, max {late.max():.2f} ms (heard at the "
              "deadline: the samples are the same)"]
    played = Played(pcm, heard.at, method)
    played.heard = heard  # type: ignore[attr-defined]
    return played, watched


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--minutes", type=float, default=10)
    parser.add_argument("--sound", choices=("disk", "pulse"), default="disk",
                        help="SDL's disk driver, or a PulseAudio server started here")
    parser.add_argument("--latency", choices=("reported", "assumed"), default="reported",
                        help="pulse: the kiosk's clock on the server's reported latency "
                             "or on one assumed SDL buffer (KIOSK_SOUND_LATENCY=assumed)")
    parser.add_argument("--card-buffer", type=int, default=8192,
                        help="pulse: the sound card's buffer (the FIFO) in bytes")
    parser.add_argument("--stall-server", type=float, default=0.0, metavar="SECONDS",
                        help="pulse: hang the sound server once for this long, "
                             f"{STALL_AT_S:g} s after the kiosk started: the sound must "
                             "come back in sync, not be lost")
    args = parser.parse_args()
    clip = make_clip(args.minutes)
    offsets = source_offsets(clip)
    load = os.getloadavg()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        run = [*one_clip_show(work, clip), "--windowed", "--size", "640x360"]
        print(f"playing {clip.name} ({args.minutes:g} min, sound: {args.sound}) ...",
              flush=True)
        if args.sound == "pulse":
            played, watched = run_pulse(work, run, args.minutes, args.latency,
                                        args.card_buffer, args.stall_server)
        else:
            played, watched = run_disk(work, run, args.minutes)
        if watched.code != 0 or "Traceback" in watched.stderr or "ERROR" in watched.stderr:
            raise SystemExit(f"the kiosk failed ({watched.code}):\n{watched.stderr[-3000:]}")
        changes = trace_changes(work / "trace.txt")
    found = onsets(played.pcm, RATE)
    ks = identify(found)
    matched = [(k, s) for k, (s, _) in zip(ks, found, strict=True)
               if k is not None and k in changes]
    drift = [(k, played.played_at(s) - changes[k]) for k, s in matched]
    report(args, played, watched, ks, drift, offsets, load)
    heard = getattr(played, "heard", None)
    if heard is not None and found:
        print(f"card underruns while the clip played: "
              f"{heard.underruns(found[0][0], found[-1][0])}")


def report(args: argparse.Namespace, played: Played, watched: Watched,
           ks: list[int | None], drift: list[tuple[int, float]], offsets: list[float],
           load: tuple[float, float, float]) -> None:
    values = [d for _, d in drift]
    worst_k, worst = max(drift, key=lambda kd: abs(kd[1]))
    counts = watched.final.get("clip_frames", {})
    expected = int(args.minutes * 60 / PERIOD_S) - 1
    good = [k for k in ks if k is not None]
    missing = sorted(set(range(1, good[-1] + 1)) - set(good))
    print(f"\n{os.cpu_count()} cores, load average before the run {load[0]:.2f} "
          f"{load[1]:.2f} {load[2]:.2f}, after {os.getloadavg()[0]:.2f}")
    print(f"clip {args.minutes:g} min; {len(values)} of {expected} "
          f"beeps matched to picture changes; pictures shown {counts.get('shown')}, "
          f"dropped {counts.get('dropped')}")
    print(f"beeps cut short in the sound: {ks.count(None)}; "
          f"beeps missing from it (sound skipped): {len(missing)}"
          + (f", first at k={missing[0]} ({missing[0] * PERIOD_S:.1f} s)" if missing else ""))
    for line in played.method:
        print(line)
    print(f"source offset (AAC, beep onsets in the decoded clip minus nominal): "
          f"mean {1000 * statistics.mean(offsets):+.2f} ms, "
          f"max |.| {1000 * max(map(abs, offsets)):.2f} ms")
    print(f"{'window':>14} {'beeps':>6} {'mean ms':>8} {'min ms':>8} {'max ms':>8} "
          f"{'p95 |d| ms':>10} {'max |d| ms':>10} {'stdev ms':>8}")
    minute = int(1 / PERIOD_S * 60)
    windows = [("first minute", values[:minute]), ("last minute", values[-minute:]),
               ("all", values)]
    for name, v in windows:
        print(f"{name:>14} {len(v):6d} {1000 * statistics.mean(v):+8.2f} "
              f"{1000 * min(v):+8.2f} {1000 * max(v):+8.2f} "
              f"{1000 * float(np.percentile(np.abs(v), 95)):10.2f} "
              f"{1000 * max(map(abs, v)):10.2f} {1000 * statistics.pstdev(v):8.2f}")
    over = [(k, d) for k, d in drift if abs(d) > 0.020]
    print(f"beeps over 20 ms: {len(over)} of {len(drift)}"
          + (": " + ", ".join(f"{k} ({1000 * d:+.1f})" for k, d in over[:10]) if over else ""))
    print("first beeps: " + ", ".join(f"{k}: {1000 * d:+.1f}" for k, d in drift[:6]) + " ms")
    print(f"worst at beep {worst_k} ({worst_k * PERIOD_S:.1f} s): {1000 * worst:+.2f} ms; "
          "positive = sound after picture")
    print("target: max |drift| <= 20 ms, mean within +-5 ms")


if __name__ == "__main__":
    main()
