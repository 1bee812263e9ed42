"""Caption text: what a visitor would notice on screen.

Every check here runs on the fonts in assets/fonts (Noto Sans, and DejaVu Sans, the last
resort, which has Arabic and Hebrew) with system fonts switched off, so it does not depend
on what the machine has installed; the few that need CJK faces use the ones setup.sh
installs (fonts-noto-cjk) through fontconfig.

Tofu (the .notdef box a font draws for a character it lacks) is detected by pixels: it
equals the rendering of a private-use code point that no font has.
"""

from __future__ import annotations

import os
from pathlib import Path

import cv2
import numpy as np
import pygame
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.render.faces import FontFace, open_face
from kiosk.render.fonts import looks_like_font, script_name
from kiosk.render.system_fonts import NO_SYSTEM_FONTS, FontConfig
from kiosk.render.text import ELLIPSIS, TextRenderer, TextStyle, size_for_screen

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
TEXT_CHAIN = [str(FONTS / "NotoSans-Regular.ttf"), str(FONTS / "DejaVuSans.ttf")]
HEADING_CHAIN = [str(FONTS / "NotoSans-Bold.ttf"), str(FONTS / "DejaVuSans-Bold.ttf")]
CAPTION = "Baku — Баку — Azərbaycan, ğ ş ı"
SIZE = 32
STYLE = TextStyle(role="text", size_px=SIZE, color=(255, 255, 255))


def pixels(surf: pygame.Surface) -> tuple[tuple[int, int], bytes]:
    return surf.get_size(), pygame.image.tobytes(surf, "RGBA")


def ink(surf: pygame.Surface, threshold: int = 100) -> np.ndarray:
    """(h, w) bool: where the text is drawn."""
    return threshold < pygame.surfarray.array_alpha(surf).T


def ink_bodies(surf: pygame.Surface) -> int:
    count, _ = cv2.connectedComponents(ink(surf).astype(np.uint8), connectivity=8)
    return count - 1


def make(**kw) -> TextRenderer:
    return TextRenderer(TEXT_CHAIN[:1], HEADING_CHAIN[:1], system_fonts=NO_SYSTEM_FONTS, **kw)


@pytest.fixture(scope="module")
def renderer() -> TextRenderer:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    return make()


@pytest.fixture(scope="module")
def no_font_char() -> str:
    """A private-use code point that no bundled font has: always drawn as .notdef."""
    cmaps = [open_face(FontFace(p)).unicodes for p in TEXT_CHAIN + HEADING_CHAIN]
    for cp in range(0xE000, 0xF8FF):
        if not any(cp in c for c in cmaps):
            return chr(cp)
    raise AssertionError("every private-use code point is covered?")


def dejavu_only_char() -> str:
    noto, dejavu = (open_face(FontFace(p)).unicodes for p in TEXT_CHAIN)
    only = dejavu - noto
    if 0x263A in only:  # ☺
        return "\u263a"
    return chr(min(cp for cp in only if chr(cp).isprintable() and not chr(cp).isspace()))


# -- coverage (validate's font checks) ---------------------------------------------------


def test_caption_in_latin_cyrillic_azerbaijani_has_no_missing_chars(renderer):
    assert renderer.missing(CAPTION) == []
    assert renderer.missing(CAPTION, "heading") == []


def test_missing_chars_reports_chinese_once_and_ignores_whitespace(renderer):
    assert renderer.missing("Baku 中国 中\t\n\u200d") == ["中", "国"]


def test_script_name_names_writing_systems_for_curators():
    assert "CJK" in script_name("中")
    assert script_name("ش") == "Arabic"
    assert script_name("ש") == "Hebrew"
    assert script_name("한") == "Korean (Hangul)"
    assert script_name("ა") == "Georgian"
    assert script_name("\ue000") == "Unicode U+E000"


def test_settings_tell_font_files_by_their_first_bytes(tmp_path):
    collection = tmp_path / "pair.ttc"
    collection.write_bytes(b"ttcf" + bytes(60))
    text = tmp_path / "notes.ttf"
    text.write_text("not a font")
    assert looks_like_font(TEXT_CHAIN[0]) and looks_like_font(collection)
    assert not looks_like_font(text) and not looks_like_font(tmp_path / "missing.ttf")


# -- fallback, no tofu -----------------------------------------------------------------


def test_caption_renders_without_tofu(renderer, no_font_char):
    box = pixels(renderer.render(no_font_char, STYLE))
    for ch in set(CAPTION) - {" "}:
        assert pixels(renderer.render(ch, STYLE)) != box, f"{ch!r} is drawn as a box"


