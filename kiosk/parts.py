"""Every part of the running kiosk, built once, in one place.

The loop (`kiosk/app.py`) drives these parts; each has a small contract:

| part | what the loop calls |
|---|---|
| `display` (render/display.py) | `open`, `check(now)`, `present(rects)`, `close` |
| `sound` (media/sound_device.py) | `process_event(event)`, `update(clip_playing)` |
| `player` (playback/player.py) | `update(now)`, `draw(canvas, frame)`, `prepare()` |
| `visitor` (visitor/controller.py) | `process_event`, `update`, `replaces_frame`, `draw` |
| `live` (live/reload_thread.py) | `take()`: finished reloads, handed to `shows.take` |
| `ops` (operations/service.py) | `check_hours(now)`, `presented`, `item_shown`, `publish` |

Three paths reach every part that needs them, and only through this module:
- `apply_settings(result)`: a re-read settings file; each part that holds a setting takes
  the new value in its own `apply_settings`; the keys that need a restart are logged.
- `resize()`: the display came back in another size; what is sized to the screen is built
  again by the same builders as at start.
- `status(now)`: each part's `status()` report, assembled by `operations/status.py`.
"""

from __future__ import annotations

import gc
import logging
import sys
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.live.reload_thread import LiveReload
from kiosk.live.show_state import ShowState
from kiosk.live.startup import load_for_playing
from kiosk.media.sound_device import SoundDevice
from kiosk.operations.service import Operations
from kiosk.operations.status import StatusWriter, assemble, frame_status, state_of
from kiosk.playback.clock import Clock
from kiosk.playback.frame_stats import FrameStats
from kiosk.render.display import Display
from kiosk.show.exhibit_dates import active_show
from kiosk.show.settings import Settings, SettingsResult

if TYPE_CHECKING:
    from kiosk.show.paths import ShowPaths

log = logging.getLogger("kiosk")

# Settings read once, when the part that uses them is made.
# `reading` decides durations when the show is read, at start.
RESTART_KEYS = ("screen", "status_file", "http", "cache_bytes", "max_image_pixels", "reading")
SWITCH_INTERVAL_S = 0.001  # how long a thread may hold the interpreter when another waits


@dataclass
class RunOptions:
    windowed: bool = False
    size: tuple[int, int] | None = None
    run_for_s: float | None = None
    status_file: Path | None = None


