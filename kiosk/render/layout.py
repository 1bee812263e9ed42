"""Text layout: one path for every piece of text the kiosk draws.

A paragraph goes through, in order:

1. bidi (UAX #9, :mod:`kiosk.render.bidi`): the paragraph's direction and each
   character's embedding level;
2. runs: the text split where the level or the script changes (marks and shared
   punctuation stay with their neighbours), and each run given the first font that has
   *every* character of it, so a joined script never breaks across fonts; only when no
   font has them all is the run split per character;
3. shaping with HarfBuzz (uharfbuzz), the whole paragraph given as context;
4. line breaking at UAX #14 opportunities (:mod:`kiosk.render.segments`), greedily, by the
   shaped advances; a word wider than the line is cut between grapheme clusters;
5. per line, the runs put in visual order (UAX #9 L2).

The result holds glyph ids and positions; :mod:`kiosk.render.text` draws them. No pygame.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from kiosk.render import bidi
from kiosk.render.faces import Face, FontFace, open_face
from kiosk.render.fonts import FontError, is_ignorable
from kiosk.render.segments import (
    BREAK_SPACES,
    COMMON,
    INHERITED,
    SOFT_HYPHEN,
    ZWSP,
    break_opportunities,
    grapheme_starts,
    script_of,
)
from kiosk.render.system_fonts import LookUp, fc_language

__all__ = ["ELLIPSIS", "FontPicker", "Line", "Run", "clean", "layout_paragraph"]

log = logging.getLogger(__name__)

ELLIPSIS = "…"
_CONTEXT = 8  # characters of shaping context given either side of a run
# Never drawn: they would show as boxes (format controls keep their effect on bidi).
_INVISIBLE = frozenset((ZWSP, SOFT_HYPHEN))


def clean(text: str) -> str:
    """Newlines made uniform, tabs made spaces, lone surrogates and controls replaced."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\u2028", "\n")
    text = text.replace("\u2029", "\n").replace("\t", " ")
    if any(0xD800 <= ord(c) <= 0xDFFF or (unicodedata.category(c) == "Cc" and c != "\n")
           for c in text):
        text = "".join(
            "\ufffd" if 0xD800 <= ord(c) <= 0xDFFF
            else "" if unicodedata.category(c) == "Cc" and c != "\n" else c
            for c in text)
    if any(unicodedata.category(c)[0] == "M" for c in text):
        text = _marks_on_circles(text)
    return text


def _marks_on_circles(text: str) -> str:
    """A combining mark with no letter before it (at a line's start or after a space)
    is put on a dotted circle, as the Unicode standard shows one alone, so it is seen."""
    out: list[str] = []
    prev = "\n"
    for c in text:
        if unicodedata.category(c)[0] == "M":
            if prev.isspace():
                out.append("\u25cc")
                prev = "\u25cc"
        else:
            prev = c
        out.append(c)
    return "".join(out)


class FontPicker:
    """The faces a role draws with: configured first, then the system's, then the last resort.

    ``configured`` are the `fonts` setting (or the kiosk's own), in order; they win for
    every run they can draw entirely. ``lookup`` finds installed faces per language
    (fontconfig); ``last_resort`` are tried after those.
    """

    def __init__(self, configured: Sequence[FontFace], lookup: LookUp, bold: bool,
                 last_resort: Sequence[FontFace] = ()) -> None:
        self.configured = self._open(configured)
        if not self.configured:
            self.configured = self._open(last_resort)
        if not self.configured:
            raise FontError("no usable font: " + ", ".join(map(str, configured)))
        self._lookup = lookup
        self._bold = bold
        self._last: list[FontFace] = list(last_resort)
        self._candidates: dict[str, tuple[Face, ...]] = {}

    @staticmethod
    def _open(faces: Sequence[FontFace]) -> list[Face]:
        out = []
        for face in faces:
            try:
                out.append(open_face(face))
            except FontError as exc:
                log.warning("%s; it is left out", exc)
        return out

    @property
    def main(self) -> Face:
        return self.configured[0]

    def candidates(self, script: str, language: str) -> tuple[Face, ...]:
        if script in (COMMON, INHERITED):  # punctuation alone: the text's language decides
            primary = language.lower().split("-")[0]
            key = fc_language("Hani", language) if primary in ("zh", "ja", "ko") else primary
        else:
            key = fc_language(script, language)
        found = self._candidates.get(key)
        if found is None:
            system = list(self._lookup(key, self._bold)) if key else []
            faces = list(self.configured)
            faces += [f for f in self._open(system + self._last) if f not in faces]
            found = self._candidates[key] = tuple(faces)
        return found

    def face_for(self, chars: str, script: str, language: str) -> Face | None:
        """The first face that has every visible character of ``chars``, or None."""
        need = {ord(c) for c in chars if not is_ignorable(c)}
        # The configured fonts first: a run they draw never waits for a system look-up.
        for face in self.configured:
            if need <= face.unicodes:
                return face
        for face in self.candidates(script, language):
            if need <= face.unicodes:
                return face
        return None

    def missing(self, text: str, language: str) -> list[str]:
        """Distinct visible characters no face can draw, in order of appearance."""
        out: list[str] = []
        seen: set[str] = set()
        for ch, script in zip(text, _scripts(text), strict=True):
            if ch in seen or is_ignorable(ch):
                continue
            seen.add(ch)
            if any(ord(ch) in f.unicodes for f in self.configured):
                continue
            if not any(ord(ch) in f.unicodes for f in self.candidates(script, language)):
                out.append(ch)
        return out


