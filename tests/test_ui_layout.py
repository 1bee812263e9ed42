"""Where the visitor controls are: inside the screen, apart, big enough for a finger."""

from __future__ import annotations

import itertools
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.visitor.layout import (
    DOT_CAP,
    Element,
    Rect,
    controls_layout,
    dot_for_step,
    edge_zones,
    hit,
    index_layout,
    language_label,
    pin_layout,
    px_per_mm,
    target_px,
    tile_parts,
    zoom_layout,
)

SCREENS = [((1920, 1080), 55.0), ((3840, 2160), 55.0), ((1080, 1920), 43.0),
           ((1280, 720), 24.0)]
LANGS = ["en", "ru", "az", "zh", "de", "fr", "es", "tr", "ar", "uk", "ka", "ja"]
SCREEN_IDS = [f"{w}x{h}@{d:g}in" for (w, h), d in SCREENS]


def assert_sane(elements: list[Element], size: tuple[int, int], diagonal_in: float,
                safe: bool = True) -> None:
    w, h = size
    mx, my = round(w * 0.05), round(h * 0.05)
    t = target_px(size, diagonal_in)
    ids = [e.id for e in elements]
    assert len(ids) == len(set(ids)), "duplicate ids"
    for e in elements:
        r = e.rect
        assert r.w > 0 and r.h > 0, e
        assert r.x >= 0 and r.right <= w and r.y >= 0 and r.bottom <= h, e
        if safe:
            assert mx <= r.x and r.right <= w - mx and my <= r.y and r.bottom <= h - my, e
        if e.tappable:
            assert r.w >= t and r.h >= t, f"{e.id} is {r.w}x{r.h}, smaller than {t} px"
    for a, b in itertools.combinations(elements, 2):
        assert not a.rect.overlaps(b.rect), f"{a.id} overlaps {b.id}"


def assert_hits(elements: list[Element]) -> None:
    for e in elements:
        cx, cy = e.rect.center
        got = hit(elements, cx, cy)
        if e.tappable:
            assert got is e, f"centre of {e.id} hit {got and got.id}"
        else:
            assert got is None, f"{e.id} is not for tapping"


# ------------------------------------------------------------------------------ sizes


def test_target_is_at_least_44px_at_96ppi_and_7_percent_of_the_short_side():
    """WCAG 2.5.5: 44 px at 96 ppi is 11.6 mm; the old 9 mm floor was under it."""
    for size, diag in SCREENS:
        t = target_px(size, diag)
        assert t / px_per_mm(size, diag) >= 44 / 96 * 25.4 - 0.05
        assert t >= 0.07 * min(size)
    # 55" 1080p: about 1.58 px/mm, so the 7 % rule (76 px, ~48 mm) is the one that counts.
    assert px_per_mm((1920, 1080), 55) == pytest.approx(1.577, abs=0.01)
    assert target_px((1920, 1080), 55) == 76
    # A small screen: 11.6 mm wins (44 px on a 96 ppi screen).
    small = (800, 480)
    assert target_px(small, 7) == math.ceil(11.6 * px_per_mm(small, 7)) > 0.07 * 480
    ppi96 = (1920, 1080)  # a 22.9" 1080p screen is 96 ppi
    assert target_px(ppi96, math.hypot(1920, 1080) / 96) == max(44, math.ceil(0.07 * 1080))


def test_edge_zones_are_15_percent_and_at_least_a_target():
    assert edge_zones((1920, 1080)) == (288, 288)
    left, right = edge_zones((600, 1920), 43)
    assert left == right >= target_px((600, 1920), 43)


def test_language_labels_are_the_languages_own_names():
    assert language_label("ru") == "Русский"
    assert language_label("az") == "Azərbaycan dili"
    assert language_label("zh") == "中文"
    assert language_label("xx") == "XX"
    assert language_label("pt-BR") == "Português"
    assert language_label("zh", drawable=lambda s: s.isascii()) == "ZH"  # no CJK font


# --------------------------------------------------------------------------- controls


