"""The next frames of a pan, resampled ahead on a thread of its own.

A pan's framing changes scale every frame, so each frame is one bilinear resampling of
the pre-scaled picture (`kiosk.render.moving.resample`), 5-13 ms at 1920x1080 on a 2-core
machine: far more than a frame's budget on the render thread. Its position is a function
of the time alone, so the next frames are known now: each frame the render thread asks
for the framings of the next ``DEPTH`` refreshes (``request``) and takes the one due
(``swap``) if it was made for a framing within a tenth of a screen pixel of it; otherwise
(a pause, a new photo) it draws the frame itself, so nothing is ever shown out of place.

Frames are made into pygame surfaces of the compositor's layer format, and handed over
whole: the one taken becomes the moving photo's layer, and the layer it replaces goes
back to be made into again. Copied into the layer instead, every pan frame cost the
render thread one more 8 MiB copy at 1080p (0.7 ms, up to 10 ms when both cores were
busy: the longest part of a pan frame's work).

Why several frames and not one: with only the next one made, a frame that came late (the
machine busy decoding the next photo) made the one after it unexpected, the render thread
drew that one itself, came late again, and so on: one late frame turned into a run of
dropped ones. Made three refreshes ahead, a late frame finds its successor already made,
and a worker held up for up to two refreshes still delivers in time.

The first frames of the pan that comes next are made ahead too (``prefetch``, with what
the worker has left over), so a pan starts without the render thread making its first
frames itself.

OpenCV releases the GIL while it resamples: the work runs beside the render thread. A
frame is made in ``BANDS`` bands of rows, and the thread yields its core between them.
Made whole, a frame kept both cores of a 2-core machine busy (this thread and OpenCV's
helper) for about 3 ms at a time, and the kernel lets a running thread finish its slice
before one that just woke: the render thread, woken for a frame's deadline, waited about
120 times a minute for over 3 ms, up to 10 ms (a scheduler trace), and such a wait at a
deadline dropped the frame. In bands, it waited over 3 ms 3 to 7 times a minute, for 5 %
more CPU; the frame-times benchmark reports the render thread's whole wait for a core
(1.5-1.9 s a run whole, 0.5-1.3 s in bands). The bands join without a seam
(``resample``'s rows).
The thread is owned: ``start``, ``stop`` (joins); a newer request replaces an older one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import pygame

from kiosk.playback.motion import Box
from kiosk.thread_priority import yield_core

log = logging.getLogger(__name__)

MATCH_PX = 0.1  # a frame made for a framing this close (screen pixels) is the same frame
# The frame due is still being made: waiting this long for it costs less than making it
# again on the render thread (and than both threads resampling at once).
WAIT_S = 0.008
DEPTH = 3  # refreshes made ahead (3 frames of 8 MiB at 1080p, and one being made)
EARLY = 2  # first frames of the next pan made ahead
BANDS = 4  # a frame is made in this many bands of rows, yielding the core between them


@dataclass(frozen=True)
class _Job:
    key: str
    image: np.ndarray
    box: Box
    size: tuple[int, int]
    background: tuple[int, int, int]
    early: bool = False  # for the pan that comes next


_Made = tuple[str, Box, pygame.Surface]


def same_framing(a: Box, b: Box, screen_w: int) -> bool:
    """Whether two framings put every pixel within MATCH_PX of each other on screen."""
    scale = screen_w / max(a.w, 1e-9)
    return max(abs(a.x - b.x), abs(a.y - b.y), abs(a.x + a.w - b.x - b.w),
               abs(a.y + a.h - b.y - b.h)) * scale < MATCH_PX


class MotionFrames:
    def __init__(self, depth: int = DEPTH, bands: int = BANDS,
                 yield_core: Callable[[], None] = yield_core) -> None:
        self.depth = depth
        self.bands = bands
        self._yield_core = yield_core
        # Surfaces this thread keeps in hand: frames made ahead for the pan on screen and
        # for the next, and the one being made (the compositor keeps its own two).
        self.in_hand = depth + EARLY + 1
        self._lock = threading.Condition()
        self._jobs: list[_Job] = []  # to make, soonest first
        self._early_jobs: list[_Job] = []  # the next pan's first frames, when idle
        self._working: _Job | None = None  # the job being made now
        self._done: list[_Made] = []  # made for the pan on screen, not yet superseded
        self._early_done: list[_Made] = []  # made for the next pan
        self._spare: list[pygame.Surface] = []
        self.allocated = 0  # surfaces made, reserved or not (none while a pan moves)
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
            self._jobs = []
            self._early_jobs = []
            self._lock.notify_all()
        thread.join(timeout_s)
        self._thread = None
        return not thread.is_alive()

    def request(self, key: str, image: np.ndarray, boxes: Sequence[Box],
                size: tuple[int, int], background: tuple[int, int, int]) -> None:
        """Make the frames for ``boxes`` (the next refreshes' framings, soonest first),
        replacing what an older request still had to make; frames already made for
        framings no longer asked for are let go."""
        boxes = list(boxes)[: self.depth]
        with self._lock:
            keep: list[_Made] = []
            early: list[_Made] = []
            for entry, was_early in ([(e, False) for e in self._done]
                                     + [(e, True) for e in self._early_done]):
                if entry[0] == key and any(same_framing(entry[1], b, size[0]) for b in boxes):
                    keep.append(entry)
                elif entry[0] != key and was_early:
                    early.append(entry)  # still for the pan after this one
                else:
                    self._spare.append(entry[2])
            self._done, self._early_done = keep, early
            if any(job.key == key for job in self._early_jobs):
                self._early_jobs = []  # that pan is on screen now
            working = self._working
            self._jobs = [
                _Job(key, image, box, size, background) for box in boxes
                if not any(same_framing(d[1], box, size[0]) for d in keep)
                and not (working is not None and working.key == key
                         and same_framing(working.box, box, size[0]))]
            if self._jobs:
                self._lock.notify()

    def prefetch(self, key: str, image: np.ndarray, boxes: Sequence[Box],
                 size: tuple[int, int], background: tuple[int, int, int]) -> None:
        """Make the first frames of the pan that comes next (``boxes``: the framings of
        its first refreshes) when nothing more urgent is asked for."""
        boxes = list(boxes)[:EARLY]
        with self._lock:
            for entry in self._early_done:
                if entry[0] != key:
                    self._spare.append(entry[2])
            self._early_done = [e for e in self._early_done if e[0] == key]
            self._early_jobs = [
                _Job(key, image, box, size, background, early=True) for box in boxes
                if not any(same_framing(d[1], box, size[0]) for d in self._early_done)]
            if self._early_jobs:
                self._lock.notify()

    def made_for(self, key: str) -> int:
        """How many frames are made and waiting for this photo."""
        with self._lock:
            return sum(1 for e in self._done + self._early_done if e[0] == key)

    def swap(self, key: str, box: Box, old: pygame.Surface, wait_s: float = WAIT_S
             ) -> pygame.Surface | None:
        """The frame made for this framing, a surface the size of ``old``, which the
        caller hands back (no longer shown: it is made into again); None when none was
        made for it (the caller draws it and keeps ``old``). A frame for it still being
        made is waited for, up to ``wait_s``."""
        size = old.get_size()
        with self._lock:
            working = self._working
            if (working is not None and working.key == key
                    and same_framing(working.box, box, size[0])):
                self._lock.wait_for(lambda: self._working is not working, wait_s)
            for made in (self._done, self._early_done):
                for entry in made:
                    if (entry[0] == key and entry[2].get_size() == size
                            and same_framing(entry[1], box, size[0])):
                        made.remove(entry)
                        self._spare.append(old)
                        self.used += 1
                        return entry[2]
            return None

    def _run(self) -> None:
        from kiosk.render.moving import bands, resample
        from kiosk.render.surfaces import pixels

        while True:
            with self._lock:
                while not self._jobs and not self._early_jobs and not self._stopping:
                    self._lock.wait()
                if self._stopping:
                    return
                job = self._jobs.pop(0) if self._jobs else self._early_jobs.pop(0)
                self._working = job
                w, h = job.size
                out = next((a for a in self._spare if a.get_size() == (w, h)), None)
                if out is not None:
                    self._spare.remove(out)
            try:
                if out is None:
                    out = self._allocate(w, h)
                view = pixels(out)  # locks the surface while it is made
                try:
                    for k, rows in enumerate(bands(h, self.bands)):
                        if k:
                            self._yield_core()
                        resample(view, job.image, job.box, job.background, rows)
                finally:
                    del view
            except Exception:  # a frame drawn on the render thread instead; never a crash
                log.exception("a pan frame could not be made ahead")
                with self._lock:
                    self._working = None
                    self._lock.notify_all()
                continue
            with self._lock:
                made = self._early_done if job.early else self._done
                # The oldest made frames give way (their refresh has passed by now).
                while len(made) >= (EARLY if job.early else self.depth):
                    self._spare.append(made.pop(0)[2])
                made.append((job.key, job.box, out))
                # What another screen size left behind goes; so do surfaces beyond those
                # a pan keeps in hand.
                self._spare = [a for a in self._spare if a.get_size() == (w, h)]
                del self._spare[self.in_hand:]
                self._working = None
                self.made += 1
                self._lock.notify_all()

    def reserve(self, size: tuple[int, int]) -> None:
        """Make the surfaces a pan keeps in hand for this screen size now, on the calling
        thread, before the show moves. A new 8 MiB surface is fresh memory that SDL
        clears while holding the GIL (3-7 ms on a 2-core machine): made one by one as the
        first pans filled their frames ahead, they held the render thread up 10-40 ms."""
        with self._lock:
            count = self.in_hand - sum(1 for a in self._spare if a.get_size() == size)
        made = [self._allocate(*size) for _ in range(max(0, count))]
        with self._lock:
            self._spare = [a for a in self._spare if a.get_size() == size] + made

    def _allocate(self, w: int, h: int) -> pygame.Surface:
        """A surface to make a frame into, in the format of the compositor's layers:
        reserved ahead, or made when none is at hand (a show that gained a pan on
        reload)."""
        surface = pygame.Surface((w, h), 0, 32)
        with self._lock:
            self.allocated += 1
        return surface
