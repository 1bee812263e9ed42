"""A byte-bounded cache of decoded photos, filled by worker threads it owns.

The render loop tells the cache what it wants (``want``), drains notifications once per
frame (``poll``) and reads pixels (``get``). Decoding and scaling run on the cache's own
threads; the loop never waits for them: every lock here is held only around dict and
deque updates, never across a decode.

No pygame in here: entries are BGR ``numpy`` arrays; the main thread makes surfaces.

Decisions worth knowing:

* An entry is identified by (request key, fit, screen size), so a changed fit or screen
  size is a different entry. The public methods take the request key; the fit defaults to
  the one the key was last wanted with.
* Prefetch is planned against the budget: walking the wanted list in priority order, each
  entry counts its real size when cached, else the screen's size (an upper bound: a fitted
  image is never larger than the screen). Entries past the budget are not decoded, so a
  too-small budget limits prefetch instead of making decode/evict churn. The first
  (current) entry is always decoded.
* Eviction is LRU among entries not in the latest wanted list; entries leaving that list
  are ordered by their old priority, so the photo just shown is the last of them to go
  (a visitor going back finds it). Only when the wanted entries alone exceed the budget
  are wanted ones evicted, lowest priority first, never the first.
* A decode finishing after its entry stopped being wanted is cached only if it fits in the
  free budget (it displaces nothing).
* Failures are remembered per entry until ``forget_failures()`` (the app calls it when the
  show reloads), so a bad file is decoded and logged once, not once per loop of the show.
* Notifications are kept in a short bounded deque: if the loop stops polling, old ones are
  dropped instead of piling up (they reference arrays that would escape the budget). The
  cache itself, through ``state``/``get``, is the source of truth.
* Cached arrays are read-only: the compositor must copy before drawing on one.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Literal, NamedTuple

import numpy as np

from kiosk.media.images import DEFAULT_MAX_PIXELS, ImageError, load_image
from kiosk.thread_priority import run_in_background

log = logging.getLogger(__name__)

State = Literal["ready", "pending", "failed", "absent"]
Decode = Callable[..., np.ndarray]

_FITS = ("contain", "cover", "width", "height", "pan")
_RESULTS_KEPT = 16
_ERROR_BACKOFF_S = 0.05


class Request(NamedTuple):
    """One photo the loop wants, in the loop's terms."""

    key: str
    path: Path
    fit: str

    @classmethod
    def of(cls, photo: Any) -> Request:
        """From a manifest ``Photo`` (anything with ``key``, ``path`` and ``fit``)."""
        return cls(photo.key, photo.path, photo.fit)


class Result(NamedTuple):
    """A finished decode, as reported by ``poll``.

    ``image`` is the cached array, or None if the decode failed (``error`` says why) or
    finished after the entry stopped being wanted and did not fit (both None).
    ``fit`` and ``size`` tell results for an old fit or screen size apart.
    """

    key: str
    image: np.ndarray | None
    error: str | None
    decode_ms: float
    fit: str = "contain"
    size: tuple[int, int] = (0, 0)


@dataclass(frozen=True, slots=True)
class Stats:
    hits: int = 0  # a photo was already decoded when it became current (first wanted)
    misses: int = 0  # it was not: the screen waits for it
    decodes: int = 0  # decodes that produced an image
    failures: int = 0  # decodes that failed
    evictions: int = 0
    discarded: int = 0  # decoded after no longer wanted, and no room to keep them


class _EntryKey(NamedTuple):
    key: str
    fit: str
    width: int
    height: int


