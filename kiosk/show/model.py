"""The typed model of a show: what the loader builds and the player plays.

Plain frozen dataclasses, no I/O. Paths are absolute and already checked to lie inside
the exhibits or assets folder.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from pathlib import Path
from typing import Literal

FitMode = Literal["contain", "cover"]
# How a moving photo is decoded (set by the loader, never written by a curator): fitted
# across the screen's width or height for reading, or covering it with room to pan.
DecodeFit = Literal["contain", "cover", "width", "height", "pan"]
MotionKind = Literal["read", "pan"]
MOTIONS = ("auto", "read", "pan", "none")
# Which edge of a picture a pan keeps in view: top, centre or bottom of one taller than
# the screen's shape, left, centre or right of one wider (a panorama).
Keep = Literal["top", "centre", "bottom", "left", "right"]
KEEPS: tuple[Keep, ...] = ("top", "centre", "bottom", "left", "right")
Box4 = tuple[float, float, float, float]  # x, y, w, h in the picture's own proportions
TransitionKind = Literal["cut", "crossfade", "slide"]
CaptionPosition = Literal["bottom", "top", "hidden"]

TRANSITIONS: tuple[TransitionKind, ...] = ("cut", "crossfade", "slide")
FITS: tuple[FitMode, ...] = ("contain", "cover")
CAPTION_POSITIONS: tuple[CaptionPosition, ...] = ("bottom", "top", "hidden")


@dataclass(frozen=True)
class Text:
    """A text in one or several languages. A plain string is stored under ``""``."""

    values: Mapping[str, str]
    # (line, col) each language's text was written at, for `validate`'s messages.
    where: Mapping[str, tuple[int, int]] = field(default_factory=dict, compare=False)

    def get(self, language: str, default_language: str) -> str:
        """The text in ``language``; else the default language; else any given one."""
        return self.pick(language, default_language)[1]

    def pick(self, language: str, default_language: str) -> tuple[str, str]:
        """(language code, text) shown for ``language``: the language itself or one of its
        regions (`ar-SA` for `ar`), else the default language, else the plain text (code
        ``""``), else any."""
        for want in (language, default_language):
            if self.values.get(want):
                return want, self.values[want]
            region = next((k for k, v in self.values.items()
                           if v and k.split("-")[0] == want), None)
            if region is not None:
                return region, self.values[region]
        if self.values.get(""):
            return "", self.values[""]
        return next(((k, v) for k, v in self.values.items() if v), ("", ""))

    @property
    def languages(self) -> frozenset[str]:
        return frozenset(k for k in self.values if k)

    def __bool__(self) -> bool:
        return any(self.values.values())


NO_TEXT = Text({})


@dataclass(frozen=True)
class Label:
    """The museum label beside a photo or clip."""

    title: Text = NO_TEXT
    caption: Text = NO_TEXT
    source: Text = NO_TEXT
    date: Text = NO_TEXT
    credit: Text = NO_TEXT

    def __bool__(self) -> bool:
        return any((self.title, self.caption, self.source, self.date, self.credit))


@dataclass(frozen=True)
class Transition:
    kind: TransitionKind = "crossfade"
    duration_s: float = 1.0


@dataclass(frozen=True)
class Where:
    """Where an item was written, for log lines and live-reload matching."""

    path: str
    line: int
    col: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}:{self.col}"


@dataclass(frozen=True)
class Reading:
    """How photos move by themselves (settings `reading:`). ``speed``: a share of the
    screen's width (scrolling down; of its height scrolling across) a second; ``aspect``:
    a picture at least this many times taller than wide (or wider than the screen's shape
    times this) is read by default; ``zoom``: how much closer a pan ends."""

    speed: float = 0.02
    dwell_s: float = 5.0
    aspect: float = 2.5
    zoom: float = 1.25


@dataclass(frozen=True)
class Motion:
    """A photo that moves by itself. ``read``: fitted across the screen and scrolled along
    its length (``axis`` y: down a tall clipping; x: along a wide strip), still for
    ``dwell_s`` at each end. ``pan``: from a wide framing to a closer one, ``zoom`` times
    nearer, never cropping ``focus`` (x, y, w, h in the picture's own proportions); with
    no focus a portrait picture keeps its top (``keep``: or its centre, or its bottom).
    ``start`` and ``end``, when given, are the framings it starts and ends on (same
    proportions). Positions follow from the time alone (kiosk.playback.motion)."""

    kind: MotionKind
    axis: Literal["x", "y"] = "y"
    dwell_s: float = 0.0
    focus: Box4 | None = None
    zoom: float = 1.0
    keep: Keep = "top"
    start: Box4 | None = None
    end: Box4 | None = None


@dataclass(frozen=True)
class Photo:
    path: Path
    duration_s: float
    transition: Transition
    fit: DecodeFit
    label: Label
    caption_position: CaptionPosition
    where: Where
    link: str = ""
    motion: Motion | None = None

    @property
    def key(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class Video:
    path: Path
    transition: Transition
    fit: FitMode
    label: Label
    caption_position: CaptionPosition
    where: Where
    start_s: float = 0.0
    end_s: float | None = None
    duration_s: float | None = None  # None: play to the end (of the trim)
    volume: float = 1.0
    mute: bool = False
    subtitles: Mapping[str, Path] = field(default_factory=dict)
    link: str = ""

    @property
    def key(self) -> str:
        return str(self.path)


@dataclass(frozen=True)
class TextCard:
    title: Text
    body: Text
    duration_s: float
    transition: Transition
    where: Where
    link: str = ""

    @cached_property
    def key(self) -> str:
        """The card's identity is its text, as a photo's is its file: a line added above it
        (a comment) leaves it on screen; a corrected text makes it another card."""
        text = json.dumps([sorted(self.title.values.items()), sorted(self.body.values.items())],
                          ensure_ascii=False)
        return "card:" + hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


Step = Photo | Video | TextCard


@dataclass(frozen=True)
class Sequence:
    """A run of photos sharing a label and defaults; each photo is one step."""

    photos: tuple[Photo, ...]
    where: Where


Item = Photo | Video | TextCard | Sequence


@dataclass(frozen=True)
class Exhibit:
    file: Path
    title: Text
    items: tuple[Item, ...]
    order: float | None = None
    where: Where | None = None  # the manifest's display path, for messages about the exhibit
    active_from: date | None = None  # shown from this day (included)
    active_until: date | None = None  # shown until this day (included)

    @property
    def name(self) -> str:
        return self.file.name

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        """What plays, in order: a sequence contributes each of its photos."""
        out: list[Step] = []
        for item in self.items:
            out.extend(item.photos if isinstance(item, Sequence) else (item,))
        return tuple(out)


@dataclass(frozen=True)
class Show:
    exhibits: tuple[Exhibit, ...]
    default_language: str = "en"

    @property
    def playable(self) -> tuple[Exhibit, ...]:
        return tuple(e for e in self.exhibits if e.steps)
