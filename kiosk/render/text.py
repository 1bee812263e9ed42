"""Caption and heading text for the kiosk screen.

Visitors read captions in many languages, and pygame's font (SDL_ttf) draws a
".notdef" box for any character the font lacks.  The renderer therefore takes
an ordered *chain* of fonts per role and draws each run of characters with the
first font that really has them (see :mod:`kiosk.render.fonts`), all runs sharing one
baseline.  Paragraphs are word-wrapped to a pixel width, CJK text without spaces
wraps between characters, and text that does not fit ends in "…".

A rendered caption is cached (small LRU), so it is rasterised once and then
only blitted every frame.

Only ``pygame.font`` is used: no display is needed (headless tests run with
``SDL_VIDEODRIVER=dummy``).

Limitation: no bidirectional reordering and no script shaping.  SDL_ttf draws
every run left to right, one glyph per character, so Arabic comes out as
isolated (unjoined) letters in reversed order and Hebrew reversed; scripts that
need shaping (Devanagari, Thai marks, ...) may show misplaced marks.
"""

from __future__ import annotations

import os
import unicodedata
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

import pygame

from kiosk.render.fonts import FontCoverage, is_ignorable

__all__ = [
    "ELLIPSIS",
    "ROLES",
    "TextRenderer",
    "TextStyle",
    "size_for_screen",
]

ROLES = ("text", "heading")
ELLIPSIS = "…"
_ASCII_ELLIPSIS = "..."

Color = tuple[int, int, int]

# Spaces a line may break at.  NO-BREAK SPACE (U+00A0), FIGURE SPACE (U+2007)
# and NARROW NO-BREAK SPACE (U+202F) deliberately are not here.
_BREAK_SPACES = " \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000"
_ZWSP = "\u200b"  # invisible break opportunity
_SOFT_HYPHEN = "\u00ad"  # fonts draw it as a visible hyphen: never draw it

# Kinsoku: CJK punctuation that must not start a line / must not end a line.
_NO_LINE_START = frozenset(
    "、。，．・：；？！ー」』）】〕〉》〗〙〟ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    "々ゝゞヽヾ〜！）］｝，．：；？%)]},.!?:;…"
)
_NO_LINE_END = frozenset("「『（【〔〈《〖〘〝（［｛([{")


def _is_cjk(ch: str) -> bool:
    """Characters of scripts written without spaces: a line may break around them."""
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x2FDF  # CJK radicals, Kangxi radicals
        or 0x3000 <= cp <= 0x303F  # CJK symbols and punctuation
        or 0x3040 <= cp <= 0x30FF  # Hiragana, Katakana
        or 0x3100 <= cp <= 0x31FF  # Bopomofo, Hangul compat jamo, Katakana ext
        or 0x3400 <= cp <= 0x4DBF  # CJK ext A
        or 0x4E00 <= cp <= 0x9FFF  # CJK unified ideographs
        or 0xAC00 <= cp <= 0xD7AF  # Hangul syllables
        or 0xF900 <= cp <= 0xFAFF  # CJK compatibility ideographs
        or 0xFF00 <= cp <= 0xFFEF  # half/full-width forms
        or 0x20000 <= cp <= 0x3FFFF  # CJK ext B and later
    )


def size_for_screen(screen_h_px: int, fraction: float, minimum: int = 8) -> int:
    """Font size in pixels as a fraction of the screen height (e.g. 0.04)."""
    return max(minimum, round(screen_h_px * fraction))


@dataclass(frozen=True)
class TextStyle:
    """How a piece of text looks.

    ``size_px`` is the em size in pixels.  ``line_spacing`` multiplies the
    fonts' natural line height (1.0 = as the font designer intended).
    """

    role: str = "text"
    size_px: int = 32
    color: Color = (255, 255, 255)
    line_spacing: float = 1.0

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


@dataclass(frozen=True)
class _Layout:
    lines: tuple[str, ...]
    widths: tuple[int, ...]
    width: int
    height: int
    ascent: int
    line_height: int
    pitch: int


