"""How long the sound output takes to play what the mixer hands it, as the sound server
reports it, for the clip's audio clock.

SDL2 (pygame 2.6) reports no output latency: the clock assumed one SDL device buffer
(21 ms). Behind a sound server the real figure is larger and varies with the device
(measured on a PulseAudio server whose card holds 43 ms: 50-70 ms). The server knows it:
for the kiosk's own stream (a "sink input") it reports the sound queued in the server
(``buffer_usec``) and the device's own latency (``sink_usec``); their sum is how long a
sample written now waits before it is heard. PipeWire's pulse server takes the same
request (not tried here: only PulseAudio 16 was).

* ``usable(s)`` / ``LatencyEstimate`` (pure): readings in, one latency out: the median
  of the sane readings of the last ``window_s`` (a device's fill moves by a write's
  worth between readings), or None when there is none, and the clock then falls back on
  the assumed buffer.
* ``LatencyProbe`` (edge): a worker thread asking the server every 0.1 s through
  ``pulsectl`` (ctypes on the system's libpulse; nothing to build). The render thread
  never waits for it: the audio feeder reads the last estimate under a lock.

Started by ``SoundDevice`` when the mixer opens on a real output (not SDL's ``dummy`` or
``disk`` drivers); ``KIOSK_SOUND_LATENCY=assumed`` turns it off (the benchmark compares
both in one run).
"""

from __future__ import annotations

import logging
import math
import os
import statistics
import threading
import time
from collections import deque
from collections.abc import Callable

log = logging.getLogger("kiosk.sound")

LATENCY_ENV = "KIOSK_SOUND_LATENCY"
MAX_LATENCY_S = 2.0  # PulseAudio's own ceiling for a device's latency: more is a bad report
PROBE_EVERY_S = 0.1
WINDOW_S = 1.0
RETRY_S = 5.0  # after a failed connection or a lost server


def usable(latency_s: float | None) -> bool:
    """A reported latency the clock can use: finite, not negative, under 2 s."""
    return latency_s is not None and math.isfinite(latency_s) and (
        0.0 <= latency_s <= MAX_LATENCY_S)


class LatencyEstimate:
    """The output latency from the server's recent readings (pure: time passed in)."""

    def __init__(self, window_s: float = WINDOW_S) -> None:
        self.window_s = window_s
        self._readings: deque[tuple[float, float]] = deque()

    def add(self, now: float, latency_s: float | None) -> None:
        """A reading; None (no answer, the stream not found) and absurd ones are left
        out, so the estimate goes stale and the clock falls back."""
        if usable(latency_s):
            assert latency_s is not None
            self._readings.append((now, latency_s))
        self._forget(now)

    def value(self, now: float) -> float | None:
        """The median of the readings of the last ``window_s``; None without any."""
        self._forget(now)
        if not self._readings:
            return None
        return statistics.median(v for _, v in self._readings)

    def _forget(self, now: float) -> None:
        while self._readings and self._readings[0][0] <= now - self.window_s:
            self._readings.popleft()


def probe_wanted(env: dict[str, str] | None = None) -> bool:
    """Whether to ask a sound server: not for SDL's file and null drivers (tests, the
    disk benchmark) nor when the assumed buffer is asked for."""
    env = dict(os.environ) if env is None else env
    if env.get(LATENCY_ENV, "").strip().lower() == "assumed":
        return False
    return env.get("SDL_AUDIODRIVER", "").strip().lower() not in ("dummy", "disk")


Query = Callable[[], float | None]


class PulseQuery:
    """The latency of this process's own playback stream on the pulse server (what SDL's
    ``pulseaudio`` driver opened), in seconds; None when it is not there."""

    def __init__(self, pid: int | None = None) -> None:
        import pulsectl  # loads libpulse: OSError without it

        self._pulsectl = pulsectl
        self._pid = str(os.getpid() if pid is None else pid)
        self._pulse = pulsectl.Pulse("kiosk-latency", connect=False)
        # No timeout: pulsectl then waits it out in full even when connected at once
        # (1 s, measured); without a server the connection fails at once anyway.
        self._pulse.connect()

    def __call__(self) -> float | None:
        found = [s for s in self._pulse.sink_input_list()
                 if s.proplist.get("application.process.id") == self._pid]
        if not found:
            return None
        return max(s.buffer_usec + s.sink_usec for s in found) / 1e6

    def close(self) -> None:
        self._pulse.close()


class LatencyProbe:
    """Asks the sound server for the output latency every ``every_s`` on its own thread.

    ``connect`` makes a query (default: ``PulseQuery``); a failure to connect or a query
    that raises is logged once and retried after ``retry_s``. ``latency_s()`` is the
    current estimate, None when there is no fresh reading.
    """

    def __init__(self, connect: Callable[[], Query] | None = None,
                 every_s: float = PROBE_EVERY_S, retry_s: float = RETRY_S,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self._connect = connect or PulseQuery
        self.every_s, self.retry_s = every_s, retry_s
        self._clock = clock
        self._estimate = LatencyEstimate()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._warned = False
        self.readings = 0

    def start(self) -> LatencyProbe:
        if self._thread is None:
            # Not a daemon: a thread killed inside libpulse at exit could abort the process.
            self._thread = threading.Thread(target=self._run, name="kiosk-sound-latency",
                                            daemon=False)
            self._thread.start()
        return self

    def stop(self, timeout_s: float = 2.0) -> bool:
        from kiosk.media import join_worker

        self._stop.set()
        return join_worker(self._thread, timeout_s, "sound latency probe")

    def latency_s(self) -> float | None:
        with self._lock:
            return self._estimate.value(self._clock())

    def _run(self) -> None:
        query: Query | None = None
        while not self._stop.is_set():
            try:
                if query is None:
                    query = self._connect()
                reading = query()
            except Exception as e:  # no libpulse, no server, the server went away
                self._failed(e)
                query = self._close(query)
                self._stop.wait(self.retry_s)
                continue
            with self._lock:
                self._estimate.add(self._clock(), reading)
            self.readings += 1
            self._stop.wait(self.every_s)
        self._close(query)

    def _failed(self, e: Exception) -> None:
        if not self._warned:
            self._warned = True
            log.info("sound server latency not available (%s: %s): the clip clock "
                     "assumes one SDL buffer", type(e).__name__, e)

    @staticmethod
    def _close(query: Query | None) -> None:
        close = getattr(query, "close", None)
        if close is not None:
            try:
                close()
            except Exception:
                log.debug("closing the sound server connection failed", exc_info=True)
        return None
