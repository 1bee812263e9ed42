"""Live reload off the render thread: watch, re-read, validate, hand over a finished show.

Reading and validating an edited manifest (YAML, photo headers, clip probes) takes from
milliseconds to a second; on the render thread that is a visible stall. ``LiveReload``
owns the file watcher and a thread that turns each settled batch of changes into a
``Reloaded``: the new show, the settings when ``config/kiosk.yaml`` changed, and the
problems. The app loop only takes what is ready and swaps it in.

The ``ShowReloader`` is used from this thread alone once started; the app keeps the
immutable ``Show`` of the latest ``Reloaded`` it applied.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path

from kiosk.live.reloader import ReloadResult, ShowReloader, write_errors_file
from kiosk.live.startup import log_problems
from kiosk.live.watcher import Changes, Poller
from kiosk.show.settings import SettingsResult, reload_settings
from kiosk.thread_priority import run_in_background

log = logging.getLogger("kiosk.live.reloader")

# Builds the watcher from (exhibits folder, config file, asset paths); the preview passes one
# that does not wait for files to settle.
MakePoller = Callable[[Path, Path | None, Iterable[Path]], Poller]

WAIT_S = 0.5  # how long the thread waits for changes before checking it should stop


@dataclass(frozen=True)
class Reloaded:
    result: ReloadResult
    settings: SettingsResult | None  # None when the settings file did not change
    at: float  # wall-clock time the change was validated (for the status file)


class LiveReload:
    """The watcher and the re-reading thread, started, revived and stopped together."""

    def __init__(self, reloader: ShowReloader, exhibits: Path, assets: Path,
                 config: Path | None, *, errors_file: bool = True,
                 errors_text: str | None = None,
                 make_poller: MakePoller = Poller) -> None:
        self.reloader = reloader
        self.exhibits, self.assets, self.config = exhibits, assets, config
        self.errors_file = errors_file  # follows the settings as they are re-read
        self._make_poller = make_poller
        self.poller = make_poller(exhibits, config, reloader.watched_paths())
        self._ready: queue.SimpleQueue[Reloaded] = queue.SimpleQueue()
        self._stop = threading.Event()
        self._everything = threading.Event()  # set by `reload_now` (SIGHUP)
        self._thread: threading.Thread | None = None
        self._initial_errors = errors_text  # the loaded show's, written when started

    # -- owned threads -----------------------------------------------------------------
    def start(self) -> LiveReload:
        self._stop.clear()
        self.poller.start()
        self._start_thread(first=True)
        return self

    def _start_thread(self, first: bool = False) -> None:
        self._thread = threading.Thread(target=self._run, args=(first,), name="kiosk-reload",
                                        daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Stop and join both threads; True when they ended."""
        self._stop.set()
        self.poller.stop()
        self.poller.join(timeout_s)
        if self._thread is not None:
            self._thread.join(timeout_s)
            if self._thread.is_alive():
                return False
            self._thread = None
        return not self.poller.alive

    def revive(self) -> None:
        """A thread that died is replaced (called by the app every few seconds)."""
        if self._stop.is_set():
            return
        if not self.poller.alive:
            log.error("the file watcher had stopped; starting a new one")
            # Asset paths as the reloader knew them last; a read racing with a reload
            # only misses paths that the next reload hands over anyway.
            self.poller = self._make_poller(self.exhibits, self.config,
                                            list(self.reloader.watched_paths())).start()
        if self._thread is None or not self._thread.is_alive():
            log.error("the live reload thread had stopped; starting a new one")
            self._start_thread()

    @property
    def alive(self) -> bool:
        return (self.poller.alive and self._thread is not None
                and self._thread.is_alive())

    def reload_now(self) -> None:
        """Read the settings and every manifest again within half a second, whatever the
        file times say (SIGHUP, the daemon convention). Safe in a signal handler."""
        self._everything.set()

    # -- for the app loop --------------------------------------------------------------
    def take(self) -> list[Reloaded]:
        """Every finished reload since the last call, oldest first; never waits."""
        out: list[Reloaded] = []
        while True:
            try:
                out.append(self._ready.get_nowait())
            except queue.Empty:
                return out

    # -- the thread --------------------------------------------------------------------
    def _run(self, first: bool) -> None:
        run_in_background()
        if first and self.errors_file:
            # A file left by an earlier run says what is wrong now, or goes away.
            write_errors_file(self.exhibits, self._initial_errors)
        while not self._stop.is_set():
            try:
                changes = self.poller.poll(timeout_s=WAIT_S)
                if self._everything.is_set() and not self._stop.is_set():
                    self._everything.clear()
                    self._ready.put(self.apply_everything())
                elif changes and not self._stop.is_set():
                    self._ready.put(self.apply(changes))
            except Exception:  # never out of the thread: the show plays on as it is
                log.exception("re-reading the show after a change failed")
                self._stop.wait(WAIT_S)

    def apply_everything(self) -> Reloaded:
        """Settings and every manifest read again; every decoded photo is read again too."""
        settings = self._read_settings()
        media = frozenset(self.reloader.watched_paths())
        if settings is not None:
            langs = settings.settings.languages
            self.reloader.set_languages(langs.offered, langs.default)
        result = replace(self.reloader.load_all(), changed_exhibits=[self.exhibits],
                         changed_media=media)
        return self._finish(result, settings)

    def _read_settings(self) -> SettingsResult | None:
        if self.config is None:
            return None
        settings = reload_settings(self.config, self.assets)  # None: keep the last good
        if settings is not None:
            log_problems(settings.problems)
            self.errors_file = settings.settings.errors_file
        return settings

    def _finish(self, result: ReloadResult, settings: SettingsResult | None) -> Reloaded:
        at = time.time()
        if self.errors_file:
            write_errors_file(self.exhibits, result.errors_text)  # unchanged: not touched
        self.poller.set_asset_paths(self.reloader.watched_paths())
        return Reloaded(result, settings, at)

    def apply(self, changes: Changes) -> Reloaded:
        """Re-read what changed (on this thread; public for tests that drive it)."""
        settings = None
        if self.config is not None and self.config in changes.paths:
            settings = self._read_settings()
        result = self.reloader.apply(changes)
        langs = settings.settings.languages if settings is not None else None
        if langs is not None and self.reloader.set_languages(langs.offered, langs.default):
            assert self.config is not None  # settings are read only when it changed
            # Captions are checked against the offered languages and the show falls back
            # on the default one: every manifest is read again, and the show has changed.
            result = replace(self.reloader.load_all(), changed_exhibits=[self.config],
                             changed_media=result.changed_media)
        return self._finish(result, settings)
