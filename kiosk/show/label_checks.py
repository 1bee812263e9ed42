"""`validate`'s check that every label fits its safe area in every offered language.

The screen steps a label's text down to the smallest size readable from the viewing
distance; what still does not fit would be cut with "…". This names it at the text's own
line: which language, how much too long, at which screen size.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kiosk.errors import Problem
from kiosk.render import label_fit
from kiosk.show.loader import ShowResult
from kiosk.show.model import Label, Photo, Video, Where
from kiosk.show.settings import Settings

if TYPE_CHECKING:
    from kiosk.render.text import TextRenderer

DEFAULT_SCREEN = (1920, 1080)


@dataclass(frozen=True)
class Overflow:
    """A label that does not fit at its smallest sizes, in one language."""

    field: str  # "caption", else "title"
    language: str
    lines_needed: int
    lines_room: int
    chars_over: int  # about how many characters to cut
    where: tuple[int, int] | None  # the text's own line and column


def _labels(show: ShowResult) -> Iterator[tuple[Where, Label]]:
    seen: set[int] = set()
    for exhibit in show.show.exhibits:
        for step in exhibit.steps:
            if not isinstance(step, (Photo, Video)) or step.caption_position == "hidden":
                continue
            if step.label and id(step.label) not in seen:
                seen.add(id(step.label))
                yield step.where, step.label


def overflows(renderer: TextRenderer, label: Label, languages: tuple[str, ...], default: str,
              screen: tuple[int, int], diagonal_in: float, distance_m: float
              ) -> list[Overflow]:
    """Each distinct text of the label, as visitors of each language see it, that does
    not fit at the smallest readable size."""
    from kiosk.render import label_parts

    area = label_fit.label_area(screen)
    gap = label_parts.gap_px(screen[1])
    minimum = label_fit.min_text_px(screen, diagonal_in, distance_m)
    design = label_fit.design_sizes(screen)
    found: list[Overflow] = []
    done: set[label_parts.LabelText] = set()
    for language in languages:
        text = label_parts.label_text(label, language, default)
        if text in done:
            continue  # a fallback to the default text, already checked
        done.add(text)
        fit = label_parts.fit(renderer, text, design, minimum, area, gap)
        if fit.fits:
            continue
        limits = label_parts.line_limits(renderer, text, fit, area[0], gap)
        parts = label_parts.part_styles(text, fit.sizes)
        name = "caption" if text.caption else "title"
        index = next(i for i, (part, _, _) in enumerate(parts) if part == name)
        _, value, style = parts[index]
        block = renderer.layout(value, style, area[0])
        room = limits[index] or len(block.lines)
        needed = len(block.lines)
        over = math.ceil(len(value) * max(0, needed - room) / max(1, needed))
        source = label.caption if name == "caption" else label.title
        code = source.pick(language, default)[0]
        found.append(Overflow(name, text.lang if name == "caption" else text.title_lang,
                              needed, room, max(1, over), source.where.get(code)))
    return found


def check_label_fit(show: ShowResult, settings: Settings) -> list[Problem]:
    """A warning per label text that would be cut with "…" on this screen."""
    from kiosk.render.system_fonts import FontConfig
    from kiosk.render.text import TextRenderer
    from kiosk.show.media_checks import SYSTEM_FONTS

    screen = settings.screen.size or DEFAULT_SCREEN
    scr = settings.screen
    lookup = SYSTEM_FONTS or FontConfig()
    # Wrapped, so the renderer asks only for the scripts the show uses (no look-up of
    # every language on a thread, as the running kiosk does).
    renderer = TextRenderer(settings.fonts.text, settings.fonts.heading,
                            system_fonts=lambda lang, bold: lookup(lang, bold))
    minimum = label_fit.min_text_px(screen, scr.diagonal_in, scr.viewing_distance_m)
    cap = label_fit.cap_mm(minimum, screen, scr.diagonal_in)
    problems = []
    for where, label in _labels(show):
        for o in overflows(renderer, label, settings.languages.offered,
                           settings.languages.default, screen, scr.diagonal_in,
                           scr.viewing_distance_m):
            line, col = o.where or (where.line, where.col)
            problems.append(Problem(
                where.path, line, col, "warning",
                f"the `{o.language}` {o.field} does not fit the label on a "
                f"{screen[0]}x{screen[1]} {scr.diagonal_in:g}-inch screen: it needs "
                f"{o.lines_needed} lines where {o.lines_room} fit at the smallest size "
                f"readable from {scr.viewing_distance_m:g} m ({minimum} px, capitals "
                f"{cap:.0f} mm), so about {o.chars_over} characters are cut with \"…\"",
                "shorten it, or put the longer text on a text card", kind="fit"))
    return problems
