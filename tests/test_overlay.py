"""The visitor overlay, checked by its pixels (headless, no window)."""

from __future__ import annotations

import os

import numpy as np
import pygame
import pytest

from kiosk.render.overlay import PLACEHOLDER, Overlay
from kiosk.render.text import TextRenderer
from kiosk.show.settings import default_fonts
from kiosk.visitor.layout import (
    controls_layout,
    index_layout,
    pin_layout,
    tile_parts,
)

SIZE = (1920, 1080)
DIAG = 55.0
LANGS = ["en", "ru", "az", "de"]


@pytest.fixture(scope="module")
def overlay() -> Overlay:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.font.init()
    fonts = default_fonts()
    return Overlay(SIZE, TextRenderer(fonts.text, fonts.heading, cache_size=64))


def frame(color=(255, 255, 255)) -> pygame.Surface:
    surface = pygame.Surface(SIZE, 0, 32)
    surface.fill(color)
    return surface


def rgb(surface: pygame.Surface) -> np.ndarray:
    return pygame.surfarray.array3d(surface).transpose(1, 0, 2).astype(int)  # (h, w, 3)


def box(a: np.ndarray, r) -> np.ndarray:
    return a[r.y:r.bottom, r.x:r.right]


def controls(overlay: Overlay, dots: int = 6):
    return controls_layout(SIZE, DIAG, LANGS, dots, measure=overlay.measure,
                           drawable=overlay.drawable)


def draw(overlay, elements, **kw) -> np.ndarray:
    target = frame()
    args = dict(paused=False, language="en", active_dot=2, clip_progress=None, alpha=1.0)
    args.update(kw)
    overlay.draw_controls(target, elements, **args)
    return rgb(target)


# ---------------------------------------------------------------------------- controls


