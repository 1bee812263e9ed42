"""Subtitle files (`.srt`, `.vtt`) to a list of timed cues the player can look up.

Time base: cue times count from the start of the clip file itself, not from the manifest's
`start` trim. A clip trimmed with ``start: 30s`` that has played for ``elapsed_s`` shows
``subtitles.cue_at(video.start_s + elapsed_s)``. This is how subtitle editors and other
players time a file, so a curator can trim a clip without retiming its subtitles.

Parsing is forgiving, reporting is exact: a broken cue is left out and named with the
1-based line it starts on, so `validate` can print ``path:line:1`` and the player can
still show every cue that reads. `try_load` never raises; `load_subtitles` raises the
first problem.
"""

from __future__ import annotations

import bisect
import html
import itertools
import re
from dataclasses import dataclass, field
from pathlib import Path

import srt
import webvtt
from webvtt.errors import MalformedCaptionError, MalformedFileError

from kiosk.errors import KioskError

MAX_FILE_BYTES = 5 * 1024 * 1024  # a subtitle file larger than this is not one
SRT_HINT = "each cue is a number, a line like `00:00:01,000 --> 00:00:04,000`, its text, " \
           "then a blank line"
VTT_HINT = "each cue is a line like `00:01.000 --> 00:04.000` followed by its text; " \
           "a blank line ends the cue"


class SubtitleError(KioskError):
    """A subtitle file, or one cue of it, cannot be read. ``line`` counts from 1."""

    def __init__(self, path: Path | str, line: int, message: str, hint: str = "") -> None:
        super().__init__(f"{path}:{line}: {message}" + (f" ({hint})" if hint else ""))
        self.path = Path(path)
        self.line = line
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Cue:
    start_s: float
    end_s: float
    text: str
    line: int = 0  # the cue's timing line in its file, for messages


