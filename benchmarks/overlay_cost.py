"""What the visitor overlay costs a frame at 1920x1080, headless.

Each figure is the mean of many calls in steady state (caches built), as milliseconds
and as a ratio to the reference measured in the same run: one full-screen blit of a
1920x1080 frame, which every presented frame pays anyway. The first build of the
controls (what `Overlay.warm` moves out of the frame) is one call on a fresh overlay.

    python benchmarks/overlay_cost.py [--repeat 200]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pygame

from kiosk.render.overlay import Overlay
from kiosk.render.text import TextRenderer
from kiosk.show.settings import default_fonts
from kiosk.visitor.layout import controls_layout, index_layout, pin_layout

SIZE = (1920, 1080)
DIAG = 55.0
LANGS = ["en", "ru", "az", "de"]


def ms_per_call(fn: Callable[[], object], repeat: int) -> float:
    fn()  # build the caches first: steady state is what a frame pays
    start = time.perf_counter()
    for _ in range(repeat):
        fn()
    return (time.perf_counter() - start) / repeat * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeat", type=int, default=200, help="calls per figure")
    args = parser.parse_args()
    repeat = args.repeat

    pygame.font.init()
    fonts = default_fonts()
    overlay = Overlay(SIZE, TextRenderer(fonts.text, fonts.heading, cache_size=64))
    target = pygame.Surface(SIZE, 0, 32)
    target.fill((90, 120, 150))
    photo = pygame.Surface(SIZE, 0, 32)
    photo.fill((30, 60, 90))
    reference = ms_per_call(lambda: target.blit(photo, (0, 0)), repeat)

    controls = controls_layout(SIZE, DIAG, LANGS, 12, measure=overlay.measure,
                               drawable=overlay.drawable)

    def draw_controls(clip_progress: float | None, alpha: float) -> Callable[[], object]:
        return lambda: overlay.draw_controls(target, controls, paused=False, language="en",
                                             active_dot=3, clip_progress=clip_progress,
                                             alpha=alpha)

    index = index_layout(SIZE, DIAG, 30)
    thumbs = {i: pygame.Surface((480, 270), 0, 32) for i in range(30)}
    titles = {i: f"Exhibit {i}: a visit to the harbour" for i in range(30)}
    pin = pin_layout(SIZE, DIAG)
    fresh = Overlay(SIZE, TextRenderer(fonts.text, fonts.heading))
    start = time.perf_counter()
    fresh.draw_controls(target, controls, paused=False, language="en", active_dot=3,
                        clip_progress=None, alpha=1.0)
    first_ms = (time.perf_counter() - start) * 1000

    figures = [
        ("controls, steady", ms_per_call(draw_controls(None, 1.0), repeat)),
        ("controls fading, with a clip's progress bar", ms_per_call(draw_controls(0.42, 0.7),
                                                                     repeat)),
        ("first build of the controls (one call)", first_ms),
        ("index of 30 tiles", ms_per_call(
            lambda: overlay.draw_index(target, index, titles, thumbs, 4), max(1, repeat // 4))),
        ("PIN pad", ms_per_call(lambda: overlay.draw_pinpad(target, pin, 4, "Wrong PIN"),
                                max(1, repeat // 2))),
    ]
    print(f"overlay cost at {SIZE[0]}x{SIZE[1]}, {os.cpu_count()} CPUs, "
          f"pygame {pygame.version.ver}")
    print(f"reference: one full-screen blit {reference:.3f} ms")
    print(f"{'what':<46} {'ms':>8} {'x blit':>8}")
    for name, ms in figures:
        print(f"{name:<46} {ms:>8.2f} {ms / reference:>8.1f}")


if __name__ == "__main__":
    main()
