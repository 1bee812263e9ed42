"""The kiosk on a screen: display, input, the paced loop and the status file.

The loop only polls events, asks the player for the frame, draws it and flips; decoding
runs on the photo cache's worker threads, status writing on its own thread. Every
thread started here is stopped and joined on the way out.
"""

from __future__ import annotations

import logging
import os
import sys
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kiosk.clock import Clock, MonotonicClock
from kiosk.errors import Problem
from kiosk.manifest.loader import ShowResult, shown_path
from kiosk.manifest.model import NO_TEXT, Photo, Show, Text, TextCard, Transition, Video, Where
from kiosk.settings import Settings, SettingsResult
from kiosk.status import StatusWriter, iso

log = logging.getLogger("kiosk")

DEFAULT_WINDOW = (1280, 720)
DEFAULT_RENDER = (1920, 1080)
RETRY_EMPTY_S = 10.0  # with nothing playable, read the show again this often
STATUS_EVERY_S = 0.5


@dataclass
class RunOptions:
    windowed: bool = False
    size: tuple[int, int] | None = None
    run_for_s: float | None = None
    status_file: Path | None = None


def quiet_opencv() -> None:
    """OpenCV prints its own lines for broken files; the kiosk logs them itself."""
    import cv2

    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    except AttributeError:  # pragma: no cover - older builds
        pass


def log_problems(problems: list[Problem]) -> None:
    for problem in problems:
        if problem.is_error and not problem.playable:
            log.error("%s", problem)
        else:
            log.warning("%s", problem)


def load_everything(paths: Any) -> tuple[SettingsResult, ShowResult]:
    from kiosk.validate import load

    settings, show = load(paths.exhibits, paths.assets, paths.config)
    log_problems([*settings.problems, *show.problems])
    return settings, show


def no_content_card(reason: str) -> TextCard:
    return TextCard(title=Text({"": "The exhibition will continue shortly"}),
                    body=Text({"": reason}) if reason else NO_TEXT, duration_s=3600.0,
                    transition=Transition("crossfade", 1.0), where=Where("kiosk", 0, 0))


def item_name(step: object, default_language: str, base: Path | None = None) -> str | None:
    if isinstance(step, (Photo, Video)):
        return shown_path(step.path, base)
    if isinstance(step, TextCard):
        return step.title.get(default_language, default_language) or "(card)"
    return None


# -- render: one frame to a PNG, no screen --------------------------------------------


def make_player(show: Show, settings: Settings, size: tuple[int, int], images: Any,
                now: float, *, eager: bool = False) -> Any:
    import pygame

    from kiosk.player import Player
    from kiosk.render.compositor import Compositor, Look
    from kiosk.render.text import TextRenderer

    if not pygame.font.get_init():
        pygame.font.init()
    text = TextRenderer(settings.fonts.text, settings.fonts.heading, cache_size=64)
    look = Look(settings.screen.background, settings.languages.default,
                settings.languages.default)
    compositor = Compositor(size, text, look, max_layers=6)
    return Player(show, compositor, images, now, eager=eager)


