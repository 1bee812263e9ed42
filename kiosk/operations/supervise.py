"""systemd integration without a dependency: sd_notify, a frame-fed watchdog, restart counting.

- `notify(message)` speaks the sd_notify datagram protocol to `$NOTIFY_SOCKET`; with no
  socket (run by hand, in tests, under another supervisor) it does nothing.
- `Watchdog` sends READY=1 after the first presented frame and WATCHDOG=1 only after a
  frame was really presented, at most every WATCHDOG_USEC/2, so a frozen loop or a hung
  display stops the pings and systemd restarts the kiosk.
- `RestartLog` remembers recent start times in the state folder, so a kiosk that keeps
  crashing can start in a safe mode instead of crash-looping until systemd gives up.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import socket
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path

log = logging.getLogger(__name__)

_warned_notify = False


def notify(message: str, env: Mapping[str, str] | None = None) -> bool:
    """Send one sd_notify message (e.g. "READY=1"); False when there is nobody to tell.

    Never raises: a supervisor that went away must not take the show with it.
    """
    global _warned_notify
    env = os.environ if env is None else env
    address = env.get("NOTIFY_SOCKET", "")
    if not address or not message:
        return False
    if address.startswith("@"):  # abstract namespace: a leading NUL byte on the wire
        address = "\0" + address[1:]
    try:
        with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
            sock.settimeout(1.0)  # a datagram send does not wait; this is a backstop
            sock.connect(address)
            sock.sendall(message.encode("utf-8"))
        return True
    except OSError as exc:
        if not _warned_notify:
            log.warning("cannot notify systemd through %s: %s", env.get("NOTIFY_SOCKET"), exc)
            _warned_notify = True
        return False


def watchdog_interval_s(env: Mapping[str, str] | None = None) -> float | None:
    """Half of WATCHDOG_USEC in seconds, or None when systemd set no watchdog for us."""
    env = os.environ if env is None else env
    usec_text = env.get("WATCHDOG_USEC", "")
    pid_text = env.get("WATCHDOG_PID", "")
    if pid_text:
        try:
            if int(pid_text) != os.getpid():
                return None  # meant for another process (e.g. a wrapper script)
        except ValueError:
            return None
    try:
        usec = int(usec_text)
    except ValueError:
        return None
    return usec / 2 / 1_000_000 if usec > 0 else None


class Watchdog:
    """Fed by the loop after each real present; tells systemd the show is alive.

    The loop calls `presented()` after `display.flip()`/`display.update()` really ran. A
    still photo is not presented again on every refresh, so the loop also asks
    `present_due()` each iteration and, when it says yes, flips the unchanged screen once:
    that proves the display path still works and feeds the watchdog at the same time.
    """

    def __init__(self, env: Mapping[str, str] | None = None,
                 clock: Callable[[], float] = time.monotonic,
                 send: Callable[[str], object] | None = None) -> None:
        self.env = os.environ if env is None else env
        self.clock = clock
        self._send = send if send is not None else (lambda m: notify(m, self.env))
        self.interval_s = watchdog_interval_s(self.env)
        self.ready = False
        self.pings = 0
        self._last_ping: float | None = None
        self._last_status: str | None = None

    @property
    def enabled(self) -> bool:
        return self.interval_s is not None

    def presented(self, now: float | None = None) -> str | None:
        """A frame reached the screen. Returns the message sent, if any."""
        now = self.clock() if now is None else now
        if not self.ready:
            self.ready = True
            self._last_ping = now
            self._send("READY=1")
            return "READY=1"
        if self.interval_s is None:
            return None
        if self._last_ping is not None and now - self._last_ping < self.interval_s:
            return None
        self._last_ping = now
        self.pings += 1
        self._send("WATCHDOG=1")
        return "WATCHDOG=1"

    def present_due(self, now: float | None = None) -> bool:
        """True when a ping is due: the loop should present a frame (even an unchanged one)."""
        if not self.ready or self.interval_s is None or self._last_ping is None:
            return False
        now = self.clock() if now is None else now
        return now - self._last_ping >= self.interval_s

    def status(self, text: str) -> None:
        """One line for `systemctl status kiosk`; sent only when it changes."""
        text = " ".join(text.split())[:200]
        if text and text != self._last_status:
            self._last_status = text
            self._send(f"STATUS={text}")

    def stopping(self) -> None:
        self._send("STOPPING=1")


# -- restarts ----------------------------------------------------------------------------

SAFE_MODE_WINDOW_S = 600.0
SAFE_MODE_LIMIT = 5
RESTART_FILE = "restarts.json"
KEEP_STARTS = 50


def state_dir(explicit: Path | None = None, home: Path | None = None,
              env: Mapping[str, str] | None = None) -> Path:
    """Where the kiosk keeps its own state: a given folder, systemd's StateDirectory=
    ($STATE_DIRECTORY, first entry), else `state/` beside run_kiosk.py."""
    env = os.environ if env is None else env
    if explicit is not None:
        return explicit
    from_systemd = env.get("STATE_DIRECTORY", "").split(":")[0]
    if from_systemd:
        return Path(from_systemd)
    base = home if home is not None else Path(__file__).resolve().parents[2]
    return base / "state"


def write_durably(path: Path, text: str) -> None:
    """Old file or new file after a power cut, never an empty or half one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    with contextlib.suppress(OSError):  # make the rename itself durable
        dir_fd = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(dir_fd)
        finally:
            os.close(dir_fd)