class PhotoCache:
    """Decoded photos for the current screen size, bounded by ``max_bytes``.

    ``want``, ``poll``, ``get``, ``state`` and ``failure`` are for the render thread and
    never wait on a decode. ``start``/``stop`` (or ``with PhotoCache(...) as cache``) own
    the worker threads.
    """

    def __init__(
        self,
        max_bytes: int,
        screen_size: tuple[int, int],
        max_pixels: int = DEFAULT_MAX_PIXELS,
        background: tuple[int, int, int] = (0, 0, 0),
        workers: int = 1,
        decode: Decode = load_image,
    ) -> None:
        if max_bytes < 0:
            raise ValueError(f"max_bytes must not be negative, got {max_bytes}")
        if workers < 1:
            raise ValueError(f"workers must be at least 1, got {workers}")
        self._max_bytes = max_bytes
        self._size = _check_size(screen_size)
        self._max_pixels = max_pixels
        self._background = background
        self._workers = workers
        self._decode = decode

        self._lock = threading.Lock()
        self._work = threading.Condition(self._lock)  # workers wait here for the queue
        self._stopped = threading.Event()
        self._threads: list[threading.Thread] = []
        self._started = False

        # All below are guarded by _lock.
        self._entries: OrderedDict[_EntryKey, np.ndarray] = OrderedDict()  # LRU first
        self._bytes = 0
        self._failures: dict[_EntryKey, str] = {}
        self._inflight: dict[_EntryKey, tuple[str, Path]] = {}  # -> (worker name, path)
        self._queue: deque[tuple[_EntryKey, Request]] = deque()
        self._wanted: list[tuple[_EntryKey, Request]] = []  # priority order, no duplicates
        self._wanted_rank: dict[_EntryKey, int] = {}
        self._wanted_fit: dict[str, str] = {}
        self._stats = Stats()
        self._warned_budget = False

        self._last_requests: tuple[Request, ...] | None = None  # render thread only
        self._results: deque[Result] = deque(maxlen=_RESULTS_KEPT)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> PhotoCache:
        """Start the workers (once; calling it again while running does nothing)."""
        if self._started:
            if self._stopped.is_set():
                raise RuntimeError("a stopped PhotoCache cannot be restarted")
            return self
        self._started = True
        for i in range(self._workers):
            t = threading.Thread(target=self._worker, name=f"kiosk-photo-{i}", daemon=False)
            self._threads.append(t)
            t.start()
        return self

    def revive(self) -> int:
        """Start a fresh worker for each one that died (a BaseException out of a decoder,
        say); returns how many. The render loop calls it now and then."""
        if not self._started or self._stopped.is_set():
            return 0
        revived = 0
        for i, t in enumerate(self._threads):
            if not t.is_alive():
                fresh = threading.Thread(target=self._worker, name=t.name, daemon=False)
                self._threads[i] = fresh
                fresh.start()
                revived += 1
                log.error("photo worker %s had died; started a new one", t.name)
        return revived

    def stop(self, timeout_s: float = 2.0) -> bool:
        """Drop pending work, wake the workers and join them within ``timeout_s`` in all.

        Idempotent. A decode in progress cannot be interrupted: its worker exits when the
        decode returns. Returns False (and logs which file is stuck) if a worker is still
        alive at the deadline; calling ``stop`` again joins it later.
        """
        with self._work:
            self._stopped.set()
            self._queue.clear()
            self._work.notify_all()
            busy = dict(self._inflight.values())
        deadline = time.monotonic() + timeout_s
        alive = []
        for t in self._threads:
            t.join(max(0.0, deadline - time.monotonic()))
            if t.is_alive():
                alive.append(t)
        if alive:
            log.warning(
                "photo workers still busy after %.1f s: %s",
                timeout_s,
                ", ".join(f"{t.name} decoding {busy.get(t.name, '?')}" for t in alive),
            )
        return not alive

    def __enter__(self) -> PhotoCache:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def threads(self) -> tuple[threading.Thread, ...]:
        return tuple(self._threads)

    # ------------------------------------------------------------ render thread API

    def want(self, requests: Iterable[Request]) -> None:
        """Set what should be cached, most important first (current, next, previous, ...).

        Cheap when nothing changed, so it can be called every frame. Queued work that is
        no longer wanted is dropped; a decode already running finishes.
        """
        requests = tuple(requests)
        if requests == self._last_requests:
            return
        self._last_requests = requests
        with self._work:
            self._set_wanted_locked(requests)

    def poll(self) -> list[Result]:
        """Finished decodes since the last poll (never blocks)."""
        out = []
        while True:
            try:
                out.append(self._results.popleft())
            except IndexError:
                return out

    def get(self, key: str, fit: str | None = None) -> np.ndarray | None:
        """The cached array for ``key`` at the current screen size, or None."""
        with self._lock:
            ek = self._resolve_locked(key, fit)
            image = self._entries.get(ek)
            if image is not None:
                self._entries.move_to_end(ek)
            return image

    def state(self, key: str, fit: str | None = None) -> State:
        """``ready``, ``failed``, ``pending`` (wanted, not decoded yet) or ``absent``."""
        with self._lock:
            ek = self._resolve_locked(key, fit)
            if ek in self._entries:
                return "ready"
            if ek in self._failures:
                return "failed"
            if ek in self._wanted_rank or ek in self._inflight:
                return "pending"
            return "absent"

    def decoding(self) -> bool:
        """Whether a decode is queued or running (wanted photos beyond the budget, never
        decoded, do not count)."""
        with self._lock:
            return bool(self._queue or self._inflight)

    def failure(self, key: str, fit: str | None = None) -> str | None:
        """Why ``key`` failed to decode, or None."""
        with self._lock:
            return self._failures.get(self._resolve_locked(key, fit))

    def forget_failures(self) -> None:
        """Let failed files be tried again (call when the show reloads)."""
        with self._work:
            self._failures.clear()
            self._plan_locked()

    def discard(self, keys: Iterable[str]) -> None:
        """Forget decoded copies and failures of these keys (their files changed on disk);
        if still wanted they are decoded again."""
        drop = set(keys)
        with self._work:
            for ek in [ek for ek in self._entries if ek.key in drop]:
                self._remove_locked(ek)
            for ek in [ek for ek in self._failures if ek.key in drop]:
                del self._failures[ek]
            self._plan_locked()

    def set_screen_size(self, screen_size: tuple[int, int]) -> None:
        """Decode for a new screen size from now on; old entries age out as unwanted."""
        size = _check_size(screen_size)
        with self._work:
            if size == self._size:
                return
            self._size = size
            if self._last_requests is not None:
                self._set_wanted_locked(self._last_requests)

    @property
    def screen_size(self) -> tuple[int, int]:
        return self._size

    @property
    def max_bytes(self) -> int:
        return self._max_bytes

    @property
    def bytes_used(self) -> int:
        return self._bytes

    @property
    def entries(self) -> int:
        return len(self._entries)

    @property
    def stats(self) -> Stats:
        return self._stats  # immutable snapshot, replaced under the lock

    # ----------------------------------------------------------- planning (locked)

    def _entry_key(self, request: Request) -> _EntryKey:
        w, h = self._size
        return _EntryKey(request.key, request.fit, w, h)

    def _resolve_locked(self, key: str, fit: str | None) -> _EntryKey:
        w, h = self._size
        if fit is None:
            fit = self._wanted_fit.get(key)
        if fit is not None:
            return _EntryKey(key, fit, w, h)
        for f in _FITS:  # not wanted now: whichever fit we still know about
            ek = _EntryKey(key, f, w, h)
            if ek in self._entries or ek in self._failures or ek in self._inflight:
                return ek
        return _EntryKey(key, _FITS[0], w, h)

    def _set_wanted_locked(self, requests: tuple[Request, ...]) -> None:
        wanted: list[tuple[_EntryKey, Request]] = []
        rank: dict[_EntryKey, int] = {}
        fits: dict[str, str] = {}
        for r in requests:
            ek = self._entry_key(r)
            if ek not in rank:
                rank[ek] = len(wanted)
                wanted.append((ek, r))
                fits.setdefault(r.key, r.fit)
        # Hit or miss: was the photo ready when it became current?
        hits = misses = 0
        if wanted and (not self._wanted or self._wanted[0][0] != wanted[0][0]):
            if wanted[0][0] in self._entries:
                hits = 1
            else:
                misses = 1
        # Entries leaving the wanted list become evictable, least important first: the
        # photo that was current is the one most likely to be wanted again (going back).
        for ek, _ in reversed(self._wanted):
            if ek not in rank and ek in self._entries:
                self._entries.move_to_end(ek)
        self._wanted, self._wanted_rank, self._wanted_fit = wanted, rank, fits
        if hits or misses:
            self._stats = replace(
                self._stats, hits=self._stats.hits + hits, misses=self._stats.misses + misses
            )
        self._plan_locked()
        self._evict_locked()  # wanted entries that lost their pin may now be over budget

    def _plan_locked(self) -> None:
        """Rebuild the decode queue: wanted, not yet cached/failed/running, within budget."""
        if self._stopped.is_set():
            self._queue.clear()
            return
        w, h = self._size
        estimate = w * h * 3  # a fitted BGR image is never larger than the screen
        queue: deque[tuple[_EntryKey, Request]] = deque()
        total = 0
        for i, (ek, request) in enumerate(self._wanted):
            image = self._entries.get(ek)
            failed = ek in self._failures
            total += image.nbytes if image is not None else 0 if failed else estimate
            if i > 0 and total > self._max_bytes:
                self._warn_budget_locked(i)
                break
            if image is None and not failed and ek not in self._inflight:
                queue.append((ek, request))
        self._queue = queue
        if queue:
            self._work.notify(min(len(queue), self._workers))

    def _warn_budget_locked(self, fitting: int) -> None:
        if self._warned_budget:
            return
        self._warned_budget = True
        w, h = self._size
        log.warning(
            "photo cache budget of %.1f MB holds only %d of the %d wanted photos at %dx%d; "
            "prefetch is limited (raise the cache size)",
            self._max_bytes / 1e6, fitting, len(self._wanted), w, h,
        )

    def _evict_locked(self) -> None:
        if self._bytes <= self._max_bytes:
            return
        for ek in list(self._entries):  # least recently used first
            if self._bytes <= self._max_bytes:
                return
            if ek not in self._wanted_rank:
                self._remove_locked(ek)
        # Only wanted entries left and still over: shed the lowest priority, never the first.
        for ek, _ in reversed(self._wanted[1:]):
            if self._bytes <= self._max_bytes:
                return
            if ek in self._entries:
                self._warn_budget_locked(self._wanted_rank[ek])
                self._remove_locked(ek)

    def _remove_locked(self, ek: _EntryKey) -> None:
        image = self._entries.pop(ek)
        self._bytes -= image.nbytes
        self._stats = replace(self._stats, evictions=self._stats.evictions + 1)

    # -------------------------------------------------------------------- workers

    def _worker(self) -> None:
        run_in_background()  # a decode for later must not make the frame on screen late
        me = threading.current_thread()
        try:
            while not self._stopped.is_set():
                try:
                    job = self._next_job(me)
                    if job is None:
                        return
                    self._run(job)
                except Exception:
                    log.exception("photo worker %s: unexpected error; carrying on", me.name)
                    self._stopped.wait(_ERROR_BACKOFF_S)  # no hot loop if it repeats
        finally:
            if not self._stopped.is_set():
                log.error("photo worker %s exited unexpectedly", me.name)

    def _next_job(self, me: threading.Thread) -> tuple[_EntryKey, Request] | None:
        with self._work:
            while not self._queue and not self._stopped.is_set():
                self._work.wait()
            if self._stopped.is_set():
                return None
            ek, request = self._queue.popleft()
            self._inflight[ek] = (me.name, request.path)
            return ek, request

    def _run(self, job: tuple[_EntryKey, Request]) -> None:
        ek, request = job
        image: np.ndarray | None = None
        error: str | None = None
        t0 = time.perf_counter()
        try:
            try:
                image = self._decode(
                    request.path, ek.width, ek.height, ek.fit, self._max_pixels,
                    self._background,
                )
                if not isinstance(image, np.ndarray) or image.size == 0:
                    raise TypeError(f"decoder returned {type(image).__name__}, not an image")
            except ImageError as e:
                error = e.reason
                log.warning("photo skipped: %s: %s", request.path, error)
            except Exception as e:
                error = f"{type(e).__name__}: {e}"
                log.error("photo decode crashed: %s: %s", request.path, error, exc_info=True)
            decode_ms = (time.perf_counter() - t0) * 1000.0
            if error is not None:
                image = None
            with self._work:
                if self._stopped.is_set():
                    return
                self._inflight.pop(ek, None)
                if image is None:
                    self._failures[ek] = error or "unknown error"
                    self._stats = replace(self._stats, failures=self._stats.failures + 1)
                    kept = None
                else:
                    self._stats = replace(self._stats, decodes=self._stats.decodes + 1)
                    kept = self._insert_locked(ek, image)
                self._plan_locked()
            self._results.append(
                Result(ek.key, kept, error, decode_ms, ek.fit, (ek.width, ek.height))
            )
        except Exception as e:
            # A bug in the bookkeeping: mark the entry failed so it is not retried forever.
            with self._work:
                self._failures[ek] = f"internal error: {type(e).__name__}: {e}"
            raise
        finally:
            with self._work:
                self._inflight.pop(ek, None)

    def _insert_locked(self, ek: _EntryKey, image: np.ndarray) -> np.ndarray | None:
        if ek in self._entries:  # cannot happen via the queue, but keep the byte count true
            self._bytes -= self._entries.pop(ek).nbytes
        if ek not in self._wanted_rank and self._bytes + image.nbytes > self._max_bytes:
            self._stats = replace(self._stats, discarded=self._stats.discarded + 1)
            return None
        image.flags.writeable = False  # shared with the render thread: no silent edits
        self._entries[ek] = image
        self._bytes += image.nbytes
        self._evict_locked()
        return self._entries.get(ek)


def _check_size(size: tuple[int, int]) -> tuple[int, int]:
    w, h = size
    if w <= 0 or h <= 0:
        raise ValueError(f"screen size must be positive, got {w}x{h}")
    return int(w), int(h)
