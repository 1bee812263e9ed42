"""Noticing that curators changed the show's files, by polling.

Polling, not inotify: exhibits arrive over SSH, a network share (SMB/NFS, where inotify
sees nothing of other machines' writes) or a USB sync, and a scan of a few hundred
``os.stat`` calls every half second costs nothing next to decoding a photo.

Pure core
    ``Snapshot`` maps each watched path to ``(mtime_ns, size, inode)``; ``diff`` says what
    was added, removed or modified between two snapshots. ``Settler`` turns a stream of
    snapshots into batches: it reports only once the files have stopped changing for
    ``settle_s``, so one save (by rename, by delete and create, or written in chunks)
    gives one batch, and a file still being copied is not read half-written.

Edge
    ``Poller`` is an owned thread (start/stop/join, or a context manager) that scans the
    exhibits folder (its manifests and the ``EMPTY`` marker), the settings file and the
    asset paths it is given, and hands settled batches to the app loop through ``poll()``.
    It never raises out of its thread: a folder that cannot be listed (gone, unmounted,
    no permission) is logged once and retried, and its manifests count as out of sight,
    like those of a folder emptied by accident; the reloader looks at the folder, keeps
    the last good show and says why (``kiosk.show.exhibits_folder``).
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
import threading
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import KioskError
from kiosk.show.exhibits_folder import is_empty_marker, is_manifest_name
from kiosk.thread_priority import run_in_background

log = logging.getLogger("kiosk.live.watcher")

Stat = tuple[int, int, int]  # mtime_ns, size, inode
Snapshot = Mapping[Path, Stat]

DEFAULT_INTERVAL_S = 0.5
DEFAULT_SETTLE_S = 1.0
MAX_MANIFESTS = 2000  # more than any show has; a folder of thousands is a mistake
MAX_EXTRA_PATHS = 20000  # asset files and folders watched besides the manifests
DEFAULT_ASSETS_INTERVAL_S = 2.0  # media are many and change rarely: stat them less often


@dataclass(frozen=True)
class Changes:
    added: frozenset[Path] = frozenset()
    removed: frozenset[Path] = frozenset()
    modified: frozenset[Path] = frozenset()

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.modified)

    @property
    def paths(self) -> frozenset[Path]:
        return self.added | self.removed | self.modified

    def then(self, later: Changes) -> Changes:
        """These changes followed by ``later``, as one batch (what a late reader sees)."""
        state: dict[Path, str] = {}
        for p in self.added:
            state[p] = "added"
        for p in self.removed:
            state[p] = "removed"
        for p in self.modified:
            state[p] = "modified"
        for p in later.paths:
            before = state.get(p)
            now = ("added" if p in later.added else
                   "removed" if p in later.removed else "modified")
            if before is None:
                state[p] = now
            elif before == "added":
                # added then removed: as if never there; added then modified: still new
                state[p] = "" if now == "removed" else "added"
            elif before == "removed":
                state[p] = "modified" if now == "added" else now
            else:  # modified before
                state[p] = "removed" if now == "removed" else "modified"
        return Changes(
            frozenset(p for p, s in state.items() if s == "added"),
            frozenset(p for p, s in state.items() if s == "removed"),
            frozenset(p for p, s in state.items() if s == "modified"),
        )


def diff(old: Snapshot, new: Snapshot) -> Changes:
    """What changed from ``old`` to ``new``; a new inode (save by rename) is a modification."""
    old_keys, new_keys = old.keys(), new.keys()
    return Changes(
        added=frozenset(new_keys - old_keys),
        removed=frozenset(old_keys - new_keys),
        modified=frozenset(p for p in old_keys & new_keys if old[p] != new[p]),
    )


class Settler:
    """Reports a batch of changes once the watched files have been still for ``settle_s``.

    Pure: it is handed each snapshot and the monotonic time it was taken. The first
    snapshot is the baseline (nothing is reported for it). Any difference from the last
    snapshot restarts the wait, so an editor's tmp-write-and-rename, a delete followed by
    a create, or a copy written in chunks all end in one batch, reported against the
    last reported state. Changes that cancel out (a file deleted and put back unchanged)
    report nothing.
    """

    def __init__(self, settle_s: float = DEFAULT_SETTLE_S,
                 baseline: Snapshot | None = None) -> None:
        self.settle_s = settle_s
        self._baseline: dict[Path, Stat] | None = None if baseline is None else dict(baseline)
        self._last: dict[Path, Stat] | None = self._baseline
        self._changed_at: float | None = None

    @property
    def baseline(self) -> Snapshot | None:
        """The state last reported (or first seen)."""
        return self._baseline

    @property
    def settling(self) -> bool:
        """Something changed and is not reported yet."""
        return self._changed_at is not None

    def observe(self, snapshot: Snapshot, now: float) -> Changes | None:
        if self._baseline is None or self._last is None:
            self._baseline = dict(snapshot)
            self._last = dict(snapshot)
            return None
        if snapshot != self._last:
            self._last = dict(snapshot)
            self._changed_at = now
            return None
        if self._changed_at is None or now - self._changed_at < self.settle_s:
            return None
        changes = diff(self._baseline, self._last)
        self._baseline = self._last
        self._changed_at = None
        return changes or None

    def rewatch(self, snapshot: Snapshot, started: Iterable[Path],
                stopped: Iterable[Path]) -> None:
        """Paths that just started or stopped being watched: not changes, just the view.

        A started path enters the baseline as it is in ``snapshot`` (the app has just read
        it); a stopped one is forgotten instead of being reported as removed.
        """
        for state in (self._baseline, self._last):
            if state is None:
                continue
            for path in stopped:
                state.pop(path, None)
            for path in started:
                if path in snapshot:
                    state[path] = snapshot[path]
                else:
                    state.pop(path, None)


# -- the edge: scanning the disk ------------------------------------------------------


def is_watched_name(name: str) -> bool:
    """Files of the exhibits folder that make up the show: manifests and `EMPTY`."""
    return is_manifest_name(name) or is_empty_marker(name)


def stat_key(st: os.stat_result) -> Stat:
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class ScanError(KioskError):
    """The exhibits folder could not be listed (gone, unmounted, no permission)."""


def scan(exhibits_dir: Path, extra: Iterable[Path] = (), *,
         max_manifests: int = MAX_MANIFESTS, max_extra: int = MAX_EXTRA_PATHS,
         on_limit: Callable[[str], None] | None = None) -> dict[Path, Stat]:
    """One snapshot: the manifests (and ``EMPTY``) in ``exhibits_dir`` and the ``extra``
    paths that exist.

    ``os.stat`` only, at most ``max_manifests + max_extra`` calls. Raises ``ScanError``
    when the folder itself cannot be listed (gone, unmounted, no permission). A file that
    vanishes mid-scan is simply absent; a manifest that is a broken symbolic link (a loop,
    a deleted target) is watched as the link, so replacing it is seen.
    """
    out: dict[Path, Stat] = {}
    try:
        with os.scandir(exhibits_dir) as entries:
            names = sorted(e.name for e in entries if is_watched_name(e.name))
    except OSError as exc:
        raise ScanError(f"cannot list {exhibits_dir}: {exc.strerror or exc}") from exc
    if len(names) > max_manifests and on_limit is not None:
        on_limit(f"{len(names)} manifests in {exhibits_dir}; watching the first {max_manifests}")
    for name in names[:max_manifests]:
        path = exhibits_dir / name
        try:
            st = os.lstat(path)
        except OSError:
            continue
        if stat.S_ISLNK(st.st_mode):
            # A link that leads somewhere is watched through its target; a broken one
            # (a loop, a deleted target) as the link, which the loader names.
            with contextlib.suppress(OSError):
                st = os.stat(path)
            out[path] = stat_key(st)
        elif stat.S_ISREG(st.st_mode):
            out[path] = stat_key(st)
    out.update(stat_paths(extra, max_extra, on_limit))
    return out


def stat_paths(paths: Iterable[Path], max_paths: int = MAX_EXTRA_PATHS,
               on_limit: Callable[[str], None] | None = None) -> dict[Path, Stat]:
    """The paths that exist, at most ``max_paths`` of them."""
    out: dict[Path, Stat] = {}
    for i, path in enumerate(paths):
        if i >= max_paths:
            if on_limit is not None:
                on_limit(f"more than {max_paths} asset paths; the rest are not watched")
            break
        try:
            out[path] = stat_key(os.stat(path))
        except OSError:
            continue  # absent (or unreadable): the loader says which when it reads it
    return out


class Poller:
    """An owned thread that scans every ``interval_s`` and keeps the settled changes.

    ``poll()`` (from the app loop) returns everything settled since the last call as one
    batch. Pending changes are merged into a single ``Changes`` rather than queued, so a
    loop that stops draining for a while cannot make them grow beyond the watched paths.
    """

    def __init__(self, exhibits_dir: Path, config_file: Path | None = None,
                 asset_paths: Iterable[Path] = (), *, interval_s: float = DEFAULT_INTERVAL_S,
                 settle_s: float = DEFAULT_SETTLE_S,
                 assets_interval_s: float = DEFAULT_ASSETS_INTERVAL_S,
                 clock: Callable[[], float] = time.monotonic,
                 max_manifests: int = MAX_MANIFESTS, max_extra: int = MAX_EXTRA_PATHS) -> None:
        self.exhibits_dir = exhibits_dir
        self.config_file = config_file
        self.interval_s = interval_s
        self.assets_interval_s = assets_interval_s
        self._clock = clock
        self._asset_stats: dict[Path, Stat] | None = None
        self._assets_at = 0.0
        self._max_manifests = max_manifests
        self._max_extra = max_extra
        self._settler = Settler(settle_s)
        self._assets: tuple[Path, ...] = tuple(dict.fromkeys(asset_paths))
        self._started: set[Path] = set()  # asset paths not yet in a scan
        self._stopped: set[Path] = set()
        self._lock = threading.Condition()
        self._pending = Changes()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._failing: str | None = None  # the problem last logged, until it clears
        self._limits_logged: set[str] = set()
        self.scans = 0  # completed scans, for tests and the status file

    # -- owned thread ------------------------------------------------------------------
    def start(self) -> Poller:
        if self._thread is None:
            self._stop.clear()
            self._scan_once()  # the baseline, before the app reads the show further
            self._thread = threading.Thread(target=self._run, name="kiosk-watch", daemon=True)
            self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        with self._lock:
            self._lock.notify_all()

    def join(self, timeout_s: float | None = None) -> None:
        if self._thread is not None:
            self._thread.join(timeout_s)
            if not self._thread.is_alive():
                self._thread = None

    def __enter__(self) -> Poller:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
        self.join(5.0)

    @property
    def alive(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    # -- for the app loop --------------------------------------------------------------
    def set_asset_paths(self, paths: Iterable[Path]) -> None:
        """Watch these media files and folders from the next scan (after a reload)."""
        new = tuple(dict.fromkeys(paths))
        with self._lock:
            old, now = set(self._assets), set(new)
            for path in now - old:  # back before a scan noticed it went: still in the view
                if path in self._stopped:
                    self._stopped.discard(path)
                else:
                    self._started.add(path)
            for path in old - now:
                if path in self._started:
                    self._started.discard(path)
                else:
                    self._stopped.add(path)
            self._assets = new

    def poll(self, timeout_s: float = 0.0) -> Changes | None:
        """The settled changes since the last call, or None; waits up to ``timeout_s``."""
        with self._lock:
            if not self._pending and timeout_s > 0:
                self._lock.wait_for(lambda: bool(self._pending) or self._stop.is_set(),
                                    timeout_s)
            changes, self._pending = self._pending, Changes()
        return changes or None

    # -- the thread --------------------------------------------------------------------
    def _run(self) -> None:
        run_in_background()
        while not self._stop.wait(self.interval_s):
            self._scan_once()

    def _scan_once(self) -> None:
        try:
            with self._lock:
                assets = self._assets
                started, stopped = set(self._started), set(self._stopped)
            now = self._clock()
            config = (self.config_file,) if self.config_file else ()
            try:
                snapshot = scan(self.exhibits_dir, config, max_manifests=self._max_manifests,
                                on_limit=self._log_limit)
                listed = True
            except ScanError as exc:
                # Its manifests are out of sight, not known to be removed: once that has
                # settled, the reloader looks at the folder and keeps the last good show.
                self._log_failure(str(exc))
                snapshot = stat_paths(config)
                listed = False
            # Media are stat'ed every few seconds, and every scan while something settles
            # (so a photo still being copied is seen growing).
            if (self._asset_stats is None or started or stopped or self._settler.settling
                    or now - self._assets_at >= self.assets_interval_s):
                self._asset_stats = stat_paths(assets, self._max_extra, self._log_limit)
                self._assets_at = now
            snapshot.update(self._asset_stats)
            keep = {self.config_file} if self.config_file else set()
            self._settler.rewatch(snapshot, started, stopped - keep)
            with self._lock:
                self._started -= started
                self._stopped -= stopped
            changes = self._settler.observe(snapshot, now)
        except Exception as exc:  # never out of the thread: log once, try again next time
            self._log_failure(f"watching the show's files failed: {exc!r}")
            return
        if listed:
            self.scans += 1
            if self._failing is not None:
                log.info("watching %s again", self.exhibits_dir)
                self._failing = None
        if changes:
            with self._lock:
                self._pending = self._pending.then(changes)
                self._lock.notify_all()

    def _log_failure(self, message: str) -> None:
        if message != self._failing:
            log.warning("%s; the last good show plays on and the folder is tried again",
                        message)
            self._failing = message

    def _log_limit(self, message: str) -> None:
        if message not in self._limits_logged:
            self._limits_logged.add(message)
            log.warning("%s", message)
