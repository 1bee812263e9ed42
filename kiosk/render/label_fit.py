"""How big a museum label's text is, and whether it fits its safe area.

Pure: sizes come from the screen's pixels, its physical diagonal and the distance visitors
read from; whether text fits is asked of a ``measure`` function (the compositor and
`validate` pass the same one, built on the text layout), so both decide alike.

The rule: a label's parts start at their design sizes (fractions of the screen height) and
step down together until the label fits its safe area, but never below the smallest
readable size: a capital letter at least 0.7 degrees of visual angle (EN 301 549 5.1.4,
about 12 mm at 1 m). A part designed smaller than that is drawn at the minimum. Text that
does not fit at the minimum is cut with "…" on screen, and `validate` names it.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

SAFE_MARGIN = 0.05  # of each side: TVs overscan, and edges are hard to read
LABEL_WIDTH = 0.62  # of the screen width: lines of readable length
LABEL_HEIGHT = 0.30  # of the screen height: the photo stays the main thing
TITLE_SIZE, CAPTION_SIZE, META_SIZE = 0.036, 0.029, 0.022  # of the screen height
GAP = 0.012  # between the label's parts, of the screen height
CAPTION_SPACING = 1.1  # the caption's line spacing

MIN_ANGLE_DEG = 0.7  # a capital letter's height seen from the viewing distance
CAP_HEIGHT = 0.714  # capital height per em of Noto Sans and DejaVu Sans (0.714, 0.729)
STEP = 0.92  # each step down shrinks the text by 8 %


@dataclass(frozen=True)
class Sizes:
    """Em sizes in pixels of a label's three parts."""

    title: int
    caption: int
    meta: int


@dataclass(frozen=True)
class Fit:
    """The sizes chosen, the room they had and the height they need there."""

    sizes: Sizes
    needed: int
    room: int
    smallest: bool  # the sizes are the minimum: text cannot shrink further

    @property
    def fits(self) -> bool:
        return self.needed <= self.room


def px_per_mm(screen: tuple[int, int], diagonal_in: float) -> float:
    return math.hypot(*screen) / (diagonal_in * 25.4)


def min_cap_mm(distance_m: float) -> float:
    """The smallest readable capital letter at ``distance_m``: 12.2 mm at 1 m."""
    return 2 * distance_m * 1000 * math.tan(math.radians(MIN_ANGLE_DEG / 2))


def min_text_px(screen: tuple[int, int], diagonal_in: float, distance_m: float) -> int:
    """The smallest em size whose capitals reach the minimum visual angle."""
    return math.ceil(min_cap_mm(distance_m) * px_per_mm(screen, diagonal_in) / CAP_HEIGHT)


def cap_mm(size_px: int, screen: tuple[int, int], diagonal_in: float) -> float:
    """How tall a capital letter of an em of ``size_px`` is on the screen, in mm."""
    return size_px * CAP_HEIGHT / px_per_mm(screen, diagonal_in)


def label_area(screen: tuple[int, int]) -> tuple[int, int]:
    """The label's safe area: (width, height) in pixels, inside the screen's margins."""
    w, h = screen
    return round(w * LABEL_WIDTH), round(h * LABEL_HEIGHT)


def design_sizes(screen: tuple[int, int]) -> Sizes:
    h = screen[1]
    return Sizes(*(max(8, round(h * f)) for f in (TITLE_SIZE, CAPTION_SIZE, META_SIZE)))


def scaled(design: Sizes, scale: float, minimum: int) -> Sizes:
    return Sizes(*(max(minimum, round(s * scale))
                   for s in (design.title, design.caption, design.meta)))


def ladder(design: Sizes, minimum: int) -> list[Sizes]:
    """The sizes tried, largest first: 8 % smaller each step, the last all at ``minimum``
    (whatever the design, a part never goes below it)."""
    steps: list[Sizes] = []
    scale = 1.0
    while True:
        sizes = scaled(design, scale, minimum)
        if not steps or sizes != steps[-1]:
            steps.append(sizes)
        if max(sizes.title, sizes.caption, sizes.meta) <= minimum:
            return steps
        scale *= STEP


def fit_label(measure: Callable[[Sizes], int], design: Sizes, minimum: int,
              room: int) -> Fit:
    """The largest step whose ``measure`` (the label's height, unlimited lines) is within
    ``room``; else the smallest step, which does not fit.

    Tries the design sizes, then the smallest, then halves the steps between: most labels
    fit at once (one layout), one too long for any size costs two, the rest about four.
    """
    steps = ladder(design, minimum)
    first = measure(steps[0])
    if first <= room or len(steps) == 1:
        return Fit(steps[0], first, room, len(steps) == 1)
    last = measure(steps[-1])
    if last > room:
        return Fit(steps[-1], last, room, True)
    lo, hi, best = 0, len(steps) - 1, last  # steps[lo] does not fit, steps[hi] does
    while hi - lo > 1:
        mid = (lo + hi) // 2
        needed = measure(steps[mid])
        if needed <= room:
            hi, best = mid, needed
        else:
            lo = mid
    return Fit(steps[hi], best, room, hi == len(steps) - 1)