def test_char_only_in_the_last_resort_font_is_drawn_by_it(renderer, no_font_char):
    """A symbol the main font lacks comes from DejaVu Sans, not as a box."""
    ch = dejavu_only_char()
    assert renderer.missing(f"a{ch}b") == []
    assert pixels(renderer.render(ch, STYLE)) != pixels(renderer.render(no_font_char, STYLE))


def test_missing_names_what_no_font_has(renderer):
    assert renderer.missing("Baku 中国 مدينة") == ["中", "国"]
    assert not renderer.drawable("中文") and renderer.drawable("العربية")


def test_a_font_file_that_is_not_a_font_is_left_out(tmp_path):
    """A broken file in the `fonts` setting must not stop the captions."""
    bad = tmp_path / "broken.ttf"
    bad.write_bytes(b"not a font")
    r = TextRenderer([bad, TEXT_CHAIN[0]], system_fonts=NO_SYSTEM_FONTS)
    assert r.font_paths() == (TEXT_CHAIN[0],)
    assert r.render("Baku", STYLE).get_width() > 0


# -- shaping and direction ---------------------------------------------------------------


@pytest.mark.parametrize("word", ["سهم", "محصل", "حلم"])
def test_arabic_letters_join_into_one_body(renderer, word):
    """Arabic came out as isolated letters: a word of joining, dotless letters must be
    one connected stroke of ink, as a reader expects."""
    assert ink_bodies(renderer.render(word, TextStyle(size_px=64))) == 1
    # the same letters kept apart by spaces are separate bodies: the check can fail
    assert ink_bodies(renderer.render(" ".join(word), TextStyle(size_px=64))) == len(word)


def _x_of(whole: pygame.Surface, part: pygame.Surface) -> int:
    """Where ``part`` is drawn inside ``whole`` (best match of the alpha channels)."""
    big = pygame.surfarray.array_alpha(whole).T.astype(np.float32)
    small = pygame.surfarray.array_alpha(part).T.astype(np.float32)
    scores = cv2.matchTemplate(big, small, cv2.TM_SQDIFF)
    return int(cv2.minMaxLoc(scores)[2][0])


def test_right_to_left_puts_the_first_word_on_the_right(renderer):
    """Arabic and Hebrew were drawn left to right: the first word starts at the right."""
    style = TextStyle(size_px=48)
    for first, second in (("سهم", "محصلحلم"), ("שם", "ארוךמאוד")):
        whole = renderer.render(f"{first} {second}", style)
        at_first = _x_of(whole, renderer.render(first, style))
        at_second = _x_of(whole, renderer.render(second, style))
        assert at_first > at_second, first
        assert at_first + renderer.render(first, style).get_width() >= whole.get_width() - 2


def test_numbers_and_latin_names_keep_their_order_inside_arabic(renderer):
    """An Arabic caption with a year and a Latin name: the Arabic reads right to left,
    the year and the name left to right, placed by the bidirectional algorithm."""
    block = renderer.layout("ولد في باكو عام 1994 Icherisheher", STYLE)
    [line] = block.lines
    assert line.rtl
    year = renderer.layout("1994", STYLE).lines[0].runs[0].glyphs
    name = renderer.layout("Icherisheher", STYLE).lines[0].runs[0].glyphs
    drawn = [g[0] for run in line.runs for g in run.glyphs]
    at_year = _find(drawn, [g[0] for g in year])
    at_name = _find(drawn, [g[0] for g in name])
    assert at_name == 0, "the last word of an RTL paragraph is the leftmost"
    assert at_year > at_name


def _find(seq: list[int], part: list[int]) -> int:
    for i in range(len(seq) - len(part) + 1):
        if seq[i:i + len(part)] == part:
            return i
    raise AssertionError(f"{part} not drawn in order within {seq}")


