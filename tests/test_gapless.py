"""Item boundaries never show a blank frame or go back to an older image.

Records every frame across several boundaries with the real decode workers, whose decode
is slowed past the prefetch lead, and checks each frame. A deliberately broken player that
starts a transition before the next image is decoded must be caught by the same check.
"""

from __future__ import annotations

import threading

import numpy as np
import pygame

from kiosk.media.images import load_image
from kiosk.media.photo_cache import PhotoCache
from kiosk.playback.clock import MonotonicClock
from kiosk.playback.player import CachedImages, Player
from kiosk.render.compositor import Compositor, Look
from kiosk.render.text import TextRenderer
from kiosk.show.loader import LoadOptions, load_show
from kiosk.show.settings import default_fonts
from tests.conftest import ShowDir, write_image

SIZE = (320, 180)
COLOURS = [(200, 40, 40), (40, 200, 40), (40, 40, 200), (200, 200, 40), (200, 40, 200),
           (40, 200, 200)]  # RGB
DECODE_DELAY_S = 0.45  # over twice a step (0.2 s): the decoder cannot keep the lead


def slow_decode(*args, **kwargs):
    threading.Event().wait(DECODE_DELAY_S)  # an injected slow disk or big file
    return load_image(*args, **kwargs)


class EagerPlayer(Player):
    """The broken variant: says a photo is ready before it is decoded."""

    def readiness(self, step):
        return "ready"


def record(show_dir: ShowDir, player_class=Player, seconds: float = 3.0) -> list[np.ndarray]:
    for i, colour in enumerate(COLOURS):
        write_image(show_dir.assets / f"c{i}.png", 64, 36, colour[::-1])
    show_dir.manifest("a.yaml", "defaults: {duration: 0.2s, transition: crossfade 0.1s}\n"
                                "items:\n" + "".join(f"  - photo: c{i}.png\n    fit: cover\n"
                                                     for i in range(len(COLOURS))))
    show = load_show(LoadOptions(show_dir.exhibits, show_dir.assets)).show
    fonts = default_fonts()
    compositor = Compositor(SIZE, TextRenderer(fonts.text, fonts.heading), Look())
    clock = MonotonicClock()
    cache = PhotoCache(64 * 2**20, SIZE, 10**8, decode=slow_decode)
    player = player_class(show, compositor, CachedImages(cache), clock.now())
    target = pygame.Surface(SIZE, 0, 32)
    frames: list[np.ndarray] = []
    pacer = pygame.time.Clock()
    start = clock.now()
    with cache:
        while clock.now() - start < seconds:
            cache.poll()
            frame = player.update(clock.now())
            player.draw(target, frame)
            frames.append(pygame.surfarray.array3d(target).swapaxes(0, 1).copy())
            player.prepare()
            pacer.tick(120)
    return frames


def check(frames: list[np.ndarray]) -> tuple[int, int]:
    """(blank frames, frames that went back to an older image) after the first picture.

    Blank: at least 99% of the pixels are the background. A frame is in order when its
    mean colour is the current item's, or a mix of it and the next one (a crossfade);
    anything else is an older (or skipped-to) image.
    """
    blank = older = 0
    palette = np.array(COLOURS, float)
    n = len(COLOURS)
    seen = -1  # how many items the show has moved through, counting repeats
    for image in frames:
        pixels = image.reshape(-1, 3)
        if (pixels.sum(axis=1) <= 3).mean() >= 0.99:
            blank += seen >= 0
            continue
        mean = pixels.mean(axis=0)
        if seen < 0:
            seen = int(np.argmin(((palette - mean) ** 2).sum(axis=1)))
            continue
        a, b = palette[seen % n], palette[(seen + 1) % n]
        t = float(np.clip(np.dot(mean - a, b - a) / np.dot(b - a, b - a), 0.0, 1.0))
        if np.linalg.norm(mean - (a + t * (b - a))) > 12:
            older += 1
        elif t > 0.98:
            seen += 1
    return blank, older


def test_boundaries_have_no_blank_and_no_older_frames(show_dir: ShowDir):
    frames = record(show_dir)
    blank, older = check(frames)
    assert len(frames) > 100
    moves = len({tuple(f[0, 0]) for f in frames})  # distinct colours: boundaries were crossed
    assert moves >= 4
    assert (blank, older) == (0, 0)


def test_the_check_catches_a_player_that_draws_before_decoding(show_dir: ShowDir):
    frames = record(show_dir, EagerPlayer)
    blank, _ = check(frames)
    assert blank > 0
