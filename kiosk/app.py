"""The kiosk on a screen: display, input, the paced loop, live reload and the status file.

The loop only polls events, asks the player for the frame, draws it and presents it;
decoding runs on the photo cache's worker threads, watching and re-reading edited
files on the live-reload threads, status writing on its own thread. Every thread
started here is stopped and joined on the way out.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from kiosk.live.reload_thread import LiveReload
from kiosk.live.reloader import current_item_changed
from kiosk.live.startup import load_for_playing, log_problems
from kiosk.media.memory import release_big_buffers_to_the_system
from kiosk.operations.service import Operations, active_show
from kiosk.operations.status import StatusWriter, iso, item_name, rss_bytes
from kiosk.playback.clock import Clock, MonotonicClock
from kiosk.playback.frame_stats import FrameStats
from kiosk.playback.pacing import Pacer
from kiosk.playback.player import fallback_card, make_player
from kiosk.show.model import Text
from kiosk.visitor.controller import VisitorView

log = logging.getLogger("kiosk")

DEFAULT_WINDOW = (1280, 720)
RETRY_EMPTY_S = 10.0  # with nothing playable, try failed files again this often
MAX_FAILED_FRAMES = 300  # about five seconds of frames that all fail: give up, get restarted
STATUS_EVERY_S = 0.5


@dataclass
class RunOptions:
    windowed: bool = False
    size: tuple[int, int] | None = None
    run_for_s: float | None = None
    status_file: Path | None = None


class NoDisplay(Exception):
    pass


class App:
    def __init__(self, paths: Any, options: RunOptions, clock: Clock | None = None) -> None:
        self.paths = paths
        self.options = options
        self.clock = clock or MonotonicClock()
        self.started_wall = time.time()
        self.started = self.clock.now()
        loaded = load_for_playing(paths.exhibits, paths.assets, paths.config)
        self.settings_result = loaded.settings
        self.settings = loaded.settings.settings
        self.show = loaded.show.show  # the show as last swapped in
        # The watcher and the thread that re-reads edits; started in setup.
        self.live = LiveReload(loaded.reloader, paths.exhibits, paths.assets, paths.config,
                               errors_file=self.settings.errors_file,
                               errors_text=loaded.show.errors_text)
        self.show_problems = loaded.show.problems
        self.show_loaded_at = self.started_wall
        self.last_reload: float | None = None
        self.fullscreen = self.settings.screen.fullscreen and not options.windowed
        self.status = StatusWriter(options.status_file or self.settings.status_file)
        self.ops = Operations(self.settings, paths.exhibits.parent)
        self.running = True
        self.exit_code = 0
        self.workers_stopped = True
        self.first_frame_s: float | None = None
        self.last_overlay: tuple | None = None
        self.last_revive = -1e9
        self.last_display_check = -1e9
        self.still_drawn: str | None = None  # which still screen is on the canvas
        self.last_still_present = -1e9
        # A sound device went away (an HDMI screen switched off at night takes its sound
        # with it) / one arrived while ours is gone: reopen the mixer between clips.
        self.sound_lost = False
        self.sound_reopen = False

    # -- display ---------------------------------------------------------------------
    def open_display(self) -> Any:
        import pygame

        os.environ.setdefault("SDL_VIDEO_MINIMIZE_ON_FOCUS_LOSS", "0")
        # SDL would turn SIGTERM into a window close request, which a fullscreen kiosk
        # ignores; `systemctl stop` must end the show at once (exit code 0).
        os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
        signal.signal(signal.SIGTERM, self._terminate)
        signal.signal(signal.SIGINT, self._terminate)
        try:
            pygame.display.init()
        except pygame.error as exc:
            raise NoDisplay(str(exc)) from None
        if pygame.display.get_driver() == "x11":
            # On X11, SDL by default presents the window surface through an OpenGL
            # texture: the whole screen is uploaded on every present, even for a one-pixel
            # update, and without a GPU (Mesa llvmpipe) that cost 9.9 ms per 1080p flip
            # against 1.2 ms for X11 shared memory, which also honours update rectangles.
            # Read when the window surface is made; an operator can still choose.
            os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
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

        from kiosk.operations.x11 import has_window_manager

        return (display == 0 and pygame.display.get_driver() == "x11"
                and has_window_manager() is False)

    @staticmethod
    def refresh_hz() -> float:
        import pygame

        try:
            rates = pygame.display.get_desktop_refresh_rates()  # type: ignore[attr-defined]
            hz = float(rates[0]) if rates and rates[0] else 60.0
        except (AttributeError, pygame.error, IndexError):
            hz = 60.0
        return hz if 20.0 <= hz <= 240.0 else 60.0

    # -- the loop ----------------------------------------------------------------------
    def run(self) -> int:
        self.setup()
        hz = 1.0 / self.stats.interval_s
        pacer = Pacer()
        failures = 0
        try:
            while self.running:
                try:
                    self.frame_once(self.clock.now())
                    failures = 0
                except Exception:
                    # A fault in one frame must not end the show; a loop that fails
                    # frame after frame is not a show: exit so the supervisor restarts it.
                    failures += 1
                    log.exception("a frame failed (%d in a row)", failures)
                    if failures >= MAX_FAILED_FRAMES:
                        self.exit_code = 1
                        self.running = False
                pacer.wait(hz if self.ops.is_open and not self.ops.safe_mode else 2)
        finally:
            self.teardown()
        return self.exit_code

    def setup(self) -> None:
        """Open the display and start every thread the show needs."""
        import pygame

        from kiosk.media.audio import init_mixer
        from kiosk.media.images import quiet_opencv
        from kiosk.media.photo_cache import PhotoCache
        from kiosk.playback.clips import Clips
        from kiosk.playback.player import CachedImages

        quiet_opencv()
        release_big_buffers_to_the_system()
        screen = self.open_display()
        self.screen = screen
        self.size = size = screen.get_size()
        self.canvas = screen if _plain_32bit(screen) else pygame.Surface(size, 0, 32)
        settings = self.settings
        self.cache = PhotoCache(settings.cache_bytes, size, settings.max_image_pixels,
                                settings.screen.background)
        self.images = CachedImages(self.cache)
        if not init_mixer():
            log.warning("no sound device: clips play silently")
        self.player = make_player(
            active_show(self.show, self.ops.today), settings, size, self.images,
            self.clock.now(),
            clips=lambda compositor: Clips(size, compositor, show_volume=settings.volume,
                                           default_language=settings.languages.default))
        self.visitor_view = VisitorView(settings, size, self.player, self.staff_exit,
                                        self.ops.interaction)
        self.visitor_view.frame_s = 1.0 / self.refresh_hz()
        hz = self.refresh_hz()
        self.stats = FrameStats(1.0 / hz)
        self.last_status = -1e9
        self.last_retry = self.clock.now()
        log.info("showing %d exhibits on a %dx%d %s at %.0f Hz",
                 len(self.show.exhibits), size[0], size[1],
                 "screen" if self.fullscreen else "window", hz)
        self.frame = None
        self.cache.start()
        self.status.start()
        self.live.start()
        self.visitor_view.start()
        self.ops.start()
        self.shown_step: object = None

    def teardown(self) -> None:
        """Stop and join every thread; the last status says `closed`."""
        import pygame

        self.ops.stop(self.exit_code)
        self.visitor_view.stop()
        self.live.stop()
        clips_stopped = self.player.clips.stop()
        self.workers_stopped = self.cache.stop() and clips_stopped
        self.status.stop(self.snapshot(self.clock.now(), state="closed"))
        pygame.mixer.quit()
        pygame.display.quit()

    def frame_once(self, now: float) -> None:
        import pygame

        if self.options.run_for_s is not None and now - self.started >= self.options.run_for_s:
            self.running = False  # this frame is still drawn; the loop ends after it

        for event in pygame.event.get():
            if not self.visitor_view.event(event, now, self.frame):
                self.handle(event, now)
        self.revive_workers(now)
        self.check_display(now)
        self.reopen_sound()
        for reloaded in self.live.take():
            self.reload(reloaded, now)
        is_open, opening_changed, new_day = self.ops.check_hours(now)
        if new_day is not None:
            self.player.timeline.replace_show(active_show(self.show, new_day), now)
        if opening_changed:
            self.opening_changed(is_open, now)
        if self.ops.safe_mode or not is_open:
            self.still_screen(now)
            return
        self.cache.poll()
        player = self.player
        frame = self.frame = player.update(now)
        visitor_view = self.visitor_view
        visitor_view.tick(now, frame)
        visitor_view.before_draw(now, frame)
        covering = visitor_view.covering(now)
        overlay = visitor_view.signature(now, frame) if covering else None
        overlay_changed = overlay != self.last_overlay
        self.last_overlay = overlay
        if covering and overlay_changed:
            player.compositor.invalidate()  # the frame under the overlay is drawn afresh
        if frame.no_content:
            rects = self.draw_card(fallback_card(
                "Nothing in the exhibits folder can be played right now."))
            if now - self.last_retry > RETRY_EMPTY_S:
                self.last_retry = now
                self.cache.forget_failures()
                player.clips.forget_failures()
                player.skipped.clear()
        elif frame.current is None:
            rects = self.draw_card(None)
        elif visitor_view.zoomed(frame):
            rects = []  # the zoomed view replaces the frame; redrawn when it changes
        else:
            rects = player.draw(self.canvas, frame)
        if covering and (rects or overlay_changed) and visitor_view.draw(self.canvas, frame,
                                                                          now):
            rects = [self.canvas.get_rect()]
        if rects:
            work_s = self.clock.now() - now
            if self.canvas is not self.screen:
                for rect in rects:
                    self.screen.blit(self.canvas, rect, rect)
            if rects[0].size == self.size:
                pygame.display.flip()
            else:
                pygame.display.update(rects)
            self.stats.presented(self.clock.now(), frame.transition is not None, work_s)
            self.ops.presented(self.canvas)
        elif self.ops.present_due():
            pygame.display.flip()  # unchanged, but proof the display path works
            self.ops.presented(self.canvas)
        if frame.current is not self.shown_step:
            self.shown_step = frame.current
            self.ops.item_shown(frame.current, frame.exhibit_name,
                                self.visitor_view.visitor.mode, now)
        # One layer ahead per frame, when this frame has time left, or at once when the
        # show is held waiting for that layer (a still screen hides the cost).
        held = frame.waiting or frame.finished or frame.pending_target is not None
        if held or self.clock.now() - now < self.stats.interval_s * 0.5:
            player.prepare()
        first_picture = frame.current is not None and self.first_frame_s is None
        if first_picture:
            self.first_frame_s = self.clock.now() - self.started
            log.info("first picture on screen %.2f s after start", self.first_frame_s)
        if first_picture or now - self.last_status >= STATUS_EVERY_S:
            self.publish(now)

    def publish(self, now: float, state: str | None = None) -> None:
        self.last_status = now
        snapshot = self.snapshot(now, state)
        self.status.publish(snapshot)
        self.ops.publish(snapshot)

    def check_display(self, now: float) -> None:
        """A display reconnected in another mode: fill it again, fullscreen."""
        import pygame

        if not self.fullscreen or now - self.last_display_check < 3.0:
            return
        self.last_display_check = now
        try:
            sizes = pygame.display.get_desktop_sizes()
        except pygame.error:
            return
        index = min(self.settings.screen.display, len(sizes) - 1)
        wanted = self.options.size or self.settings.screen.size or sizes[index]
        if tuple(wanted) != self.size or pygame.display.get_surface() is None:
            log.warning("the display is now %dx%d (was %dx%d): filling it again",
                        *wanted, *self.size)
            self.screen = self.open_display()
            self.resize(self.screen.get_size())

    def resize(self, size: tuple[int, int]) -> None:
        """Everything that depends on the screen size, rebuilt; the show keeps its place."""
        import pygame

        from kiosk.playback.clips import Clips
        from kiosk.render.compositor import Compositor

        self.size = size
        self.canvas = (self.screen if _plain_32bit(self.screen)
                       else pygame.Surface(size, 0, 32))
        old = self.player.compositor
        self.player.compositor = Compositor(size, old.text, old.look, max_layers=4)
        self.player.clips.stop()  # its threads end; clips reopen at the new size
        self.player.clips = Clips(size, self.player.compositor,
                                  show_volume=self.settings.volume,
                                  default_language=self.settings.languages.default)
        self.cache.set_screen_size(size)
        self.visitor_view.stop()
        self.visitor_view = VisitorView(self.settings, size, self.player, self.staff_exit,
                                        self.ops.interaction)
        self.visitor_view.frame_s = 1.0 / self.refresh_hz()
        self.visitor_view.start()
        self.last_overlay = None

    def revive_workers(self, now: float) -> None:
        """A worker thread that died is replaced; the show never depends on luck."""
        if now - self.last_revive < 2.0:
            return
        self.last_revive = now
        self.cache.revive()
        self.live.revive()
        self.status.revive()

    def reopen_sound(self) -> None:
        """A sound device arrived while the kiosk had none: open it once no clip plays
        (a playing clip's sound is bound to the old mixer)."""
        import pygame

        from kiosk.media.audio import init_mixer

        if not self.sound_reopen or self.player.clips.playing():
            return
        self.sound_reopen = self.sound_lost = False
        pygame.mixer.quit()
        if init_mixer():
            log.info("sound device opened: clips play with sound again")

    def still_screen(self, now: float) -> None:
        """Closed, or safe mode: one calm frame, drawn once, presented about once a second.

        The second-by-second present touches one pixel: it proves the display path to
        the watchdog at almost no cost (a full-screen present under X costs ~15 ms).
        """
        import pygame

        if self.ops.safe_mode:
            card = fallback_card(f"The kiosk restarted {self.ops.restarts} times in a few "
                                 "minutes and now waits for an operator. See the log "
                                 "(journalctl -u kiosk) for the reason.")
            state = "safe_mode"
        else:
            closed = self.settings.closed
            card = fallback_card("") if closed.screen == "card" else None
            if card is not None:
                card = replace(card, title=Text({"": closed.message}))
            state = "closed"
        if self.still_drawn != state:
            self.still_drawn = state
            compositor = self.player.compositor
            compositor.invalidate()
            compositor.draw(self.canvas, compositor.layer(card, None) if card else None)
            if self.canvas is not self.screen:
                self.screen.blit(self.canvas, (0, 0))
            pygame.display.flip()
            self.ops.presented(self.canvas)
            self.last_still_present = now
        elif now - self.last_still_present >= 1.0:
            self.last_still_present = now
            pygame.display.update(pygame.Rect(0, 0, 1, 1))
            self.ops.presented(self.canvas)
        if now - self.last_status >= 1.0:
            self.publish(now, state)

    def opening_changed(self, is_open: bool, now: float) -> None:
        """Closing stops clips and sound; opening starts the show from the beginning."""
        timeline = self.player.timeline
        self.player.clips.close_all()
        if is_open:
            self.still_drawn = None
            self.visitor_view.apply(self.visitor_view.visitor.back_to_loop(), now)
            timeline.jump(0, 0, now)
            self.player.compositor.invalidate()
        else:
            self.ops.item_left(now)
            self.shown_step = None

    def _terminate(self, signum: int, _frame: object) -> None:
        log.info("stopping on %s", signal.Signals(signum).name)
        self.running = False

    def staff_exit(self) -> None:
        log.info("closed by staff PIN")
        self.running = False
        self.exit_code = 0

    def draw_card(self, card: Any) -> list[Any]:
        """A full-screen card (or the bare background) outside the timeline."""
        compositor = self.player.compositor
        layer = compositor.layer(card, None) if card is not None else None
        return compositor.draw(self.canvas, layer)

    # -- live edits --------------------------------------------------------------------
    def reload(self, reloaded: Any, now: float) -> None:
        """Files changed on disk and were re-read on the live-reload thread: swap in what
        is good (the last good version of the rest stays)."""
        if reloaded.settings is not None:
            self.reload_settings(reloaded.settings)
        result = reloaded.result
        self.last_reload = reloaded.at
        known = set(self.show_problems)
        log_problems([p for p in result.problems if p not in known])  # only what is new
        self.show_problems = result.problems
        if result.changed_media:
            self.cache.discard(str(p) for p in result.changed_media)
        if not result.show_changed and not result.changed_media:
            return
        timeline = self.player.timeline
        old_show, frame = timeline.show, self.frame
        on_screen = frame.current if frame is not None else None
        changed_here = on_screen is not None and frame.current_pos is not None and (
            current_item_changed(old_show, result.show,
                                 old_show.playable[frame.current_pos[0]].file, on_screen.key)
            or (getattr(on_screen, "path", None) in result.changed_media))
        self.show = result.show
        timeline.replace_show(active_show(result.show, self.ops.today), now)
        self.player.compositor.forget()  # captions and photos are drawn again from the new show
        self.player.skipped.clear()
        self.cache.forget_failures()
        self.player.clips.forget_failures()
        self.show_loaded_at = time.time()
        log.info("show reloaded: %d exhibits (%s)%s", len(result.show.exhibits),
                 ", ".join(p.name for p in result.changed_exhibits) or "media changed",
                 "; the item on screen changed" if changed_here else "")

    def reload_settings(self, result: Any) -> None:
        """Settings that can change live take effect; the display ones need a restart."""
        new = result.settings
        if new.screen != self.settings.screen:
            log.warning("screen settings changed in %s: they take effect after a restart",
                        self.paths.config)
        self.settings = replace(new, screen=self.settings.screen)
        self.settings_result = result

    # -- input -------------------------------------------------------------------------
    def keyboard_exit_allowed(self) -> bool:
        rule = self.settings.staff.keyboard_exit
        return rule == "always" or (rule == "windowed" and not self.fullscreen)

    def handle(self, event: Any, now: float) -> None:
        import pygame

        timeline = self.player.timeline
        if event.type == pygame.QUIT:
            if self.keyboard_exit_allowed():
                self.running = False
            else:
                log.info("close request ignored: the show runs fullscreen")
        elif event.type == pygame.AUDIODEVICEREMOVED and not getattr(event, "iscapture", 0):
            log.warning("a sound device went away: clips play silently until it is back")
            self.sound_lost = True
        elif event.type == pygame.AUDIODEVICEADDED and not getattr(event, "iscapture", 0):
            self.sound_reopen = self.sound_lost or not pygame.mixer.get_init()
        elif event.type == pygame.KEYDOWN:
            if event.key == pygame.K_ESCAPE and self.keyboard_exit_allowed():
                log.info("closed by Esc")
                self.running = False
            elif event.key == pygame.K_RIGHT:
                timeline.next(now - self.visitor_view.frame_s)
            elif event.key == pygame.K_LEFT:
                timeline.previous(now - self.visitor_view.frame_s)
            elif event.key == pygame.K_SPACE:
                (timeline.resume if timeline.paused else timeline.pause)(now)

    # -- status ------------------------------------------------------------------------
    def snapshot(self, now: float, state: str | None = None) -> dict[str, Any]:
        frame = self.frame
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
        stats = self.stats
        visitor = self.visitor_view.status() if hasattr(self, "visitor_view") else {}
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
            "clip_frames": self.player.clips.frame_summary(),
            "skipped": [{"path": p, "reason": r} for p, r in self.player.skipped.items()],
            "errors": [str(p) for p in (*self.settings_result.problems, *self.show_problems)
                       if p.is_error],
            "show_errors": [str(p) for p in self.show_problems if p.is_error],
            # Milliseconds: an operator (and the reload benchmark) can time a live edit.
            "last_reload": iso(self.last_reload, "milliseconds") if self.last_reload else None,
            "show_loaded_at": iso(self.show_loaded_at, "milliseconds"),
            "mode": visitor.get("mode", "attract"),
            "language": visitor.get("language", language),
            "touches": visitor.get("touches", 0),
            "rss_bytes": rss_bytes(),
            "threads": threading.active_count(),
            **self.ops.status(),
            "started_at": iso(self.started_wall),
            "updated_at": iso(self.started_wall + (now - self.started)),
        }


def _plain_32bit(surface: Any) -> bool:
    return surface.get_bitsize() == 32 and surface.get_masks()[:3] == (0xFF0000, 0xFF00, 0xFF)


def run_command(paths: Any, *, windowed: bool, size: tuple[int, int] | None,
                run_for_s: float | None, status_file: Path | None) -> int:
    from kiosk.operations.logs import setup_logging

    setup_logging()
    app = App(paths, RunOptions(windowed, size, run_for_s, status_file))
    setup_logging(app.settings.log_level, app.settings.log_file)
    try:
        code = app.run()
    except NoDisplay as exc:
        print(f"run_kiosk.py: no display to show the kiosk on ({exc}); "
              "use `run_kiosk.py render --at SECONDS --out frame.png` to see a frame "
              "without a screen", file=sys.stderr)
        return 1
    if not app.workers_stopped:
        # A decode stuck on a dead network file would keep the process alive; the
        # supervisor must see it end.
        logging.shutdown()
        os._exit(code)
    return code
