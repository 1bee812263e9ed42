"""Every setting docs/operating.md calls live changes the running kiosk, without a restart.

Guards against settings that were re-read but never reached the part that holds them:
the visitor controller kept its languages, idle time and PIN, the clips their volume,
opening hours their schedule, the captions their fonts, logging its level and file.

Each test edits config/kiosk.yaml under a running App (real display on SDL's dummy
driver, a fake clock) and hands the change to the loop exactly as the reload thread does.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import numpy as np
import pygame
import pytest

from kiosk.app import App, RunOptions
from kiosk.live.watcher import Changes
from kiosk.playback.clock import FakeClock
from kiosk.show.paths import ShowPaths
from tests.conftest import ShowDir

SIZE = (480, 270)
CAPTIONED = ("title: A\ndefaults: {duration: 1h, transition: cut}\nitems:\n"
             "  - photo: photos/p0.jpg\n    title: {en: Harbour at dawn, de: Hafen im Morgengrauen"
             "}\n    caption: {en: Boats leave, de: Boote fahren aus}\n")


@pytest.fixture
def running(show_dir: ShowDir) -> Iterator[App]:
    show_dir.manifest("a.yaml", CAPTIONED)
    show_dir.settings("languages: {offered: [en, de], default: en}\n")
    app = App(ShowPaths(show_dir.exhibits, show_dir.assets, show_dir.config),
              RunOptions(windowed=True, size=SIZE), clock=FakeClock(100.0))
    app.setup()
    try:
        settle(app)
        yield app
    finally:
        app.teardown()


def settle(app: App, frames: int = 400) -> None:
    """Frames until the item on screen is fully drawn (its photo decoded on a thread)."""
    import threading

    for _ in range(frames):
        app.clock.advance(1 / 60)  # type: ignore[attr-defined]
        app.frame_once(app.clock.now())
        frame = app.frame
        if (frame is not None and frame.current is not None and frame.transition is None
                and app.parts.player.compositor.has_layer(frame.current)):
            app.clock.advance(1 / 60)  # type: ignore[attr-defined]
            app.frame_once(app.clock.now())
            return
        threading.Event().wait(0.005)
    raise AssertionError("the show never settled")


def edit_settings(app: App, show_dir: ShowDir, text: str, *, wait: bool = True) -> None:
    """Save the settings file; the reload thread's own code re-reads it, the loop takes it."""
    show_dir.settings(text)
    reloaded = app.parts.live.apply(Changes(modified=frozenset({show_dir.config})))
    app.parts.take_reload(reloaded, app.frame, app.clock.now())
    if wait:
        settle(app)


def picture(app: App) -> np.ndarray:
    return pygame.surfarray.array3d(app.parts.display.canvas).copy()


def test_default_language_changes_the_caption_on_screen(running: App, show_dir: ShowDir):
    before = picture(running)
    edit_settings(running, show_dir, "languages: {offered: [en, de], default: de}\n")
    after = picture(running)
    assert running.snapshot(running.clock.now())["language"] == "de"
    assert not np.array_equal(before, after), "the label was not drawn in the new language"


def test_offered_languages_reach_the_visitor_controls(running: App, show_dir: ShowDir):
    controller = running.parts.visitor
    chips = lambda: {e.id for e in controller._controls(running.frame)  # noqa: E731
                     if e.id.startswith("lang")}
    edit_settings(running, show_dir, "languages: {offered: [en, de, fr], default: en}\n")
    assert any("fr" in chip for chip in chips()), chips()
    assert tuple(controller.visitor.languages) == ("en", "de", "fr")


def test_idle_time_returns_to_the_loop_sooner(running: App, show_dir: ShowDir):
    from kiosk.visitor.rules import Context

    edit_settings(running, show_dir,
                  "languages: {offered: [en, de], default: en}\nidle_timeout: 5s\n")
    controller = running.parts.visitor
    now = running.clock.now()
    controller.visitor.handle(_tap(0.5, 0.5, now), Context(now=now, size=SIZE))
    assert controller.visitor.mode == "interactive"
    running.clock.advance(6.0)  # type: ignore[attr-defined]
    running.frame_once(running.clock.now())
    assert controller.visitor.countdown(running.clock.now()) is not None, (
        "the old 60 s idle time still applied")
    running.clock.advance(20.0)  # type: ignore[attr-defined]
    running.frame_once(running.clock.now())
    assert controller.visitor.mode == "attract", "no reset after the warning"


def test_the_reset_warning_lasts_as_long_as_the_settings_say(running: App, show_dir: ShowDir):
    """Guards a reset_warning read only at start: the countdown kept its old length."""
    from kiosk.visitor.rules import Context

    edit_settings(running, show_dir, "languages: {offered: [en, de], default: en}\n"
                  "idle_timeout: 5s\nreset_warning: 45s\n")
    controller = running.parts.visitor
    now = running.clock.now()
    controller.visitor.handle(_tap(0.5, 0.5, now), Context(now=now, size=SIZE))
    running.clock.advance(5.0 + 30.0)  # type: ignore[attr-defined]
    running.frame_once(running.clock.now())
    assert controller.visitor.mode == "interactive", "the old 20 s warning still applied"
    assert controller.status(running.clock.now())["reset_in_s"] == pytest.approx(15.0, abs=0.1)
    running.clock.advance(15.05)  # type: ignore[attr-defined]
    running.frame_once(running.clock.now())
    assert controller.visitor.mode == "attract"


