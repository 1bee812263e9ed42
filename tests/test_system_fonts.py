"""Fonts found on the machine through fontconfig, per language."""

from __future__ import annotations

import os
import stat
from pathlib import Path

from kiosk.render.faces import FontFace
from kiosk.render.system_fonts import FontConfig, fc_language, parse_fc_match
from kiosk.render.text import TextRenderer, TextStyle

FONTS = Path(__file__).resolve().parent.parent / "assets" / "fonts"


def test_han_is_asked_for_by_the_region_its_language_writes():
    """zh-Hans, zh-Hant, ja and ko draw many Han characters differently."""
    assert fc_language("Hani", "zh") == "zh-cn"
    assert fc_language("Hani", "zh-Hans") == "zh-cn"
    assert fc_language("Hani", "zh-Hant") == "zh-tw"
    assert fc_language("Hani", "zh-TW") == "zh-tw"
    assert fc_language("Hani", "zh-HK") == "zh-hk"
    assert fc_language("Hani", "ja") == "ja"
    assert fc_language("Hani", "ko") == "ko"
    assert fc_language("Hani", "en") == "zh-cn"  # a Chinese name in an English caption
    assert fc_language("Kana", "ja") == "ja"
    assert fc_language("Arab", "fa") == "fa" and fc_language("Arab", "ar-SA") == "ar"
    assert fc_language("Arab", "en") == "ar" and fc_language("Hebr", "") == "he"


def test_fc_match_output_is_read_best_first_without_bitmap_fonts():
    out = ("/f/NotoSansCJK-Regular.ttc|2\n/f/misc/6x13.pcf.gz|0\n/f/NotoSansCJK-Regular.ttc|2\n"
           "/f/DejaVuSans.ttf|0\nnonsense\n")
    assert parse_fc_match(out) == (FontFace("/f/NotoSansCJK-Regular.ttc", 2),
                                   FontFace("/f/DejaVuSans.ttf", 0))


def fake_fc_match(tmp_path: Path, answer: Path) -> str:
    script = tmp_path / "fc-match"
    script.write_text(f"#!/bin/sh\necho '{answer}|0'\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_lookups_run_in_the_background_and_a_caller_gets_their_answer(tmp_path):
    fc = FontConfig(program=fake_fc_match(tmp_path, FONTS / "DejaVuSans.ttf"))
    keys = [(f"x-test-{n}", False) for n in range(9)]
    fc.prefetch_in_background(keys)
    assert fc("x-test-8", False) == (FontFace(str(FONTS / "DejaVuSans.ttf")),)
    fc.join()
    assert all(fc(*k) for k in keys)


def test_without_fontconfig_the_kiosk_draws_with_its_own_fonts():
    fc = FontConfig(program="no-such-fc-match-program")
    assert not fc.available and fc("ar", False) == ()
    r = TextRenderer([FONTS / "NotoSans-Regular.ttf"], system_fonts=fc, languages=["ar", "zh"])
    assert r.render("Baku مدينة", TextStyle(size_px=24)).get_width() > 0
    assert os.fspath(FONTS / "NotoSans-Regular.ttf") in r.font_paths()
