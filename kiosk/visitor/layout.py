"""Where the visitor controls are: one layout shared by drawing and by hit-testing.

Pure geometry (no pygame): the overlay draws exactly the rectangles computed here and a
tap is matched against the same rectangles, so what a visitor sees is what they can press.
Lay out once per screen size / language list / exhibit and keep the element lists; they
are plain frozen values.

Sizes:

* A touch target is at least 11.6 mm on the configured screen (44 px at 96 ppi, WCAG
  2.5.5) *and* at least 7 % of the screen's shorter side. On a 55" 1080p screen 11.6 mm
  is only 19 px, far too
  small to find from a step away; 7 % (76 px, about 48 mm) is what reads as a button.
* Everything sits inside the safe area (5 % of each side, as the compositor's captions).
* Text inside controls is sized here too (``Element.text_px``), so a chip measured here
  is drawn at the same size. ``measure(text, size_px) -> width`` should be the renderer's
  ``line_width``; without it widths are estimated from the characters, and the overlay
  still ellipsises rather than overflow.

Element ids: "prev", "pause", "next", "index", "lang:<code>", "dot:<i>", "clip", "close",
"tile:<exhibit index>", "pin:<digit>", "pin:back", "pin:ok", "pin:cancel", "pin:display",
"pin:message", "countdown:message", "countdown:keep". Dots, "clip" (a video's progress
bar), "pin:display" (the entered-digit dots), "pin:message" and "countdown:message" are
drawn but never hit.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "DOT_CAP",
    "LANGUAGE_NAMES",
    "Element",
    "Rect",
    "controls_layout",
    "countdown_layout",
    "dot_for_step",
    "edge_zones",
    "hit",
    "index_layout",
    "language_label",
    "pin_layout",
    "px_per_mm",
    "target_px",
    "tile_parts",
    "volume_layout",
    "zoom_layout",
]

Size = tuple[int, int]
Measure = Callable[[str, int], int]
_Chips = tuple[list[list[tuple[str, str, int]]], int, bool]  # rows, text px, names shown

SAFE_MARGIN = 0.05  # of each side, as the compositor's labels
MIN_TARGET_MM = 11.6  # 44 px at 96 ppi (WCAG 2.5.5), on the screen's real size
MIN_TARGET_SHORT_SIDE = 0.07
EDGE_ZONE = 0.15  # of the width, each side
DOT_CAP = 24  # more steps than this: each dot stands for a run of steps
GAP = 0.25  # of a target, between neighbouring controls
CHIP_TEXT = 0.36  # chip label size, of a target
CHIP_TEXT_MIN = 0.27
CHIP_PAD = 0.3  # of a target, left and right of a chip label
TILE_ASPECT = 4 / 3  # thumbnail box, width / height
TILE_TITLE_LINES = 2
TITLE_LINE = 1.3  # line height of a tile title, of its size

LANGUAGE_NAMES = {
    "en": "English", "ru": "Русский", "az": "Azərbaycan dili", "zh": "中文", "de": "Deutsch",
    "fr": "Français", "es": "Español", "tr": "Türkçe", "ar": "العربية", "uk": "Українська",
    "ka": "ქართული", "ja": "日本語", "it": "Italiano", "pt": "Português", "ko": "한국어",
    "fa": "فارسی", "he": "עברית", "hy": "Հայերեն", "kk": "Қазақша", "uz": "Oʻzbekcha",
    "pl": "Polski", "nl": "Nederlands", "el": "Ελληνικά", "hi": "हिन्दी",
    "zh-hans": "简体中文", "zh-hant": "繁體中文", "bn": "বাংলা", "th": "ไทย", "vi": "Tiếng Việt",
}

_NOT_TAPPABLE = ("dot:", "clip", "pin:display", "pin:message", "countdown:message")


@dataclass(frozen=True)
class Rect:
    """A pixel rectangle: ``x <= px < x + w`` and ``y <= py < y + h``."""

    x: int
    y: int
    w: int
    h: int

    @property
    def right(self) -> int:
        return self.x + self.w

    @property
    def bottom(self) -> int:
        return self.y + self.h

    @property
    def center(self) -> tuple[float, float]:
        return self.x + self.w / 2, self.y + self.h / 2

    def contains(self, px: float, py: float) -> bool:
        return self.x <= px < self.x + self.w and self.y <= py < self.y + self.h

    def grown(self, by: int) -> Rect:
        return Rect(self.x - by, self.y - by, self.w + 2 * by, self.h + 2 * by)

    def overlaps(self, other: Rect) -> bool:
        return (self.x < other.right and other.x < self.right
                and self.y < other.bottom and other.y < self.bottom)

    def distance(self, px: float, py: float) -> float:
        """From a point to the nearest point of the rectangle (0 inside)."""
        dx = max(self.x - px, 0.0, px - self.right)
        dy = max(self.y - py, 0.0, py - self.bottom)
        return math.hypot(dx, dy)


def union(rects: Iterable[Rect]) -> Rect:
    rects = list(rects)
    x0 = min(r.x for r in rects)
    y0 = min(r.y for r in rects)
    x1 = max(r.right for r in rects)
    y1 = max(r.bottom for r in rects)
    return Rect(x0, y0, x1 - x0, y1 - y0)


@dataclass(frozen=True)
class Element:
    """Something on screen. ``text_px`` is the size its label is drawn at (0: no text)."""

    id: str
    rect: Rect
    label: str = ""
    text_px: int = 0

    @property
    def tappable(self) -> bool:
        return not self.id.startswith(_NOT_TAPPABLE)


# ------------------------------------------------------------------------------ sizes


def px_per_mm(size: Size, diagonal_in: float) -> float:
    """Pixels per millimetre of a screen ``size`` pixels across a ``diagonal_in`` diagonal."""
    w, h = size
    if w <= 0 or h <= 0 or not diagonal_in > 0:
        raise ValueError(f"need a positive size and diagonal, got {size} at {diagonal_in} in")
    return math.hypot(w, h) / (diagonal_in * 25.4)


def target_px(size: Size, diagonal_in: float) -> int:
    """Smallest side of a touch target: 11.6 mm on this screen and 7 % of its short side."""
    return max(math.ceil(MIN_TARGET_MM * px_per_mm(size, diagonal_in)),
               math.ceil(MIN_TARGET_SHORT_SIDE * min(size)))


def edge_zones(size: Size, diagonal_in: float = 55.0) -> tuple[int, int]:
    """Widths of the left (previous) and right (next) tap zones."""
    zone = max(round(EDGE_ZONE * size[0]), target_px(size, diagonal_in))
    zone = min(zone, size[0] // 2)
    return zone, zone


def _margins(size: Size) -> tuple[int, int]:
    return round(size[0] * SAFE_MARGIN), round(size[1] * SAFE_MARGIN)


def _gap(target: int) -> int:
    return max(4, round(target * GAP))


# -------------------------------------------------------------------------- language


def language_label(code: str, drawable: Callable[[str], bool] | None = None) -> str:
    """A language's own name ("Deutsch" for de), else its code upper-cased.

    ``drawable(text)`` says whether the screen's fonts have every character: a name that
    would come out as boxes is replaced by the code.
    """
    name = LANGUAGE_NAMES.get(code.lower()) or LANGUAGE_NAMES.get(code.split("-")[0].lower())
    if not name or (drawable is not None and not drawable(name)):
        return code.upper()
    return name


def estimate_width(text: str, size_px: int) -> int:
    """A generous guess at a line's width when no renderer is at hand."""
    em = 0.0
    for ch in text:
        if unicodedata.combining(ch):
            continue
        em += 1.0 if unicodedata.east_asian_width(ch) in ("W", "F") else 0.62
    return math.ceil(em * size_px)