class TextRenderer:
    """Draws text with a per-role font fallback chain; caches the results.

    ``text_fonts`` / ``heading_fonts`` are ordered font file paths; the first
    is the main font, later ones are fallbacks for characters it lacks.
    ``heading_fonts`` defaults to ``text_fonts``.
    """

    def __init__(
        self,
        text_fonts: Sequence[str | os.PathLike[str]],
        heading_fonts: Sequence[str | os.PathLike[str]] | None = None,
        *,
        cache_size: int = 32,
    ) -> None:
        if cache_size < 0:
            raise ValueError("cache_size must be >= 0")
        if not pygame.font.get_init():
            pygame.font.init()
        # Reading the cmaps here makes a missing/broken font fail at startup,
        # not in the middle of the slideshow.
        self._chains: dict[str, FontCoverage] = {
            "text": FontCoverage(text_fonts),
            "heading": FontCoverage(heading_fonts or text_fonts),
        }
        self._fonts: dict[tuple[str, int], pygame.font.Font] = {}
        self._cache: OrderedDict[tuple, pygame.Surface] = OrderedDict()
        self._cache_size = cache_size
        self.cache_hits = 0
        self.cache_misses = 0

    # -- fonts ---------------------------------------------------------------

    def font_paths(self, role: str = "text") -> tuple[str, ...]:
        return self._chain(role).paths

    def _chain(self, role: str) -> FontCoverage:
        try:
            return self._chains[role]
        except KeyError:
            raise ValueError(f"unknown text role {role!r}; expected one of {ROLES}") from None

    def _font(self, path: str, size_px: int) -> pygame.font.Font:
        key = (path, size_px)
        font = self._fonts.get(key)
        if font is None:
            font = pygame.font.Font(path, size_px)
            self._fonts[key] = font
        return font

    def _visible(self, text: str, chain: FontCoverage) -> str:
        """Drop characters that must not be drawn (they would show as boxes)."""
        return "".join(
            ch
            for ch in text
            if not (
                ch in (_ZWSP, _SOFT_HYPHEN)
                or unicodedata.category(ch) == "Cc"
                or (is_ignorable(ch) and not ch.isspace() and not chain.has(ch))
            )
        )

    def _runs(self, text: str, role: str, size_px: int) -> list[tuple[pygame.font.Font, str]]:
        chain = self._chain(role)
        text = self._visible(text, chain)
        return [(self._font(chain.paths[i], size_px), run) for i, run in chain.split_runs(text)]

    # -- measuring -----------------------------------------------------------

    def line_width(self, text: str, role: str, size_px: int) -> int:
        """Pixel width of one line of text (no wrapping), as it would be drawn."""
        return sum(font.size(run)[0] for font, run in self._runs(text, role, size_px) if run)

    def measure(
        self,
        text: str,
        style: TextStyle,
        max_width: int | None = None,
        max_lines: int | None = None,
    ) -> tuple[int, int]:
        """(width, height) of what :meth:`render` would return, without drawing."""
        key = self._key(text, style, max_width, max_lines, "left")
        surf = self._cache.get(key)
        if surf is not None:
            return surf.get_size()
        layout = self._layout(text, style, max_width, max_lines)
        return layout.width, layout.height

    # -- wrapping ------------------------------------------------------------

    @staticmethod
    def _clean(text: str) -> str:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = text.replace("\u2028", "\n").replace("\u2029", "\n")
        return text.replace("\t", " ")

    @staticmethod
    def _segments(paragraph: str) -> list[tuple[str, str]]:
        """Split into (word, following spaces) pieces; a line may break after each."""
        segs: list[tuple[str, str]] = []
        word: list[str] = []
        spaces: list[str] = []
        prev = ""
        for ch in paragraph:
            if ch in _BREAK_SPACES:
                spaces.append(ch)
                prev = ch
                continue
            if ch == _ZWSP:
                segs.append(("".join(word), "".join(spaces)))
                word, spaces, prev = [], [], ""
                continue
            if spaces:
                segs.append(("".join(word), "".join(spaces)))
                word, spaces = [], []
            elif (
                word
                and (_is_cjk(ch) or _is_cjk(prev))
                and ch not in _NO_LINE_START
                and prev not in _NO_LINE_END
                and not unicodedata.combining(ch)
            ):
                segs.append(("".join(word), ""))
                word = []
            word.append(ch)
            prev = ch
        if word or spaces:
            segs.append(("".join(word), "".join(spaces)))
        return segs

    def _break_word(self, word: str, role: str, size_px: int, max_width: int) -> list[str]:
        """Break a word wider than ``max_width`` into pieces that fit."""
        pieces: list[str] = []
        rest = word
        while rest:
            if self.line_width(rest, role, size_px) <= max_width:
                pieces.append(rest)
                break
            lo, hi = 1, len(rest) - 1  # longest prefix that fits (at least 1 char)
            while lo < hi:
                mid = (lo + hi + 1) // 2
                if self.line_width(rest[:mid], role, size_px) <= max_width:
                    lo = mid
                else:
                    hi = mid - 1
            cut = lo
            # never separate a combining mark from its letter
            while cut > 1 and unicodedata.combining(rest[cut]):
                cut -= 1
            if unicodedata.combining(rest[cut]):
                cut = lo
                while cut < len(rest) and unicodedata.combining(rest[cut]):
                    cut += 1
            pieces.append(rest[:cut])
            rest = rest[cut:]
        return pieces

    def _wrap_paragraph(self, paragraph: str, role: str, size_px: int, max_width: int) -> list[str]:
        lines: list[str] = []
        cur = ""
        for word, spaces in self._segments(paragraph):
            if not word:
                cur += spaces
                continue
            candidate = cur + word
            if self.line_width(candidate, role, size_px) <= max_width:
                cur = candidate + spaces
                continue
            if cur.strip(_BREAK_SPACES):
                lines.append(cur.rstrip(_BREAK_SPACES))
                cur = ""
            else:
                cur = ""  # leading spaces do not deserve their own line
            if self.line_width(word, role, size_px) <= max_width:
                cur = word + spaces
            else:
                *full, last = self._break_word(word, role, size_px, max_width)
                lines.extend(full)
                cur = last + spaces
        lines.append(cur.rstrip(_BREAK_SPACES))
        return lines

    def _ellipsis(self, role: str) -> str:
        return ELLIPSIS if self._chain(role).has(ELLIPSIS) else _ASCII_ELLIPSIS

    def _fit_with_ellipsis(self, line: str, role: str, size_px: int, max_width: int | None) -> str:
        ell = self._ellipsis(role)
        s = line.rstrip()
        if max_width is None:
            return s + ell
        while s and self.line_width(s + ell, role, size_px) > max_width:
            s = s[:-1]
            while s and unicodedata.combining(s[-1]):
                s = s[:-1]
            s = s.rstrip()
        return s + ell

    def wrap(
        self,
        text: str,
        style: TextStyle,
        max_width: int | None = None,
        max_lines: int | None = None,
    ) -> list[str]:
        """Lines the text is drawn as.

        Breaks at spaces (and between CJK characters), breaks a word longer
        than a line by characters, keeps explicit newlines.  With ``max_lines``
        the last kept line ends in "…" when text was cut off.
        """
        if max_width is not None and max_width < 1:
            raise ValueError("max_width must be >= 1")
        if max_lines is not None and max_lines < 1:
            raise ValueError("max_lines must be >= 1")
        role, size = style.role, style.size_px
        paragraphs = self._clean(text).split("\n")
        lines: list[str] = []
        for para in paragraphs:
            if max_width is None:
                lines.append(para)
            else:
                lines.extend(self._wrap_paragraph(para, role, size, max_width))
            if max_lines is not None and len(lines) > max_lines:
                break
        if max_lines is not None and len(lines) > max_lines:
            lines = lines[:max_lines]
            lines[-1] = self._fit_with_ellipsis(lines[-1], role, size, max_width)
        return lines

    # -- layout & drawing ----------------------------------------------------

    def _layout(
        self,
        text: str,
        style: TextStyle,
        max_width: int | None,
        max_lines: int | None,
    ) -> _Layout:
        lines = self.wrap(text, style, max_width, max_lines)
        role, size = style.role, style.size_px
        chain = self._chain(role)
        # Baselines line up across fonts: the line box is tall enough for the
        # highest ascent and deepest descent of every font actually used (the
        # main font always counts, so empty text still has a line height).
        used = {0}
        for line in lines:
            used.update(i for i, _ in chain.split_runs(self._visible(line, chain)))
        fonts = [self._font(chain.paths[i], size) for i in sorted(used)]
        ascent = max(f.get_ascent() for f in fonts)
        descent = max(-f.get_descent() for f in fonts)
        line_height = ascent + descent
        pitch = max(1, round(line_height * style.line_spacing))
        widths = tuple(self.line_width(line, role, size) for line in lines)
        width = max(widths, default=0)
        if max_width is not None:
            width = min(width, max_width)  # a single glyph wider than the box is clipped
        height = line_height + pitch * (len(lines) - 1)
        return _Layout(tuple(lines), widths, width, height, ascent, line_height, pitch)

    @staticmethod
    def _key(text, style, max_width, max_lines, align) -> tuple:
        return (
            text,
            style.role,
            style.size_px,
            style.color,
            max_width,
            max_lines,
            style.line_spacing,
            align,
        )

    def render(
        self,
        text: str,
        style: TextStyle,
        max_width: int | None = None,
        max_lines: int | None = None,
        align: str = "left",
    ) -> pygame.Surface:
        """Draw (possibly wrapped) text onto a new transparent surface.

        The result is cached: the same request returns the same Surface
        object, so callers must treat it as read-only (blit it, don't draw on
        it).  ``align`` is "left", "center" or "right" within the text block.
        """
        if align not in ("left", "center", "right"):
            raise ValueError(f"align must be left, center or right, got {align!r}")
        key = self._key(text, style, max_width, max_lines, align)
        surf = self._cache.get(key)
        if surf is not None:
            self._cache.move_to_end(key)
            self.cache_hits += 1
            return surf
        self.cache_misses += 1
        surf = self._draw(self._layout(text, style, max_width, max_lines), style, align)
        if self._cache_size:
            self._cache[key] = surf
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)
        return surf

    def _draw(self, layout: _Layout, style: TextStyle, align: str) -> pygame.Surface:
        surf = pygame.Surface((layout.width, layout.height), pygame.SRCALPHA, 32)
        for n, (line, line_w) in enumerate(zip(layout.lines, layout.widths, strict=True)):
            if align == "center":
                x = (layout.width - line_w) // 2
            elif align == "right":
                x = layout.width - line_w
            else:
                x = 0
            baseline = n * layout.pitch + layout.ascent
            for font, run in self._runs(line, style.role, style.size_px):
                if not run:
                    continue
                glyphs = font.render(run, True, style.color)
                surf.blit(glyphs, (x, baseline - font.get_ascent()))
                x += glyphs.get_width()
        return surf

    def clear_cache(self) -> None:
        self._cache.clear()

    @property
    def cache_len(self) -> int:
        return len(self._cache)