@pytest.mark.parametrize(("size", "diag"), SCREENS, ids=SCREEN_IDS)
@pytest.mark.parametrize("n_langs", [1, 2, 4, 12])
@pytest.mark.parametrize("dots", [0, 1, 7, 24, 60])
def test_controls_fit_apart_and_are_big_enough(size, diag, n_langs, dots):
    elements = controls_layout(size, diag, LANGS[:n_langs], dots)
    assert_sane(elements, size, diag)
    assert_hits(elements)
    ids = {e.id for e in elements}
    assert {"prev", "pause", "next", "index"} <= ids
    chips = [e for e in elements if e.id.startswith("lang:")]
    assert len(chips) == (n_langs if n_langs > 1 else 0)  # one language: nothing to switch
    assert sum(e.id.startswith("dot:") for e in elements) == min(dots, DOT_CAP)


@pytest.mark.parametrize(("size", "diag"), SCREENS, ids=SCREEN_IDS)
def test_controls_sit_along_the_bottom_with_transport_centred(size, diag):
    w, h = size
    by_id = {e.id: e for e in controls_layout(size, diag, LANGS[:3], 5)}
    prev, pause, nxt = by_id["prev"].rect, by_id["pause"].rect, by_id["next"].rect
    assert prev.x < pause.x < nxt.x and prev.y == pause.y == nxt.y
    assert pause.center[0] == pytest.approx(w / 2, abs=1)
    assert by_id["index"].rect.x < prev.x
    assert pause.bottom == h - round(h * 0.05)  # on the safe area's bottom edge
    dots = [e for e in by_id.values() if e.id.startswith("dot:")]
    assert all(d.rect.bottom <= pause.y for d in dots)  # dots above the buttons
    chips = [e for e in by_id.values() if e.id.startswith("lang:")]
    if w > h:
        assert all(c.rect.x > nxt.right for c in chips)  # at the right
    else:
        assert all(c.rect.bottom <= min(d.rect.y for d in dots) for c in chips)  # own row


def test_many_languages_wrap_instead_of_overflowing():
    size, diag = (1920, 1080), 55
    elements = controls_layout(size, diag, LANGS, 10)
    chips = [e for e in elements if e.id.startswith("lang:")]
    assert len({c.rect.y for c in chips}) >= 2
    assert_sane(elements, size, diag)


def test_chip_width_follows_the_measured_label():
    wide = controls_layout((1920, 1080), 55, ["en", "de"], 3, measure=lambda s, px: 40 * len(s))
    narrow = controls_layout((1920, 1080), 55, ["en", "de"], 3, measure=lambda s, px: 4)
    w = {e.id: e.rect.w for e in wide}
    n = {e.id: e.rect.w for e in narrow}
    assert w["lang:en"] > n["lang:en"] == target_px((1920, 1080), 55)  # never below a target


def test_compact_dots_cover_every_step():
    steps = 60
    dots = [e for e in controls_layout((1920, 1080), 55, ["en"], steps)
            if e.id.startswith("dot:")]
    assert len(dots) == DOT_CAP
    ranges = [tuple(int(v) for v in d.label.split(":")) for d in dots]
    assert ranges[0][0] == 0 and ranges[-1][1] == steps
    assert all(a[1] == b[0] for a, b in itertools.pairwise(ranges))
    for step in range(steps):
        i = dot_for_step(step, steps)
        assert ranges[i][0] <= step < ranges[i][1]


@settings(max_examples=150, deadline=None)
@given(w=st.integers(640, 7680), aspect=st.floats(0.45, 2.4), diag=st.floats(13, 98),
       n_langs=st.integers(0, 12), dots=st.integers(0, 80))
def test_controls_any_screen(w, aspect, diag, n_langs, dots):
    size = (w, max(480, round(w / aspect)))
    elements = controls_layout(size, diag, LANGS[:n_langs], dots)
    assert_sane(elements, size, diag)
    assert_hits(elements)


# ------------------------------------------------------------------------------ index


