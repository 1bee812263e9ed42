"""What keeps an unattended kiosk accountable: systemd's watchdog and restart count, proof
of play, the optional HTTP status endpoint, and opening hours with the display asleep.

The loop calls in at a few points (a frame presented, an item on screen, a touch, once
a second for the clock); everything slow here runs on threads of its own.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from kiosk.operations.hours import OpeningState, schedule_from
from kiosk.operations.proof_of_play import PlayLog, default_db_path
from kiosk.operations.status import item_name
from kiosk.operations.supervise import RestartLog, Watchdog
from kiosk.show.model import Text
from kiosk.show.settings import Settings

log = logging.getLogger("kiosk.operations.service")

CHECK_HOURS_EVERY_S = 1.0


def set_display_asleep(asleep: bool) -> None:
    """DPMS through `xset`, where there is an X display and the program; off the loop."""
    if shutil.which("xset") is None:
        return
    args = ["xset", "dpms", "force", "off"] if asleep else ["xset", "dpms", "force", "on"]

    def run() -> None:
        try:
            subprocess.run(args, timeout=10, capture_output=True, check=False)
            if not asleep:
                subprocess.run(["xset", "s", "reset"], timeout=10, capture_output=True,
                               check=False)
        except (OSError, subprocess.SubprocessError) as exc:
            log.info("could not switch the display %s: %s", "off" if asleep else "on", exc)

    threading.Thread(target=run, name="dpms", daemon=True).start()


class Operations:
    def __init__(self, settings: Settings,
                 wall: Callable[[], datetime] = datetime.now,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.settings = settings
        self.wall = wall
        self.monotonic = monotonic
        self.restart_log = RestartLog()
        now_wall = time.time()
        self.restart_log.record_start(now_wall)
        self.safe_mode = self.restart_log.should_enter_safe_mode(now_wall)
        self.restarts = self.restart_log.restarts(now_wall)
        self.watchdog = Watchdog()
        self.playlog = PlayLog(default_db_path(), retention_days=settings.play_log_days)
        self.grabber: Any = None  # FrameGrabber, when the HTTP endpoint is on
        self.http: Any = None  # StatusServer
        self.latest_status: dict[str, Any] | None = None
        self.opening = OpeningState(schedule_from(settings.opening_hours,
                                                  settings.closed_dates))
        self.is_open = True
        self._hours_checked = -1e9
        self._day = wall().date()
        self._shown: tuple[object, str, float, float] | None = None  # step, exhibit, t0, wall

    # -- lifecycle ---------------------------------------------------------------------
    def start(self) -> None:
        if self.safe_mode:
            log.error("safe mode: the kiosk restarted %d times in 10 minutes; showing the "
                      "fallback card until an operator restarts it", self.restarts)
        self.playlog.start()
        http = self.settings.http
        if http.port:
            # Imported only when switched on: http.server costs start-up time.
            from kiosk.operations.status_endpoint import (
                FrameGrabber,
                StatusServer,
                StatusServerError,
            )

            self.grabber = FrameGrabber()
            try:
                self.http = StatusServer(host=http.host, port=http.port,
                                         token=http.token or None,
                                         get_status=lambda: self.latest_status,
                                         get_screenshot_png=self.grabber.png)
                self.http.start()  # logs where it listens
            except (StatusServerError, OSError) as exc:
                log.error("status endpoint not started: %s", exc)
                self.http = None

    def stop(self, exit_code: int) -> None:
        self.watchdog.stopping()
        self.item_left()
        self.playlog.stop()
        if self.http is not None:
            self.http.stop()
        if exit_code == 0:
            self.restart_log.clean_exit()

    def apply_settings(self, settings: Settings) -> None:
        """Opening hours, closed dates and the closed screen from a re-read settings file:
        the next look at the clock (within a second) acts on them."""
        old = self.settings
        if (settings.opening_hours, settings.closed_dates) != (old.opening_hours,
                                                               old.closed_dates):
            self.opening = OpeningState(schedule_from(settings.opening_hours,
                                                      settings.closed_dates))
            self._hours_checked = -1e9
        if settings.http != old.http:
            log.warning("status endpoint settings changed: they take effect after a restart")
        self.playlog.retention_days = settings.play_log_days
        self.settings = settings

    # -- the loop's calls -------------------------------------------------------------
    def presented(self, canvas: Any) -> None:
        """A frame really reached the screen."""
        self.watchdog.presented()
        if self.grabber is not None and self.grabber.wanted():
            import pygame

            self.grabber.offer(pygame.image.tobytes(canvas, "RGB"), canvas.get_size())

    def present_due(self) -> bool:
        """The watchdog wants proof of life although nothing on screen changed."""
        return self.watchdog.present_due() or (self.grabber is not None
                                                and self.grabber.wanted())

    def publish(self, snapshot: dict[str, Any]) -> None:
        self.latest_status = snapshot
        exhibit = snapshot.get("exhibit") or ""
        self.watchdog.status(f"{snapshot.get('state')}: {exhibit}".strip(": "))

    def item_shown(self, step: object, exhibit: str, mode: str, now: float) -> None:
        """Proof of play: one row per item, written when it leaves the screen."""
        self.item_left(now)
        if step is not None:
            self._shown = (step, exhibit, now, time.time())
            self._mode = mode

    def item_left(self, now: float | None = None) -> None:
        if self._shown is None:
            return
        step, exhibit, t0, wall0 = self._shown
        now = self.monotonic() if now is None else now
        name = item_name(step, self.settings.languages.default) or "?"
        self.playlog.item_shown(exhibit, name, wall0, max(now - t0, 0.0),
                                getattr(self, "_mode", "attract"))
        self._shown = None

    def interaction(self, exhibit: str, kind: str) -> None:
        self.playlog.interaction(exhibit or "-", kind)

    def check_hours(self, now: float) -> tuple[bool, bool, date | None]:
        """(open now, changed since the last check, the new day when the date changed)."""
        if now - self._hours_checked < CHECK_HOURS_EVERY_S:
            return self.is_open, False, None
        self._hours_checked = now
        wall = self.wall()
        update = self.opening.observe(wall, self.monotonic())
        changed = update.changed and update.is_open != self.is_open
        self.is_open = update.is_open
        if changed and self.settings.closed.screen == "sleep":
            set_display_asleep(not self.is_open)
        new_day = None
        if wall.date() != self._day:
            self._day = new_day = wall.date()
        return self.is_open, changed, new_day

    def still_screen(self) -> tuple[str, Any]:
        """While closed or in safe mode: the state and the card to show (None: black)."""
        from kiosk.playback.player import fallback_card

        if self.safe_mode:
            return "safe_mode", fallback_card(
                f"The kiosk restarted {self.restarts} times in a few minutes and now waits "
                "for an operator. See the log (journalctl -u kiosk) for the reason.")
        closed = self.settings.closed
        if closed.screen != "card":
            return "closed", None
        return "closed", replace(fallback_card(""), title=Text({"": closed.message}))

    @property
    def today(self) -> date:
        return self._day

    def status(self) -> dict[str, Any]:
        return {"restarts": self.restarts, "safe_mode": self.safe_mode,
                "open": self.is_open, "play_log": self.playlog.stats()}