def test_start_alignment_follows_the_paragraph_direction(renderer):
    text = "سهم محصل حلم\nسهم"
    surf = renderer.render(text, STYLE)
    rows = ink(surf)
    second = rows[rows.shape[0] // 2 + 2:]
    cols = np.flatnonzero(second.any(axis=0))
    assert cols[-1] >= surf.get_width() - 4, "the short RTL line ends at the right edge"
    latin = ink(renderer.render("Baku Baku Baku\nBaku", STYLE))
    cols = np.flatnonzero(latin[latin.shape[0] // 2 + 2:].any(axis=0))
    assert cols[0] <= 4


def test_forced_direction_orders_a_credit_line_right_to_left(renderer):
    """A label's credit line follows its caption: Latin credits in an Arabic label."""
    ltr = renderer.layout("Source · 1994", STYLE).lines[0]
    rtl = renderer.layout("Source · 1994", TextStyle(size_px=SIZE, direction="rtl")).lines[0]
    first = [g[0] for g in ltr.runs[0].glyphs][:3]
    assert [g[0] for g in rtl.runs[-1].glyphs][:3] == first, "'Source' is drawn last (right)"
    assert renderer.direction("مدينة Baku") == "rtl"
    assert renderer.direction("Baku مدينة") == "ltr"


def test_combining_marks_render_on_their_letter(renderer):
    """Vietnamese and Azerbaijani marks written as combining characters sit on the letter:
    the same width as the precomposed letter."""
    assert renderer.line_width("e\u0302\u0301", "text", SIZE) == renderer.line_width(
        "ế", "text", SIZE)


# -- line breaking ---------------------------------------------------------------------


def test_wrap_fits_width_and_keeps_words_in_order(renderer):
    text = (CAPTION + " ") * 5 + "the old city walls of Icherisheher"
    max_width = 260
    lines = renderer.wrap(text, STYLE, max_width)
    assert len(lines) > 3
    assert all(renderer.line_width(line, "text", SIZE) <= max_width for line in lines)
    assert " ".join(lines).split() == text.split()
    assert renderer.render(text, STYLE, max_width).get_width() <= max_width


def test_overlong_word_is_broken_by_characters(renderer):
    word = "Azərbaycanrespublikasıprezidentiadministrasiyası"
    lines = renderer.wrap(word, STYLE, 150)
    assert len(lines) > 1
    assert "".join(lines) == word
    assert all(renderer.line_width(line, "text", SIZE) <= 150 for line in lines)


def test_a_grapheme_cluster_is_never_split(renderer):
    """A word cut for width never separates a letter from its marks (Vietnamese ế written
    as e + two combining marks, Devanagari conjuncts)."""
    word = "e\u0302\u0301" * 30
    lines = renderer.wrap(word, STYLE, 100)
    assert len(lines) > 1 and "".join(lines) == word
    assert all(line.startswith("e") and line.endswith("\u0301") for line in lines)
    hindi = "क्षत्रिय" * 8
    lines = renderer.wrap(hindi, STYLE, 120)
    assert "".join(lines) == hindi
    assert not any(line[0] in "\u094d\u093f\u094d" or line[-1] == "\u094d" for line in lines)


def test_explicit_newlines_are_kept(renderer):
    assert renderer.wrap("Baku\n\nБаку\r\nAzərbaycan", STYLE, 1000) == [
        "Baku", "", "Баку", "Azərbaycan"]
    assert renderer.wrap("a\nb", STYLE) == ["a", "b"]


def test_cjk_without_spaces_wraps_between_characters(renderer):
    text = "巴库是阿塞拜疆的首都，也是里海沿岸最大的城市。"
    max_width = 5 * SIZE
    lines = renderer.wrap(text, STYLE, max_width)
    assert len(lines) > 2
    assert "".join(lines) == text
    assert all(renderer.line_width(line, "text", SIZE) <= max_width for line in lines)


def test_cjk_punctuation_never_starts_a_line_and_opening_quote_never_ends_one(renderer):
    """Kinsoku: "。" at a line's start or "「" at its end is wrong in Chinese and Japanese.
    The widths make a naive break land exactly there."""
    one = renderer.line_width("一", "text", SIZE)
    for text in ("一二三四。五六七八", "一二三四，五六七八", "一二三「四五」六七",
                 "一二三四」五六"):
        lines = renderer.wrap(text, STYLE, 4 * one)
        assert "".join(lines) == text
        assert len(lines) > 1
        assert not any(line[0] in "。，、」" for line in lines), lines
        assert not any(line[-1] == "「" for line in lines), lines


def test_overflowing_paragraph_ends_with_ellipsis_within_max_lines(renderer):
    text = " ".join(["Azərbaycan Baku Баку"] * 20)
    lines = renderer.wrap(text, STYLE, 300, max_lines=3)
    assert len(lines) == 3
    assert lines[-1].endswith(ELLIPSIS)
    assert all(renderer.line_width(line, "text", SIZE) <= 300 for line in lines)
    assert renderer.measure(text, STYLE, 300, max_lines=3)[1] < renderer.measure(
        text, STYLE, 300)[1]
    assert renderer.wrap("Baku", STYLE, 300, max_lines=1) == ["Baku"]


def test_cut_after_an_explicit_newline_also_shows_ellipsis(renderer):
    assert renderer.wrap("Baku\nБаку", STYLE, 1000, max_lines=1) == ["Baku" + ELLIPSIS]
    assert renderer.wrap("Wait…\nБаку", STYLE, 1000, max_lines=1) == ["Wait…" + ELLIPSIS]


@settings(max_examples=40, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    words=st.lists(st.text(alphabet="abcdefgəğşıБакуWسهم", min_size=1, max_size=25),
                   min_size=1, max_size=15),
    max_width=st.integers(min_value=40, max_value=600),
)
def test_wrap_property(renderer, words, max_width):
    text = " ".join(words)
    lines = renderer.wrap(text, STYLE, max_width)
    assert all(line.width <= max_width for line in renderer.layout(text, STYLE, max_width).lines)
    assert "".join(lines).replace(" ", "") == text.replace(" ", "")
    for word in words:  # words are only split when they are wider than the line
        if renderer.line_width(word, "text", SIZE) <= max_width:
            assert any(word in line.split(" ") for line in lines)


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.text(max_size=60))
def test_any_text_lays_out_without_error(renderer, text):
    """Curators paste anything: lone surrogates, bidi controls, marks without letters."""
    surf = renderer.render(text, STYLE, 300, 3)
    assert surf.get_width() <= 300


def test_bad_text_is_drawn_not_raised(renderer):
    for text in ("\u202eabc", "\u2067مدينة\u2069 x \u202c", "\ud800x", "\u0301\u0301",
                 "a" * 20000):
        renderer.render(text, STYLE, 400, 2)


# -- rendering ---------------------------------------------------------------------------


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
        ("مدينة باكو " * 6, {"max_width": 300}),
        ("", {}),
    ]:
        assert renderer.measure(text, STYLE, **kw) == renderer.render(text, STYLE, **kw).get_size()


def test_heading_uses_the_bold_chain(renderer):
    heading = TextStyle(role="heading", size_px=SIZE)
    assert renderer.line_width("Baku", "heading", SIZE) > renderer.line_width("Baku", "text", SIZE)
    assert pixels(renderer.render("Baku", heading)) != pixels(renderer.render("Baku", STYLE))


def test_invisible_and_control_chars_do_not_become_boxes(renderer):
    plain = pixels(renderer.render("ab", STYLE))
    assert pixels(renderer.render("a\u200bb", STYLE)) == plain
    assert pixels(renderer.render("a\u00adb", STYLE)) == plain
    assert pixels(renderer.render("a\x00b", STYLE)) == plain


# -- fonts from the system, per language ---------------------------------------------------


def test_han_characters_take_the_regional_face_of_their_language():
    """Simplified Chinese, Traditional Chinese, Japanese and Korean faces differ: the
    language of the text picks the face (fontconfig, with fonts-noto-cjk from setup.sh)."""
    r = TextRenderer(TEXT_CHAIN[:1], system_fonts=FontConfig())
    faces = {}
    for lang in ("zh-Hans", "zh-Hant", "ja", "ko"):
        [line] = r.layout("直", TextStyle(size_px=SIZE, language=lang)).lines
        faces[lang] = line.runs[0].face.font_face
    assert len(set(faces.values())) == 4, faces
    assert r.missing("中文 日本語 한국어 مدينة") == []


# -- cache -------------------------------------------------------------------------------


def test_render_cache_returns_the_same_surface():
    r = make(cache_size=2)
    first = r.render(CAPTION, STYLE, max_width=400)
    assert r.render(CAPTION, STYLE, max_width=400) is first
    assert r.cache_hits == 1
    other = r.render(CAPTION, TextStyle(size_px=SIZE, color=(255, 0, 0)), max_width=400)
    assert other is not first
    r.render("third", STYLE)  # bounded: the least recently used entry goes
    assert r.cache_len == 2
    assert r.render(CAPTION, STYLE, max_width=400) is not first


# -- small API checks --------------------------------------------------------------------


def test_style_validation_and_screen_size():
    with pytest.raises(ValueError):
        TextStyle(role="subtitle")
    with pytest.raises(ValueError):
        TextStyle(color=(300, 0, 0))
    with pytest.raises(ValueError):
        TextStyle(direction="up")
    assert size_for_screen(1080, 0.04) == 43
    assert size_for_screen(100, 0.01) == 8
