"""Which font of a fallback chain can draw which character.

pygame (SDL_ttf) silently draws a ".notdef" box ("tofu") for a character the
font lacks, and cannot fall back to another font by itself.  This module reads
each font's character map with fontTools so that

* the caption renderer can split a string into runs, each drawn by the first
  font of the chain that really has the glyphs, and
* ``validate`` can tell a curator, before the exhibition opens, that no
  configured font can draw some caption text (and in which writing system).

No pygame here: this is pure file reading, usable without a display.
"""

from __future__ import annotations

import os
import threading
import unicodedata
from collections.abc import Iterable, Sequence
from functools import lru_cache

from kiosk.errors import KioskError

__all__ = [
    "FontCoverage",
    "FontError",
    "is_ignorable",
    "load_cmap",
    "looks_like_font",
    "missing_chars",
    "script_name",
    "split_runs",
]

FontPath = str | os.PathLike[str]


class FontError(KioskError):
    """A font file cannot be read (missing, unreadable or not a font)."""


# Guards the fontTools read; the lru_cache itself is thread-safe but two
# threads could otherwise both parse the same big CJK font at startup.
_LOAD_LOCK = threading.Lock()


def _key(path: FontPath) -> str:
    return os.path.abspath(os.fspath(path))


@lru_cache(maxsize=64)
def _load_cmap_cached(abs_path: str) -> frozenset[int]:
    from fontTools.ttLib import TTFont  # imported when a font is read, not at start

    try:
        # fontNumber=0: the first face of a .ttc collection, the same face
        # pygame.font.Font opens, so coverage and drawing agree.
        with TTFont(abs_path, lazy=True, fontNumber=0) as font:
            cmap = font.getBestCmap()
    except FileNotFoundError as exc:
        raise FontError(f"font file not found: {abs_path}") from exc
    except Exception as exc:  # fontTools raises many kinds on a bad file
        raise FontError(f"cannot read font {abs_path}: {exc}") from exc
    # A symbol-only font may have no Unicode cmap at all: it covers nothing.
    return frozenset(cmap) if cmap else frozenset()


# The first four bytes of TrueType, OpenType (CFF), old Apple TrueType and collections.
_FONT_MAGIC = (b"\x00\x01\x00\x00", b"OTTO", b"true", b"ttcf")


def looks_like_font(path: FontPath) -> bool:
    """Whether the file starts as a font does: a cheap check for settings, which must not
    read every fallback font's tables at start (a renamed image or a text file fails)."""
    try:
        with open(path, "rb") as file:
            return file.read(4) in _FONT_MAGIC
    except OSError:
        return False


def load_cmap(path: FontPath) -> frozenset[int]:
    """Code points the font at ``path`` has a glyph for (cached per path).

    Works for .ttf, .otf and .ttc/.otc (first face).  Raises FontError if the
    file is missing or is not a readable font.
    """
    key = _key(path)
    with _LOAD_LOCK:
        return _load_cmap_cached(key)


def is_ignorable(char: str) -> bool:
    """True for characters that need no glyph: whitespace, controls, format chars.

    Format characters (category Cf: zero-width joiner/space, soft hyphen, bidi
    marks) and variation selectors are invisible by definition, so a font
    lacking them is not a problem worth reporting.
    """
    if char.isspace():
        return True
    cat = unicodedata.category(char)
    if cat in ("Cc", "Cf", "Zl", "Zp", "Zs"):
        return True
    cp = ord(char)
    # Variation selectors (text/emoji presentation) carry no glyph of their own.
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


class FontCoverage:
    """The character coverage of an ordered font fallback chain."""

    def __init__(self, font_paths: Sequence[FontPath]):
        if not font_paths:
            raise ValueError("a font chain needs at least one font")
        self.paths: tuple[str, ...] = tuple(os.fspath(p) for p in font_paths)
        # The first font is read now (a broken main font fails at start); fallbacks only
        # when a character sends the search that far, which keeps the start quick.
        self._cmaps: list[frozenset[int] | None] = [load_cmap(self.paths[0])] + [None] * (
            len(self.paths) - 1)
        self._index: dict[str, int | None] = {}

    def cmap(self, i: int) -> frozenset[int]:
        found = self._cmaps[i]
        if found is None:
            found = self._cmaps[i] = load_cmap(self.paths[i])
        return found

    @property
    def cmaps(self) -> tuple[frozenset[int], ...]:
        return tuple(self.cmap(i) for i in range(len(self.paths)))

    def font_index(self, char: str) -> int | None:
        """Index of the first font in the chain that has ``char``, or None."""
        try:
            return self._index[char]
        except KeyError:
            pass
        cp = ord(char)
        found = next((i for i in range(len(self.paths)) if cp in self.cmap(i)), None)
        if len(self._index) < 65536:  # bounded: a kiosk runs for days
            self._index[char] = found
        return found

    def has(self, char: str) -> bool:
        return self.font_index(char) is not None

    def missing_chars(self, text: str) -> list[str]:
        """Distinct characters of ``text`` no font draws, in order of appearance."""
        seen: set[str] = set()
        out: list[str] = []
        for ch in text:
            if ch in seen:
                continue
            seen.add(ch)
            if not is_ignorable(ch) and self.font_index(ch) is None:
                out.append(ch)
        return out

    def split_runs(self, text: str) -> list[tuple[int, str]]:
        """Split ``text`` into (font index, run) pieces, in order.

        Each character goes to the first font that has it; a character no font
        has goes to font 0 (it will be drawn as that font's .notdef box).  One
        refinement: a combining mark stays with its base letter's font when that
        font has the mark too, because drawing the mark with another font would
        detach it from the letter.
        """
        runs: list[tuple[int, list[str]]] = []
        for ch in text:
            idx = self.font_index(ch)
            if idx is None:
                idx = 0
            if runs:
                cur, chars = runs[-1]
                if idx == cur or (unicodedata.combining(ch) and ord(ch) in self.cmap(cur)):
                    chars.append(ch)
                    continue
            runs.append((idx, [ch]))
        return [(i, "".join(chars)) for i, chars in runs]


