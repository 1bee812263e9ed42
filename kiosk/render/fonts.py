"""Words for writing systems and characters, as `validate` tells them to a curator.

Which font draws what is decided by the layout (:mod:`kiosk.render.layout`, faces in
:mod:`kiosk.render.faces`); this module only names things.
"""

from __future__ import annotations

import os
import unicodedata

from kiosk.errors import KioskError

__all__ = ["FontError", "is_ignorable", "looks_like_font", "script_name"]

FontPath = str | os.PathLike[str]


class FontError(KioskError):
    """A font file cannot be read (missing, unreadable or not a font)."""


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


def is_ignorable(char: str) -> bool:
    """True for characters that need no glyph: whitespace, controls, format chars.

    Format characters (category Cf: zero-width joiner/space, soft hyphen, bidi marks) and
    variation selectors are invisible by definition, so a font lacking them is not a
    problem worth reporting.
    """
    if char.isspace():
        return True
    cat = unicodedata.category(char)
    if cat in ("Cc", "Cf", "Zl", "Zp", "Zs"):
        return True
    cp = ord(char)
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


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
    # Any other script's letters are named after it ("RUNIC LETTER FEHU ..."), so one
    # warning covers a word rather than one per letter.
    if unicodedata.category(char).startswith("L"):
        for word in (" LETTER ", " SYLLABLE ", " HIEROGLYPH ", " IDEOGRAPH "):
            if word in name:
                return name.split(word)[0].title()
    return f"Unicode U+{cp:04X}"