def test_controls_stay_up_as_long_as_the_settings_say(running: App, show_dir: ShowDir):
    from kiosk.visitor.rules import Context

    edit_settings(running, show_dir,
                  "languages: {offered: [en, de], default: en}\ncontrols_visible: 20s\n")
    visitor = running.parts.visitor.visitor
    now = running.clock.now()
    visitor.handle(_tap(0.5, 0.5, now), Context(now=now, size=SIZE))  # a tap in the middle
    assert visitor.controls_visible(now + 10.0), "the controls hid after the old 6 s"
    assert not visitor.controls_visible(now + 20.5)


def test_a_pin_set_while_running_enables_the_staff_exit(running: App, show_dir: ShowDir):
    from kiosk.visitor.staff_pin import hash_pin

    controller = running.parts.visitor
    assert not _staff_exit_on(controller)
    stored = hash_pin("4711", iterations=1000)
    edit_settings(running, show_dir, "languages: {offered: [en, de], default: en}\n"
                                     f"staff: {{pin_hash: '{stored}'}}\n")
    assert _staff_exit_on(controller)


def test_volume_reaches_the_clips(running: App, show_dir: ShowDir):
    clips = running.parts.player.clips
    assert clips.show_volume == 1.0
    edit_settings(running, show_dir, "languages: {offered: [en, de], default: en}\nvolume: 0.25\n")
    assert clips.show_volume == 0.25


def test_the_video_decoder_reaches_the_clips(running: App, show_dir: ShowDir):
    """Guards a `video.decoder` read once: the next clip opened uses the new setting."""
    clips = running.parts.player.clips
    assert clips.hardware.setting == "auto"
    edit_settings(running, show_dir, "languages: {offered: [en, de], default: en}\n"
                  "video: {decoder: software}\n")
    assert clips.hardware.setting == "software"


def test_a_closed_date_added_today_closes_the_show(running: App, show_dir: ShowDir):
    assert running.snapshot(running.clock.now())["state"] == "playing"
    edit_settings(running, show_dir, "languages: {offered: [en, de], default: en}\n"
                                     f"closed_dates: [{date.today().isoformat()}]\n"
                                     "closed: {screen: black}\n", wait=False)
    running.clock.advance(1.5)  # type: ignore[attr-defined]
    running.frame_once(running.clock.now())
    assert running.parts.ops.is_open is False
    assert running.snapshot(running.clock.now(), "closed")["state"] == "closed"
    assert picture(running).max() == 0, "the closed screen is black"


def test_caption_fonts_change_the_label(running: App, show_dir: ShowDir):
    before = picture(running)
    edit_settings(running, show_dir, "languages: {offered: [en, de], default: en}\n"
                                     "fonts: {text: [fonts/DejaVuSans.ttf], "
                                     "heading: [fonts/DejaVuSans-Bold.ttf]}\n")
    fonts = running.parts.player.text.font_paths("text")
    assert Path(fonts[0]).name == "DejaVuSans.ttf"
    assert not np.array_equal(before, picture(running)), "the label kept its old font"


def test_log_level_and_file_follow_the_settings(running: App, show_dir: ShowDir,
                                                tmp_path: Path):
    root = logging.getLogger()
    saved = list(root.handlers), root.level
    log_file = tmp_path / "logs" / "kiosk.log"
    try:
        edit_settings(running, show_dir, "languages: {offered: [en, de], default: en}\n"
                                         f"log_file: {log_file}\nlog_level: debug\n")
        logging.getLogger("kiosk.test").debug("a debug line after the change")
        for handler in root.handlers:
            handler.flush()
        text = log_file.read_text()
        assert "a debug line after the change" in text
    finally:
        for handler in list(root.handlers):
            root.removeHandler(handler)
            handler.close()
        for handler in saved[0]:
            root.addHandler(handler)
        root.setLevel(saved[1])


def test_screen_settings_wait_for_a_restart(running: App, show_dir: ShowDir, caplog):
    caplog.set_level(logging.WARNING)
    edit_settings(running, show_dir, "languages: {offered: [en, de], default: en}\n"
                                     "screen: {background: '#ffffff'}\n")
    assert "`screen` changed" in caplog.text and "after a restart" in caplog.text
    assert running.settings.screen.background == (0, 0, 0)


def _tap(x: float, y: float, t: float):
    from kiosk.visitor import gestures as g

    return g.Tap(x, y, t)


def _staff_exit_on(controller) -> bool:
    visitor = controller.visitor
    return bool(visitor.staff_exit)
