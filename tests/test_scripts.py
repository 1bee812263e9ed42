"""Scripts drawn as their readers expect, checked by structure rather than by font.

Each check holds for any competent font of the script and fails on a layout that skips
shaping (one glyph per code point, each at its own advance) or bidi (everything left to
right): conjuncts are fewer glyphs than code points, a pre-base vowel sign is drawn before
its consonant, Thai marks stack on their base, Hebrew and Persian read right to left while
Latin names and digits inside them read left to right.

Hebrew and Persian use the kiosk's own fonts (DejaVu Sans has both); Devanagari, Bengali
and Thai use the faces fontconfig finds, which setup.sh installs (fonts-noto-core).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pygame
import pytest

from kiosk.render.system_fonts import NO_SYSTEM_FONTS, FontConfig
from kiosk.render.text import TextRenderer, TextStyle

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"
SIZE = 64


@pytest.fixture(scope="module")
def own_fonts() -> TextRenderer:
    """The kiosk's own fonts only: Noto Sans, then DejaVu Sans (Hebrew, Arabic script)."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    return TextRenderer([FONTS / "NotoSans-Regular.ttf"], system_fonts=NO_SYSTEM_FONTS)


@pytest.fixture(scope="module")
def installed() -> TextRenderer:
    """The kiosk's fonts, then the installed ones per language (no background look-ups)."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    lookup = FontConfig()
    return TextRenderer([FONTS / "NotoSans-Regular.ttf"],
                        system_fonts=lambda lang, bold: lookup(lang, bold))


def glyphs(renderer: TextRenderer, text: str, language: str = "") -> list[int]:
    """Glyph ids of a one-line text, in drawing order (left to right)."""
    [line] = renderer.layout(text, TextStyle(size_px=SIZE, language=language)).lines
    return [g[0] for run in line.runs for g in run.glyphs]


def faces(renderer: TextRenderer, text: str, language: str) -> set[str]:
    [line] = renderer.layout(text, TextStyle(size_px=SIZE, language=language)).lines
    return {Path(run.face.font_face.path).name for run in line.runs}


def ink_rows_cols(renderer: TextRenderer, text: str, language: str
                  ) -> tuple[np.ndarray, np.ndarray]:
    alpha = pygame.surfarray.array_alpha(
        renderer.render(text, TextStyle(size_px=SIZE, language=language))).T > 100
    return np.flatnonzero(alpha.any(axis=1)), np.flatnonzero(alpha.any(axis=0))


def _find(seq: list[int], part: list[int]) -> int:
    for i in range(len(seq) - len(part) + 1):
        if seq[i:i + len(part)] == part:
            return i
    raise AssertionError(f"{part} not drawn in order within {seq}")


# -- Indic: conjuncts and reordering ---------------------------------------------------

INDIC = [("hi", "Devanagari", "क्ष", "क", "ि"), ("bn", "Bengali", "ক্ষ", "ক", "ি")]


@pytest.mark.parametrize(("lang", "script", "conjunct", "consonant", "sign_i"), INDIC,
                         ids=[c[0] for c in INDIC])
def test_a_conjunct_is_one_shape_and_vowel_sign_i_comes_first(
        installed, lang, script, conjunct, consonant, sign_i):
    """Unshaped Indic text shows KA + VIRAMA + SSA as three separate signs (a visible
    virama) where a reader sees one conjunct, and puts the vowel sign I after its
    consonant where it is written before it."""
    assert not any(f.startswith(("NotoSans-", "DejaVu")) for f in
                   faces(installed, conjunct, lang)), \
        f"no {script} font installed (setup.sh installs fonts-noto-core)"
    assert len(glyphs(installed, conjunct, lang)) < len(conjunct)
    [base] = glyphs(installed, consonant, lang)
    drawn = glyphs(installed, consonant + sign_i, lang)
    assert len(drawn) == 2 and drawn[-1] == base and drawn[0] != base, drawn


# -- Thai: marks stack on their base ---------------------------------------------------


def test_thai_tone_mark_stacks_above_an_upper_vowel_on_its_base(installed):
    """Without mark positioning the tone mark (MAI EK) sits where it would on a bare
    consonant and collides with the vowel SARA II above it; shaped, it rises above the
    vowel. All marks stay within the consonant's width (they do not advance the pen)."""
    base, vowel, tone = "ก", "\u0e35", "\u0e48"
    assert "NotoSans-Regular.ttf" not in faces(installed, base + vowel + tone, "th"), \
        "no Thai font installed (setup.sh installs fonts-noto-core)"
    top = {t: ink_rows_cols(installed, t, "th")[0][0]
           for t in (base + vowel, base + tone, base + vowel + tone)}
    assert top[base + vowel + tone] < top[base + vowel]
    assert top[base + vowel + tone] < top[base + tone]
    width = installed.line_width(base, "text", SIZE, "th")
    assert installed.line_width(base + vowel + tone, "text", SIZE, "th") == width
    cols = ink_rows_cols(installed, base + vowel + tone, "th")[1]
    assert cols[0] >= -1 and cols[-1] <= width + 1


# -- Hebrew and Persian with Latin and digits ------------------------------------------


def test_hebrew_with_a_latin_name_and_digits_keeps_each_in_reading_order(own_fonts):
    """"Born in 1994 in Tel Aviv (Tel Aviv)": the Hebrew words read right to left (the
    first is rightmost), the year and the Latin name left to right, where bidi puts them."""
    text = "נולד ב־1994 בעיר Tel Aviv"
    drawn = glyphs(own_fonts, text)
    first = glyphs(own_fonts, "נולד")
    year = glyphs(own_fonts, "1994")
    name = glyphs(own_fonts, "Tel Aviv")
    at_first, at_year, at_name = (_find(drawn, g) for g in (first, year, name))
    assert at_first + len(first) == len(drawn), "the first Hebrew word is rightmost"
    assert at_name == 0, "the Latin name, last in reading, is leftmost"
    assert at_name < at_year < at_first
    [line] = own_fonts.layout(text, TextStyle(size_px=SIZE)).lines
    assert line.rtl


@pytest.mark.parametrize("year", ["1373", "۱۳۷۳"], ids=["latin-digits", "persian-digits"])
def test_persian_with_digits_reads_right_to_left_and_the_number_left_to_right(own_fonts,
                                                                             year):
    """"Tehran, the year 1373": Persian words right to left; a number, in Latin or
    Persian digits, keeps its most significant digit on the left."""
    text = f"تهران سال {year}"
    drawn = glyphs(own_fonts, text)
    digits = glyphs(own_fonts, year)
    assert _find(drawn, digits) == 0, "the number, last in reading, is leftmost"
    assert digits[0] != digits[-1]  # '1…3' / '۱…۳': the order check can fail
    first = glyphs(own_fonts, "تهران")
    assert _find(drawn, first) + len(first) == len(drawn), "the first word is rightmost"