@dataclass(frozen=True)
class Subtitles:
    """Cues sorted by start. Overlapping cues show together, the earlier one on top."""

    path: Path
    cues: tuple[Cue, ...]
    notes: tuple[str, ...] = ()  # things worth a warning that did not stop the reading
    _starts: tuple[float, ...] = field(init=False, repr=False, compare=False)
    _spans: tuple[tuple[float, float, str], ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        cues = tuple(sorted(self.cues, key=lambda c: (c.start_s, c.end_s)))
        spans = _flatten(cues)
        object.__setattr__(self, "cues", cues)
        object.__setattr__(self, "_spans", spans)
        object.__setattr__(self, "_starts", tuple(s for s, _, _ in spans))

    def cue_at(self, t_s: float) -> str | None:
        """The text showing at ``t_s`` seconds of the clip's own timeline, or None.

        A cue shows from its start (inclusive) to its end (exclusive). O(log n).
        """
        i = bisect.bisect_right(self._starts, t_s) - 1
        if i < 0:
            return None
        start_s, end_s, text = self._spans[i]
        return text if start_s <= t_s < end_s else None

    @property
    def end_s(self) -> float:
        """When the last cue ends (0 without cues)."""
        return max((c.end_s for c in self.cues), default=0.0)

    def __len__(self) -> int:
        return len(self.cues)


def _flatten(cues: tuple[Cue, ...]) -> tuple[tuple[float, float, str], ...]:
    """Disjoint spans of what shows when, so a lookup is one bisect even when cues overlap."""
    bounds = sorted({t for c in cues for t in (c.start_s, c.end_s)})
    spans: list[tuple[float, float, str]] = []
    active: list[Cue] = []
    pending = list(cues)  # sorted by start
    k = 0
    for a, b in itertools.pairwise(bounds):
        while k < len(pending) and pending[k].start_s <= a:
            active.append(pending[k])
            k += 1
        active = [c for c in active if c.end_s > a]
        if active:
            spans.append((a, b, "\n".join(c.text for c in active)))
    return tuple(spans)


# -- markup --------------------------------------------------------------------------

_TAG = re.compile(r"</?[A-Za-z][^<>\n]*>|</>|<\d{1,2}(?::\d{2}){1,2}\.\d{1,3}>")
_ASS = re.compile(r"\{\\[^{}\n]*\}")


def clean_text(text: str, *, entities: bool = False) -> str:
    """Text without styling markup (<i>, <b>, <font>, {\\an8}, <v Name>), line breaks kept."""
    text = _ASS.sub("", _TAG.sub("", text))
    if entities:
        text = html.unescape(text)
    lines = [line.strip() for line in text.split("\n")]
    return "\n".join(lines).strip("\n")


# -- reading -------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, tuple[str, ...]]:
    """Text with a BOM dropped and line ends made ``\\n``; not UTF-8: Windows-1252, noted."""
    notes: tuple[str, ...] = ()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        notes = ("the file is not UTF-8; it was read as Windows-1252, "
                 "so some letters may show wrong",)
    return text.replace("\r\n", "\n").replace("\r", "\n"), notes


_NONBLANK = re.compile(r"\S")


def _line_of(text: str, pos: int) -> int:
    """The 1-based line of the first character at or after ``pos`` that is not blank."""
    m = _NONBLANK.search(text, pos)
    return text.count("\n", 0, m.start() if m else pos) + 1


def _parse_srt(text: str, path: Path) -> tuple[list[Cue], list[SubtitleError]]:
    cues: list[Cue] = []
    errors: list[SubtitleError] = []
    expected = 0

    def gap(start: int, end: int) -> None:
        if not text[start:end].strip():
            return
        line = _line_of(text, start)
        lines = text[start:end].strip().split("\n")
        # A cue's number reads fine; what is broken is the line below it, its timing.
        if len(lines) > 1 and re.fullmatch(r"\s*\d+\s*", lines[0]):
            line, shown = line + 1, lines[1].strip()
        else:
            shown = lines[0].strip()
        errors.append(SubtitleError(path, line, f"cannot read the cue `{shown[:60]}`", SRT_HINT))

    for match in srt.SRT_REGEX.finditer(text):
        gap(expected, match.start())
        expected = match.end()
        line = _line_of(text, match.start(2))  # the cue's timing line
        try:
            (sub,) = srt.parse(match.group(0))
        except (srt.SRTException, ValueError):
            errors.append(SubtitleError(path, line, "cannot read this cue", SRT_HINT))
            continue
        start_s, end_s = sub.start.total_seconds(), sub.end.total_seconds()
        if end_s < start_s:
            errors.append(SubtitleError(path, line, "this cue ends before it starts",
                                        "swap or correct its times"))
            continue
        body = clean_text(sub.content)
        if body:
            cues.append(Cue(start_s, end_s, body, line))
    gap(expected, len(text))
    return cues, errors


_VTT_SKIP = ("NOTE", "STYLE", "REGION")


def _vtt_blocks(lines: list[str]) -> list[tuple[int, list[str]]]:
    """Blocks of lines with the 1-based line each starts on; a blank line ends a block."""
    blocks: list[tuple[int, list[str]]] = []
    current: list[str] = []
    first = 0
    for n, line in enumerate(lines, 1):
        # A timing line that cannot belong to this block starts the next one (a missing
        # blank line between cues), as the WebVTT parsers of browsers do.
        starts_cue = "-->" in line and current and (len(current) > 1 or "-->" in current[0])
        if not line.strip() or starts_cue:
            if current:
                blocks.append((first, current))
            current = []
            if not line.strip():
                continue
        if not current:
            first = n
        current.append(line)
    if current:
        blocks.append((first, current))
    return blocks


def _parse_vtt(text: str, path: Path) -> tuple[list[Cue], list[SubtitleError]]:
    lines = text.split("\n")
    if not lines[0].startswith("WEBVTT"):
        raise SubtitleError(path, 1, "a `.vtt` file must start with `WEBVTT`",
                            "add the line `WEBVTT` at the top, or save the file as `.srt`"
                            if "-->" in text and "," in text else
                            "add the line `WEBVTT` at the top")
    cues: list[Cue] = []
    errors: list[SubtitleError] = []
    for first, block in _vtt_blocks(lines)[1:]:  # the first block is the header
        if block[0].startswith(_VTT_SKIP):
            continue
        try:
            captions = webvtt.from_string("WEBVTT\n\n" + "\n".join(block)).captions
        except (MalformedCaptionError, MalformedFileError, ValueError):
            captions = []
        timing = next((i for i, line in enumerate(block) if "->" in line), None)
        if len(captions) != 1:
            if timing is None:
                errors.append(SubtitleError(path, first, "this text belongs to no cue",
                                            VTT_HINT + "; remove the blank line inside a cue"))
            else:
                errors.append(SubtitleError(
                    path, first + timing, f"cannot read the cue timing `{block[timing][:60]}`",
                    VTT_HINT))
            continue
        caption = captions[0]
        line = first + (timing or 0)
        start_s = caption.start_time.in_milliseconds() / 1000
        end_s = caption.end_time.in_milliseconds() / 1000
        if end_s < start_s:
            errors.append(SubtitleError(path, line, "this cue ends before it starts",
                                        "swap or correct its times"))
            continue
        body = clean_text(caption.raw_text, entities=True)
        if body:
            cues.append(Cue(start_s, end_s, body, line))
    return cues, errors


def parse_subtitles(data: bytes | str, path: Path | str,
                    kind: str | None = None) -> tuple[Subtitles, list[SubtitleError]]:
    """Every cue that reads, and a problem for each that does not. Raises SubtitleError
    only when the file as a whole cannot be subtitles (no `WEBVTT` header, no cue at all).

    ``kind`` is ``"srt"`` or ``"vtt"``; by default the file's extension says.
    """
    path = Path(path)
    kind = (kind or path.suffix.lstrip(".")).lower()
    if isinstance(data, bytes):
        text, notes = decode(data)
    else:
        text, notes = data.lstrip("\ufeff").replace("\r\n", "\n").replace("\r", "\n"), ()
    if kind == "vtt":
        cues, errors = _parse_vtt(text, path)
    elif kind == "srt":
        cues, errors = _parse_srt(text, path)
    else:
        raise SubtitleError(path, 1, f"`.{kind}` is not a subtitle format the kiosk reads",
                            "use an `.srt` or `.vtt` file")
    if not cues and not errors:
        raise SubtitleError(path, 1, "the file holds no subtitles",
                            SRT_HINT if kind == "srt" else VTT_HINT)
    return Subtitles(path, tuple(cues), notes), errors


def read_subtitles(path: Path) -> tuple[Subtitles, list[SubtitleError]]:
    """The file's cues and every problem with them; raises SubtitleError when unreadable."""
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise SubtitleError(path, 1, f"the file is too large for subtitles ({size} bytes)",
                                "is it really a subtitle file?")
        data = path.read_bytes()
    except OSError as exc:
        raise SubtitleError(path, 1, f"cannot be read: {exc.strerror or exc}") from None
    return parse_subtitles(data, path)


def load_subtitles(path: Path) -> Subtitles:
    """The file's cues; raises SubtitleError naming the first problem."""
    subtitles, errors = read_subtitles(path)
    if errors:
        raise errors[0]
    return subtitles


def try_load(path: Path) -> tuple[Subtitles | None, SubtitleError | None]:
    """For the player: never raises. Cues that read are kept even when others do not;
    the error (to log once) names the first problem."""
    try:
        subtitles, errors = read_subtitles(path)
    except SubtitleError as exc:
        return None, exc
    except Exception as exc:  # a parser bug must not stop the show
        return None, SubtitleError(path, 1, f"cannot be read: {exc}")
    return subtitles, (errors[0] if errors else None)
