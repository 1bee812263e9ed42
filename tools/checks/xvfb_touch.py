"""Drive a running fullscreen kiosk with real X pointer events and check what it did.

    DISPLAY=:78 python tools/checks/xvfb_touch.py STATUS_FILE OUT_DIR

Run by xvfb_touch.sh (which starts Xvfb and the kiosk on the demo show). With
``xdotool``: a click in the right edge zone (next), a drag to the left (a swipe: next),
a click in the middle (the controls), then a click on a language chip. The chip's place
comes from ``kiosk.visitor.layout.controls_layout`` for this screen, with the demo's languages
from config/kiosk.yaml and the kiosk's own fonts, as the overlay lays it out. After each
action: a screenshot (tools/checks/screenshot.py) and the status file. Last, once the
controls have hidden again, the screen is compared with the kiosk's own frame (from its
HTTP endpoint, port KIOSK_CHECK_PORT): only changed areas are presented, so an area the
kiosk forgot to present would stay stale on the glass. Exits 1 with the reasons when an
assertion fails.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

import numpy as np
import pygame

from kiosk.live.startup import load_for_playing
from kiosk.render.overlay import Overlay
from kiosk.render.text import TextRenderer
from kiosk.show.model import Video
from kiosk.visitor.layout import Rect, controls_layout, edge_zones, union
from kiosk.visitor.rules import CONTROLS_VISIBLE_S

ROOT = Path(__file__).resolve().parents[2]
SIZE = (1920, 1080)
SETTLE_S = 1.8  # the demo's longest transition (1.2 s crossfade) and a status write


class Check:
    def __init__(self, status_file: Path, out: Path) -> None:
        self.status_file = status_file
        self.out = out
        self.problems: list[str] = []
        self.shots = 0

    def status(self) -> dict:
        for _ in range(20):  # written atomically; retry a moment if it is being replaced
            try:
                return json.loads(self.status_file.read_text())
            except (OSError, ValueError):
                time.sleep(0.05)
        raise SystemExit(f"no readable status file at {self.status_file}")

    def wait_for(self, what: str, ok, timeout_s: float = 15.0) -> dict:
        deadline = time.monotonic() + timeout_s
        while True:
            status = self.status()
            if ok(status):
                return status
            if time.monotonic() > deadline:
                seen = {k: status.get(k) for k in ("state", "item", "mode", "language",
                                                   "touches")}
                self.fail(f"{what}: not seen within {timeout_s:.0f} s (status: {seen})")
                return status
            time.sleep(0.1)

    def shot(self, name: str) -> np.ndarray:
        self.shots += 1
        path = self.out / f"{self.shots}-{name}.png"
        subprocess.run([sys.executable, str(ROOT / "tools/checks/screenshot.py"), str(path)],
                       check=True, capture_output=True)
        image = pygame.image.load(str(path))
        if image.get_size() != SIZE:
            self.fail(f"screenshot {path.name} is {image.get_size()}, not {SIZE}")
        return pygame.surfarray.array3d(image).swapaxes(0, 1).astype(np.int16)  # (h, w, 3)

    def fail(self, message: str) -> None:
        print("  FAIL:", message)
        self.problems.append(message)

    def expect(self, condition: bool, message: str) -> None:
        print("  ok:" if condition else "  FAIL:", message)
        if not condition:
            self.problems.append(message)


def xdotool(*args: str) -> None:
    subprocess.run(["xdotool", *args], check=True)


def diff(a: np.ndarray, b: np.ndarray, r: Rect | None = None) -> float:
    """Mean absolute difference per channel (0..255), over ``r`` or the whole screen."""
    if r is not None:
        a = a[r.y:r.y + r.h, r.x:r.x + r.w]
        b = b[r.y:r.y + r.h, r.x:r.x + r.w]
    return float(np.abs(a - b).mean())


def main() -> int:
    status_file, out = Path(sys.argv[1]), Path(sys.argv[2])
    check = Check(status_file, out)
    w, h = SIZE

    # The layout the overlay draws, computed as the kiosk computes it.
    loaded = load_for_playing(ROOT / "exhibits", ROOT / "assets", ROOT / "config/kiosk.yaml")
    settings = loaded.settings.settings
    languages = list(settings.languages.offered)
    default = settings.languages.default
    chosen = next(code for code in languages if code != default)
    pygame.font.init()
    overlay = Overlay(SIZE, TextRenderer(settings.fonts.text, settings.fonts.heading))
    exhibits = {e.name: e for e in loaded.reloader.show.playable}
    _, right = edge_zones(SIZE, settings.screen.diagonal_in)

    print("waiting for the first picture ...")
    first = check.wait_for("the show playing", lambda s: s.get("state") == "playing"
                           and s.get("frames", 0) > 10)
    check.expect(first.get("mode") == "attract",
                 f"starts in the attract loop ({first.get('mode')})")
    before = check.shot("start")
    item0 = first.get("item")

    print(f"click in the right edge zone (x > {w - right})")
    xdotool("mousemove", str(w - right // 2), str(h // 2), "click", "1")
    time.sleep(SETTLE_S)
    s1 = check.wait_for("the next item after the edge click", lambda s: s.get("item") != item0)
    after_tap = check.shot("edge-tap")
    check.expect(s1.get("item") != item0, f"the item moved on: {item0!r} -> {s1.get('item')!r}")
    check.expect(s1.get("mode") == "interactive", f"mode interactive ({s1.get('mode')})")
    d = diff(before, after_tap)
    check.expect(d > 10, f"the screen changed after the edge click (mean diff {d:.1f})")

    print("drag from x=1300 to x=600 (a swipe to the left)")
    xdotool("mousemove", "1300", str(h // 2), "mousedown", "1")
    for x in (1150, 1000, 850, 700, 600):
        xdotool("mousemove", str(x), str(h // 2))
    xdotool("mouseup", "1")
    time.sleep(SETTLE_S)
    item1 = s1.get("item")
    s2 = check.wait_for("the next item after the swipe", lambda s: s.get("item") != item1)
    no_controls = check.shot("swipe")
    check.expect(s2.get("item") != item1, f"the swipe moved on: {item1!r} -> {s2.get('item')!r}")
    d = diff(after_tap, no_controls)
    check.expect(d > 10, f"the screen changed after the swipe (mean diff {d:.1f})")

    print("click in the middle (the controls)")
    xdotool("mousemove", str(w // 2), str(h // 3), "click", "1")
    clicked = time.monotonic()
    time.sleep(0.7)  # past the controls' fade-in (0.25 s) and a status write
    s3 = check.status()
    exhibit = exhibits.get(s3.get("exhibit") or "")
    steps = len(exhibit.steps) if exhibit is not None else 0
    step = exhibit.steps[s3["item_index"]] if exhibit is not None else None
    layout = controls_layout(SIZE, settings.screen.diagonal_in, languages, steps,
                             measure=overlay.measure, drawable=overlay.drawable,
                             clip=isinstance(step, Video))
    by_id = {e.id: e for e in layout}
    buttons = union(by_id[k].rect for k in ("prev", "pause", "next"))
    chips = union(e.rect for e in layout if e.id.startswith("lang:"))
    # A screenshot (a process of its own, 0.3-0.5 s) can catch the screen before the
    # controls: look again for up to 3 s after the click, and say which one saw them.
    tries = 0
    while True:
        tries += 1
        with_controls = check.shot("controls")
        if min(diff(no_controls, with_controls, r) for r in (buttons, chips)) > 8 or (
                time.monotonic() - clicked > 3.0):
            break
        time.sleep(0.2)
    print(f"  controls looked for in {tries} screenshot(s), the last "
          f"{time.monotonic() - clicked:.1f} s after the click")
    for name, rect in (("previous/pause/next buttons", buttons), ("language chips", chips)):
        d = diff(no_controls, with_controls, rect)
        check.expect(d > 8, f"the controls show: {name} at {rect.x},{rect.y} {rect.w}x{rect.h} "
                     f"differ from the frame without them (mean diff {d:.1f})")
    check.expect(s3.get("item") == s2.get("item"), "the middle click did not change the item")

    chip = by_id[f"lang:{chosen}"].rect
    cx, cy = chip.center
    print(f"click the '{chosen}' chip at {round(cx)},{round(cy)}")
    xdotool("mousemove", str(round(cx)), str(round(cy)), "click", "1")
    time.sleep(0.7)
    s4 = check.wait_for(f"language {chosen}", lambda s: s.get("language") == chosen, 5)
    switched = check.shot(f"language-{chosen}")
    check.expect(s4.get("language") == chosen, f"language switched to {chosen} "
                 f"({s4.get('language')})")
    d = diff(with_controls, switched, chip)
    check.expect(d > 8, f"the {chosen} chip is drawn as chosen (mean diff {d:.1f})")
    above = Rect(0, 0, w, chips.y)  # captions and the picture, above the control bar
    d = diff(with_controls, switched, above)
    check.expect(d > 0.3, f"the caption was redrawn in {chosen} (mean diff above the bar {d:.2f})")
    check.expect(s4.get("touches", 0) >= 4, f"touches counted: {s4.get('touches')} (>= 4)")
    check.expect(s4.get("mode") == "interactive", f"still interactive ({s4.get('mode')})")

    # With partial presents (only changed areas go to the screen), an area the kiosk
    # forgot to present would stay stale on the glass while its own frame is right. So
    # once the controls have hidden again, the screen must equal the kiosk's frame.
    print(f"wait for the controls to hide ({CONTROLS_VISIBLE_S:g} s), then compare the "
          "screen with the kiosk's own frame")
    time.sleep(CONTROLS_VISIBLE_S + 1.5)
    glass = check.shot("controls-hidden")
    port = os.environ.get("KIOSK_CHECK_PORT", "8799")
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/screenshot.png",
                                    timeout=10) as r:
            (out / "kiosk-frame.png").write_bytes(r.read())
    except OSError as exc:
        check.fail(f"the kiosk's frame from http://127.0.0.1:{port}/screenshot.png: {exc}")
        print("FAILED:", "; ".join(check.problems))
        return 1
    frame = pygame.surfarray.array3d(pygame.image.load(str(out / "kiosk-frame.png")))
    frame = frame.swapaxes(0, 1).astype(np.int16)
    line = max(2, h // 360)  # the progress line along the bottom may move in between
    stale = (np.abs(glass.astype(np.int16) - frame)[: h - line].max(axis=2) > 24)
    ys, xs = np.nonzero(stale)
    where = f" around {xs.min()},{ys.min()}-{xs.max()},{ys.max()}" if len(xs) else ""
    check.expect(stale.mean() < 0.0005, f"the screen shows the kiosk's frame once the "
                 f"controls hid: {stale.mean() * 100:.3f}% of pixels differ{where}")

    print(f"screenshots in {out}")
    if check.problems:
        print("FAILED:", "; ".join(check.problems))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