@pytest.mark.parametrize(("size", "diag"), SCREENS, ids=SCREEN_IDS)
@pytest.mark.parametrize("n", [1, 2, 5, 12, 30])
def test_index_tiles_fit_without_scrolling(size, diag, n):
    elements = index_layout(size, diag, n)
    assert_sane(elements, size, diag)
    assert_hits(elements)
    tiles = [e for e in elements if e.id.startswith("tile:")]
    assert [e.id for e in tiles] == [f"tile:{i}" for i in range(n)]
    assert any(e.id == "close" for e in elements)
    for tile in tiles:
        thumb, title = tile_parts(tile)
        assert thumb.h > 0 and title.h >= 2 * tile.text_px  # room for two lines of title
        assert thumb.w / thumb.h == pytest.approx(4 / 3, rel=0.02)


def test_fewer_exhibits_get_bigger_tiles():
    sizes = [index_layout((1920, 1080), 55, n)[0].rect.w for n in (1, 4, 12, 30)]
    assert sizes == sorted(sizes, reverse=True) and sizes[0] > sizes[-1]


# From 13": 11.6 mm keys (WCAG 2.5.5) in six rows need more than a 10" screen 480 px high.
@settings(max_examples=80, deadline=None)
@given(w=st.integers(640, 7680), aspect=st.floats(0.45, 2.4), diag=st.floats(13, 98),
       n=st.integers(1, 30))
def test_index_and_pin_pad_any_screen(w, aspect, diag, n):
    size = (w, max(480, round(w / aspect)))
    for elements in (index_layout(size, diag, n), pin_layout(size, diag)):
        assert_sane(elements, size, diag)
        assert_hits(elements)


# ------------------------------------------------------------------------------- PIN


@pytest.mark.parametrize(("size", "diag"), SCREENS, ids=SCREEN_IDS)
def test_pin_pad(size, diag):
    elements = pin_layout(size, diag)
    assert_sane(elements, size, diag)
    assert_hits(elements)
    keys = {e.id: e.rect for e in elements}
    assert {f"pin:{d}" for d in range(10)} | {"pin:back", "pin:ok", "pin:cancel"} <= set(keys)
    # A phone-style pad: 1 2 3 on top, back 0 ok at the bottom, centred.
    assert keys["pin:1"].y == keys["pin:3"].y < keys["pin:4"].y < keys["pin:7"].y < keys[
        "pin:0"].y
    assert keys["pin:back"].x < keys["pin:0"].x < keys["pin:ok"].x
    assert keys["pin:5"].center[0] == pytest.approx(size[0] / 2, abs=1)


# -------------------------------------------------------------------------------- hit


def test_hit_is_none_in_the_photo_area():
    for size, diag in SCREENS:
        elements = controls_layout(size, diag, LANGS[:4], 8)
        assert hit(elements, size[0] / 2, size[1] / 3) is None
        assert hit(elements, size[0] / 2, size[1] / 3, slop_px=40) is None


def test_hit_with_slop_picks_the_nearest():
    a = Element("prev", Rect(0, 0, 100, 100))
    b = Element("next", Rect(120, 0, 100, 100))
    assert hit([a, b], 105, 50) is None
    assert hit([a, b], 105, 50, slop_px=20) is a  # 5 px from a, 15 px from b
    assert hit([a, b], 115, 50, slop_px=20) is b
    dot = Element("dot:0", Rect(0, 0, 100, 100))
    assert hit([dot], 50, 50, slop_px=10) is None  # dots only show progress


@pytest.mark.parametrize(("size", "diagonal"), SCREENS, ids=SCREEN_IDS)
def test_zoom_and_pan_buttons_are_full_targets_clear_of_the_control_bar(size, diagonal):
    """WCAG 2.5.1: a one-finger way for the pinch and the drag; the buttons must be as big
    as any control and never sit on the control bar they are shown with."""
    bar = controls_layout(size, diagonal, ["en", "ru", "az"], 8)
    for zoomed in (False, True):
        buttons = zoom_layout(size, diagonal, zoomed)
        assert {e.id for e in buttons} >= {"zoom:in", "zoom:out"}
        assert zoomed == any(e.id.startswith("pan:") for e in buttons)
        assert_sane([*bar, *buttons], size, diagonal)
        assert_hits([*bar, *buttons])
