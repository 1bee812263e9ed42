"""Text and fonts a curator should not have written still give a clear message and a label.

Each case goes through `run_kiosk.py validate` and `run_kiosk.py render` as a curator runs
them (a real process, so a traceback or an unprintable message would show): a positioned
warning where there is something to say, the label drawn (pixels in the label band), no
traceback.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pygame
import pytest

from kiosk.cli import main
from kiosk.show.text_checks import bare_marks, join_surrogates, scan
from tests.conftest import ROOT, ShowDir, write_image

GREY = (120, 120, 120)

# (caption as written in YAML's double quotes, what validate says at the caption's line)
CASES = {
    "rtl-unclosed": (r"Rtl \u202bopen embedding never closed",
                     "a right-to-left embedding (U+202B) is never closed by U+202C"),
    "isolate-stray": (r"closed \u2069 before opened",
                      "a pop directional isolate (U+2069) closes nothing"),
    "lone-surrogate": (r"lone \ud800 surrogate",
                       "character 6 is half of a UTF-16 surrogate pair"),
    "long": ("word " * 4000, "the `en` caption does not fit the label"),
    "marks-only": (r"\u0301\u0308\u0323", "a combining mark (U+0301 combining acute accent"),
}


def _env() -> dict[str, str]:
    return {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
            "PYGAME_HIDE_SUPPORT_PROMPT": "1"}


def _kiosk(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(ROOT / "run_kiosk.py"), *args], env=_env(),
                          capture_output=True, text=True, timeout=120)


@pytest.fixture(scope="module")
def bad_show(tmp_path_factory) -> ShowDir:
    show = ShowDir(tmp_path_factory.mktemp("bad"))
    write_image(show.assets / "grey.jpg", 1920, 1080, color=GREY)
    items = "".join(f'  - photo: grey.jpg\n    caption: {{en: "{caption}"}}\n'
                    for caption, _ in CASES.values())
    show.manifest("a.yaml", "title: A\nitems:\n" + items)
    (show.assets / "broken.ttf").write_text("this is not a font\n" * 40)
    show.settings("fonts:\n  text: [broken.ttf, fonts/NotoSans-Regular.ttf]\n")
    return show


@pytest.fixture(scope="module")
def validated(bad_show: ShowDir) -> subprocess.CompletedProcess[str]:
    return _kiosk("validate", "--exhibits", str(bad_show.exhibits), "--config",
                  str(bad_show.config))


def test_validate_names_each_bad_text_at_its_line(validated):
    """Guards: a lone surrogate crashed `validate` while printing (UnicodeEncodeError) and
    was reported as a missing glyph; unpaired direction controls and bare combining marks
    went unmentioned."""
    assert "Traceback" not in validated.stderr, validated.stderr
    assert validated.returncode == 0, validated.stdout
    lines = validated.stdout.splitlines()
    for n, (_, message) in enumerate(CASES.values()):
        line = 4 + 2 * n  # each caption's own line
        assert any(f"a.yaml:{line}:" in out and f"warning: {message}" in out
                   for out in lines), (message, lines)
    assert not any("U+D800" in out for out in lines)  # not a "missing font" warning


def test_a_file_that_is_not_a_font_is_named_and_left_out(validated):
    """Guards: a broken font file in the chain must be named at its line, and the show
    still validates with the fonts that work."""
    assert ("kiosk.yaml:2:10: warning: `broken.ttf` cannot be read as a font; it is left "
            "out of the chain") in validated.stdout


@pytest.mark.parametrize("n", range(1, len(CASES) + 1), ids=list(CASES))
def test_render_draws_each_label(bad_show: ShowDir, tmp_path: Path, n: int):
    """Guards: a caption of combining marks alone was laid out with no base and drew no
    ink; every other bad caption must still be drawn, with no traceback."""
    out = tmp_path / "frame.png"
    done = _kiosk("render", "--exhibits", str(bad_show.exhibits), "--config",
                  str(bad_show.config), "--item", f"a:{n}", "--at", "3", "--out", str(out))
    assert done.returncode == 0 and "Traceback" not in done.stderr, done.stderr
    frame = pygame.surfarray.array3d(pygame.image.load(str(out))).swapaxes(0, 1)
    band = frame[int(frame.shape[0] * 0.8):, : frame.shape[1] // 2].astype(int)
    bright = band.max(axis=2) > 200  # white caption ink on the darkened band
    assert bright.sum() > 30, "no caption ink in the label band"


def test_font_missing_the_script_is_one_warning_per_script(show_dir: ShowDir, capsys,
                                                            monkeypatch):
    """Guards: a script without a name in the kiosk's table (Runic) gave one warning per
    letter ("Unicode U+16A0", "U+16A2", ...) instead of one naming the script."""
    from kiosk.render.system_fonts import NO_SYSTEM_FONTS
    from kiosk.show import media_checks

    monkeypatch.setattr(media_checks, "SYSTEM_FONTS", NO_SYSTEM_FONTS)
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n"
                                "    caption: {en: ᚠᚢᚦᚨᚱᚲ runes}\n")
    show_dir.settings("fonts: {text: [fonts/NotoSans-Regular.ttf]}\n")
    code = main(["validate", "--exhibits", str(show_dir.exhibits), "--config",
                 str(show_dir.config)])
    out = capsys.readouterr().out
    assert code == 0
    assert out.count("no font on this machine can draw") == 1, out
    assert ":3:5: warning: no font on this machine can draw Runic (ᚠᚢᚦᚨᚱᚲ)" in out


def test_surrogate_pairs_join_and_lone_halves_are_replaced():
    """Guards: YAML's `"\\ud83d\\ude00"` is one emoji, not two boxes; a lone half is U+FFFD."""
    assert join_surrogates("a\ud83d\ude00b") == ("a\U0001F600b", [])
    assert join_surrogates("\udc00x\ud800") == ("\ufffdx\ufffd", [1, 3])
    fixed, notes = scan("ok \ud83d\ude00")
    assert fixed == "ok \U0001F600" and notes == []


def test_controls_that_pair_up_and_marks_on_letters_say_nothing():
    """Guards against false alarms on well-formed text."""
    assert scan("\u202bשלום\u202c and \u2067عربي\u2069; e\u0301te\u0301")[1] == []
    assert bare_marks("a \u0301b\n\u0308") == ["\u0301", "\u0308"]
    # A closer only closes what it matches; each paragraph is separate.
    notes = scan("\u202b open\nclose \u202c")[1]
    assert [n.message.split(" (")[0] for n in notes] == [
        "a right-to-left embedding", "a pop directional formatting"]


def test_long_caption_is_laid_out_within_its_lines():
    """Guards: a 20,000-character caption is cut to the label's lines with "…"."""
    from kiosk.render.text import TextRenderer, TextStyle

    renderer = TextRenderer([ROOT / "assets" / "fonts" / "NotoSans-Regular.ttf"])
    lines = renderer.wrap("word " * 4000, TextStyle(size_px=27), max_width=1200, max_lines=8)
    assert len(lines) == 8 and lines[-1].endswith("…")
    assert np.all([len(line) > 20 for line in lines])
