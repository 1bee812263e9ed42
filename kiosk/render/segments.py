"""Unicode rules the layout needs, in plain Python: scripts, grapheme clusters, line breaks.

* :func:`script_of` names a character's writing system (ISO 15924 tag, "Zyyy" for
  characters every script shares, "Zinh" for marks that take their base's script), so a
  paragraph splits into runs that each go to one font and one shaping call.
* :func:`grapheme_starts` marks where a user-perceived character starts (UAX #29 extended
  grapheme clusters: a letter with its marks, a Devanagari conjunct, an emoji sequence, a
  Hangul syllable of jamo, a flag). Nothing is ever cut inside one.
* :func:`break_opportunities` gives where a line may end (the subset of UAX #14 captions
  need): after spaces, around ideographs (CJK breaks between characters), after a hyphen
  between letters, after a zero-width space, never before closing punctuation (。，、」…)
  or after opening punctuation (「…). Thai, Lao, Khmer and Burmese, which need a dictionary
  to find word ends, break only at spaces (and between clusters when a word is too long).
"""

from __future__ import annotations

import bisect
import unicodedata

__all__ = [
    "BREAK_SPACES",
    "NO_LINE_END",
    "NO_LINE_START",
    "break_opportunities",
    "grapheme_starts",
    "is_ideographic",
    "script_of",
]

COMMON, INHERITED = "Zyyy", "Zinh"

# (first, last, script): blocks whose letters belong to one script. Punctuation, digits
# and symbols inside them are still "common" (see script_of).
_RANGES = sorted([
    (0x0041, 0x005A, "Latn"), (0x0061, 0x007A, "Latn"), (0x00AA, 0x00AA, "Latn"),
    (0x00BA, 0x00BA, "Latn"), (0x00C0, 0x024F, "Latn"), (0x0250, 0x02AF, "Latn"),
    (0x1D00, 0x1DBF, "Latn"), (0x1E00, 0x1EFF, "Latn"), (0x2C60, 0x2C7F, "Latn"),
    (0xA720, 0xA7FF, "Latn"), (0xFF21, 0xFF3A, "Latn"), (0xFF41, 0xFF5A, "Latn"),
    (0x0370, 0x03FF, "Grek"), (0x1F00, 0x1FFF, "Grek"),
    (0x0400, 0x052F, "Cyrl"), (0x1C80, 0x1C8F, "Cyrl"), (0x2DE0, 0x2DFF, "Cyrl"),
    (0xA640, 0xA69F, "Cyrl"),
    (0x0530, 0x058F, "Armn"), (0xFB13, 0xFB17, "Armn"),
    (0x0590, 0x05FF, "Hebr"), (0xFB1D, 0xFB4F, "Hebr"),
    (0x0600, 0x06FF, "Arab"), (0x0750, 0x077F, "Arab"), (0x0870, 0x08FF, "Arab"),
    (0xFB50, 0xFDFF, "Arab"), (0xFE70, 0xFEFF, "Arab"),
    (0x0700, 0x074F, "Syrc"), (0x0780, 0x07BF, "Thaa"),
    (0x0900, 0x097F, "Deva"), (0xA8E0, 0xA8FF, "Deva"), (0x0980, 0x09FF, "Beng"),
    (0x0A00, 0x0A7F, "Guru"), (0x0A80, 0x0AFF, "Gujr"), (0x0B00, 0x0B7F, "Orya"),
    (0x0B80, 0x0BFF, "Taml"), (0x0C00, 0x0C7F, "Telu"), (0x0C80, 0x0CFF, "Knda"),
    (0x0D00, 0x0D7F, "Mlym"), (0x0D80, 0x0DFF, "Sinh"),
    (0x0E00, 0x0E7F, "Thai"), (0x0E80, 0x0EFF, "Laoo"), (0x0F00, 0x0FFF, "Tibt"),
    (0x1000, 0x109F, "Mymr"), (0x10A0, 0x10FF, "Geor"), (0x1C90, 0x1CBF, "Geor"),
    (0x2D00, 0x2D2F, "Geor"),
    (0x1100, 0x11FF, "Hang"), (0x1200, 0x139F, "Ethi"), (0x13A0, 0x13FF, "Cher"),
    (0x1780, 0x17FF, "Khmr"), (0x1800, 0x18AF, "Mong"),
    (0x2E80, 0x2FDF, "Hani"), (0x3005, 0x3005, "Hani"), (0x3007, 0x3007, "Hani"),
    (0x3021, 0x3029, "Hani"), (0x3038, 0x303B, "Hani"),
    (0x3041, 0x309F, "Hira"), (0x30A1, 0x30FA, "Kana"), (0x30FD, 0x30FF, "Kana"),
    (0x3100, 0x312F, "Bopo"), (0x3131, 0x318E, "Hang"), (0x31A0, 0x31BF, "Bopo"),
    (0x31F0, 0x31FF, "Kana"), (0x3400, 0x4DBF, "Hani"), (0x4E00, 0x9FFF, "Hani"),
    (0xA960, 0xA97F, "Hang"), (0xAC00, 0xD7FF, "Hang"), (0xF900, 0xFAFF, "Hani"),
    (0xFF66, 0xFF9F, "Kana"), (0xFFA0, 0xFFDC, "Hang"), (0x20000, 0x3FFFF, "Hani"),
])
_STARTS = [r[0] for r in _RANGES]


