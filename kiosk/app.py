"""The kiosk's loop: events in, one frame out, paced to the display. Nothing else.

Each frame: events go to the visitor's controller and the sound device; finished reloads
and the clock's opening hours are applied; the player says what is on screen and draws
it; the visitor's overlays go on top; at the frame's deadline (it is drawn a little
before it), the display presents the changed areas. What each
part does, and how the parts are built, is in `kiosk/parts.py`. Decoding, re-reading
files, writing the status: all on the parts' own threads, never here.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.operations import signals
from kiosk.parts import Parts, RunOptions
from kiosk.playback.clock import Clock, MonotonicClock
from kiosk.playback.pacing import Pacer, draw_lead_s
from kiosk.playback.player import fallback_card
from kiosk.render.display import NoDisplay
from kiosk.render.fonts import FontError

if TYPE_CHECKING:
    from kiosk.show.paths import ShowPaths

log = logging.getLogger("kiosk")

RETRY_EMPTY_S = 10.0  # with nothing playable, try failed files again this often
MAX_FAILED_FRAMES = 300  # about five seconds of frames that all fail: give up, get restarted
STATUS_EVERY_S = 0.5
REVIVE_EVERY_S = 2.0
STILL_PROOF_EVERY_S = 1.0  # closed: prove the display path to the watchdog this often
NOTHING_TO_PLAY = "Nothing in the exhibits folder can be played right now."

__all__ = ["App", "NoDisplay", "RunOptions", "run_command"]


class App:
    def __init__(self, paths: ShowPaths, options: RunOptions, clock: Clock | None = None) -> None:
        self.options = options
        self.clock = clock or MonotonicClock()
        self.parts = Parts(paths, options, self.clock, on_exit=self.staff_exit)
        self.started = self.parts.started
        self.running = True
        self.exit_code = 0
        self.workers_stopped = True
        self.frame: Any = None
        self.first_frame_s: float | None = None
        self.shown_step: object = None
        self.still_drawn: str | None = None  # which still screen is on the canvas
        self.last_still_present = -1e9
        self.last_status = -1e9
        self.last_revive = -1e9
        self.last_retry = self.started
        self.frame_started = self.started  # when the frame being drawn started (clock time)
        self.drawn: list[Any] | None = None  # the show frame's changed areas, to present
        self.work_s = 0.0  # how long drawing it took

    @property
    def settings(self) -> Any:
        return self.parts.settings

    # -- the loop ----------------------------------------------------------------------
    def run(self) -> int:
        self.setup()
        hz = 1.0 / self.parts.stats.interval_s
        pacer = Pacer(self.clock.now, self.clock.sleep)
        at = self.clock.now()  # the frame's time: its deadline on the pacer's grid
        failures = 0
        try:
            while self.running:
                try:
                    self.draw_frame(at)
                    pacer.until(at)
                    self.present_frame(at)
                    failures = 0
                except Exception:
                    # A fault in one frame must not end the show; a loop that fails
                    # frame after frame is not a show: exit so the supervisor restarts it.
                    failures += 1
                    log.exception("a frame failed (%d in a row)", failures)
                    if failures >= MAX_FAILED_FRAMES:
                        self.exit_code = 1
                        self.running = False
                ops = self.parts.ops
                rate = hz if ops.is_open and not ops.safe_mode else 2
                at = pacer.wait(rate, draw_lead_s(rate))
        finally:
            self.teardown()
        return self.exit_code

    def setup(self) -> None:
        """Install the signal handlers, open the display, start every thread."""
        signals.install(self.stop, self.reload_everything, self.stop_unexpected)
        self.parts.open()

    def teardown(self) -> None:
        """Stop and join every thread; the last status says `closed`."""
        self.workers_stopped = self.parts.close(self.exit_code, self.clock.now(), self.frame)

    def frame_once(self, now: float) -> None:
        """One frame for the time ``now``, drawn and presented at once."""
        self.draw_frame(now)
        self.present_frame(now)

    def draw_frame(self, now: float) -> None:
        """Draw the frame for the time ``now`` (its deadline in the loop, a little ahead):
        events, reloads and opening hours first; the show's frame waits for
        ``present_frame`` (a still screen goes up at once)."""
        import pygame

        self.frame_started = self.clock.now()  # the work is counted from here
        self.drawn = None

        if self.options.run_for_s is not None and now - self.started >= self.options.run_for_s:
            self.running = False  # this frame is still drawn; the loop ends after it
        parts = self.parts
        for event in pygame.event.get():
            self.process_event(event, now)
        if now - self.last_revive >= REVIVE_EVERY_S:
            self.last_revive = now
            parts.revive()
        if parts.display.check(now):
            parts.resize()
        parts.sound.update(parts.player.clips_playing())
        for reloaded in parts.live.take():
            parts.take_reload(reloaded, self.frame, now)
        is_open, opening_changed, new_day = parts.ops.check_hours(now)
        if new_day is not None:
            parts.new_day(new_day, now)
        if opening_changed:
            self.opening_changed(is_open, now)
        if parts.ops.safe_mode or not is_open:
            self.still_screen(now)
            return
        self.show_frame(now)

    def process_event(self, event: Any, now: float) -> None:
        import pygame

        parts = self.parts
        if parts.visitor.process_event(event, now, self.frame) or parts.sound.process_event(
                event):
            return
        if event.type == pygame.QUIT:
            if parts.visitor.keyboard_exit_allowed():
                self.running = False
            else:
                log.info("close request ignored: the show runs fullscreen")

    def show_frame(self, now: float) -> None:
        parts = self.parts
        parts.cache.poll()
        player, visitor, canvas = parts.player, parts.visitor, parts.display.canvas
        frame = self.frame = player.update(now)
        visitor.update(now, frame)
        if frame.no_content:
            rects = player.draw_card(canvas, fallback_card(NOTHING_TO_PLAY))
            if now - self.last_retry > RETRY_EMPTY_S:
                self.last_retry = now
                player.retry_failed()
        elif frame.current is None:
            rects = player.draw_card(canvas, None)
        elif visitor.replaces_frame(frame):
            rects = []  # the zoomed view replaces the frame; drawn when it changes
        else:
            rects = player.draw(canvas, frame)
        self.drawn = visitor.draw(canvas, frame, now, rects)
        self.work_s = self.clock.now() - self.frame_started

    def present_frame(self, now: float) -> None:
        """Present the show's frame drawn for ``now`` (at its deadline, in the loop), then
        what follows a present: counts, the status, the next layer asked for."""
        rects, self.drawn = self.drawn, None
        if rects is None:
            return  # a still screen, or no frame of the show drawn
        parts, frame = self.parts, self.frame
        player, visitor, canvas = parts.player, parts.visitor, parts.display.canvas
        if rects:
            parts.display.present(rects)
            parts.stats.presented(self.clock.now(), player.animating(frame), self.work_s)
            parts.ops.presented(canvas)
        else:
            parts.stats.unchanged(self.clock.now(), player.animating(frame))
            if parts.ops.present_due():
                parts.display.present_unchanged()  # proof that the display path works
                parts.ops.presented(canvas)
        if frame.current is not self.shown_step:
            self.shown_step = frame.current
            parts.ops.item_shown(frame.current, frame.exhibit_name, visitor.mode, now)
        # The next layer asked for ahead, outside transitions, when this frame has time
        # left, or at once when the show is held waiting for it. The layer and label
        # threads draw it (12-33 ms at 1080p); not during a crossfade, whose frames need
        # both cores on a small machine.
        held = frame.waiting or frame.finished or frame.pending_target is not None
        if held or (frame.transition is None
                    and self.clock.now() - now < parts.stats.interval_s * 0.5):
            player.prepare()
        first_picture = frame.current is not None and self.first_frame_s is None
        if first_picture:
            self.first_frame_s = self.clock.now() - self.started
            log.info("first picture on screen %.2f s after start", self.first_frame_s)
        if first_picture or now - self.last_status >= STATUS_EVERY_S:
            self.publish(now)

    def still_screen(self, now: float) -> None:
        """Closed, or safe mode: one calm frame, drawn once, presented about once a second
        with a one-pixel update that proves the display path to the watchdog."""
        parts = self.parts
        state, card = parts.ops.still_screen()
        if self.still_drawn != state:
            self.still_drawn = state
            parts.player.repaint()
            parts.display.present(parts.player.draw_card(parts.display.canvas, card)
                                  or [parts.display.canvas.get_rect()])
            parts.ops.presented(parts.display.canvas)
            self.last_still_present = now
        elif now - self.last_still_present >= STILL_PROOF_EVERY_S:
            self.last_still_present = now
            parts.display.present_pixel()
            parts.ops.presented(parts.display.canvas)
        if now - self.last_status >= 1.0:
            self.publish(now, state)

    def opening_changed(self, is_open: bool, now: float) -> None:
        """Closing stops clips and sound; opening starts the show from the beginning."""
        parts = self.parts
        parts.player.stop_clips()
        if is_open:
            self.still_drawn = None
            parts.visitor.back_to_loop(now)
            parts.player.restart(now)
        else:
            parts.ops.item_left(now)
            self.shown_step = None

    def publish(self, now: float, state: str | None = None) -> None:
        self.last_status = now
        snapshot = self.snapshot(now, state)
        self.parts.status_writer.publish(snapshot)
        self.parts.ops.publish(snapshot)

    def snapshot(self, now: float, state: str | None = None) -> dict[str, Any]:
        return self.parts.status(now, self.frame, state)

    def reload_everything(self) -> None:
        log.info("SIGHUP: reading the settings and every exhibit again")
        self.parts.live.reload_now()

    # -- ways out ----------------------------------------------------------------------
    def stop(self, signal_name: str) -> None:
        log.info("stopping on %s", signal_name)
        self.running = False

    def stop_unexpected(self, signal_name: str) -> None:
        log.error("stopping on %s, a signal the kiosk does not expect; exit code 1 lets "
                  "the supervisor start it again", signal_name)
        self.exit_code = 1
        self.running = False

    def staff_exit(self, how: str = "staff PIN") -> None:
        log.info("closed by %s", how)
        self.running = False
        self.exit_code = 0


def run_command(paths: ShowPaths, *, windowed: bool, size: tuple[int, int] | None,
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
    except FontError as exc:  # the kiosk's own fonts gone too: nothing to draw text with
        print(f"run_kiosk.py: cannot start: {exc} (copy the kiosk's assets/fonts/ folder "
              "back beside run_kiosk.py, or name installed fonts under `fonts:` in the "
              "settings file)", file=sys.stderr)
        return 1
    if not app.workers_stopped:
        # A decode stuck on a dead network file would keep the process alive; the
        # supervisor must see it end.
        logging.shutdown()
        os._exit(code)
    return code
