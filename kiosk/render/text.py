"""Caption and heading text for the kiosk screen: every string the kiosk draws comes here.

Layout (bidi, runs with a font each, HarfBuzz shaping, line breaking) is done by
:mod:`kiosk.render.layout`; this module draws the glyphs (FreeType) into a transparent
pygame surface and caches both the layouts and the surfaces (small LRUs), so a caption is
laid out and rasterised once and then only blitted.

Fonts per role: the configured chain first (the `fonts` setting, else the kiosk's own
Noto Sans), then the faces fontconfig finds for the run's language (Arabic, CJK with the
language's regional forms, Devanagari, ...), then DejaVu Sans as a last resort.

``align="start"`` puts each paragraph where its reading starts: left for Latin, right
for Arabic and Hebrew. No display is needed (headless tests run with
``SDL_VIDEODRIVER=dummy``).
"""

from __future__ import annotations

import os
import threading
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pygame

from kiosk.render import bidi
from kiosk.render.faces import Face, FontFace, warm_up
from kiosk.render.layout import ELLIPSIS, FontPicker, Line, clean, layout_paragraph
from kiosk.render.segments import grapheme_starts
from kiosk.render.system_fonts import FontConfig, LookUp, fc_language

__all__ = [
    "ELLIPSIS",
    "ROLES",
    "TextBlock",
    "TextRenderer",
    "TextStyle",
    "size_for_screen",
]

ROLES = ("text", "heading")
DIRECTIONS = ("auto", "ltr", "rtl")
ALIGNS = ("left", "center", "right", "start", "end")

Color = tuple[int, int, int]
FontPath = str | os.PathLike[str] | FontFace

_BUNDLED = os.path.join(os.path.dirname(__file__), "..", "..", "assets", "fonts")
LAST_RESORT = {
    "text": (FontFace(os.path.abspath(os.path.join(_BUNDLED, "DejaVuSans.ttf"))),),
    "heading": (FontFace(os.path.abspath(os.path.join(_BUNDLED, "DejaVuSans-Bold.ttf"))),),
}


def size_for_screen(screen_h_px: int, fraction: float, minimum: int = 8) -> int:
    """Font size in pixels as a fraction of the screen height (e.g. 0.04)."""
    return max(minimum, round(screen_h_px * fraction))


@dataclass(frozen=True)
class TextStyle:
    """How a piece of text looks.

    ``size_px`` is the em size in pixels. ``line_spacing`` multiplies the fonts' natural
    line height. ``language`` (a code like ``zh-Hant``) picks fonts with the right
    regional forms and language-specific shaping; ``direction`` "auto" takes each
    paragraph's direction from its first strong letter, "ltr"/"rtl" force it (a label's
    credit line follows its caption's direction).
    """

    role: str = "text"
    size_px: int = 32
    color: Color = (255, 255, 255)
    line_spacing: float = 1.0
    language: str = ""
    direction: str = "auto"

    def __post_init__(self) -> None:
        if self.role not in ROLES:
            raise ValueError(f"unknown text role {self.role!r}; expected one of {ROLES}")
        if int(self.size_px) != self.size_px or self.size_px < 1:
            raise ValueError(f"size_px must be a positive integer, got {self.size_px!r}")
        color = tuple(int(c) for c in self.color)
        if len(color) != 3 or not all(0 <= c <= 255 for c in color):
            raise ValueError(f"color must be three values 0..255, got {self.color!r}")
        object.__setattr__(self, "color", color)
        object.__setattr__(self, "size_px", int(self.size_px))
        if not self.line_spacing > 0:
            raise ValueError(f"line_spacing must be > 0, got {self.line_spacing!r}")
        if self.direction not in DIRECTIONS:
            raise ValueError(f"direction must be one of {DIRECTIONS}, got {self.direction!r}")


@dataclass(frozen=True)
class TextBlock:
    """Laid-out text: lines, and the box they need."""

    lines: tuple[Line, ...]
    width: int
    height: int
    ascent: int
    line_height: int
    pitch: int
    rtl: bool  # the first paragraph's direction

    @property
    def texts(self) -> list[str]:
        return [line.text for line in self.lines]


def _face(path: FontPath) -> FontFace:
    if isinstance(path, FontFace):
        return path
    return FontFace(os.path.abspath(os.fspath(path)))


