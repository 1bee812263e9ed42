"""Caption text: what a visitor would notice on screen.

Tofu (the .notdef box a font draws for a character it lacks) is detected by
pixels: a character drawn by a font equals that font's rendering of a code
point that no font has at all, and only then.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path

import pygame
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.render.fonts import (
    FontCoverage,
    FontError,
    load_cmap,
    looks_like_font,
    missing_chars,
    script_name,
    split_runs,
)
from kiosk.render.text import ELLIPSIS, TextRenderer, TextStyle, size_for_screen

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
TEXT_CHAIN = [str(FONTS / "NotoSans-Regular.ttf"), str(FONTS / "DejaVuSans.ttf")]
HEADING_CHAIN = [str(FONTS / "NotoSans-Bold.ttf"), str(FONTS / "DejaVuSans-Bold.ttf")]
CAPTION = "Baku — Баку — Azərbaycan, ğ ş ı"
SIZE = 32
STYLE = TextStyle(role="text", size_px=SIZE, color=(255, 255, 255))


def pixels(surf: pygame.Surface) -> tuple[tuple[int, int], bytes]:
    return surf.get_size(), pygame.image.tobytes(surf, "RGBA")


@pytest.fixture(scope="module")
def renderer() -> TextRenderer:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.font.init()
    return TextRenderer(TEXT_CHAIN, HEADING_CHAIN)


@pytest.fixture(scope="module")
def no_font_char() -> str:
    """A private-use code point that no bundled font has: always drawn as .notdef."""
    cmaps = [load_cmap(p) for p in TEXT_CHAIN + HEADING_CHAIN]
    for cp in range(0xE000, 0xF8FF):
        if not any(cp in c for c in cmaps):
            return chr(cp)
    raise AssertionError("every private-use code point is covered?")


def glyph(path: str, ch: str) -> pygame.Surface:
    return pygame.font.Font(path, SIZE).render(ch, True, (255, 255, 255))


def dejavu_only_char() -> str:
    noto, dejavu = load_cmap(TEXT_CHAIN[0]), load_cmap(TEXT_CHAIN[1])
    only = dejavu - noto
    if 0x263A in only:  # ☺
        return "\u263a"
    return chr(min(cp for cp in only if chr(cp).isprintable() and not chr(cp).isspace()))


# -- coverage ----------------------------------------------------------------


def test_caption_in_latin_cyrillic_azerbaijani_has_no_missing_chars():
    assert missing_chars(CAPTION, TEXT_CHAIN) == []
    assert missing_chars(CAPTION, HEADING_CHAIN) == []


def test_missing_chars_reports_chinese_once_and_ignores_whitespace():
    assert missing_chars("Baku 中国 中\t\n\u200d", TEXT_CHAIN) == ["中", "国"]


def test_script_name_names_writing_systems_for_curators():
    assert "CJK" in script_name("中")
    assert script_name("ش") == "Arabic"
    assert script_name("ש") == "Hebrew"
    assert script_name("한") == "Korean (Hangul)"
    assert script_name("ა") == "Georgian"
    assert script_name("\ue000") == "Unicode U+E000"


def test_load_cmap_is_cached_and_reports_bad_files(tmp_path):
    assert load_cmap(TEXT_CHAIN[0]) is load_cmap(TEXT_CHAIN[0])
    assert ord("ə") in load_cmap(TEXT_CHAIN[0])
    with pytest.raises(FontError):
        load_cmap(tmp_path / "missing.ttf")
    bad = tmp_path / "bad.ttf"
    bad.write_bytes(b"not a font at all")
    with pytest.raises(FontError):
        load_cmap(bad)


def test_load_cmap_reads_first_face_of_a_collection(tmp_path):
    from fontTools.ttLib import TTFont
    from fontTools.ttLib.ttCollection import TTCollection

    coll = TTCollection()
    coll.fonts = [TTFont(TEXT_CHAIN[0]), TTFont(TEXT_CHAIN[1])]
    path = tmp_path / "pair.ttc"
    coll.save(str(path))
    assert load_cmap(path) == load_cmap(TEXT_CHAIN[0])
    assert looks_like_font(path) and looks_like_font(TEXT_CHAIN[0])  # settings accept both


# -- fallback runs, no tofu -------------------------------------------------------


def test_notdef_comparison_really_detects_tofu(renderer, no_font_char):
    # Guard for the tests below: a char the font lacks does equal the notdef box.
    for path in TEXT_CHAIN:
        assert pixels(glyph(path, "中")) == pixels(glyph(path, no_font_char))
    assert pixels(renderer.render("中", STYLE)) == pixels(renderer.render(no_font_char, STYLE))


def test_caption_renders_without_tofu(renderer, no_font_char):
    notdefs = [pixels(glyph(p, no_font_char)) for p in TEXT_CHAIN]
    drawn_notdef = pixels(renderer.render(no_font_char, STYLE))
    for ch in set(CAPTION) - {" "}:
        [(index, run)] = split_runs(ch, TEXT_CHAIN)
        assert run == ch
        own = pixels(glyph(TEXT_CHAIN[index], ch))
        assert own not in notdefs, f"{ch!r} is drawn as a box"
        assert pixels(renderer.render(ch, STYLE)) != drawn_notdef, f"{ch!r} is drawn as a box"


def test_char_only_in_second_font_is_drawn_by_the_fallback(renderer, no_font_char):
    ch = dejavu_only_char()
    # Noto alone would show a box for it ...
    assert pixels(glyph(TEXT_CHAIN[0], ch)) == pixels(glyph(TEXT_CHAIN[0], no_font_char))
    # ... the chain sends it to DejaVu, which draws a real glyph.
    assert split_runs(ch, TEXT_CHAIN) == [(1, ch)]
    assert split_runs(f"a{ch}b", TEXT_CHAIN) == [(0, "a"), (1, ch), (0, "b")]
    assert pixels(glyph(TEXT_CHAIN[1], ch)) != pixels(glyph(TEXT_CHAIN[1], no_font_char))
    assert pixels(renderer.render(ch, STYLE)) != pixels(renderer.render(no_font_char, STYLE))
    assert missing_chars(f"a{ch}b", TEXT_CHAIN) == []


def test_mixed_line_width_is_the_sum_of_its_runs(renderer):
    ch = dejavu_only_char()
    text = f"Baku {ch} Баку"
    expected = sum(
        pygame.font.Font(TEXT_CHAIN[i], SIZE).size(run)[0]
        for i, run in split_runs(text, TEXT_CHAIN)
    )
    assert renderer.line_width(text, "text", SIZE) == expected
    assert renderer.render(text, STYLE).get_width() == expected


@given(st.text(alphabet="aəğşıБаку ☺→中\u0301", max_size=30))
def test_split_runs_keeps_every_character_in_order(text):
    runs = split_runs(text, TEXT_CHAIN)
    assert "".join(run for _, run in runs) == text
    assert all(run for _, run in runs)
    assert all(a[0] != b[0] for a, b in itertools.pairwise(runs))


def test_combining_mark_stays_with_its_letter():
    ch = dejavu_only_char()
    runs = FontCoverage(TEXT_CHAIN).split_runs(f"{ch}\u0301")
    assert runs == [(1, f"{ch}\u0301")]


# -- rendering ---------------------------------------------------------------


def test_render_is_transparent_antialiased_and_in_the_requested_color(renderer):
    surf = renderer.render(CAPTION, TextStyle(size_px=SIZE, color=(250, 200, 10)))
    assert surf.get_flags() & pygame.SRCALPHA
    alpha = pygame.surfarray.array_alpha(surf)
    assert alpha.min() == 0 and alpha.max() == 255
    assert ((alpha > 0) & (alpha < 255)).any(), "edges are anti-aliased"
    x, y = (int(v[0]) for v in (alpha == 255).nonzero())
    assert tuple(surf.get_at((x, y))) == (250, 200, 10, 255)


def test_render_needs_no_display(renderer):
    renderer.render("Azərbaycan headless", STYLE)
    assert pygame.display.get_surface() is None


def test_measure_matches_render(renderer):
    for text, kw in [
        (CAPTION, {}),
        (CAPTION * 4, {"max_width": 300}),
        (CAPTION * 4, {"max_width": 300, "max_lines": 2}),
        ("", {}),
    ]:
        assert renderer.measure(text, STYLE, **kw) == renderer.render(text, STYLE, **kw).get_size()


def test_heading_uses_the_bold_chain(renderer):
    heading = TextStyle(role="heading", size_px=SIZE)
    assert renderer.line_width("Baku", "heading", SIZE) > renderer.line_width("Baku", "text", SIZE)
    assert pixels(renderer.render("Baku", heading)) != pixels(renderer.render("Baku", STYLE))


def test_invisible_and_control_chars_do_not_become_boxes(renderer):
    plain = pixels(renderer.render("ab", STYLE))
    assert pixels(renderer.render("a\u200db", STYLE)) == plain
    assert pixels(renderer.render("a\u00adb", STYLE)) == plain
    assert pixels(renderer.render("a\x00b", STYLE)) == plain


# -- wrapping ------------------------------------------------------------------


def test_wrap_fits_width_and_keeps_words_in_order(renderer):
    text = (CAPTION + " ") * 5 + "the old city walls of Icherisheher"
    max_width = 260
    lines = renderer.wrap(text, STYLE, max_width)
    assert len(lines) > 3
    assert all(renderer.line_width(line, "text", SIZE) <= max_width for line in lines)
    assert " ".join(lines).split() == text.split()
    surf = renderer.render(text, STYLE, max_width)
    assert surf.get_width() <= max_width


def test_overlong_word_is_broken_by_characters(renderer):
    word = "Azərbaycanrespublikasıprezidentiadministrasiyası"
    lines = renderer.wrap(word, STYLE, 150)
    assert len(lines) > 1
    assert "".join(lines) == word
    assert all(renderer.line_width(line, "text", SIZE) <= 150 for line in lines)


def test_explicit_newlines_are_kept(renderer):
    assert renderer.wrap("Baku\n\nБаку\r\nAzərbaycan", STYLE, 1000) == [
        "Baku",
        "",
        "Баку",
        "Azərbaycan",
    ]
    assert renderer.wrap("a\nb", STYLE) == ["a", "b"]


def test_cjk_without_spaces_wraps_between_characters(renderer):
    text = "巴库是阿塞拜疆的首都，也是里海沿岸最大的城市。"
    max_width = 5 * SIZE
    lines = renderer.wrap(text, STYLE, max_width)
    assert len(lines) > 2
    assert "".join(lines) == text
    assert all(renderer.line_width(line, "text", SIZE) <= max_width for line in lines)
    assert not any(line[0] in "，。" for line in lines), "punctuation never starts a line"


def test_overflowing_paragraph_ends_with_ellipsis_within_max_lines(renderer):
    text = " ".join(["Azərbaycan Baku Баку"] * 20)
    lines = renderer.wrap(text, STYLE, 300, max_lines=3)
    assert len(lines) == 3
    assert lines[-1].endswith(ELLIPSIS)
    assert all(renderer.line_width(line, "text", SIZE) <= 300 for line in lines)
    full_h = renderer.measure(text, STYLE, 300)[1]
    cut_h = renderer.measure(text, STYLE, 300, max_lines=3)[1]
    assert cut_h < full_h
    # text that fits gets no ellipsis
    assert renderer.wrap("Baku", STYLE, 300, max_lines=1) == ["Baku"]


def test_cut_after_an_explicit_newline_also_shows_ellipsis(renderer):
    assert renderer.wrap("Baku\nБаку", STYLE, 1000, max_lines=1) == ["Baku" + ELLIPSIS]


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    words=st.lists(
        st.text(alphabet="abcdefgəğşıБакуW", min_size=1, max_size=25), min_size=1, max_size=15
    ),
    max_width=st.integers(min_value=40, max_value=600),
)
def test_wrap_property(renderer, words, max_width):
    text = " ".join(words)
    lines = renderer.wrap(text, STYLE, max_width)
    assert all(renderer.line_width(line, "text", SIZE) <= max_width for line in lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    # words are only ever split when they are wider than the line
    for word in words:
        if renderer.line_width(word, "text", SIZE) <= max_width:
            assert any(word in line.split(" ") for line in lines)


# -- cache -------------------------------------------------------------------


def test_render_cache_returns_the_same_surface():
    r = TextRenderer(TEXT_CHAIN, HEADING_CHAIN, cache_size=2)
    first = r.render(CAPTION, STYLE, max_width=400)
    assert r.render(CAPTION, STYLE, max_width=400) is first
    assert r.cache_hits == 1
    other = r.render(CAPTION, TextStyle(size_px=SIZE, color=(255, 0, 0)), max_width=400)
    assert other is not first
    r.render("third", STYLE)  # bounded: the least recently used entry goes
    assert r.cache_len == 2
    assert r.render(CAPTION, STYLE, max_width=400) is not first


# -- small API checks ------------------------------------------------------------


def test_style_validation_and_screen_size():
    with pytest.raises(ValueError):
        TextStyle(role="subtitle")
    with pytest.raises(ValueError):
        TextStyle(color=(300, 0, 0))
    assert size_for_screen(1080, 0.04) == 43
    assert size_for_screen(100, 0.01) == 8
