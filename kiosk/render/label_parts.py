"""A museum label's parts in one language, and how tall they are at given sizes.

The compositor draws with these and `validate` measures with them, so a warning that a
caption does not fit is about exactly what the screen would show.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.render.label_fit import CAPTION_SPACING, GAP, Fit, Sizes, fit_label
from kiosk.render.text import TextRenderer, TextStyle
from kiosk.show.model import Label, Text

META_COLOR = (205, 208, 212)
META_SEPARATOR = "  ·  "


@dataclass(frozen=True)
class LabelText:
    """What a label says in one language, with the language each part is written in."""

    title: str
    title_lang: str
    caption: str
    lang: str  # the caption's (else the title's): the credit line's fonts follow it
    meta: str
    direction: str  # "rtl" or "ltr": the caption's, else the title's

    @property
    def rtl(self) -> bool:
        return self.direction == "rtl"


def _pick(text: Text, language: str, default: str) -> tuple[str, str]:
    code, value = text.pick(language, default)
    return value, code or default


def label_text(label: Label, language: str, default: str) -> LabelText:
    title, title_lang = _pick(label.title, language, default)
    caption, caption_lang = _pick(label.caption, language, default)
    meta = META_SEPARATOR.join(t for t in (label.source.get(language, default),
                                           label.date.get(language, default),
                                           label.credit.get(language, default)) if t)
    direction = TextRenderer.direction(caption or title or "")
    return LabelText(title, title_lang, caption, caption_lang if caption else title_lang,
                     meta, direction)


def part_styles(text: LabelText, sizes: Sizes) -> list[tuple[str, str, TextStyle]]:
    """(part, text, style) of each part that has text: title, caption, meta (the credit
    line)."""
    parts = []
    if text.title:
        parts.append(("title", text.title,
                      TextStyle("heading", sizes.title, language=text.title_lang)))
    if text.caption:
        parts.append(("caption", text.caption, TextStyle(
            "text", sizes.caption, line_spacing=CAPTION_SPACING, language=text.lang)))
    if text.meta:
        parts.append(("meta", text.meta, TextStyle(
            "text", sizes.meta, META_COLOR, language=text.lang, direction=text.direction)))
    return parts


def gap_px(screen_h: int) -> int:
    return max(8, round(screen_h * GAP))


def height(renderer: TextRenderer, text: LabelText, sizes: Sizes, width: int,
           gap: int) -> int:
    """The label's height with every line shown."""
    blocks = [renderer.layout(t, style, width) for _, t, style in part_styles(text, sizes)]
    return sum(b.height for b in blocks) + gap * max(0, len(blocks) - 1)


def fit(renderer: TextRenderer, text: LabelText, design: Sizes, minimum: int,
        area: tuple[int, int], gap: int) -> Fit:
    """The sizes the label is drawn at within ``area`` (width, height)."""
    width, room = area
    return fit_label(lambda sizes: height(renderer, text, sizes, width, gap), design,
                     minimum, room)


def line_limits(renderer: TextRenderer, text: LabelText, result: Fit, width: int,
                gap: int) -> list[int | None]:
    """Lines each part may take: all of them when the label fits; else the title and the
    credit line keep theirs (two at most) and the caption gets what room is left, its
    last line ending in "…"."""
    parts = part_styles(text, result.sizes)
    if result.fits:
        return [None] * len(parts)
    limits: list[int | None] = []
    used = gap * max(0, len(parts) - 1)
    caption_at = None
    for i, (part, t, style) in enumerate(parts):
        if part == "caption":
            caption_at = i
            limits.append(None)
            continue
        block = renderer.layout(t, style, width, 2)
        used += block.height
        limits.append(2)
    if caption_at is not None:
        _, t, style = parts[caption_at]
        block = renderer.layout(t, style, width, 1)
        spare = result.room - used - block.line_height
        limits[caption_at] = max(1, 1 + spare // max(1, block.pitch))
    return limits