# ------------------------------------------------------------------------ controls


def dot_for_step(step: int, steps: int, cap: int = DOT_CAP) -> int:
    """Which progress dot shows ``step`` of ``steps`` (several steps share one past ``cap``)."""
    if steps <= cap:
        return step
    # Dot i covers steps [i*steps//cap, (i+1)*steps//cap): the last dot starting at or
    # before ``step``.
    return min(cap - 1, max(0, ((step + 1) * cap - 1) // steps))


def _dot_count(steps: int, cap: int) -> int:
    return max(0, min(steps, cap))


def controls_layout(size: Size, diagonal_in: float, languages: Sequence[str], dots: int,
                    *, measure: Measure | None = None,
                    drawable: Callable[[str], bool] | None = None,
                    clip: bool = True, dot_cap: int = DOT_CAP) -> list[Element]:
    """The control bar along the bottom of the safe area.

    Index button at the left, previous / pause / next in the middle with the progress dots
    (one per step of the exhibit; past ``dot_cap`` each dot covers a run of steps, see
    :func:`dot_for_step`) and room for a video's progress bar ("clip") above them, language
    chips at the right. On a portrait screen, when the right-hand side is too narrow, or
    when many languages would stack high there, the chips get rows of their own above the
    dots. Chips shrink their text, wrap onto a second row, then fall back to language
    codes; a one-language show has no chips.

    Raises ValueError only if even code chips cannot fit on the screen.
    """
    w, h = size
    mx, my = _margins(size)
    t = target_px(size, diagonal_in)
    g = _gap(t)
    safe_w, safe_h = w - 2 * mx, h - 2 * my
    if safe_w < 5 * t + 4 * g or safe_h < 3 * t:
        raise ValueError(f"a {w}x{h} screen is too small for touch controls of {t} px")
    measure = measure or estimate_width
    out: list[Element] = []

    # Bottom row: index | prev pause next.
    row_y = h - my - t
    group_w = 3 * t + 2 * g
    centre_w = min(safe_w - 2 * (t + g), max(group_w, round(0.3 * w)))
    x = (w - group_w) // 2
    out.append(Element("index", Rect(mx, row_y, t, t), "Index"))
    for name, label in (("prev", "Previous"), ("pause", "Pause"), ("next", "Next")):
        out.append(Element(name, Rect(x, row_y, t, t), label))
        x += t + g

    # Above the buttons: the clip bar, then the dots, both centred in the middle column.
    y = row_y
    bar_h = max(4, round(t * 0.1))
    if clip:
        y -= g // 2 + bar_h
        out.append(Element("clip", Rect((w - centre_w) // 2, y, centre_w, bar_h)))
    n_dots = _dot_count(dots, dot_cap)
    if n_dots:
        pitch = min(max(6, round(t * 0.32)), centre_w // n_dots)
        d = max(3, min(round(t * 0.16), round(pitch * 0.6)))
        y -= g // 2 + d
        x = (w - pitch * n_dots) // 2
        for i in range(n_dots):
            first = i * dots // n_dots if dots > dot_cap else i
            stop = (i + 1) * dots // n_dots if dots > dot_cap else i + 1
            cx = x + i * pitch + pitch // 2
            out.append(Element(f"dot:{i}", Rect(cx - d // 2, y, d, d), f"{first}:{stop}"))
    top_of_middle = y

    langs = list(dict.fromkeys(languages)) if len(languages) > 1 else []
    if not langs:
        return out

    labels = [language_label(code, drawable) for code in langs]
    right_x0 = (w + centre_w) // 2 + g
    right_w = w - mx - right_x0
    # Beside the buttons (landscape): right-aligned rows, the last one level with the buttons.
    side = None
    if h <= w and right_w >= 2 * t + g:
        side_rows = max(1, (row_y - my) // (t + g) + 1)
        side = _place_chips(langs, labels, measure, t, g, right_w, side_rows)
    # Else rows of their own above the dots, centred on the full safe width.
    bottom = top_of_middle - g
    stacked = None
    if side is None or len(side[0]) > 2 or not side[2]:
        stacked_rows = max(0, (bottom - my + g) // (t + g))
        stacked = _place_chips(langs, labels, measure, t, g, safe_w, stacked_rows)
        if stacked is not None and side is not None and len(side[0]) <= len(stacked[0]) and (
                side[2] or not stacked[2]):
            stacked = None  # no better above than beside
    if stacked is not None:
        rows, text_px, _ = stacked
        for r, row in enumerate(rows):
            ry = bottom - (len(rows) - r) * t - (len(rows) - r - 1) * g
            x = (w - sum(cw for _, _, cw in row) - g * (len(row) - 1)) // 2
            for code, label, cw in row:
                out.append(Element(f"lang:{code}", Rect(x, ry, cw, t), label, text_px))
                x += cw + g
    elif side is not None:
        rows, text_px, _ = side
        for r, row in enumerate(rows):
            ry = row_y - (len(rows) - 1 - r) * (t + g)  # first row on top, as read
            x = w - mx - sum(cw for _, _, cw in row) - g * (len(row) - 1)
            for code, label, cw in row:
                out.append(Element(f"lang:{code}", Rect(x, ry, cw, t), label, text_px))
                x += cw + g
    else:
        raise ValueError(f"{len(langs)} language chips do not fit a {w}x{h} screen")
    return out


def _place_chips(codes: list[str], labels: list[str], measure: Measure, t: int, g: int,
                 width: int, max_rows: int) -> _Chips | None:
    """Chips in rows of at most ``width``: rows, text size, whether they show names.

    Preference: names in one row (shrinking the text down to CHIP_TEXT_MIN), else names
    at the largest text in two rows, else codes in one or two rows, else the fewest rows
    that fit. Visitors look for their language's own name.
    """
    if max_rows < 1:
        return None
    pad = round(t * CHIP_PAD)
    step = max(1, round(t * 0.03))
    sizes = list(range(round(t * CHIP_TEXT), round(t * CHIP_TEXT_MIN) - 1, -step))
    codes_up = [c.upper() for c in codes]
    attempts = [(labels, px) for px in sizes] + [(codes_up, sizes[-1])]
    placed = []
    for names, px in attempts:
        widths = [min(width, max(t, measure(name, px) + 2 * pad)) for name in names]
        placed.append((_wrap(list(zip(codes, names, widths, strict=True)), g, width), px))
    with_names, codes_only = placed[:-1], placed[-1:]
    for candidates, limit in ((with_names, 1), (with_names, 2), (codes_only, 1),
                              (codes_only, 2)):
        for rows, px in candidates:
            if len(rows) <= min(limit, max_rows):
                return rows, px, candidates is with_names
    rows, px = min(placed, key=lambda p: len(p[0]))
    return (rows, px, False) if len(rows) <= max_rows else None


def _wrap(items: list[tuple[str, str, int]], g: int, width: int
          ) -> list[list[tuple[str, str, int]]]:
    rows: list[list[tuple[str, str, int]]] = [[]]
    used = 0
    for item in items:
        need = item[2] + (g if rows[-1] else 0)
        if rows[-1] and used + need > width:
            rows.append([])
            used, need = 0, item[2]
        rows[-1].append(item)
        used += need
    return rows


# --------------------------------------------------------------------------- index


def index_layout(size: Size, diagonal_in: float, n_exhibits: int) -> list[Element]:
    """A grid of exhibit tiles (thumbnail box above a two-line title) and a close button.

    Tiles are as large as the count allows on this screen (1..30 fit without scrolling);
    the grid is centred, its last row too. :func:`tile_parts` splits a tile.
    """
    w, h = size
    mx, my = _margins(size)
    t = target_px(size, diagonal_in)
    g = _gap(t)
    close = Element("close", Rect(w - mx - t, my, t, t), "Close")
    if n_exhibits <= 0:
        return [close]
    area = Rect(mx, my + t + g, w - 2 * mx, h - 2 * my - t - g)
    gap = max(g, round(min(size) * 0.02))
    best: tuple[float, int, int, int, int] | None = None
    for cols in range(1, n_exhibits + 1):
        rows = math.ceil(n_exhibits / cols)
        cell_w = (area.w - (cols - 1) * gap) / cols
        cell_h = (area.h - (rows - 1) * gap) / rows
        # Title size follows the tile, between a small print and a caption's size.
        text_px = round(min(max(min(size) * 0.018, cell_w * 0.075), min(size) * 0.03))
        title_h = math.ceil(TILE_TITLE_LINES * TITLE_LINE * text_px) + gap // 2
        thumb_w = min(cell_w, (cell_h - title_h) * TILE_ASPECT)
        if thumb_w < t or thumb_w / TILE_ASPECT + title_h < t:
            continue
        if best is None or thumb_w > best[0]:
            best = (thumb_w, cols, rows, text_px, title_h)
    if best is None:
        raise ValueError(f"{n_exhibits} exhibits do not fit a {w}x{h} screen")
    thumb_w, cols, rows, text_px, title_h = best
    tw = math.floor(thumb_w)
    th = math.floor(tw / TILE_ASPECT) + title_h
    grid_h = rows * th + (rows - 1) * gap
    y = area.y + (area.h - grid_h) // 2
    out = []
    for r in range(rows):
        in_row = min(cols, n_exhibits - r * cols)
        x = area.x + (area.w - in_row * tw - (in_row - 1) * gap) // 2
        for c in range(in_row):
            i = r * cols + c
            out.append(Element(f"tile:{i}", Rect(x + c * (tw + gap), y, tw, th), "", text_px))
        y += th + gap
    out.append(close)
    return out


def tile_parts(tile: Element) -> tuple[Rect, Rect]:
    """(thumbnail box, title box) of an index tile."""
    r = tile.rect
    thumb_h = math.floor(r.w / TILE_ASPECT)
    return Rect(r.x, r.y, r.w, thumb_h), Rect(r.x, r.y + thumb_h, r.w, r.h - thumb_h)


# --------------------------------------------------------------------------- PIN pad


def pin_layout(size: Size, diagonal_in: float) -> list[Element]:
    """A centred 3x4 keypad (1-9, back, 0, ok), the entered-digit dots and a message line
    above it, and a cancel button below."""
    w, h = size
    mx, my = _margins(size)
    t = target_px(size, diagonal_in)
    g = _gap(t)
    key = max(t, round(min(size) * 0.1))
    text_px = max(8, round(key * 0.42))
    display_h, message_h = round(key * 0.6), max(t // 2, round(text_px * 1.5))

    def total(k: int, gap: int) -> int:
        return display_h + message_h + 5 * k + 7 * gap  # the gap above cancel counts too

    while key > t and total(key, g) > h - 2 * my:
        key -= 1
    text_px = max(8, round(key * 0.42))
    if total(key, g) > h - 2 * my or 3 * key + 2 * g > w - 2 * mx:
        raise ValueError(f"a {w}x{h} screen is too small for a keypad of {t} px keys")
    pad_w = 3 * key + 2 * g
    x0 = (w - pad_w) // 2
    y = (h - total(key, g)) // 2
    wide_w = min(w - 2 * mx, max(pad_w, round(w * 0.4)))
    out = [Element("pin:display", Rect((w - wide_w) // 2, y, wide_w, display_h))]
    y += display_h + g
    out.append(Element("pin:message", Rect((w - wide_w) // 2, y, wide_w, message_h), "",
                       max(8, round(text_px * 0.7))))
    y += message_h + g
    keys = ["1", "2", "3", "4", "5", "6", "7", "8", "9", "back", "0", "ok"]
    labels = {"back": "⌫", "ok": "OK"}
    for i, name in enumerate(keys):
        r, c = divmod(i, 3)
        out.append(Element(f"pin:{name}", Rect(x0 + c * (key + g), y + r * (key + g), key, key),
                           labels.get(name, name), text_px))
    y += 4 * (key + g) + g
    cancel_w = max(key, 2 * key + g)
    out.append(Element("pin:cancel", Rect((w - cancel_w) // 2, y, cancel_w, key), "Cancel",
                       max(8, round(text_px * 0.7))))
    return out


# ------------------------------------------------------------- one finger for zoom

ZOOM_IDS = ("zoom:in", "zoom:out")
PAN_IDS = ("pan:up", "pan:left", "pan:right", "pan:down")


def zoom_layout(size: Size, diagonal_in: float, zoomed: bool) -> list[Element]:
    """Zoom in and out, and while zoomed a cross of pan buttons: a one-finger way for
    the pinch and the drag (WCAG 2.5.1). A column at the right edge, above the control
    bar, inside the safe area; every button a full target."""
    w = size[0]
    mx, my = _margins(size)
    t = target_px(size, diagonal_in)
    g = _gap(t)
    x = w - mx - t
    out = [Element("zoom:in", Rect(x, my, t, t)),
           Element("zoom:out", Rect(x, my + t + g, t, t))]
    if zoomed:
        top = my + 2 * (t + g) + g
        cx = w - mx - 2 * t - g  # the middle column of a 3-wide cross
        out += [Element("pan:up", Rect(cx, top, t, t)),
                Element("pan:left", Rect(cx - t - g, top + t + g, t, t)),
                Element("pan:right", Rect(cx + t + g, top + t + g, t, t)),
                Element("pan:down", Rect(cx, top + 2 * (t + g), t, t))]
    return out


def volume_layout(size: Size, diagonal_in: float) -> list[Element]:
    """Louder and quieter for a clip, where the zoom buttons are for a photo."""
    zoom_in, zoom_out = zoom_layout(size, diagonal_in, False)
    return [Element("volume:up", zoom_in.rect), Element("volume:down", zoom_out.rect)]


# ------------------------------------------------------------------ reset countdown


def countdown_layout(size: Size, diagonal_in: float) -> list[Element]:
    """The warning before an idle reset: a message line and a wide "keep looking" button,
    centred in the lower third where a visitor's eyes and hands already are. The whole
    screen counts as the button too (rules: any touch keeps looking)."""
    w, h = size
    mx, _ = _margins(size)
    t = target_px(size, diagonal_in)
    button_h = max(t, round(min(size) * 0.1))
    text_px = max(8, round(button_h * 0.38))
    box_w = min(w - 2 * mx, max(round(w * 0.45), 6 * button_h))
    message_h = round(text_px * 1.8)
    g = _gap(t)
    total = message_h + g + button_h
    y = h - round(h * 0.3) - total // 2
    x = (w - box_w) // 2
    button_w = min(box_w, max(3 * button_h, round(box_w * 0.55)))
    return [Element("countdown:message", Rect(x, y, box_w, message_h), "", text_px),
            Element("countdown:keep", Rect((w - button_w) // 2, y + message_h + g, button_w,
                                           button_h), "", text_px)]


# ---------------------------------------------------------------------------- taps


def hit(elements: Iterable[Element], px: float, py: float, slop_px: int = 0
        ) -> Element | None:
    """The tappable element under a point, each grown by ``slop_px``; the nearest wins."""
    best: tuple[float, float, Element] | None = None
    for el in elements:
        if not el.tappable or not el.rect.grown(slop_px).contains(px, py):
            continue
        cx, cy = el.rect.center
        rank = (el.rect.distance(px, py), math.hypot(px - cx, py - cy))
        if best is None or rank < best[:2]:
            best = (*rank, el)
    return best[2] if best else None