def script_of(ch: str) -> str:
    """ISO 15924 tag of ``ch``'s script; "Zyyy" common, "Zinh" inherited (marks)."""
    cat = unicodedata.category(ch)
    if cat[0] == "M":
        return INHERITED
    if cat[0] not in "L" and cat != "Nd" and cat != "No":
        return COMMON
    cp = ord(ch)
    i = bisect.bisect_right(_STARTS, cp) - 1
    if i >= 0 and cp <= _RANGES[i][1]:
        script = _RANGES[i][2]
        if cat[0] == "N" and script in ("Latn", "Grek", "Cyrl", "Hani", "Kana", "Hira"):
            return COMMON  # full-width digits and the like
        return script
    return COMMON


def is_ideographic(ch: str) -> bool:
    """Characters of scripts written without spaces between words (UAX #14 class ID)."""
    cp = ord(ch)
    return (
        0x2E80 <= cp <= 0x2FDF or 0x3000 <= cp <= 0x30FF or 0x3100 <= cp <= 0x31FF
        or 0x3400 <= cp <= 0x4DBF or 0x4E00 <= cp <= 0x9FFF or 0xAC00 <= cp <= 0xD7AF
        or 0xF900 <= cp <= 0xFAFF or 0xFF00 <= cp <= 0xFFEF or 0x20000 <= cp <= 0x3FFFF
    )


# Spaces a line may break after. NO-BREAK SPACE (U+00A0), FIGURE SPACE (U+2007) and
# NARROW NO-BREAK SPACE (U+202F) deliberately are not here (UAX #14 class GL).
BREAK_SPACES = frozenset(
    " \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2008\u2009\u200a\u205f\u3000")
ZWSP, SOFT_HYPHEN, ZWJ = "\u200b", "\u00ad", "\u200d"

# Kinsoku and UAX #14 classes CL, CP, EX, IS, NS: never at the start of a line.
NO_LINE_START = frozenset(
    "、。，．・：；？！ー」』）】〕〉》〗〙〟ぁぃぅぇぉっゃゅょゎゕゖァィゥェォッャュョヮヵヶ"
    "々ゝゞヽヾ〜）］｝｠｡｣､･ｧｨｩｪｫｬｭｮｯｰ%)]},.!?:;…‼⁇⁈⁉،؛؟"
)
# UAX #14 class OP: never at the end of a line.
NO_LINE_END = frozenset("「『（【〔〈《〖〘〝［｛｟｢([{¿¡")
_HYPHENS = frozenset("-\u2010\u2012\u2013")
_DASHES = frozenset("\u2014\u2015")