class RestartLog:
    """Start times (wall clock, seconds) since the last clean exit, in a small JSON file.

    The app records each start, asks `should_enter_safe_mode`, and calls `clean_exit()`
    when it ends with code 0; a crash or a watchdog kill leaves its start in the file.
    Unreadable or unwritable files are logged and treated as "no history": the show
    goes on in normal mode.
    """

    def __init__(self, folder: Path | None = None) -> None:
        self.path = state_dir(folder) / RESTART_FILE
        self.starts: list[float] = self._read()

    def _read(self) -> list[float]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            starts = [float(t) for t in data.get("starts", [])]
        except FileNotFoundError:
            return []
        except (OSError, ValueError, TypeError, AttributeError) as exc:
            log.warning("ignoring the restart log %s: %s", self.path, exc)
            return []
        return sorted(starts)[-KEEP_STARTS:]

    def _write(self) -> None:
        try:
            write_durably(self.path, json.dumps({"starts": self.starts}))
        except OSError as exc:
            log.warning("cannot write the restart log %s: %s", self.path, exc)

    def record_start(self, now_wall: float) -> None:
        self.starts = [*self.starts, now_wall][-KEEP_STARTS:]
        self._write()

    def clean_exit(self) -> None:
        """An operator's stop or a timed end: forget the history, it was not a crash."""
        self.starts = []
        self._write()

    def starts_within(self, now_wall: float, window_s: float) -> int:
        # Starts "in the future" (the clock was set back) are not counted.
        return sum(1 for t in self.starts if 0.0 <= now_wall - t <= window_s)

    def restarts(self, now_wall: float | None = None, window_s: float | None = None) -> int:
        """Restarts since the last clean exit (within `window_s` when given): starts minus
        the first one. For the status file."""
        if window_s is None:
            count = len(self.starts)
        else:
            now_wall = time.time() if now_wall is None else now_wall
            count = self.starts_within(now_wall, window_s)
        return max(count - 1, 0)

    def should_enter_safe_mode(self, now_wall: float, window_s: float = SAFE_MODE_WINDOW_S,
                               limit: int = SAFE_MODE_LIMIT) -> bool:
        """`limit` restarts within `window_s` (the first start plus `limit` more, this one
        included once recorded) -> start in safe mode."""
        return should_enter_safe_mode(self.starts, now_wall, window_s, limit)


def should_enter_safe_mode(starts: list[float], now_wall: float,
                           window_s: float = SAFE_MODE_WINDOW_S,
                           limit: int = SAFE_MODE_LIMIT) -> bool:
    within = sum(1 for t in starts if 0.0 <= now_wall - t <= window_s)
    return within - 1 >= limit