class TextRenderer:
    """Lays out and draws text for the two roles; caches layouts and surfaces.

    ``text_fonts`` / ``heading_fonts`` are ordered font files; they win over system fonts
    for every run they can draw. ``system_fonts`` finds installed faces per language
    (default: fontconfig; :data:`NO_SYSTEM_FONTS` for the configured fonts only).
    ``languages`` are looked up in advance, so the first caption does not wait.
    """

    def __init__(
        self,
        text_fonts: Sequence[FontPath],
        heading_fonts: Sequence[FontPath] | None = None,
        *,
        cache_size: int = 32,
        system_fonts: LookUp | None = None,
        languages: Iterable[str] = (),
    ) -> None:
        if cache_size < 0:
            raise ValueError("cache_size must be >= 0")
        if system_fonts is None:
            system_fonts = FontConfig()
        if isinstance(system_fonts, FontConfig):
            # On a thread, the show's languages first (fontconfig knows them by their own
            # codes, Han by region), then every other script, before a caption needs them;
            # the start does not wait (runs the configured fonts draw need no look-up).
            wanted = [fc_language("Hani", lang) if lang.split("-")[0] in ("zh", "ja", "ko")
                      else lang.split("-")[0].lower() for lang in languages]
            system_fonts.prefetch_in_background(
                ((lang, bold) for lang in [*wanted, *system_fonts.every_language()]
                 for bold in (False, True)), before=warm_up)
        self._pickers = {
            "text": FontPicker([_face(p) for p in text_fonts], system_fonts, False,
                               LAST_RESORT["text"]),
            "heading": FontPicker([_face(p) for p in heading_fonts or text_fonts],
                                  system_fonts, True, LAST_RESORT["heading"]),
        }
        self._lock = threading.RLock()  # layouts may be built on a worker thread
        self._layouts: OrderedDict[tuple, TextBlock] = OrderedDict()
        self._cache: OrderedDict[tuple, pygame.Surface] = OrderedDict()
        self._cache_size = cache_size
        self.cache_hits = 0
        self.cache_misses = 0

    # -- fonts ---------------------------------------------------------------------------

    def _picker(self, role: str) -> FontPicker:
        try:
            return self._pickers[role]
        except KeyError:
            raise ValueError(f"unknown text role {role!r}; expected one of {ROLES}") from None

    def font_paths(self, role: str = "text") -> tuple[str, ...]:
        """The configured font files of a role, in order."""
        return tuple(f.font_face.path for f in self._picker(role).configured)

    def missing(self, text: str, role: str = "text", language: str = "") -> list[str]:
        """Visible characters of ``text`` that no font (configured or installed) has."""
        return self._picker(role).missing(text, language)

    def drawable(self, text: str, role: str = "text", language: str = "") -> bool:
        return not self.missing(text, role, language)

    @staticmethod
    def direction(text: str) -> str:
        """"rtl" when the text's first strong letter is right-to-left, else "ltr"."""
        return bidi.first_strong(text) or "ltr"

    # -- layout --------------------------------------------------------------------------

    def layout(self, text: str, style: TextStyle, max_width: int | None = None,
               max_lines: int | None = None) -> TextBlock:
        """Lines and box of the text as :meth:`render` would draw it (cached)."""
        if max_width is not None and max_width < 1:
            raise ValueError("max_width must be >= 1")
        if max_lines is not None and max_lines < 1:
            raise ValueError("max_lines must be >= 1")
        key = (text, style.role, style.size_px, style.line_spacing, style.language,
               style.direction, max_width, max_lines)
        with self._lock:
            found = self._layouts.get(key)
            if found is not None:
                self._layouts.move_to_end(key)
                return found
            block = self._layout(text, style, max_width, max_lines)
            self._layouts[key] = block
            while len(self._layouts) > max(64, 2 * self._cache_size):
                self._layouts.popitem(last=False)
            return block

    def _layout(self, text: str, style: TextStyle, max_width: int | None,
                max_lines: int | None) -> TextBlock:
        picker = self._picker(style.role)
        forced = None if style.direction == "auto" else style.direction
        lines: list[Line] = []
        cut = False  # the last paragraph laid out already ends in "…"
        for para in clean(text).split("\n"):
            room = None if max_lines is None else max_lines - len(lines)
            if room is not None and room <= 0:  # more text than lines: "…" on the last
                if not cut:
                    lines[-1] = _with_ellipsis(lines[-1], picker, style, max_width)
                break
            got, cut = layout_paragraph(para, picker, style.size_px, language=style.language,
                                        direction=forced, max_width=max_width, max_lines=room)
            lines.extend(got)
        faces: set[Face] = {picker.main}
        for line in lines:
            faces.update(line.faces)
        ascent = max(f.extents(style.size_px)[0] for f in faces)
        descent = max(f.extents(style.size_px)[1] for f in faces)
        line_height = max(1, round(ascent + descent))
        pitch = max(1, round(line_height * style.line_spacing))
        width = max((int(np.ceil(line.width)) for line in lines), default=0)
        if max_width is not None:
            width = min(width, max_width)  # a single glyph wider than the box is clipped
        height = line_height + pitch * (len(lines) - 1)
        rtl = bool(lines) and lines[0].rtl
        return TextBlock(tuple(lines), width, height, round(ascent), line_height, pitch, rtl)

    # -- the old measuring API, on the same layout -----------------------------------------

    def line_width(self, text: str, role: str, size_px: int, language: str = "") -> int:
        """Pixel width of one line of text (no wrapping), as it would be drawn."""
        block = self.layout(text.replace("\n", " "), TextStyle(role, size_px, language=language))
        return int(np.ceil(block.lines[0].width)) if block.lines else 0

    def measure(self, text: str, style: TextStyle, max_width: int | None = None,
                max_lines: int | None = None) -> tuple[int, int]:
        """(width, height) of what :meth:`render` would return, without drawing."""
        block = self.layout(text, style, max_width, max_lines)
        return block.width, block.height

    def wrap(self, text: str, style: TextStyle, max_width: int | None = None,
             max_lines: int | None = None) -> list[str]:
        """The lines the text is drawn as, in reading order.

        Breaks where Unicode allows a line break (spaces, between CJK characters, ...),
        cuts a word longer than a line between characters, keeps explicit newlines; with
        ``max_lines`` the last kept line ends in "…" when text was cut off.
        """
        return self.layout(text, style, max_width, max_lines).texts

    # -- drawing -------------------------------------------------------------------------

    def render(self, text: str, style: TextStyle, max_width: int | None = None,
               max_lines: int | None = None, align: str = "start") -> pygame.Surface:
        """Draw (possibly wrapped) text onto a new transparent surface.

        The result is cached: the same request returns the same Surface object, so callers
        must treat it as read-only. ``align``: "start" (each paragraph's reading side),
        "end", "left", "center" or "right" within the text block.
        """
        if align not in ALIGNS:
            raise ValueError(f"align must be one of {ALIGNS}, got {align!r}")
        key = (text, style, max_width, max_lines, align)
        with self._lock:
            surf = self._cache.get(key)
            if surf is not None:
                self._cache.move_to_end(key)
                self.cache_hits += 1
                return surf
            self.cache_misses += 1
            surf = self._draw(self.layout(text, style, max_width, max_lines), style, align)
            if self._cache_size:
                self._cache[key] = surf
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
            return surf

    def _draw(self, block: TextBlock, style: TextStyle, align: str) -> pygame.Surface:
        w, h = max(1, block.width), max(1, block.height)
        alpha = np.zeros((h, w), np.uint8)
        size = style.size_px
        for n, line in enumerate(block.lines):
            side = align
            if align in ("start", "end"):
                side = "right" if line.rtl == (align == "start") else "left"
            x0 = {"left": 0.0, "right": block.width - line.width,
                  "center": (block.width - line.width) / 2}[side]
            baseline = n * block.pitch + block.ascent
            for run in line.runs:
                for gid, gx, gy in run.glyphs:
                    glyph = run.face.glyph(size, gid)
                    if not glyph.alpha.size:
                        continue
                    x = round(x0 + gx) + glyph.left
                    y = round(baseline - gy) - glyph.top
                    _stamp(alpha, glyph.alpha, x, y)
                x0 += run.width
        surf = pygame.Surface((block.width, block.height), pygame.SRCALPHA, 32)
        if block.width and block.height:
            surf.fill((*style.color, 0))
            view = pygame.surfarray.pixels_alpha(surf)
            view[:, :] = alpha.T
            del view
        return surf

    def clear_cache(self) -> None:
        with self._lock:
            self._cache.clear()
            self._layouts.clear()

    @property
    def cache_len(self) -> int:
        return len(self._cache)


def _stamp(dst: np.ndarray, src: np.ndarray, x: int, y: int) -> None:
    """Lay a glyph's alpha onto the canvas (the stronger wins where glyphs touch)."""
    h, w = dst.shape
    sh, sw = src.shape
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(w, x + sw), min(h, y + sh)
    if x0 >= x1 or y0 >= y1:
        return
    part = dst[y0:y1, x0:x1]
    np.maximum(part, src[y0 - y:y1 - y, x0 - x:x1 - x], out=part)


def _with_ellipsis(line: Line, picker: FontPicker, style: TextStyle,
                   max_width: int | None) -> Line:
    """``line`` ending in "…" (text after it was cut off), shortened until it fits."""
    text = line.text
    direction = "rtl" if line.rtl else "ltr"
    while True:
        got = layout_paragraph(text.rstrip() + ELLIPSIS, picker, style.size_px,
                               language=style.language, direction=direction)[0][0]
        if max_width is None or got.width <= max_width or not text:
            return got
        starts = grapheme_starts(text)
        cut = len(text) - 1
        while cut > 0 and not starts[cut]:
            cut -= 1
        text = text[:cut]