def _is_virama(ch: str) -> bool:
    return unicodedata.combining(ch) == 9


def _hangul_kind(cp: int) -> str:
    if 0x1100 <= cp <= 0x115F or 0xA960 <= cp <= 0xA97C:
        return "L"
    if 0x1160 <= cp <= 0x11A7 or 0xD7B0 <= cp <= 0xD7C6:
        return "V"
    if 0x11A8 <= cp <= 0x11FF or 0xD7CB <= cp <= 0xD7FB:
        return "T"
    if 0xAC00 <= cp <= 0xD7A3:
        return "LV" if (cp - 0xAC00) % 28 == 0 else "LVT"
    return ""


def _extends(ch: str) -> bool:
    """A character that never starts a cluster: marks, joiners, selectors, modifiers."""
    cp = ord(ch)
    return (
        unicodedata.category(ch) in ("Mn", "Mc", "Me")
        or ch == ZWJ
        or 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF  # variation selectors
        or 0x1F3FB <= cp <= 0x1F3FF  # skin-tone modifiers
        or 0xE0020 <= cp <= 0xE007F  # emoji tag sequences
        or ch in "\u0e33\u0eb3"  # Thai and Lao SARA AM (spacing marks)
    )


def grapheme_starts(text: str) -> list[bool]:
    """``starts[i]`` is True where a grapheme cluster begins at ``text[i]`` (and at len)."""
    n = len(text)
    starts = [True] * (n + 1)
    regional = 0
    for i in range(1, n):
        prev, cur = text[i - 1], text[i]
        cp, pp = ord(cur), ord(prev)
        if 0x1F1E6 <= pp <= 0x1F1FF:
            regional += 1
        else:
            regional = 0
        if (
            _extends(cur)
            or (prev == "\r" and cur == "\n")
            or prev == ZWJ
            or (0x1F1E6 <= cp <= 0x1F1FF and regional % 2 == 1)
        ):
            starts[i] = False
            continue
        hp, hc = _hangul_kind(pp), _hangul_kind(cp)
        if hp and hc and (
            (hp == "L" and hc in ("L", "V", "LV", "LVT"))
            or (hp in ("LV", "V") and hc in ("V", "T"))
            or (hp in ("LVT", "T") and hc == "T")
        ):
            starts[i] = False
            continue
        # An Indic conjunct: consonant + virama + consonant is one cluster (UAX #29 GB9c).
        virama = text[i - 2] if prev == ZWJ and i > 1 else prev
        if (_is_virama(virama) and unicodedata.category(cur) == "Lo"
                and ord(virama) >> 7 == cp >> 7  # the same Indic block
                and script_of(cur) in ("Deva", "Beng", "Gujr", "Orya", "Telu", "Mlym")):
            starts[i] = False
    return starts


def break_opportunities(text: str, starts: list[bool] | None = None) -> list[int]:
    """Indices ``i`` (0 < i < len) where a line may end before ``text[i]``."""
    starts = starts if starts is not None else grapheme_starts(text)
    out: list[int] = []
    n = len(text)
    for i in range(1, n):
        if not starts[i]:
            continue
        prev, cur = text[i - 1], text[i]
        if cur in BREAK_SPACES or cur in NO_LINE_START or prev in NO_LINE_END:
            continue
        j = i - 1  # the last character before the spaces that end at i, if any
        while j >= 0 and text[j] in BREAK_SPACES:
            j -= 1
        if j < i - 1:
            if j < 0 or text[j] not in NO_LINE_END:
                out.append(i)
            continue
        after_hyphen = (prev in _HYPHENS and i > 1 and text[i - 2].isalnum()
                        and cur.isalnum())
        if (prev in (ZWSP, SOFT_HYPHEN) or prev in _DASHES or after_hyphen
                or is_ideographic(prev) or is_ideographic(cur)):
            out.append(i)
    return out
