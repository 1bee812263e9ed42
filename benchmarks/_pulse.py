"""A private PulseAudio server for a benchmark, whose sound card is the benchmark itself.

The server plays into a FIFO (``module-pipe-sink``); a thread of the benchmark takes the
sound out of the FIFO at a fixed pace on its own monotonic clock, as a sound card's DAC
would on its crystal: 240 frames (5 ms) at each deadline ``T0 + i * 5 ms``. A sample is
heard when the "card" takes it: frame j of the block taken at deadline i is heard at
``deadline_i + j / rate``. The server fills the FIFO as it empties, so the FIFO's fill
is the device buffer the server reports as its sink latency, which is what a kiosk on a
real card must learn; its size is set here (``F_SETPIPE_SZ``) like a card's buffer.

Why a pipe sink and not a null sink's monitor: the null sink renders up to its latency
ahead of its play position in one go and hands the whole block to the monitor, so the
arrival of recorded samples says when they were mixed, not when they were played; the
pipe sink has no such ambiguity. Why PulseAudio and not PipeWire: one daemon (``-n``
with two modules) started and stopped by pid, where PipeWire needs three processes
(pipewire, pipewire-pulse, a session manager that links the nodes) and a D-Bus session.
The kiosk talks to either through the same pulse protocol (SDL's ``pulseaudio``
driver), and that path is what is measured.

Error of the method: a block counts as heard at its deadline even when this thread read
it late (the FIFO hands out the same samples whenever it is read; lateness is printed);
a short read (the FIFO had less than a block: the server did not keep up) is counted as
an underrun, its samples heard from its deadline on.

Everything is started in a temporary runtime folder (``XDG_RUNTIME_DIR``,
``PULSE_RUNTIME_PATH``, its own HOME for the cookie) and stopped on the way out of the
``with`` block, error and Ctrl-C included. Debian packages: pulseaudio, pulseaudio-utils.
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import shutil
import signal
import subprocess
import tempfile
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

SINK = "kiosk_card"
RATE = 48000
CHANNELS = 2
FRAME_BYTES = 2 * CHANNELS
F_SETPIPE_SZ = 1031  # fcntl.F_SETPIPE_SZ (Python 3.10+ on Linux; spelled out for mypy)


@dataclass
class PulseServer:
    root: Path  # the private runtime folder
    fifo: Path
    pid: int = 0

    def stall(self, seconds: float) -> None:
        """Hang the server for ``seconds`` (SIGSTOP, then SIGCONT), as a busy or
        swapping machine can."""
        os.kill(self.pid, signal.SIGSTOP)
        try:
            time.sleep(seconds)
        finally:
            os.kill(self.pid, signal.SIGCONT)

    @property
    def socket(self) -> Path:
        return self.root / "pulse" / "native"

    def client_env(self, env: dict[str, str] | None = None) -> dict[str, str]:
        """``env`` (default: this process's) pointed at this server only."""
        out = dict(os.environ if env is None else env)
        out.update(PULSE_SERVER=f"unix:{self.socket}",
                   PULSE_CLIENTCONFIG=str(self.root / "client.conf"))
        return out

    def pactl(self, *args: str) -> str:
        return subprocess.run(["pactl", *args], env=self.client_env(), capture_output=True,
                              text=True, timeout=10, check=True).stdout


def _stop(proc: subprocess.Popen, name: str) -> None:
    """SIGTERM, then SIGKILL after 5 s: the process is gone when this returns."""
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=5)
    except subprocess.TimeoutExpired:
        print(f"{name} did not stop on SIGTERM: killed", flush=True)
        proc.kill()
        proc.wait(timeout=5)