@dataclass(frozen=True)
class Run:
    """Glyphs of one face, left to right: (glyph id, x, y) in px from the run's origin."""

    face: Face
    glyphs: tuple[tuple[int, float, float], ...]
    width: float


@dataclass(frozen=True)
class Line:
    text: str  # logical order, as it would be read
    runs: tuple[Run, ...]  # visual order
    width: float
    rtl: bool  # the paragraph's direction
    faces: frozenset[Face]


@dataclass
class _Item:
    start: int
    end: int
    level: int
    script: str
    face: Face
    glyphs: list[tuple[int, int, float, float, float]]  # cluster, gid, advance, dx, dy


def _scripts(text: str) -> list[str]:
    raw = [script_of(c) for c in text]
    first = next((s for s in raw if s not in (COMMON, INHERITED)), COMMON)
    out, last = [], first
    for s in raw:
        if s not in (COMMON, INHERITED):
            last = s
        out.append(last)
    return out


def _itemize(text: str, levels: list[int], picker: FontPicker, language: str) -> list[_Item]:
    scripts = _scripts(text)
    items: list[_Item] = []
    start = 0
    n = len(text)
    for i in range(1, n + 1):
        if i < n and levels[i] == levels[start] and scripts[i] == scripts[start]:
            continue
        chunk = text[start:i]
        face = picker.face_for(chunk, scripts[start], language)
        if face is not None:
            items.append(_Item(start, i, levels[start], scripts[start], face, []))
        else:  # no font has them all: per character, the first font that has it
            items.extend(_per_char(text, start, i, levels[start], scripts[start], picker,
                                   language))
        start = i
    return items


def _per_char(text: str, start: int, end: int, level: int, script: str, picker: FontPicker,
              language: str) -> list[_Item]:
    items: list[_Item] = []
    candidates = picker.candidates(script, language)
    for i in range(start, end):
        ch = text[i]
        face = None
        if items and (is_ignorable(ch) or unicodedata.combining(ch)):
            face = items[-1].face
        if face is None:
            face = next((f for f in candidates if ord(ch) in f.unicodes), picker.main)
        if items and items[-1].face is face:
            items[-1].end = i + 1
        else:
            items.append(_Item(i, i + 1, level, script, face, []))
    return items


def _shape(codepoints: list[int], item: _Item, size_px: int, language: str) -> None:
    import uharfbuzz as hb

    # HarfBuzz looks at a few characters of context either side (Arabic joining across a
    # font change, marks at a run's start); a window keeps a long paragraph from being
    # copied for every run.
    lo = max(0, item.start - _CONTEXT)
    buf = hb.Buffer()
    buf.add_codepoints(codepoints[lo:item.end + _CONTEXT], item.start - lo, item.end - item.start)
    buf.direction = "rtl" if item.level % 2 else "ltr"
    if item.script not in (COMMON, INHERITED):
        buf.script = item.script
    if language:
        buf.language = language
    buf.guess_segment_properties()
    hb.shape(item.face.hb_font(size_px), buf, {})
    item.glyphs = [(info.cluster + lo, info.codepoint, pos.x_advance / 64, pos.x_offset / 64,
                    pos.y_offset / 64)
                   for info, pos in zip(buf.glyph_infos, buf.glyph_positions, strict=True)]


def _drawable_codepoints(text: str) -> list[int]:
    # Invisible break hints are shaped as zero-width spaces of the font: no box.
    return [0x200B if c in _INVISIBLE else ord(c) for c in text]


@dataclass
class _Shaped:
    text: str
    level: int
    items: list[_Item]
    advance: list[float]  # per character (a cluster's advance on its first character)
    prefix: list[float]
    starts: list[bool]

    def width(self, a: int, b: int) -> float:
        return self.prefix[b] - self.prefix[a]


def _shape_paragraph(text: str, picker: FontPicker, size_px: int, language: str,
                     direction: str | None) -> _Shaped:
    base, lv = bidi.levels(text, direction)
    items = _itemize(text, lv, picker, language) if text else []
    cps = _drawable_codepoints(text)
    advance = [0.0] * len(text)
    for item in items:
        _shape(cps, item, size_px, language)
        for cluster, _gid, adv, _dx, _dy in item.glyphs:
            if 0 <= cluster < len(text):
                advance[cluster] += adv
    prefix = [0.0]
    for a in advance:
        prefix.append(prefix[-1] + a)
    return _Shaped(text, base, items, advance, prefix, grapheme_starts(text))


def _trim(text: str, a: int, b: int) -> int:
    while b > a and (text[b - 1] in BREAK_SPACES or text[b - 1] in _INVISIBLE):
        b -= 1
    return b