class Parts:
    def __init__(self, paths: ShowPaths, options: RunOptions, clock: Clock,
                 on_exit: Any) -> None:
        self.paths = paths
        self.clock = clock
        self.on_exit = on_exit
        self.started = clock.now()
        self.started_wall = time.time()
        loaded = load_for_playing(paths.exhibits, paths.assets, paths.config)
        self.settings: Settings = loaded.settings.settings
        self.shows = ShowState(loaded.show.show, loaded.show.problems, loaded.settings,
                               self.started_wall)
        self.live = LiveReload(loaded.reloader, paths.exhibits, paths.assets, paths.config,
                               errors_file=self.settings.errors_file,
                               errors_text=loaded.show.errors_text)
        self.display = Display(self.settings.screen, windowed=options.windowed,
                               size=options.size)
        self.sound = SoundDevice()
        self.status_writer = StatusWriter(options.status_file or self.settings.status_file)
        self.ops = Operations(self.settings)
        # Made in `open`, once there is a screen to size them for.
        self.cache: Any = None
        self.player: Any = None
        self.visitor: Any = None
        self.stats = FrameStats(1 / 60)

    # -- building -----------------------------------------------------------------------
    def open(self) -> None:
        """Open the display and sound, build what is sized to the screen, start threads."""
        from kiosk.media.images import quiet_opencv
        from kiosk.media.memory import release_big_buffers_to_the_system
        from kiosk.media.photo_cache import PhotoCache
        from kiosk.media.video_fit import warm_up
        from kiosk.playback.clips import Clips
        from kiosk.playback.player import CachedImages, make_player

        quiet_opencv()
        release_big_buffers_to_the_system()
        size = self.display.open()
        warm_up(size)  # before any worker thread touches OpenCV
        settings = self.settings
        self.cache = PhotoCache(settings.cache_bytes, size, settings.max_image_pixels,
                                settings.screen.background)
        self.sound.open()
        frame_s = 1.0 / self.display.refresh_hz()

        def make_clips(compositor: Any) -> Clips:
            clips = Clips(compositor.size, compositor, frame_s=frame_s)
            clips.apply_settings(self.settings)
            return clips

        self.player = make_player(active_show(self.shows.show, self.ops.today), settings,
                                  size, CachedImages(self.cache), self.clock.now(),
                                  make_clips=make_clips, frame_s=frame_s)
        self.stats = FrameStats(frame_s)
        self.visitor = self._make_visitor()
        log.info("showing %d exhibits on a %dx%d %s at %.0f Hz",
                 len(self.shows.show.exhibits), size[0], size[1],
                 "screen" if self.display.fullscreen else "window",
                 1.0 / self.stats.interval_s)
        self.cache.start()
        self.status_writer.start()
        self.live.start()
        self.visitor.start()
        self.ops.start()
        # What start-up built (modules, fonts, the show) lives for the whole run: out of
        # the collector's scans, a full collection no longer walks it (35 ms on the
        # render thread, a dropped frame whenever one fell inside a pan).
        gc.collect()
        gc.freeze()
        # The render thread gets the interpreter back within 1 ms, not 5, when a worker
        # lays out a label in Python: at 5 ms a frame waited that long each time it let go.
        sys.setswitchinterval(SWITCH_INTERVAL_S)

    def _make_visitor(self) -> Any:
        from kiosk.visitor.controller import VisitorController

        return VisitorController(self.settings, self.display.size, self.player,
                                 self.on_exit, self.ops.interaction,
                                 frame_s=self.stats.interval_s,
                                 fullscreen=self.display.fullscreen)

    def resize(self) -> None:
        """The screen has a new size: everything sized to it is built again, by the same
        builders as at start; the show keeps its place."""
        self.cache.set_screen_size(self.display.size)
        self.player.resize(self.display.size)
        self.visitor.stop()
        self.visitor = self._make_visitor()
        self.visitor.start()

    def revive(self) -> None:
        """A worker thread that died is replaced; the show never depends on luck."""
        self.cache.revive()
        self.live.revive()
        self.status_writer.revive()

    def close(self, exit_code: int, now: float, frame: Any) -> bool:
        """Stop and join every thread; the last status says `closed`. True when every
        media worker ended (one stuck on a dead network file keeps the process alive)."""
        self.ops.stop(exit_code)
        self.visitor.stop()
        self.live.stop()
        stopped = self.player.stop() and self.cache.stop()
        self.status_writer.stop(self.status(now, frame, "closed"))
        stopped = self.sound.close() and stopped
        self.display.close()
        gc.unfreeze()  # what start-up built can be collected again
        return stopped

    # -- what changes while running --------------------------------------------------------
    def apply_settings(self, result: SettingsResult) -> None:
        """A re-read settings file reaches every part that holds a setting."""
        from kiosk.operations.logs import setup_logging

        new, old = result.settings, self.settings
        for key in RESTART_KEYS:
            if getattr(new, key) != getattr(old, key):
                log.warning("`%s` changed in %s: it takes effect after a restart", key,
                            self.paths.config)
        if (new.log_level, new.log_file) != (old.log_level, old.log_file):
            setup_logging(new.log_level, new.log_file)
        # What needs a restart keeps the value it started with, everywhere.
        kept = {key: getattr(old, key) for key in RESTART_KEYS}
        self.settings = settings = replace(new, **kept)
        self.player.apply_settings(settings)
        self.visitor.apply_settings(settings)
        self.ops.apply_settings(settings)
        log.info("settings from %s applied", self.paths.config)

    def take_reload(self, reloaded: Any, frame: Any, now: float) -> None:
        """Files changed on disk and were re-read on the reload thread: swap in what is
        good (the last good version of the rest stays)."""
        if reloaded.settings is not None:
            self.apply_settings(reloaded.settings)
        change = self.shows.take(reloaded, frame, time.time())
        if change.changed_media:
            self.player.media_changed(change.changed_media)
        if change.show is not None:
            self.player.replace_show(active_show(change.show, self.ops.today), now)

    def new_day(self, day: Any, now: float) -> None:
        """Exhibits dated to start or end today enter or leave the show."""
        self.player.replace_show(active_show(self.shows.show, day), now)

    # -- what the operator reads -----------------------------------------------------------
    def status(self, now: float, frame: Any, state: str | None = None) -> dict[str, Any]:
        visitor = self.visitor.status(now) if self.visitor is not None else {}
        language = self.settings.languages.default
        return assemble(
            state or state_of(frame),
            frame_status(frame, language, self.paths.exhibits.parent),
            self.stats.status(now),
            self.player.status() if self.player is not None else {},
            self.shows.status(),
            self.sound.status(),
            {"mode": "attract", "language": language, "touches": 0, **visitor},
            self.ops.status(),
            uptime_s=now - self.started, started_wall=self.started_wall)
