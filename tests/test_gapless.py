"""Item boundaries never show a blank frame or go back to an older image.

Records every frame across several boundaries with the real decode workers, whose decode
is slowed past the prefetch lead, and checks each frame. A deliberately broken player that
starts a transition before the next image is decoded must be caught by the same check.
"""

from __future__ import annotations

import threading

import numpy as np
import pygame

from kiosk.clock import MonotonicClock
from kiosk.manifest.loader import LoadOptions, load_show
from kiosk.media.images import load_image
from kiosk.media.photo_cache import PhotoCache
from kiosk.player import CachedImages, Player
from kiosk.render.compositor import Compositor, Look
from kiosk.render.text import TextRenderer
from kiosk.settings import default_fonts
from tests.conftest import ShowDir, write_image

SIZE = (320, 180)
COLOURS = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40)]  # RGB
DECODE_DELAY_S = 0.3  # longer than a step (0.2 s): the decoder cannot keep the lead


def slow_decode(*args, **kwargs):
    threading.Event().wait(DECODE_DELAY_S)  # an injected slow disk or big file
    return load_image(*args, **kwargs)


class EagerPlayer(Player):
    """The broken variant: says a photo is ready before it is decoded."""

    def readiness(self, step):
        return "ready"


def record(show_dir: ShowDir, player_class=Player, boundaries: int = 6) -> list[np.ndarray]:
    for i, colour in enumerate(COLOURS):
        write_image(show_dir.assets / f"c{i}.png", 64, 36, colour[::-1])
    show_dir.manifest("a.yaml", "defaults: {duration: 0.2s, transition: crossfade 0.1s}\n"
                                "items:\n" + "".join(f"  - photo: c{i}.png\n    fit: cover\n"
                                                     for i in range(4)))
    show = load_show(LoadOptions(show_dir.exhibits, show_dir.assets)).show
    fonts = default_fonts()
    compositor = Compositor(SIZE, TextRenderer(fonts.text, fonts.heading), Look())
    clock = MonotonicClock()
    cache = PhotoCache(64 * 2**20, SIZE, 10**8, decode=slow_decode)
    player = player_class(show, compositor, CachedImages(cache), clock.now())
    target = pygame.Surface(SIZE, 0, 32)
    frames: list[np.ndarray] = []
    pacer = pygame.time.Clock()
    changes = 0
    last = None
    with cache:
        while changes < boundaries and len(frames) < 2000:
            cache.poll()
            frame = player.update(clock.now())
            if frame.current is not None and frame.current is not last:
                changes += last is not None
                last = frame.current
            player.draw(target, frame)
            frames.append(pygame.surfarray.array3d(target).swapaxes(0, 1).copy())
            player.prepare()
            pacer.tick(120)
    return frames


def check(frames: list[np.ndarray]) -> tuple[int, int]:
    """(blank frames, frames that went back to an older image) after the first picture."""
    blank = older = 0
    palette = np.array(COLOURS, float)
    seen = -1  # how many items the show has moved through, counting repeats
    for image in frames:
        is_background = (image.reshape(-1, 3).sum(axis=1) <= 3).mean() >= 0.99
        if is_background:
            blank += seen >= 0
            continue
        mean = image.reshape(-1, 3).mean(axis=0)
        nearest = int(np.argmin(((palette - mean) ** 2).sum(axis=1)))
        if seen < 0:
            seen = nearest
        elif nearest == seen % 4:
            pass
        elif nearest == (seen + 1) % 4:
            seen += 1
        else:
            older += 1
    return blank, older


def test_boundaries_have_no_blank_and_no_older_frames(show_dir: ShowDir):
    frames = record(show_dir)
    blank, older = check(frames)
    assert len(frames) > 20
    assert (blank, older) == (0, 0)


def test_the_check_catches_a_player_that_draws_before_decoding(show_dir: ShowDir):
    frames = record(show_dir, EagerPlayer)
    blank, _ = check(frames)
    assert blank > 0
