"""Shared pieces of the clip benchmarks: ffmpeg-made clips, a one-clip show, a kiosk run
watched from outside (status file and /proc) while it plays."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from _harness import PYTHON, ROOT, kiosk_env

CACHE = Path(os.environ.get("TMPDIR", "/tmp")) / "kiosk-bench-media"
TICKS = os.sysconf("SC_CLK_TCK")


def ffmpeg_clip(name: str, video: str, audio: str, seconds: float,
                extra: tuple[str, ...] = ("-preset", "veryfast")) -> Path:
    """An H.264 + AAC MP4 from lavfi sources, made once and kept in CACHE."""
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"{name}-{seconds:g}s.mp4"
    if not path.exists():
        print(f"making {path.name} ...", flush=True)
        part = path.with_suffix(".part.mp4")
        subprocess.run(["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", video,
                        "-f", "lavfi", "-i", audio, "-t", f"{seconds:g}", "-c:v", "libx264",
                        *extra, "-pix_fmt", "yuv420p", "-c:a", "aac", "-b:a", "128k",
                        "-shortest", str(part)], check=True)
        part.rename(path)
    return path


def one_clip_show(root: Path, clip: Path, subtitles: Path | None = None) -> list[str]:
    """A show of the clip (a cut in) and a still card after it, so the clip plays once
    and its counts stop when it ends. Returns the run arguments."""
    for d in ("exhibits", "assets", "config"):
        (root / d).mkdir(exist_ok=True)
    _place(clip, root / "assets" / clip.name)
    subs = ""
    if subtitles is not None:
        _place(subtitles, root / "assets" / subtitles.name)
        subs = f"    subtitles: {{en: {subtitles.name}}}\n"
    (root / "exhibits" / "clip.yaml").write_text(
        "title: Clip\nitems:\n"
        f"  - video: {clip.name}\n    transition: cut\n{subs}"
        "  - card: After the clip\n    duration: 10m\n    transition: cut\n")
    (root / "config" / "kiosk.yaml").write_text("languages: {offered: [en], default: en}\n")
    return ["--exhibits", str(root / "exhibits"), "--config", str(root / "config" / "kiosk.yaml")]


def _place(src: Path, dst: Path) -> None:
    """A hard link (a symbolic one resolves outside the assets folder and is refused)."""
    try:
        os.link(src, dst)
    except OSError:
        shutil.copyfile(src, dst)


def cpu_s(pid: int) -> float:
    """User + system CPU seconds of a process (all its threads) from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


def busy_s() -> float:
    """CPU seconds the whole machine spent busy (all cores) since boot, from /proc/stat."""
    cpu = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    return (sum(cpu) - cpu[3] - cpu[4]) / TICKS  # all but idle and iowait


@dataclass
class Sample:
    at: float  # monotonic
    cpu_s: float
    status: dict
    busy_s: float = 0.0  # the whole machine's CPU seconds


@dataclass
class Watched:
    samples: list[Sample] = field(default_factory=list)
    final: dict = field(default_factory=dict)
    stderr: str = ""
    code: int = 0


def watch_kiosk(args: list[str], env: dict[str, str], run_for_s: float, status: Path,
                every_s: float = 0.25, stop_when: Callable[[dict], bool] | None = None,
                on_start: Callable[[subprocess.Popen], None] | None = None) -> Watched:
    """Run the kiosk, sampling its status file and CPU time every ``every_s``."""
    out = Watched()
    log = status.with_suffix(".log")
    with open(log, "w") as err:
        proc = subprocess.Popen([PYTHON, str(ROOT / "run_kiosk.py"), "run", *args,
                                 "--run-for", f"{run_for_s:g}", "--status-file", str(status)],
                                env=env, stdout=subprocess.DEVNULL, stderr=err)
        if on_start is not None:
            on_start(proc)
        try:
            while proc.poll() is None:
                time.sleep(every_s)
                try:
                    at, cpu, busy = time.monotonic(), cpu_s(proc.pid), busy_s()
                    snap = json.loads(status.read_text())
                except (OSError, ValueError, IndexError):
                    continue  # not written yet, or the process just left
                out.samples.append(Sample(at, cpu, snap, busy))
                if stop_when is not None and stop_when(snap):
                    proc.terminate()  # SIGTERM: the kiosk closes as on a supervisor stop
            out.code = proc.wait(timeout=60)
        finally:
            if proc.poll() is None:
                proc.kill()
    out.stderr = log.read_text()
    try:
        out.final = json.loads(status.read_text())
    except (OSError, ValueError):
        pass
    return out


def clip_window(samples: list[Sample]) -> tuple[Sample, Sample]:
    """The first and last samples while the clip's pictures were still changing."""
    shown = [(s, s.status.get("clip_frames", {}).get("shown", 0)) for s in samples]
    first = next(s for s, n in shown if n > 0)
    last = first
    prev = 0
    for s, n in shown:
        if n > prev:
            last = s
        prev = n
    return first, last


def watch_kiosk_sounding(sound: str, args: list[str], display: str, run_for_s: float,
                         work: Path, **extra_env: str) -> Watched:
    """``watch_kiosk`` with the kiosk's sound on SDL's dummy driver, or (``pulse``)
    through a PulseAudio server started here whose only output is read on the
    benchmark's own clock, like a sound card (``_pulse.py``)."""
    status = work / "status.json"
    if sound != "pulse":
        return watch_kiosk(args, env_for(display, **extra_env), run_for_s, status)
    from _pulse import SoundCard, pulse_server

    with pulse_server() as server:
        card = SoundCard(server, work / "card.raw")
        card.start()
        try:
            env = server.client_env(env_for(display, "pulseaudio", **extra_env))
            return watch_kiosk(args, env, run_for_s, status)
        finally:
            card.stop()


def env_for(display: str | None, audio: str = "dummy", **extra: str) -> dict[str, str]:
    env = kiosk_env(display)
    env["SDL_AUDIODRIVER"] = audio
    env.update(extra)
    return env


class Poller(threading.Thread):
    """Calls ``fn`` every ``every_s`` on its own thread until stopped."""

    def __init__(self, fn: Callable[[], None], every_s: float) -> None:
        super().__init__(daemon=True)
        self.fn, self.every_s, self.done = fn, every_s, threading.Event()

    def run(self) -> None:
        while not self.done.is_set():
            self.fn()
            time.sleep(self.every_s)
