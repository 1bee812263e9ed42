"""`render --item EXHIBIT:N --lang CODE`: one slide in one language, without editing the
settings or guessing moments."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.cli import main
from tests.conftest import ShowDir, write_image

SIZE = "480x270"
COLOURS = {"red.png": (0, 0, 220), "green.png": (0, 200, 0), "blue.png": (220, 0, 0)}  # BGR


@pytest.fixture
def show(show_dir: ShowDir) -> ShowDir:
    for name, bgr in COLOURS.items():
        write_image(show_dir.assets / name, 640, 360, color=bgr)
    show_dir.manifest("a.yaml", """title: A
defaults: {duration: 4s, transition: crossfade 2s, caption_position: hidden}
items:
  - photo: missing.png        # item 1 cannot play: still item 1 for the curator
  - sequence: [red.png, green.png]
  - photo: blue.png
""")
    show_dir.manifest("b.yaml", """title: B
items:
  - photo: red.png
    caption:
      en: Boats return at dawn
      fr: Les bateaux rentrent à l'aube
""")
    show_dir.settings("languages: {offered: [en, fr], default: en}\n")
    return show_dir


def render(capsys, show: ShowDir, *args: str) -> tuple[int, np.ndarray | None, str]:
    out = show.root / "f.png"
    out.unlink(missing_ok=True)
    code = main(["render", "--exhibits", str(show.exhibits), "--config", str(show.config),
                 "--size", SIZE, "--out", str(out), *args])
    _, err = capsys.readouterr()
    return code, (cv2.imread(str(out)) if code == 0 else None), err


def centre(image: np.ndarray) -> tuple[int, ...]:
    return tuple(int(v) for v in image[image.shape[0] // 2, image.shape[1] // 2])


def test_item_numbers_count_as_written_and_reach_a_sequences_photos(show: ShowDir, capsys):
    """Guards: guessing `--at` for a slide; numbers shifted by an item that cannot play."""
    code, image, err = render(capsys, show, "--item", "a:2.2")
    assert code == 0, err
    assert centre(image) == pytest.approx((0, 200, 0), abs=3)  # green, fully faded in
    code, image, _ = render(capsys, show, "--item", "a:3")
    assert centre(image) == pytest.approx((220, 0, 0), abs=3)
    code, image, _ = render(capsys, show, "--item", "a:2")
    assert centre(image) == pytest.approx((0, 0, 220), abs=3)
    # --at counts from the item's start: 3 s into blue (4 s) is still blue; 5 s is the
    # crossfade back to the first playable step.
    _, still_blue, _ = render(capsys, show, "--item", "a:3", "--at", "3")
    assert centre(still_blue) == pytest.approx((220, 0, 0), abs=3)


def test_item_that_cannot_play_or_does_not_exist_is_a_usage_error(show: ShowDir, capsys):
    code, _, err = render(capsys, show, "--item", "a:1")
    assert code == 2 and "item 1 of `a` cannot play; `validate` says why" in err
    code, _, err = render(capsys, show, "--item", "a:7")
    assert code == 2 and "`a` has no item `7`; its items are 1 to 3" in err
    code, _, err = render(capsys, show, "--item", "c:1")
    assert code == 2 and "no exhibit `c` plays; the exhibits are `a`, `b`" in err


def test_lang_draws_the_slide_as_a_visitor_who_chose_it_sees_it(show: ShowDir, capsys):
    """Guards: checking a translation by editing `default:` in the settings."""
    _, english, _ = render(capsys, show, "--item", "b:1")
    code, french, err = render(capsys, show, "--item", "b:1", "--lang", "fr")
    assert code == 0, err
    assert not np.array_equal(english, french)  # the label changed
    show.settings("languages: {offered: [en, fr], default: fr}\n")
    _, french_default, _ = render(capsys, show, "--item", "b:1")
    assert np.array_equal(french, french_default)  # exactly what the settings route draws


def test_lang_not_offered_and_no_moment_are_usage_errors(show: ShowDir, capsys):
    code, _, err = render(capsys, show, "--item", "b:1", "--lang", "de")
    assert code == 2 and "`de` is not offered to visitors; choose one of en, fr" in err
    code, _, err = render(capsys, show)
    assert code == 2 and "render needs --at SECONDS or --item EXHIBIT:N" in err
