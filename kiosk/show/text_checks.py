"""What a curator's text holds that the screen cannot show as written.

YAML lets a manifest write any code point (``"\\ud800"``), and copying from a web page or a
word processor brings invisible direction controls along. This finds, in one text value:
halves of UTF-16 surrogate pairs (joined when they pair up, else shown as U+FFFD),
direction controls opened and never closed (or closed and never opened), and combining
marks with no letter to sit on (drawn on a dotted circle). Plain Python: no fonts.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

__all__ = ["TextNote", "join_surrogates", "scan"]

REPLACEMENT = "\ufffd"

_OPENERS = {
    "\u202a": ("left-to-right embedding", "\u202c"),
    "\u202b": ("right-to-left embedding", "\u202c"),
    "\u202d": ("left-to-right override", "\u202c"),
    "\u202e": ("right-to-left override", "\u202c"),
    "\u2066": ("left-to-right isolate", "\u2069"),
    "\u2067": ("right-to-left isolate", "\u2069"),
    "\u2068": ("first-strong isolate", "\u2069"),
}
_CLOSERS = {"\u202c": "pop directional formatting", "\u2069": "pop directional isolate"}


@dataclass(frozen=True)
class TextNote:
    """Something in a text worth a warning: what, and how to fix it."""

    message: str
    fix: str


def _code(ch: str) -> str:
    return f"U+{ord(ch):04X}"


def join_surrogates(text: str) -> tuple[str, list[int]]:
    """``text`` with each high+low surrogate pair made the character it encodes, and each
    lone surrogate replaced by U+FFFD; plus the (1-based) positions of the lone ones."""
    if not any(0xD800 <= ord(c) <= 0xDFFF for c in text):
        return text, []
    out: list[str] = []
    lone: list[int] = []
    i = 0
    while i < len(text):
        cp = ord(text[i])
        if 0xD800 <= cp <= 0xDBFF and i + 1 < len(text) and 0xDC00 <= ord(text[i + 1]) <= 0xDFFF:
            out.append(chr(0x10000 + ((cp - 0xD800) << 10) + (ord(text[i + 1]) - 0xDC00)))
            i += 2
            continue
        if 0xD800 <= cp <= 0xDFFF:
            lone.append(len(out) + 1)
            out.append(REPLACEMENT)
        else:
            out.append(text[i])
        i += 1
    return "".join(out), lone


def _unpaired_controls(text: str) -> list[TextNote]:
    notes: list[TextNote] = []
    for paragraph in text.split("\n"):  # the bidi algorithm closes everything at a paragraph
        open_: list[str] = []
        stray: list[str] = []
        for ch in paragraph:
            if ch in _OPENERS:
                open_.append(ch)
            elif ch in _CLOSERS:
                match = next((k for k in range(len(open_) - 1, -1, -1)
                              if _OPENERS[open_[k]][1] == ch), None)
                if match is None:
                    stray.append(ch)
                else:
                    del open_[match:]
        for ch in dict.fromkeys(open_):
            name, closer = _OPENERS[ch]
            notes.append(TextNote(
                f"a {name} ({_code(ch)}) is never closed by {_code(closer)} "
                f"({_CLOSERS[closer]}): it lasts to the end of the paragraph",
                f"add {_code(closer)} where it should end, or remove the {_code(ch)}"))
        for ch in dict.fromkeys(stray):
            notes.append(TextNote(
                f"a {_CLOSERS[ch]} ({_code(ch)}) closes nothing that was opened; "
                "it has no effect", f"remove the {_code(ch)}"))
    return notes


def bare_marks(text: str) -> list[str]:
    """Combining marks with no letter before them: at the start of a line or after a space."""
    found: list[str] = []
    prev = "\n"
    for ch in text:
        if unicodedata.category(ch)[0] == "M" and (prev.isspace() or prev == "\n"):
            found.append(ch)
        prev = ch if unicodedata.category(ch)[0] != "M" else prev
    return found


def scan(text: str) -> tuple[str, list[TextNote]]:
    """The text as the kiosk shows it, and what a curator should hear about it."""
    fixed, lone = join_surrogates(text)
    notes: list[TextNote] = []
    if lone:
        where = ", ".join(str(n) for n in lone[:5]) + (", ..." if len(lone) > 5 else "")
        notes.append(TextNote(
            f"character {where} is half of a UTF-16 surrogate pair (like `\\ud800`), not a "
            f"character; it is shown as {REPLACEMENT}",
            "write the character itself, or its full code like `\\U0001F600`"))
    notes.extend(_unpaired_controls(fixed))
    marks = bare_marks(fixed)
    if marks:
        names = ", ".join(f"{_code(m)} {unicodedata.name(m, '').lower()}".rstrip()
                          for m in dict.fromkeys(marks))
        notes.append(TextNote(
            f"a combining mark ({names}) has no letter before it to sit on; it is drawn on "
            "a dotted circle \u25cc",
            "put the mark right after its letter, with no space between"))
    return fixed, notes
