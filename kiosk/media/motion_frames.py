"""The next frame of a pan, resampled ahead on a thread of its own.

A pan's framing changes scale every frame, so each frame is one bilinear resampling of
the pre-scaled picture (`kiosk.render.moving.resample`), about 13 ms at 1920x1080 on a
2-core machine: far more than a frame's budget on the render thread. Its position is a
function of the time alone, so the frame after this one is known now: the render thread
asks for it (``request``) and, a frame later, takes it (``take``) if it was made for a
framing within a tenth of a screen pixel of the one due; otherwise (a pause, a skipped
frame, a new photo) it draws the frame itself, so nothing is ever shown out of place.

OpenCV releases the GIL while it resamples: the work runs beside the render thread.
The thread is owned: ``start``, ``stop`` (joins); a newer request replaces an older one.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass

import numpy as np

from kiosk.playback.motion import Box

log = logging.getLogger(__name__)

MATCH_PX = 0.1  # a frame made for a framing this close (screen pixels) is the same frame
# The frame due is still being made: waiting this long for it costs less than making it
# again on the render thread (and than both threads resampling at once).
WAIT_S = 0.008


@dataclass(frozen=True)
class _Job:
    key: str
    image: np.ndarray
    box: Box
    size: tuple[int, int]
    background: tuple[int, int, int]


def same_framing(a: Box, b: Box, screen_w: int) -> bool:
    """Whether two framings put every pixel within MATCH_PX of each other on screen."""
    scale = screen_w / max(a.w, 1e-9)
    return max(abs(a.x - b.x), abs(a.y - b.y), abs(a.x + a.w - b.x - b.w),
               abs(a.y + a.h - b.y - b.h)) * scale < MATCH_PX


class MotionFrames:
    def __init__(self) -> None:
        self._lock = threading.Condition()
        self._job: _Job | None = None
        self._working: _Job | None = None  # the job being made now
        self._done: tuple[str, Box, np.ndarray] | None = None
        self._spare: list[np.ndarray] = []
        self._thread: threading.Thread | None = None
        self._stopping = False
        self.made = 0
        self.used = 0

    def start(self) -> None:
        if self._thread is None:
            self._stopping = False
            self._thread = threading.Thread(target=self._run, name="motion-frames",
                                            daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> bool:
        """End the thread; True when it ended."""
        thread = self._thread
        if thread is None:
            return True
        with self._lock:
            self._stopping = True
            self._job = None
            self._lock.notify_all()
        thread.join(timeout_s)
        self._thread = None
        return not thread.is_alive()

    def request(self, key: str, image: np.ndarray, box: Box, size: tuple[int, int],
                background: tuple[int, int, int]) -> None:
        """Make the frame for ``box`` next (replacing a request not started yet)."""
        with self._lock:
            done = self._done
            if done is not None and done[0] == key and same_framing(done[1], box, size[0]):
                return  # already made (a pause, a dwell)
            self._job = _Job(key, image, box, size, background)
            self._lock.notify()

    def take(self, key: str, box: Box, into: np.ndarray, wait_s: float = WAIT_S) -> bool:
        """Copy the frame made for this framing into ``into`` (h x w x 4); False when
        none was made for it (the caller draws it). A frame for it still being made is
        waited for, up to ``wait_s``."""
        with self._lock:
            working = self._working
            if (working is not None and working.key == key
                    and same_framing(working.box, box, into.shape[1])):
                self._lock.wait_for(lambda: self._working is not working, wait_s)
            done = self._done
            if (done is None or done[0] != key or done[2].shape != into.shape
                    or not same_framing(done[1], box, into.shape[1])):
                return False
            np.copyto(into, done[2])
            self.used += 1
            return True

    def _run(self) -> None:
        from kiosk.render.moving import resample

        while True:
            with self._lock:
                while self._job is None and not self._stopping:
                    self._lock.wait()
                if self._stopping:
                    return
                job, self._job = self._job, None
                assert job is not None
                self._working = job
                w, h = job.size
                out = next((a for a in self._spare if a.shape == (h, w, 4)), None)
                if out is not None:
                    self._spare.remove(out)
            try:
                if out is None:
                    out = np.empty((h, w, 4), np.uint8)
                resample(out, job.image, job.box, job.background)
            except Exception:  # a frame drawn on the render thread instead; never a crash
                log.exception("a pan frame could not be made ahead")
                with self._lock:
                    self._working = None
                    self._lock.notify_all()
                continue
            with self._lock:
                if self._done is not None:
                    self._spare = [self._done[2]]
                self._done = (job.key, job.box, out)
                self._working = None
                self.made += 1
                self._lock.notify_all()
