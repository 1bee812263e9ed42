"""Drive a running kiosk reading a tall clipping with real X pointer events.

    DISPLAY=:79 python tools/checks/xvfb_motion.py STATUS_FILE OUT_DIR SHOW_DIR

Run by xvfb_motion.sh (Xvfb, the kiosk fullscreen on a show of one 2000x6000 clipping,
idle time 5 s). With ``xdotool``: the clipping scrolls by itself; a click in the middle
(interactive, the controls), the pause button stops the scroll, the zoom-in button
zooms; left alone, the reset warning counts down; a click on "keep looking" keeps the
screen. A screenshot after each step; exits 1 with the reasons when a check fails.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import pygame
from xvfb_touch import SIZE, Check, diff, xdotool  # the touch check's helpers

from kiosk.live.startup import load_for_playing
from kiosk.render.overlay import Overlay
from kiosk.render.text import TextRenderer
from kiosk.visitor.layout import controls_layout, countdown_layout, zoom_layout


def click(x: float, y: float) -> None:
    xdotool("mousemove", str(round(x)), str(round(y)), "click", "1")


def main() -> int:
    status_file, out, show = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    check = Check(status_file, out)
    w, h = SIZE
    loaded = load_for_playing(show / "exhibits", show / "assets", show / "config/kiosk.yaml")
    settings = loaded.settings.settings
    diagonal = settings.screen.diagonal_in
    pygame.font.init()
    overlay = Overlay(SIZE, TextRenderer(settings.fonts.text, settings.fonts.heading))
    steps = len(loaded.reloader.show.playable[0].steps)
    bar = {e.id: e for e in controls_layout(SIZE, diagonal, list(settings.languages.offered),
                                            steps, measure=overlay.measure,
                                            drawable=overlay.drawable)}

    check.wait_for("the show plays", lambda s: s.get("state") == "playing"
                   and s.get("frames", 0) > 10)
    time.sleep(6.0)  # past the dwell at the start: the clipping is scrolling
    a = check.shot("scrolling")
    time.sleep(1.5)
    b = check.shot("scrolling-later")
    check.expect(diff(a, b) > 2, f"the clipping scrolls by itself (mean diff {diff(a, b):.1f})")

    click(w / 2, h / 3)  # interactive; the controls show
    time.sleep(0.6)
    pause = bar["pause"].rect
    click(*pause.center)
    check.wait_for("paused by the pause button", lambda s: s.get("state") == "paused", 5)
    time.sleep(0.5)
    p1 = check.shot("paused")
    time.sleep(1.5)
    p2 = check.shot("paused-later")
    check.expect(diff(p1, p2) < 0.5, f"the pause stops the scroll (mean diff {diff(p1, p2):.2f})")

    click(*pause.center)  # play again
    time.sleep(0.4)
    zoom_in = next(e for e in zoom_layout(SIZE, diagonal, False) if e.id == "zoom:in").rect
    click(*zoom_in.center)
    time.sleep(1.0)
    z = check.shot("zoomed-by-button")
    check.expect(diff(p2, z) > 5, f"the + button zoomed in (mean diff {diff(p2, z):.1f})")

    idle = settings.idle_timeout_s
    print(f"left alone for {idle:g} s: the reset warning")
    s = check.wait_for("the reset countdown shows", lambda s: s.get("reset_in_s") is not None,
                       idle + 5)
    warn = check.shot("countdown")
    check.expect(s.get("mode") == "interactive", "still the visitor's screen while it warns")
    check.expect((s.get("reset_in_s") or 0) > 15, f"at least 15 s left once seen "
                 f"({s.get('reset_in_s')})")
    keep = next(e for e in countdown_layout(SIZE, diagonal) if e.id == "countdown:keep").rect
    click(*keep.center)
    s = check.wait_for("keep looking hides the countdown",
                       lambda s: s.get("reset_in_s") is None, 3)
    kept = check.shot("kept-looking")
    check.expect(diff(warn, kept) > 1, "the warning is gone from the screen")
    check.expect(s.get("mode") == "interactive", "keep looking kept the visitor's screen")
    print(f"screenshots in {out}")
    if check.problems:
        print("FAILED:", "; ".join(check.problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
