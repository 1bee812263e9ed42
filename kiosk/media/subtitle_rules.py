"""Whether a subtitle cue can be read in the time it shows, by its language.

Pure: the rules of subtitling practice (the figures broadcasters and streaming services
give their subtitlers): at most 17 characters a second for Latin, Cyrillic and Arabic
scripts, 9 for Chinese, 4 for Japanese; at most 2 lines of 42 characters (16 for Chinese,
Japanese and Korean); each cue on screen between 0.83 and 7 seconds.
"""

from __future__ import annotations

from dataclasses import dataclass

from kiosk.media.subtitles import Cue
from kiosk.render.segments import grapheme_starts

MIN_CUE_S, MAX_CUE_S = 0.83, 7.0
MAX_LINES = 2
READING_CPS = {"zh": 9.0, "ja": 4.0}  # characters a second; others 17
DEFAULT_CPS = 17.0
CJK = ("zh", "ja", "ko")
LINE_CHARS, CJK_LINE_CHARS = 42, 16


@dataclass(frozen=True)
class Rules:
    chars_per_s: float
    line_chars: int


def rules_for(language: str) -> Rules:
    base = language.split("-")[0].lower()
    return Rules(READING_CPS.get(base, DEFAULT_CPS),
                 CJK_LINE_CHARS if base in CJK else LINE_CHARS)


def characters(text: str) -> int:
    """What a reader reads: grapheme clusters, spaces and punctuation included, line
    breaks not (an accented letter or a joined emoji is one)."""
    flat = text.replace("\n", "")
    return sum(grapheme_starts(flat)[:len(flat)])


def cue_notes(cue: Cue, language: str) -> list[str]:
    """What is wrong with a cue for readers of ``language``, each said with its figures."""
    rules = rules_for(language)
    notes: list[str] = []
    shown_s = cue.end_s - cue.start_s
    lines = [line for line in cue.text.split("\n") if line.strip()]
    if len(lines) > MAX_LINES:
        notes.append(f"{len(lines)} lines (at most {MAX_LINES})")
    longest = max((characters(line) for line in lines), default=0)
    if longest > rules.line_chars:
        notes.append(f"a line of {longest} characters (at most {rules.line_chars})")
    if shown_s < MIN_CUE_S:
        notes.append(f"on screen {shown_s:.2f}s (at least {MIN_CUE_S}s)")
    elif shown_s > MAX_CUE_S:
        notes.append(f"on screen {shown_s:.1f}s (at most {MAX_CUE_S:g}s)")
    if shown_s > 0:
        speed = characters(cue.text) / shown_s
        if speed > rules.chars_per_s:
            notes.append(f"{speed:.1f} characters a second to read "
                         f"(at most {rules.chars_per_s:g})")
    return notes