def test_panel_darkens_a_white_photo_so_white_icons_read(overlay):
    elements = controls(overlay)
    a = draw(overlay, elements)
    by_id = {e.id: e for e in elements}
    # Between the buttons there is only the panel: dark, whatever the photo.
    gap_x = (by_id["prev"].rect.right + by_id["pause"].rect.x) // 2
    y = by_id["pause"].rect.y + by_id["pause"].rect.h // 2
    assert a[y, gap_x].max() < 130
    # The icon itself is light on that dark panel.
    assert box(a, by_id["pause"].rect).max() > 230
    # The photo area above the controls is untouched.
    assert (a[: SIZE[1] // 2] == 255).all()


def test_active_language_chip_stands_out(overlay):
    elements = controls(overlay)
    by_id = {e.id: e for e in elements}
    a = draw(overlay, elements, language="ru")
    active = box(a, by_id["lang:ru"].rect).mean()
    inactive = box(a, by_id["lang:de"].rect).mean()
    assert active > inactive + 60  # a light pill among dark ones
    b = draw(overlay, elements, language="de")
    assert not np.array_equal(box(a, by_id["lang:ru"].rect), box(b, by_id["lang:ru"].rect))


def test_current_dot_is_brighter(overlay):
    elements = controls(overlay)
    dots = [e for e in elements if e.id.startswith("dot:")]
    a = draw(overlay, elements, active_dot=2)
    lit = box(a, dots[2].rect).max()
    other = box(a, dots[4].rect).max()
    assert lit > other + 40


def test_pause_button_shows_play_when_paused(overlay):
    elements = controls(overlay)
    pause = next(e for e in elements if e.id == "pause")
    assert not np.array_equal(box(draw(overlay, elements, paused=False), pause.rect),
                              box(draw(overlay, elements, paused=True), pause.rect))


def test_clip_progress_bar_fills_from_the_left(overlay):
    elements = controls(overlay)
    clip = next(e for e in elements if e.id == "clip")
    a = draw(overlay, elements, clip_progress=0.25)
    row = a[clip.rect.y + clip.rect.h // 2, clip.rect.x:clip.rect.right].mean(axis=1)
    quarter = clip.rect.w // 4
    assert row[: quarter - 4].min() > 200  # played part
    assert row[quarter + 4 :].max() < 150  # the dim track
    none = draw(overlay, elements, clip_progress=None)
    assert none[clip.rect.y + clip.rect.h // 2, clip.rect.x + 10].max() < 150


def test_alpha_fades_the_controls(overlay):
    elements = controls(overlay)
    pause = next(e for e in elements if e.id == "pause").rect
    y, x = pause.y + pause.h // 2, pause.x - 4  # panel only, next to the button
    full, half = draw(overlay, elements, alpha=1.0), draw(overlay, elements, alpha=0.5)
    assert full[y, x].max() < half[y, x].max() < 255
    assert (draw(overlay, elements, alpha=0.0) == 255).all()


def test_portrait_controls_draw_inside_the_screen(overlay):
    fonts = default_fonts()
    portrait = Overlay((1080, 1920), TextRenderer(fonts.text, fonts.heading))
    elements = controls_layout((1080, 1920), 43, LANGS, 5, measure=portrait.measure)
    target = pygame.Surface((1080, 1920), 0, 32)
    target.fill((255, 255, 255))
    drawn = portrait.draw_controls(target, elements, paused=True, language="az",
                                   active_dot=0, clip_progress=0.5, alpha=1.0)
    assert all(target.get_rect().contains(r) for r in drawn)


def test_language_chips_show_each_language_by_its_own_name():
    """Arabic chips showed "AR" (the renderer could not shape it); now every language the
    fonts can draw shows its own name, and only one no font has falls back to its code."""
    from kiosk.render.system_fonts import NO_SYSTEM_FONTS

    fonts = default_fonts()
    own = Overlay(SIZE, TextRenderer(fonts.text, fonts.heading, system_fonts=NO_SYSTEM_FONTS))
    assert own.drawable("Azərbaycan dili") and own.drawable("Русский")
    assert own.drawable("العربية")
    assert not own.drawable("中文")  # no CJK face among the kiosk's own fonts
    labels = {e.id: e.label for e in controls_layout(SIZE, DIAG, ["en", "ar", "az", "ru", "zh"],
                                                     1, drawable=own.drawable)
              if e.id.startswith("lang:")}
    assert labels == {"lang:en": "English", "lang:ar": "العربية", "lang:az": "Azərbaycan dili",
                      "lang:ru": "Русский", "lang:zh": "ZH"}


def test_warm_builds_everything_the_first_frame_needs():
    """Showing the controls the first time must not stall a frame on building panels."""
    fonts = default_fonts()
    fresh = Overlay(SIZE, TextRenderer(fonts.text, fonts.heading))
    elements = controls_layout(SIZE, DIAG, LANGS, 6, measure=fresh.measure)
    fresh.warm(elements, paused=False, language="ru", active_dot=1)
    built = len(fresh._cache)
    fresh.draw_controls(frame(), elements, paused=False, language="ru", active_dot=1,
                        clip_progress=None, alpha=1.0)
    assert len(fresh._cache) == built


# ------------------------------------------------------------------------------ index


def test_index_draws_a_placeholder_for_a_missing_thumbnail(overlay):
    elements = index_layout(SIZE, DIAG, 3)
    tiles = [e for e in elements if e.id.startswith("tile:")]
    photo = pygame.Surface((400, 300), 0, 32)
    photo.fill((200, 30, 30))
    target = frame()
    overlay.draw_index(target, elements, {0: "Baku, 1994", 1: "Русский", 2: "Missing"},
                       {0: photo, 1: photo, 2: None}, current=1)
    a = rgb(target)
    thumb0, _ = tile_parts(tiles[0])
    thumb2, _ = tile_parts(tiles[2])
    cx0, cy0 = (int(v) for v in thumb0.center)
    assert tuple(a[cy0, cx0]) == pytest.approx((200, 30, 30), abs=3)  # the thumbnail
    # The placeholder: neutral grey, the same on every channel, near the box's corner.
    corner = a[thumb2.y + thumb2.h // 6, thumb2.x + thumb2.w // 6]
    assert tuple(corner) == pytest.approx(PLACEHOLDER, abs=3)
    # The backdrop darkens the white frame.
    assert a[5, 5].max() < 80
    # The current exhibit is outlined: its edge differs from a plain tile's.
    edge = a[tiles[1].rect.y + 1, tiles[1].rect.x + tiles[1].rect.w // 2]
    plain = a[tiles[0].rect.y + 1, tiles[0].rect.x + tiles[0].rect.w // 2]
    assert edge[0] > 200 and plain[0] < 100


def test_index_takes_thumbnails_of_any_depth(overlay):
    elements = index_layout(SIZE, DIAG, 3)
    thumbs = {0: pygame.Surface((100, 80), 0, 8), 1: pygame.Surface((100, 80), 0, 16),
              2: pygame.Surface((100, 80), pygame.SRCALPHA, 32)}
    overlay.draw_index(frame(), elements, {}, thumbs, None)


# ---------------------------------------------------------------------------- PIN pad


def test_pin_pad_shows_dots_never_digits(overlay):
    """Entered digits must not be readable over a staff member's shoulder."""
    elements = pin_layout(SIZE, DIAG)
    display = next(e for e in elements if e.id == "pin:display").rect
    empty, three = frame(), frame()
    overlay.draw_pinpad(empty, elements, 0, "Enter the staff PIN")
    overlay.draw_pinpad(three, elements, 3, "Enter the staff PIN")
    a, b = rgb(empty), rgb(three)
    changed = np.argwhere((a != b).any(axis=2))
    assert len(changed) > 0
    ys, xs = changed[:, 0], changed[:, 1]
    assert display.y <= ys.min() and ys.max() < display.bottom  # only the dots row
    assert display.x <= xs.min() and xs.max() < display.right
    # Three separate blobs: count runs of changed columns.
    cols = np.unique(xs)
    assert 1 + int((np.diff(cols) > 1).sum()) == 3


def test_pin_message_is_drawn(overlay):
    elements = pin_layout(SIZE, DIAG)
    message = next(e for e in elements if e.id == "pin:message").rect
    a, b = frame(), frame()
    overlay.draw_pinpad(a, elements, 0, "")
    overlay.draw_pinpad(b, elements, 0, "Locked — try again in 54 s")
    assert not np.array_equal(box(rgb(a), message), box(rgb(b), message))


# ------------------------------------------- what the figures in benchmarks/overlay_cost.py draw


def test_faded_controls_over_a_clip_show_how_far_it_played(overlay):
    """The costly case of the controls (fading in, with a clip's bar) still shows the bar
    filled to the clip's progress, over a coloured frame."""
    elements = controls(overlay, dots=12)
    clip = next(e for e in elements if e.id == "clip").rect
    target = frame((90, 120, 150))
    overlay.draw_controls(target, elements, paused=False, language="en", active_dot=3,
                          clip_progress=0.42, alpha=0.7)
    row = rgb(target)[clip.y + clip.h // 2, clip.x:clip.right].mean(axis=1)
    played = round(clip.w * 0.42)
    assert row[: played - 4].min() > row[played + 4 :].max() + 40
    edge = int(np.argmax(row < (row[: played - 4].min() + row[played + 4 :].max()) / 2))
    assert abs(edge - played) <= 4


def test_the_first_draw_and_a_cached_one_look_the_same():
    """The caches that make a steady frame cheap must not change what a visitor sees: a
    fresh overlay's first draw, its second (from cache) and a warmed one's are equal."""
    fonts = default_fonts()
    fresh = Overlay(SIZE, TextRenderer(fonts.text, fonts.heading))
    elements = controls_layout(SIZE, DIAG, LANGS, 12, measure=fresh.measure)
    args = dict(paused=False, language="en", active_dot=3, clip_progress=None, alpha=1.0)
    first, again, warmed = frame((90, 120, 150)), frame((90, 120, 150)), frame((90, 120, 150))
    fresh.draw_controls(first, elements, **args)
    fresh.draw_controls(again, elements, **args)
    other = Overlay(SIZE, TextRenderer(fonts.text, fonts.heading))
    other.warm(elements, paused=False, language="en", active_dot=3)
    other.draw_controls(warmed, elements, **args)
    assert not np.array_equal(rgb(first), rgb(frame((90, 120, 150))))  # something drawn
    assert np.array_equal(rgb(first), rgb(again))
    assert np.array_equal(rgb(first), rgb(warmed))


def test_an_index_of_30_shows_every_exhibit_thumbnail(overlay):
    elements = index_layout(SIZE, DIAG, 30)
    tiles = [e for e in elements if e.id.startswith("tile:")]
    assert len(tiles) == 30
    colours = {i: (20 + 7 * i, 200 - 5 * i, (90 + 13 * i) % 256) for i in range(30)}
    thumbs = {}
    for i, colour in colours.items():
        thumbs[i] = pygame.Surface((480, 270), 0, 32)
        thumbs[i].fill(colour)
    titles = {i: f"Exhibit {i}: a visit to the harbour" for i in range(30)}
    target = frame((90, 120, 150))
    overlay.draw_index(target, elements, titles, thumbs, current=4)
    a = rgb(target)
    for i, tile in enumerate(tiles):
        thumb, _ = tile_parts(tile)
        cx, cy = (int(v) for v in thumb.center)
        assert tuple(a[cy, cx]) == pytest.approx(colours[i], abs=3), i