@lru_cache(maxsize=32)
def _coverage(paths: tuple[str, ...]) -> FontCoverage:
    return FontCoverage(paths)


def _chain(font_paths: Iterable[FontPath]) -> FontCoverage:
    return _coverage(tuple(_key(p) for p in font_paths))


def missing_chars(text: str, font_paths: Sequence[FontPath]) -> list[str]:
    """Distinct characters of ``text`` that no font in the chain can draw.

    Whitespace, control and format characters are ignored (they need no glyph).
    """
    return _chain(font_paths).missing_chars(text)


def split_runs(text: str, font_paths: Sequence[FontPath]) -> list[tuple[int, str]]:
    """Split ``text`` into runs drawn by the same font of the chain.

    Returns ``[(font_index, run_text), ...]``; joining the run texts gives back
    ``text``.  A character no font has goes to font 0.
    """
    return _chain(font_paths).split_runs(text)


# First word(s) of a Unicode character name -> how a curator calls the script.
_SCRIPT_PREFIXES: tuple[tuple[str, str], ...] = (
    ("CJK", "Chinese/Japanese (CJK)"),
    ("IDEOGRAPHIC", "Chinese/Japanese (CJK)"),
    ("KANGXI", "Chinese/Japanese (CJK)"),
    ("BOPOMOFO", "Chinese (Bopomofo)"),
    ("HIRAGANA", "Japanese (Hiragana)"),
    ("KATAKANA", "Japanese (Katakana)"),
    ("HALFWIDTH KATAKANA", "Japanese (Katakana)"),
    ("HANGUL", "Korean (Hangul)"),
    ("HALFWIDTH HANGUL", "Korean (Hangul)"),
    ("ARABIC", "Arabic"),
    ("HEBREW", "Hebrew"),
    ("SYRIAC", "Syriac"),
    ("THAANA", "Thaana"),
    ("DEVANAGARI", "Devanagari"),
    ("BENGALI", "Bengali"),
    ("GURMUKHI", "Gurmukhi"),
    ("GUJARATI", "Gujarati"),
    ("ORIYA", "Odia"),
    ("TAMIL", "Tamil"),
    ("TELUGU", "Telugu"),
    ("KANNADA", "Kannada"),
    ("MALAYALAM", "Malayalam"),
    ("SINHALA", "Sinhala"),
    ("THAI", "Thai"),
    ("LAO", "Lao"),
    ("TIBETAN", "Tibetan"),
    ("MYANMAR", "Myanmar (Burmese)"),
    ("KHMER", "Khmer"),
    ("GEORGIAN", "Georgian"),
    ("ARMENIAN", "Armenian"),
    ("ETHIOPIC", "Ethiopic (Amharic)"),
    ("MONGOLIAN", "Mongolian"),
    ("CHEROKEE", "Cherokee"),
    ("CYRILLIC", "Cyrillic"),
    ("GREEK", "Greek"),
    ("LATIN", "Latin"),
)


def script_name(char: str) -> str:
    """Name the writing system of ``char`` in words a curator understands.

    E.g. "Chinese/Japanese (CJK)", "Arabic", "Korean (Hangul)"; for anything
    not recognised (symbols, unassigned code points) "Unicode U+XXXX";
    pictographs give "Emoji (U+XXXX)".
    """
    if len(char) != 1:
        raise ValueError(f"script_name expects one character, got {char!r}")
    cp = ord(char)
    name = unicodedata.name(char, "")
    for prefix, label in _SCRIPT_PREFIXES:
        if name == prefix or name.startswith(prefix + " "):
            return label
    # CJK extension blocks: some Python versions lack names for the newest ones.
    if 0x3400 <= cp <= 0x9FFF or 0x20000 <= cp <= 0x3FFFF or 0xF900 <= cp <= 0xFAFF:
        return "Chinese/Japanese (CJK)"
    if 0xAC00 <= cp <= 0xD7A3:
        return "Korean (Hangul)"
    if 0x1F300 <= cp <= 0x1FAFF:
        return f"Emoji (U+{cp:04X})"
    return f"Unicode U+{cp:04X}"