def _line(shaped: _Shaped, a: int, b: int) -> Line:
    pieces: list[tuple[int, Face, list[tuple[int, int, float, float, float]]]] = []
    for item in shaped.items:
        if item.end <= a or item.start >= b:
            continue
        glyphs = [g for g in item.glyphs if a <= g[0] < b]
        if glyphs:
            pieces.append((item.level, item.face, glyphs))
    runs: list[Run] = []
    x_total = 0.0
    for k in bidi.visual_order([p[0] for p in pieces]):
        _level, face, glyphs = pieces[k]
        x = 0.0
        placed = []
        for _cluster, gid, adv, dx, dy in glyphs:
            placed.append((gid, x + dx, dy))
            x += adv
        runs.append(Run(face, tuple(placed), x))
        x_total += x
    return Line(shaped.text[a:b], tuple(runs), x_total, shaped.level % 2 == 1,
                frozenset(r.face for r in runs))


def _cut_word(shaped: _Shaped, a: int, b: int, max_width: float,
              measure: Callable[[int, int], float]) -> int:
    """The furthest grapheme boundary after ``a`` where [a, cut) fits (at least one).

    Widths come from ``measure``, which shapes the piece alone: a joined script takes
    other forms where a word is cut."""
    cut = a + 1
    while cut < b and not shaped.starts[cut]:
        cut += 1
    best = cut
    k = cut + 1
    while k <= b:
        if shaped.starts[k] or k == b:
            if shaped.width(a, k) > max_width * 1.5 or measure(a, k) > max_width:
                break
            best = k
        k += 1
    return best


def _break_lines(shaped: _Shaped, max_width: float | None,
                 measure: Callable[[int, int], float],
                 max_lines: int | None = None) -> list[tuple[int, int, bool]]:
    """Spans of lines, each with whether it was cut inside a word (to be shaped alone)."""
    text = shaped.text
    n = len(text)
    if max_width is None or n == 0:
        return [(0, n, False)]
    stops = [*break_opportunities(text, shaped.starts), n]
    lines: list[tuple[int, int, bool]] = []
    start = 0
    start_cut = False  # the current line starts inside a cut word
    last_fit = None  # the furthest break that still fits on the line
    k = 0
    while k < len(stops):
        stop = stops[k]
        end = _trim(text, start, stop)
        width = measure(start, end) if start_cut else shaped.width(start, end)
        if width <= max_width:
            last_fit = stop
            k += 1
            continue
        if last_fit is not None and last_fit > start:
            lines.append((start, last_fit, start_cut))
            start, last_fit, start_cut = last_fit, None, False
            if max_lines is not None and len(lines) > max_lines:
                return lines  # enough to know the text is cut
            continue
        # A single word wider than the line: cut it between grapheme clusters.
        while start < end and (shaped.width(start, end) > 1.5 * max_width
                               or measure(start, end) > max_width):
            cut = _cut_word(shaped, start, end, max_width, measure)
            lines.append((start, cut, True))
            start, start_cut = cut, True
            if max_lines is not None and len(lines) > max_lines:
                return lines
        last_fit = stop
        k += 1
    if start < n or not lines:
        lines.append((start, last_fit if last_fit is not None else n, start_cut))
    return lines


def layout_paragraph(text: str, picker: FontPicker, size_px: int, *, language: str = "",
                     direction: str | None = None, max_width: float | None = None,
                     max_lines: int | None = None) -> tuple[list[Line], bool]:
    """Lines of one paragraph (no newlines in ``text``), and whether text was cut off.

    With ``max_lines`` the last kept line of a cut paragraph ends in "…".
    """
    shaped = _shape_paragraph(text, picker, size_px, language, direction)
    base = "rtl" if shaped.level % 2 else "ltr"

    def alone(a: int, b: int) -> Line:
        sub = _shape_paragraph(text[a:b], picker, size_px, language, base)
        return _line(sub, 0, b - a)

    spans = _break_lines(shaped, max_width, lambda a, b: alone(a, b).width, max_lines)
    cut = max_lines is not None and len(spans) > max_lines
    if cut:
        spans = spans[:max_lines]
    lines = [alone(a, _trim(text, a, b)) if reshape else _line(shaped, a, _trim(text, a, b))
             for a, b, reshape in spans]
    if cut:
        a, b, _ = spans[-1]
        lines[-1] = ellipsized(shaped, a, b, picker, size_px, language, max_width)
    return lines, cut


def ellipsized(shaped: _Shaped, a: int, b: int, picker: FontPicker, size_px: int,
               language: str, max_width: float | None) -> Line:
    """[a, b) of the paragraph shortened at a cluster boundary until "…" fits after it."""
    direction = "rtl" if shaped.level % 2 else "ltr"
    text = shaped.text
    end = _trim(text, a, b)
    while True:
        candidate = text[a:end].rstrip() + ELLIPSIS
        line = layout_paragraph(candidate, picker, size_px, language=language,
                                direction=direction)[0][0]
        if max_width is None or line.width <= max_width or end <= a:
            return line
        end -= 1
        while end > a and not shaped.starts[end]:
            end -= 1
