"""Labels in right-to-left languages, as a visitor sees them on a rendered frame."""

from __future__ import annotations

import cv2
import numpy as np

from kiosk.cli import main
from tests.conftest import ShowDir, write_image

SIZE = (960, 540)


def frame(show_dir: ShowDir, caption: str, name: str) -> np.ndarray:
    write_image(show_dir.assets / "dark.png", 1280, 720, color=(10, 10, 10))
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: dark.png\n"
                                f"    caption: {caption}\n    credit: Photo Archive\n")
    out = show_dir.root / name
    assert main(["render", "--exhibits", str(show_dir.exhibits), "--at", "1", "--out",
                 str(out), "--size", f"{SIZE[0]}x{SIZE[1]}"]) == 0
    return cv2.imread(str(out), cv2.IMREAD_GRAYSCALE)


def text_columns(image: np.ndarray) -> np.ndarray:
    """Columns of the label band with bright (text) pixels."""
    band = image[SIZE[1] * 2 // 3:]
    return np.flatnonzero((band > 150).any(axis=0))


def test_an_arabic_label_sits_at_the_right_margin(show_dir: ShowDir):
    """Labels were always left-aligned: an Arabic caption must start at the right, where
    its reader starts, and a Latin one at the left."""
    latin = text_columns(frame(show_dir, "The old city walls of Baku", "l.png"))
    arabic = text_columns(frame(show_dir, "أسوار مدينة باكو القديمة", "a.png"))
    margin = round(SIZE[0] * 0.05)
    assert abs(latin[0] - margin) <= 3 and latin[-1] < SIZE[0] * 0.6
    assert abs(arabic[-1] - (SIZE[0] - margin)) <= 4 and arabic[0] > SIZE[0] * 0.4
