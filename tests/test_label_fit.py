"""Captions that fit their label, or `validate` says so (issue 10, item 4)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.cli import main
from kiosk.render import label_fit
from kiosk.render.label_fit import Sizes, fit_label, ladder
from tests.conftest import ShowDir, write_image

SIZE = (960, 540)


def test_smallest_text_is_a_capital_of_0_7_degrees():
    """Guards: a minimum size made up in pixels instead of from the screen and distance."""
    assert label_fit.min_cap_mm(1.0) == pytest.approx(12.2, abs=0.05)  # EN 301 549 5.1.4
    assert label_fit.min_cap_mm(2.0) == pytest.approx(24.4, abs=0.1)
    # 55" 1080p: 1.577 px/mm, so 12.2 mm capitals are 19.3 px, an em of 27 px.
    assert label_fit.min_text_px((1920, 1080), 55, 1.0) == 27
    # The same screen twice as far away needs twice the size; 4K needs twice the pixels.
    assert label_fit.min_text_px((1920, 1080), 55, 2.0) == 54
    assert label_fit.min_text_px((3840, 2160), 55, 1.0) == 54
    assert label_fit.label_area((1920, 1080)) == (1190, 324)  # 62 % by 30 %
    assert label_fit.design_sizes((1920, 1080)) == Sizes(39, 31, 24)
    px = label_fit.min_text_px((1920, 1080), 32, 1.5)
    assert label_fit.cap_mm(px, (1920, 1080), 32) >= label_fit.min_cap_mm(1.5)


def test_steps_down_to_the_minimum_and_never_below():
    """Guards: text shrunk below readable to squeeze in, or a part drawn below the minimum
    because it was designed small."""
    design = Sizes(39, 31, 24)
    steps = ladder(design, 27)
    assert steps[0] == Sizes(39, 31, 27)  # the credit line is raised to the minimum
    assert steps[-1] == Sizes(27, 27, 27)
    assert all(min(s.title, s.caption, s.meta) >= 27 for s in steps)
    heights = {s: 10 * s.caption for s in steps}
    fit = fit_label(heights.__getitem__, design, 27, room=290)
    assert fit.fits and fit.sizes.caption == 29 and not fit.smallest
    fit = fit_label(heights.__getitem__, design, 27, room=100)
    assert not fit.fits and fit.sizes == Sizes(27, 27, 27) and fit.needed == 270


def text_rows(show_dir: ShowDir, caption: str) -> int:
    """Lines of text a visitor sees in the label band of a rendered frame."""
    write_image(show_dir.assets / "dark.png", 1280, 720, color=(10, 10, 10))
    show_dir.manifest("a.yaml", f"title: A\nitems:\n  - photo: dark.png\n    caption: {caption}\n")
    out = show_dir.root / "f.png"
    assert main(["render", "--exhibits", str(show_dir.exhibits), "--at", "1", "--out",
                 str(out), "--size", f"{SIZE[0]}x{SIZE[1]}"]) == 0
    image = cv2.imread(str(out), cv2.IMREAD_GRAYSCALE)
    rows = (image[SIZE[1] // 2: SIZE[1] - 6] > 150).any(axis=1).astype(np.int8)
    return int((np.diff(rows) == 1).sum() + rows[0])


def test_a_long_caption_steps_down_and_shows_every_line(show_dir: ShowDir):
    """Guards: a caption of 70 words cut with "…" after four lines, while a slightly
    smaller size, still readable, would show it whole."""
    assert text_rows(show_dir, "harbour " * 3) == 1
    assert text_rows(show_dir, "harbour " * 70) == 7


def test_validate_names_a_caption_that_does_not_fit(show_dir: ShowDir, capsys):
    """Guards: a long caption silently cut with "…" on screen, with no warning anywhere."""
    long = " ".join(["harbour"] * 150)
    show_dir.manifest("a.yaml", f"""\
title: A
items:
  - photo: photos/p0.jpg
    caption:
      en: {long}
      ru: Гавань утром
""")
    show_dir.settings("screen: {size: 1920x1080, diagonal: 55in, viewing_distance: 1m}\n"
                      "languages: {offered: [en, ru], default: en}\n")
    code = main(["validate", "--exhibits", str(show_dir.exhibits),
                 "--config", str(show_dir.config)])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    (warning,) = [line for line in out if "does not fit" in line]
    assert warning == (f"{show_dir.exhibits / 'a.yaml'}:5:11: warning: the `en` caption "
                              "does not fit the label on a 1920x1080 55-inch screen: it needs "
                              "15 lines where 8 fit at the smallest size readable from 1 m "
                              "(27 px, capitals 12 mm), so about 560 characters are cut "
                              "with \"…\" (shorten it, or put the longer text on a text card)")
    assert out[-1] == "1 exhibit, 1 item, 0 errors, 1 warning (1 fit)"
    # Seen from 2 m the smallest size doubles: the short Russian caption still fits.
    show_dir.settings("screen: {size: 1920x1080, diagonal: 55in, viewing_distance: 2m}\n"
                      "languages: {offered: [en, ru], default: en}\n")
    main(["validate", "--exhibits", str(show_dir.exhibits), "--config", str(show_dir.config)])
    out = capsys.readouterr().out.splitlines()
    assert [line for line in out if "does not fit" in line and "`ru`" in line] == []
    assert any("readable from 2 m (54 px" in line for line in out)


def test_a_label_that_fits_is_laid_out_once():
    """Guards: every label laid out at every size on the way down, each a full layout on
    the thread that draws."""
    design = Sizes(39, 31, 24)
    asked: list[Sizes] = []

    def measure(sizes: Sizes) -> int:
        asked.append(sizes)
        return 10 * sizes.caption

    fit_label(measure, design, 27, room=1000)
    assert len(asked) == 1
    asked.clear()
    fit_label(measure, design, 27, room=10)  # too long at any size
    assert len(asked) == 2
    asked.clear()
    assert fit_label(measure, design, 27, room=290).sizes.caption == 29
    assert len(asked) <= 4