@contextlib.contextmanager
def pulse_server() -> Iterator[PulseServer]:
    """A PulseAudio daemon whose only (default) sink writes 48 kHz stereo to a FIFO."""
    for program in ("pulseaudio", "pactl"):
        if shutil.which(program) is None:
            raise SystemExit(f"{program} is missing: apt-get install pulseaudio "
                             "pulseaudio-utils")
    root = Path(tempfile.mkdtemp(prefix="kiosk-pulse-"))
    root.chmod(0o700)
    (root / "client.conf").write_text("autospawn = no\n")
    server = PulseServer(root, root / "card.fifo")
    env = dict(os.environ, XDG_RUNTIME_DIR=str(root), PULSE_RUNTIME_PATH=str(root / "pulse"),
               HOME=str(root), XDG_CONFIG_HOME=str(root / "config"),
               PULSE_CLIENTCONFIG=str(root / "client.conf"))
    log = open(root / "daemon.log", "w")  # noqa: SIM115 (closed below)
    proc = subprocess.Popen(
        ["pulseaudio", "--daemonize=no", "--exit-idle-time=-1", "-n", "--use-pid-file=no",
         "--system=no", "--log-target=stderr",
         f"--load=module-pipe-sink sink_name={SINK} file={server.fifo} format=s16le "
         f"rate={RATE} channels={CHANNELS}",
         "--load=module-native-protocol-unix auth-anonymous=1"],
        env=env, stdout=subprocess.DEVNULL, stderr=log, start_new_session=True)
    server.pid = proc.pid
    try:
        deadline = time.monotonic() + 10
        while not server.socket.exists():
            if proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit("PulseAudio did not start:\n"
                                 + (root / "daemon.log").read_text()[-2000:])
            time.sleep(0.05)
        server.pactl("set-default-sink", SINK)
        yield server
    finally:
        _stop(proc, "pulseaudio")
        log.close()
        shutil.rmtree(root, ignore_errors=True)


class SoundCard(threading.Thread):
    """Takes ``period_frames`` from the server's FIFO at each deadline of its own clock,
    writes them to ``path``, and keeps ``(deadline, read at, bytes)`` for each take."""

    def __init__(self, server: PulseServer, path: Path, buffer_bytes: int = 8192,
                 period_frames: int = 240) -> None:
        super().__init__(daemon=True, name="sound-card")
        self.server, self.path = server, path
        self.buffer_bytes, self.period_frames = buffer_bytes, period_frames
        self.takes: list[tuple[float, float, int]] = []
        self.done = threading.Event()
        self.error: str | None = None
        self._fd = os.open(server.fifo, os.O_RDONLY | os.O_NONBLOCK)
        # The card's buffer: the kernel rounds up to whole pages.
        self.buffer_bytes = fcntl.fcntl(self._fd, F_SETPIPE_SZ, buffer_bytes)

    def run(self) -> None:
        period = self.period_frames / RATE
        want = self.period_frames * FRAME_BYTES
        try:
            with open(self.path, "wb") as out:
                deadline = time.monotonic() + period
                while not self.done.is_set():
                    wait = deadline - time.monotonic()
                    if wait > 0:
                        time.sleep(wait)
                    try:
                        data = os.read(self._fd, want)
                    except BlockingIOError:
                        data = b""
                    self.takes.append((deadline, time.monotonic(), len(data)))
                    out.write(data)
                    deadline += period
        except OSError as e:
            self.error = str(e)
        finally:
            os.close(self._fd)

    def stop(self) -> None:
        self.done.set()
        self.join(timeout=10)

    def heard(self) -> Heard:
        return Heard(self.takes, self.period_frames)


class Heard:
    """When each sample taken by the card was heard (see the module's docstring)."""

    def __init__(self, takes: list[tuple[float, float, int]], period_frames: int) -> None:
        import numpy as np

        self.deadline = np.array([d for d, _, _ in takes])
        self.late = np.array([r - d for d, r, _ in takes])
        sizes = np.array([n for _, _, n in takes]) // FRAME_BYTES
        self.first = np.concatenate(([0], np.cumsum(sizes)[:-1]))
        self.sizes = sizes
        self.period_frames = period_frames

    def at(self, frame: int) -> float:
        import numpy as np

        i = int(np.searchsorted(self.first, frame, side="right")) - 1
        return float(self.deadline[i]) + (frame - int(self.first[i])) / RATE

    def underruns(self, start: int, end: int) -> int:
        """Short takes between frames ``start`` and ``end`` (the sound was playing)."""
        import numpy as np

        inside = (self.first >= start) & (self.first < end)
        return int(np.count_nonzero(self.sizes[inside] < self.period_frames))