def render_command(paths: Any, at_s: float, out: Path, size: tuple[int, int] | None) -> int:
    """The frame the loop shows `at_s` seconds after the start, with no input."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from kiosk.player import SyncImages

    quiet_opencv()
    settings_result, show_result = load_everything(paths)
    settings = settings_result.settings
    size = size or settings.screen.size or DEFAULT_RENDER
    images = SyncImages(size, settings.max_image_pixels, settings.screen.background)
    player = make_player(show_result.show, settings, size, images, 0.0, eager=True)
    target = pygame.Surface(size, 0, 32)
    # Tick as the loop would at each step change, so failed items are skipped the same way.
    frame = player.update(0.0)
    t = 0.0
    while t < at_s:
        wait = player.timeline.next_change_s(t)  # seconds from t; 0 while a fade runs
        t = min(at_s, t + (wait if wait else 1 / 60)) if wait is not None else at_s
        frame = player.update(t)
    if frame.no_content or frame.current is None:
        reason = "no exhibit can be played" if frame.no_content else ""
        target.blit(player.compositor.layer(no_content_card(reason), None), (0, 0))
    else:
        player.draw(target, frame)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(target, str(out))
    except (OSError, pygame.error) as exc:
        print(f"run_kiosk.py: error: cannot write {out}: {exc}", file=sys.stderr)
        return 1
    print(f"{out}: frame at {at_s:g}s ({frame.exhibit_name or 'no exhibit'}"
          f"{'' if frame.item_index is None else f', step {frame.item_index + 1}'})")
    return 0


# -- run: the loop ------------------------------------------------------------------


@dataclass
class FrameStats:
    interval_s: float
    frames: int = 0
    dropped: int = 0
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=240))
    last_at: float | None = None
    was_animating: bool = False
    # Animated frames of the last two minutes at 60 Hz: our work before the present, and
    # the time between presents (the present itself included).
    work_ms: deque[float] = field(default_factory=lambda: deque(maxlen=7200))
    interval_ms: deque[float] = field(default_factory=lambda: deque(maxlen=7200))

    def presented(self, now: float, animating: bool, work_s: float = 0.0) -> None:
        """Count a presented frame; while animating, a late one is a dropped frame.

        A still photo is not presented again each refresh, so gaps between presents then
        are not drops.
        """
        self.frames += 1
        late = self.last_at is not None and now - self.last_at > self.interval_s * 1.5
        if animating and self.was_animating and late:
            self.dropped += 1  # missed at least one refresh deadline
        if animating:
            self.work_ms.append(work_s * 1000.0)
            if self.was_animating and self.last_at is not None:
                self.interval_ms.append((now - self.last_at) * 1000.0)
        self.last_at = now
        self.was_animating = animating
        self.recent.append(now)

    def fps(self, now: float) -> float:
        return float(sum(1 for t in self.recent if now - t <= 1.0))

    def summary(self) -> dict[str, dict[str, float]]:
        def stats(values: deque[float]) -> dict[str, float]:
            if not values:
                return {}
            ordered = sorted(values)
            pick = lambda q: ordered[min(len(ordered) - 1, int(q * len(ordered)))]  # noqa: E731
            return {"p50": round(pick(0.5), 2), "p99": round(pick(0.99), 2),
                    "max": round(ordered[-1], 2), "count": len(ordered)}

        return {"frame_work_ms": stats(self.work_ms),
                "frame_interval_ms": stats(self.interval_ms)}


class App:
    def __init__(self, paths: Any, options: RunOptions, clock: Clock | None = None) -> None:
        self.paths = paths
        self.options = options
        self.clock = clock or MonotonicClock()
        self.started_wall = time.time()
        self.started = self.clock.now()
        self.settings_result, self.show_result = load_everything(paths)
        self.settings = self.settings_result.settings
        self.fullscreen = self.settings.screen.fullscreen and not options.windowed
        status_path = options.status_file or self.settings.status_file
        self.status = StatusWriter(status_path)
        self.running = True
        self.exit_code = 0
        self.workers_stopped = True
        self.first_frame_s: float | None = None

    # -- display ---------------------------------------------------------------------
    def open_display(self) -> Any:
        import pygame

        os.environ.setdefault("SDL_VIDEO_MINIMIZE_ON_FOCUS_LOSS", "0")
        try:
            pygame.display.init()
        except pygame.error as exc:
            raise NoDisplay(str(exc)) from None
        screen_cfg = self.settings.screen
        display = min(screen_cfg.display, max(pygame.display.get_num_displays() - 1, 0))
        size = self.options.size or screen_cfg.size
        if self.fullscreen and self._borderless_is_fullscreen(display):
            # No window manager (a typical kiosk X session): a borderless window covering
            # the screen is fullscreen without SDL waiting for replies no one sends.
            desktop = pygame.display.get_desktop_sizes()[display]
            os.environ["SDL_VIDEO_WINDOW_POS"] = "0,0"
            surface = pygame.display.set_mode(size or desktop, pygame.NOFRAME, display=display)
        elif self.fullscreen:
            surface = pygame.display.set_mode(size or (0, 0), pygame.FULLSCREEN, display=display)
        else:
            surface = pygame.display.set_mode(size or DEFAULT_WINDOW, 0, display=display)
        pygame.display.set_caption("kiosk")
        pygame.mouse.set_visible(not self.fullscreen)
        pygame.display.set_allow_screensaver(False)
        return surface

    @staticmethod
    def _borderless_is_fullscreen(display: int) -> bool:
        import pygame

        from kiosk.x11 import has_window_manager

        return (display == 0 and pygame.display.get_driver() == "x11"
                and has_window_manager() is False)

    def refresh_hz(self) -> float:
        import pygame

        try:
            rates = pygame.display.get_desktop_refresh_rates()  # type: ignore[attr-defined]
            hz = float(rates[0]) if rates and rates[0] else 60.0
        except (AttributeError, pygame.error, IndexError):
            hz = 60.0
        return hz if 20.0 <= hz <= 240.0 else 60.0

    # -- the loop ----------------------------------------------------------------------
    def run(self) -> int:
        import pygame

        from kiosk.media.photo_cache import PhotoCache
        from kiosk.player import CachedImages

        quiet_opencv()
        screen = self.open_display()
        size = screen.get_size()
        canvas = screen if _plain_32bit(screen) else pygame.Surface(size, 0, 32)
        settings = self.settings
        cache = PhotoCache(settings.cache_bytes, size, settings.max_image_pixels,
                           settings.screen.background)
        images = CachedImages(cache)
        player = make_player(self.show_result.show, settings, size, images, self.clock.now())
        hz = self.refresh_hz()
        stats = FrameStats(1.0 / hz)
        pacer = pygame.time.Clock()
        last_status = -1e9
        last_retry = self.clock.now()
        log.info("showing %d exhibits on a %dx%d %s at %.0f Hz",
                 len(self.show_result.show.exhibits), size[0], size[1],
                 "screen" if self.fullscreen else "window", hz)
        cache.start()
        self.status.start()
        frame = None
        try:
            while self.running:
                now = self.clock.now()
                for event in pygame.event.get():
                    self.handle(event, player, now)
                cache.poll()
                frame = player.update(now)
                if frame.no_content:
                    rects = self.draw_layer(canvas, player, no_content_card(
                        "Nothing in the exhibits folder can be played right now."))
                    if now - last_retry > RETRY_EMPTY_S:
                        last_retry = now
                        player = self.retry(player, cache, images, size)
                elif frame.current is None:
                    rects = self.draw_layer(canvas, player, None)
                else:
                    rects = player.draw(canvas, frame)
                if rects:
                    work_s = self.clock.now() - now
                    if canvas is not screen:
                        for rect in rects:
                            screen.blit(canvas, rect, rect)
                    if rects[0].size == size:
                        pygame.display.flip()
                    else:
                        pygame.display.update(rects)
                    stats.presented(self.clock.now(), frame.transition is not None, work_s)
                # One layer ahead per frame, when this frame has time left, or at once when
                # the show is held waiting for that layer (a still screen hides the cost).
                held = frame.waiting or frame.finished or frame.pending_target is not None
                if held or self.clock.now() - now < stats.interval_s * 0.5:
                    player.prepare()
                first_picture = frame.current is not None and self.first_frame_s is None
                if first_picture:
                    self.first_frame_s = self.clock.now() - self.started
                    log.info("first picture on screen %.2f s after start", self.first_frame_s)
                if first_picture or now - last_status >= STATUS_EVERY_S:
                    last_status = now
                    self.status.publish(self.snapshot(frame, player, stats, now))
                if (self.options.run_for_s is not None
                        and now - self.started >= self.options.run_for_s):
                    self.running = False
                pacer.tick(hz)
        finally:
            self.workers_stopped = cache.stop()
            final = self.snapshot(frame, player, stats, self.clock.now(), state="closed")
            self.status.stop(final)
            pygame.display.quit()
        return self.exit_code

    def draw_layer(self, canvas: Any, player: Any, card: TextCard | None) -> list[Any]:
        """A full-screen card (or the background) outside the timeline, drawn once."""
        compositor = player.compositor
        layer = compositor.layer(card, None) if card is not None else None
        return compositor.draw(canvas, layer)

    def retry(self, player: Any, cache: Any, images: Any, size: tuple[int, int]) -> Any:
        """Nothing could play: read the show again, forget old failures, try once more."""
        self.settings_result, self.show_result = load_everything(self.paths)
        cache.forget_failures()
        return make_player(self.show_result.show, self.settings, size, images, self.clock.now())

    def keyboard_exit_allowed(self) -> bool:
        rule = self.settings.staff.keyboard_exit
        return rule == "always" or (rule == "windowed" and not self.fullscreen)

    def handle(self, event: Any, player: Any, now: float) -> None:
        import pygame

        timeline = player.timeline
        if event.type == pygame.QUIT:
            if self.keyboard_exit_allowed():
                self.running = False
            else:
                log.info("close request ignored: the show runs fullscreen")
        elif event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE and self.keyboard_exit_allowed():
                log.info("closed by Esc")
                self.running = False
            elif event.key == pygame.K_RIGHT:
                timeline.next(now)
            elif event.key == pygame.K_LEFT:
                timeline.previous(now)
            elif event.key == pygame.K_SPACE:
                (timeline.resume if timeline.paused else timeline.pause)(now)

    def snapshot(self, frame: Any, player: Any, stats: FrameStats, now: float,
                 state: str | None = None) -> dict[str, Any]:
        if state is None:
            if frame is None or frame.waiting:
                state = "starting"
            elif frame.no_content:
                state = "no_content"
            elif frame.paused:
                state = "paused"
            else:
                state = "playing"
        language = self.settings.languages.default
        current = frame.current if frame is not None else None
        return {
            "state": state,
            "exhibit": frame.exhibit_name if frame is not None and current else None,
            "item": item_name(current, language, self.paths.exhibits.parent),
            "item_index": frame.item_index if frame is not None and current else None,
            "loop_count": frame.loop_count if frame is not None else 0,
            "uptime_s": round(now - self.started, 1),
            "frames": stats.frames,
            "fps": stats.fps(now),
            "dropped_frames": stats.dropped,
            **stats.summary(),
            "skipped": [{"path": p, "reason": r} for p, r in player.skipped.items()],
            "errors": [str(p) for p in (*self.settings_result.problems,
                                        *self.show_result.problems) if p.is_error],
            "language": language,
            "rss_bytes": rss_bytes(),
            "threads": threading.active_count(),
            "started_at": iso(self.started_wall),
            "updated_at": iso(self.started_wall + (now - self.started)),
        }


def rss_bytes() -> int | None:
    """Resident memory of this process (Linux), for operators watching for growth."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


class NoDisplay(Exception):
    pass


def _plain_32bit(surface: Any) -> bool:
    return surface.get_bitsize() == 32 and surface.get_masks()[:3] == (0xFF0000, 0xFF00, 0xFF)


def run_command(paths: Any, *, windowed: bool, size: tuple[int, int] | None,
                run_for_s: float | None, status_file: Path | None) -> int:
    from kiosk.logs import setup_logging

    setup_logging()
    options = RunOptions(windowed, size, run_for_s, status_file)
    app = App(paths, options)
    setup_logging(app.settings.log_level, app.settings.log_file)
    try:
        code = app.run()
        if not app.workers_stopped:
            # A decode stuck on a dead network file would keep the process alive; the
            # supervisor must see it end.
            logging.shutdown()
            os._exit(code)
        return code
    except NoDisplay as exc:
        print(f"run_kiosk.py: no display to show the kiosk on ({exc}); "
              "use `run_kiosk.py render --at SECONDS --out frame.png` to see a frame "
              "without a screen", file=sys.stderr)
        return 1
