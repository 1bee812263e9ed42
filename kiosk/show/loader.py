"""Exhibit manifests (YAML) to the typed show model, with every problem positioned.

One loader for `validate` and the player: validate fails on any error; the player plays
what is left. A file that cannot be read leaves out its exhibit; a bad field drops the
smallest enclosing item (a photo of a sequence, an item, or for exhibit-level fields the
exhibit's default falls back to the built-in one).
"""

from __future__ import annotations

import difflib
import errno
import glob
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from kiosk.errors import ManifestError, Problem, did_you_mean
from kiosk.operations.hours import EXHIBIT_DATE_FIELDS, check_exhibit_dates
from kiosk.show import fields as f
from kiosk.show import motion_plan
from kiosk.show.exhibits_folder import folder_problems, look_at
from kiosk.show.fields import Context, Field, Invalid
from kiosk.show.marked_yaml import Map, Node, Scalar, Seq, read_file
from kiosk.show.model import (
    CAPTION_POSITIONS,
    FITS,
    MOTIONS,
    NO_TEXT,
    TRANSITIONS,
    Exhibit,
    Item,
    Label,
    Photo,
    Reading,
    Sequence,
    Show,
    Text,
    TextCard,
    Transition,
    Video,
    Where,
)
from kiosk.show.placement import (
    items_without_dashes,
    misplaced_in_texts,
    misplaced_items,
    misplaced_outer,
    without,
)

IMAGE_EXTENSIONS = (".jpg", ".jpeg", ".png", ".webp", ".bmp", ".tif", ".tiff")
VIDEO_EXTENSIONS = (".mp4", ".m4v", ".mov", ".mkv", ".webm", ".avi")
SUBTITLE_EXTENSIONS = (".srt", ".vtt")

# A text still to be written (`new` puts it where a file carried no title or caption).
PLACEHOLDER = "TODO"
_PLACEHOLDER_FIELDS = ("title", "caption", "source", "date", "credit", "card", "body")

MIN_ITEM_S, MAX_ITEM_S = 0.1, 24 * 3600.0
MAX_TRANSITION_S = 10.0
DEFAULT_TRANSITION_S = {"cut": 0.0, "crossfade": 1.0, "slide": 0.8}


@dataclass(frozen=True)
class LoadOptions:
    exhibits_dir: Path
    assets_dir: Path
    languages: tuple[str, ...] = ("en",)  # offered to visitors, from settings
    default_language: str = "en"
    display_base: Path | None = None  # messages name files relative to this folder
    reading: Reading = field(default_factory=Reading)  # how photos move, from settings
    screen: tuple[int, int] = (1920, 1080)  # for a reading's duration, from settings


@dataclass
class ShowResult:
    show: Show
    problems: list[Problem]
    files: list[Path]  # every manifest file looked at
    items: int = 0  # items written in the manifests, dropped ones included

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.is_error]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if not p.is_error]


# -- paths ---------------------------------------------------------------------------


@dataclass
class ManifestContext(Context):
    """Reading one manifest: where its relative paths start and what they may reach."""

    base_dir: Path = Path()
    options: LoadOptions | None = None
    _listing: list[str] | None = field(default=None, repr=False)

    @property
    def opts(self) -> LoadOptions:
        assert self.options is not None
        return self.options

    @property
    def roots(self) -> tuple[Path, ...]:
        return (self.opts.exhibits_dir.resolve(), self.opts.assets_dir.resolve())

    def inside_roots(self, path: Path) -> bool:
        real = path.resolve()
        return any(real == root or root in real.parents for root in self.roots)

    def listing(self) -> list[str]:
        """Files a curator might have meant, as they would write them (bounded walk)."""
        if self._listing is None:
            names: list[str] = []
            for start in (self.base_dir, self.opts.assets_dir):
                for dirpath, dirnames, filenames in os.walk(start):
                    dirnames[:] = [d for d in dirnames if not d.startswith(".")]
                    for name in filenames:
                        full = Path(dirpath, name)
                        names.append(full.relative_to(start).as_posix())
                    if len(names) > 5000:
                        break
            self._listing = names
        return self._listing


def _path_text(ctx: ManifestContext, node: Node) -> str:
    raw = f.scalar(ctx, node, "a file path")
    if not raw:
        raise ctx.fail(node, "the file path is empty")
    if "\x00" in raw:
        raise ctx.fail(node, "the file path contains a NUL character")
    raw = raw.replace("\\", "/")
    if raw.startswith("/") or re.match(r"[A-Za-z]:/", raw) or raw.startswith("~"):
        raise ctx.fail(node, f"`{raw}` is an absolute path",
                       "write the path relative to this file or to the assets folder")
    return raw


def _candidates(ctx: ManifestContext, raw: str) -> list[Path]:
    """A path is looked up beside the manifest first, then in the assets folder."""
    return [ctx.base_dir / raw, ctx.opts.assets_dir / raw]


def media_path(extensions: tuple[str, ...], what: str) -> f.Parser:
    def parse(ctx: Context, node: Node) -> Path:
        assert isinstance(ctx, ManifestContext)
        raw = _path_text(ctx, node)
        for candidate in _candidates(ctx, raw):
            if not candidate.exists():
                continue
            if not ctx.inside_roots(candidate):
                raise ctx.fail(node, f"`{raw}` lies outside the exhibits and assets folders",
                               "copy the file into the assets folder and point to it there")
            if candidate.is_dir():
                raise ctx.fail(node, f"`{raw}` is a folder, not a file",
                               "name a file in it" + (", or use `sequence:` with the folder"
                                                      if what == "photo" else ""))
            if candidate.suffix.lower() not in extensions:
                raise ctx.fail(node, f"`{raw}` is not a {what} file",
                               _wrong_kind_hint(candidate, extensions))
            return candidate.resolve()
        raise ctx.fail(node, f"file not found: `{raw}`", _nearest(ctx, raw))

    return parse


def _wrong_kind_hint(path: Path, extensions: tuple[str, ...]) -> str:
    suffix = path.suffix.lower()
    if suffix in VIDEO_EXTENSIONS:
        return "this is a video: use `video:` for it"
    if suffix in IMAGE_EXTENSIONS:
        return "this is a photo: use `photo:` for it"
    return "expected a file ending in " + ", ".join(extensions)


def _nearest(ctx: ManifestContext, raw: str) -> str:
    close = difflib.get_close_matches(raw, ctx.listing(), n=1, cutoff=0.6)
    if not close:
        close = difflib.get_close_matches(raw.lower(), [n.lower() for n in ctx.listing()],
                                          n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    return "paths are relative to this file, or to the assets folder"


def _natural_key(path: Path) -> list[Any]:
    return [int(part) if part.isdigit() else part.lower()
            for part in re.split(r"(\d+)", path.name)]


def photo_glob(ctx: Context, node: Node) -> list[Path]:
    """``folder/*.jpg`` or a folder: its photos in natural order (2 before 10)."""
    assert isinstance(ctx, ManifestContext)
    raw = _path_text(ctx, node)
    for base in (ctx.base_dir, ctx.opts.assets_dir):
        pattern = str(base / raw)
        if (base / raw).is_dir():
            pattern = str(base / raw / "*")
        elif not glob.has_magic(raw):
            continue
        matches = [Path(p) for p in glob.glob(pattern)]
        photos = [p for p in matches if p.is_file() and p.suffix.lower() in IMAGE_EXTENSIONS]
        outside = [p for p in photos if not ctx.inside_roots(p)]
        if outside:
            raise ctx.fail(node, f"`{raw}` reaches outside the exhibits and assets folders")
        if photos:
            return [p.resolve() for p in sorted(photos, key=_natural_key)]
        if matches or (base / raw).is_dir():
            raise ctx.fail(node, f"`{raw}` holds no photos",
                           "photos end in " + ", ".join(IMAGE_EXTENSIONS))
    raise ctx.fail(node, f"`{raw}` matches no files", _nearest(ctx, raw))


# -- transitions ---------------------------------------------------------------------


def transition(ctx: Context, node: Node) -> Transition:
    """``crossfade``, ``crossfade 1.5s``, ``slide 0.8s``, ``cut``."""
    raw = f.scalar(ctx, node, "a transition")
    name, _, rest = raw.lower().partition(" ")
    if name not in TRANSITIONS:
        raise ctx.fail(node, f"`{name}` is not a transition", did_you_mean(name, TRANSITIONS))
    if not rest.strip():
        return Transition(name, DEFAULT_TRANSITION_S[name])
    seconds = f.parse_seconds(rest)
    if seconds is None:
        raise ctx.fail(node, f"`{rest.strip()}` is not a duration",
                       f"write it like `{name} 1.5s`")
    if not 0 <= seconds <= MAX_TRANSITION_S:
        raise ctx.fail(node, "the transition is too long",
                       f"use at most {MAX_TRANSITION_S:g}s")
    return Transition(name, 0.0 if name == "cut" else seconds)


# -- field tables (also the source of the JSON Schema and docs) -----------------------

_DURATION = Field(f.duration(MIN_ITEM_S, MAX_ITEM_S),
                  f.duration_schema("How long it stays on screen"),
                  "how long it stays on screen: `8s`, `1.5s`, `2m`, `1m30s`")
_TRANSITION_SCHEMA = {
    "type": "string",
    "pattern": r"^\s*(cut|crossfade|slide)(\s+\d+(\.\d+)?\s*(ms|s))?\s*$",
    "examples": ["crossfade", "crossfade 1.5s", "slide 0.8s", "cut"],
    "description": "How this item appears: cut, crossfade or slide, with an optional length",
}

PLAY_FIELDS: dict[str, Field] = {
    "duration": _DURATION,
    "transition": Field(transition, _TRANSITION_SCHEMA,
                        "how it appears: `crossfade`, `slide` or `cut`, and its length "
                        "(`crossfade 1.5s`)"),
    "fit": Field(f.choice(FITS), {"type": "string", "enum": list(FITS)},
                 "`contain` shows the whole photo (bars at the sides), `cover` fills the "
                 "screen (edges cropped)"),
    "caption_position": Field(f.choice(CAPTION_POSITIONS),
                              {"type": "string", "enum": list(CAPTION_POSITIONS)},
                              "where the label sits: `bottom`, `top` or `hidden`"),
    "motion": Field(motion_plan.parse_motion, {"type": "string", "enum": list(MOTIONS)},
                    "`read` scrolls a tall clipping at a reading pace, `pan` drifts slowly "
                    "closer, `none` keeps it still; `auto` (the default) reads very tall "
                    "or wide pictures"),
    "focus": Field(motion_plan.parse_focus, {"type": "string"},
                   "what a pan keeps in view and ends on: `x y w h` in the picture's "
                   "proportions, like `0.3 0.1 0.4 0.4`"),
    "zoom": Field(motion_plan.parse_zoom, {"type": ["string", "number"]},
                  "how much closer a pan ends, 1 to 4 (default from settings)"),
    "keep": Field(motion_plan.parse_keep, {"type": "string",
                                           "enum": ["top", "centre", "center", "bottom",
                                                    "left", "right"]},
                  "the edge a pan keeps in view: of a tall picture `top` (faces, the "
                  "default), `centre` or `bottom`; of a panorama `left`, `centre` (the "
                  "default) or `right`"),
    "pan_from": Field(motion_plan.parse_from, {"type": "string"},
                      "the framing a pan starts on: `x y w h` in the picture's proportions, "
                      "like `0 0 0.5 0.5`"),
    "pan_to": Field(motion_plan.parse_to, {"type": "string"},
                    "the framing a pan ends on: `x y w h` in the picture's proportions"),
}
_MOTION_FIELDS = ("motion", "focus", "zoom", "keep", "pan_from", "pan_to")

LABEL_FIELDS: dict[str, Field] = {
    name: Field(f.text, {**f.TEXT_SCHEMA, "description": doc}, doc)
    for name, doc in (
        ("title", "the headline of the label"),
        ("caption", "a sentence or two about it"),
        ("source", "where it comes from: a newspaper, an archive"),
        ("date", "when, as you want it shown: `1994-05-12`, `May 1994`"),
        ("credit", "who took it or owns it"),
    )
}

LINK_FIELD = {"link": Field(f.url, {"type": "string", "format": "uri"},
                            "a web address, shown as a QR code")}


def _path_schema(doc: str, exts: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "string", "description": doc + " (" + ", ".join(exts) + ")"}


PHOTO_FIELDS: dict[str, Field] = {
    "photo": Field(media_path(IMAGE_EXTENSIONS, "photo"),
                   _path_schema("The photo file", IMAGE_EXTENSIONS),
                   "the photo file, relative to this manifest or to the assets folder"),
    **LABEL_FIELDS, **PLAY_FIELDS, **LINK_FIELD,
}

SEQUENCE_FIELDS: dict[str, Field] = {
    "sequence": Field(photo_glob, {
        "anyOf": [
            {"type": "string", "description": "a folder or a pattern like clippings/*.jpg"},
            {"type": "array", "items": {"anyOf": [
                {"type": "string"}, {"$ref": "#/$defs/photo"}]}},
        ]}, "the photos: a list, a folder, or a pattern like `clippings/*.jpg`"),
    **LABEL_FIELDS, **PLAY_FIELDS, **LINK_FIELD,
}

_SUBTITLES = Field(lambda ctx, node: node, {
    "type": "object", "additionalProperties": {"type": "string"},
    "description": "one .srt or .vtt file per language code"},
    "subtitle files per language: `en: interview.en.srt`")

VIDEO_FIELDS: dict[str, Field] = {
    "video": Field(media_path(VIDEO_EXTENSIONS, "video"),
                   _path_schema("The video file", VIDEO_EXTENSIONS),
                   "the video file, relative to this manifest or to the assets folder"),
    "start": Field(f.duration(0, MAX_ITEM_S, allow_zero=True),
                   f.duration_schema("Start the clip here"), "start the clip here: `12s`"),
    "end": Field(f.duration(MIN_ITEM_S, MAX_ITEM_S),
                 f.duration_schema("Stop the clip here"), "stop the clip here: `1m30s`"),
    "duration": Field(_DURATION.parse, _DURATION.schema,
                      "stop after this long (default: play to the end)"),
    "volume": Field(f.fraction, f.FRACTION_SCHEMA, "sound level: `80%`"),
    "mute": Field(f.boolean, f.BOOLEAN_SCHEMA, "`yes` plays the clip without sound"),
    "subtitles": _SUBTITLES,
    **LABEL_FIELDS,
    **{k: v for k, v in PLAY_FIELDS.items() if k != "duration"},
    **{k: Field(motion_plan.framing_on_a_clip if k.startswith("pan_")
                else motion_plan.on_a_clip, PLAY_FIELDS[k].schema, "for photos only")
       for k in _MOTION_FIELDS},
    **LINK_FIELD,
}

CARD_FIELDS: dict[str, Field] = {
    "card": Field(f.text, f.TEXT_SCHEMA, "the card's heading"),
    "body": Field(f.text, f.TEXT_SCHEMA, "the card's text; a blank line starts a paragraph"),
    "duration": _DURATION,
    "transition": PLAY_FIELDS["transition"],
    **LINK_FIELD,
}

ITEM_KINDS: dict[str, dict[str, Field]] = {
    "photo": PHOTO_FIELDS,
    "sequence": SEQUENCE_FIELDS,
    "video": VIDEO_FIELDS,
    "card": CARD_FIELDS,
}

EXHIBIT_FIELDS: dict[str, Field] = {
    "title": Field(f.text, f.TEXT_SCHEMA, "the exhibit's name, shown in the exhibit index"),
    "order": Field(f.number(-1e6, 1e6), {"type": ["string", "number"]},
                   "exhibits play by this number, then by file name"),
    "defaults": Field(lambda ctx, node: node, {"$ref": "#/$defs/defaults"},
                      "duration, transition, fit and caption_position for every item"),
    "items": Field(lambda ctx, node: node, {"type": "array", "items": {"$ref": "#/$defs/item"}},
                   "what plays, in order"),
    **EXHIBIT_DATE_FIELDS,
}

# Keys only an exhibit has: one of these inside an item was indented too far.
_EXHIBIT_ONLY = {k: v for k, v in EXHIBIT_FIELDS.items()
                 if not any(k in table for table in ITEM_KINDS.values())}

BUILTIN_DEFAULTS: dict[str, Any] = {
    "duration": 8.0,
    "transition": Transition("crossfade", 1.0),
    "fit": "contain",
    "caption_position": "bottom",
    "motion": "auto",
    "focus": None,
    "zoom": None,
    "keep": None,
    "pan_from": None,
    "pan_to": None,
}


# -- building items ------------------------------------------------------------------


def _picture_size(photo: Photo) -> tuple[int, int] | None:
    """The picture's upright size from its header; None when it cannot be read."""
    from kiosk.media.images import ImageError, probe_image

    try:
        info = probe_image(photo.path)
    except ImageError:
        return None
    return info.width, info.height


def _parse_fields(ctx: Context, values: Mapping[str, Node], table: Mapping[str, Field],
                  names: tuple[str, ...] | None = None) -> dict[str, Any]:
    """Parse the given keys; every bad one is reported before the item is dropped."""
    out: dict[str, Any] = {}
    bad = False
    for name, node in values.items():
        if names is not None and name not in names:
            continue
        if isinstance(node, Scalar) and node.is_empty:
            continue  # `caption:` with nothing after it: as if not written
        if name in _PLACEHOLDER_FIELDS:
            _placeholder_warnings(ctx, name, node)
        try:
            out[name] = table[name].parse(ctx, node)
        except Invalid:
            bad = True
    if bad:
        raise Invalid("item")
    return out


def _placeholder_warnings(ctx: Context, name: str, node: Node) -> None:
    """A to-do for each text that still starts with the placeholder word."""
    texts = [("", node)] if isinstance(node, Scalar) else [
        (code, value) for code, (_, value) in node.entries.items()
    ] if isinstance(node, Map) else []
    for code, value in texts:
        if isinstance(value, Scalar) and value.value.strip().startswith(PLACEHOLDER):
            which = f"`{name}` in `{code}`" if code else f"`{name}`"
            ctx.warning(value, f"to do: {which} is still a placeholder ({PLACEHOLDER})",
                        "write the text, or delete the line")


def _label(values: Mapping[str, Any], base: Label | None = None) -> Label:
    base = base or Label()
    return Label(**{name: values.get(name, getattr(base, name)) for name in LABEL_FIELDS})


class _ExhibitReader:
    def __init__(self, ctx: ManifestContext) -> None:
        self.ctx = ctx
        self.defaults = dict(BUILTIN_DEFAULTS)
        self.item_count = 0  # items written, dropped ones included
        self.items_misplaced = False  # `items:` indented under `defaults:`, reported

    def in_place(self, node: Node, fields: Mapping[str, Field], what: str) -> Node:
        """The item without keys that landed in the wrong place (each one reported)."""
        if not isinstance(node, Map):
            return node
        node = misplaced_in_texts(self.ctx, node, fields, what)
        return misplaced_outer(self.ctx, node, fields, _EXHIBIT_ONLY,
                               f"inside the item on line {node.line}", None, 1)[0]

    def where(self, node: Node) -> Where:
        return Where(self.ctx.path, node.line, node.col)

    def item(self, node: Node) -> Item:
        ctx = self.ctx
        if not isinstance(node, Map):
            raise ctx.fail(node, "an item must be `key: value` lines such as `- photo: file.jpg`",
                           "start the item with `photo:`, `sequence:`, `video:` or `card:`")
        kinds = [k for k in ITEM_KINDS if k in node.entries]
        if len(kinds) != 1:
            if kinds:
                raise ctx.fail(node, "an item has one kind; this one has " +
                               " and ".join(f"`{k}`" for k in kinds),
                               "split it into separate items")
            first = next(iter(node.entries), "")
            raise ctx.fail(node.entries[first][0] if first else node,
                           "this item has no kind" if not first
                           else f"`{first}` is not a kind of item",
                           did_you_mean(first, ITEM_KINDS) if first
                           else "start it with `photo:`, `sequence:`, `video:` or `card:`")
        kind = kinds[0]
        node = self.in_place(node, ITEM_KINDS[kind], f"this {kind}")
        values = f.entries(ctx, node, ITEM_KINDS[kind], f"a {kind} item")
        return getattr(self, kind)(node, values)

    def _play(self, parsed: Mapping[str, Any], inherited: Mapping[str, Any]) -> dict[str, Any]:
        return {k: parsed.get(k, inherited[k]) for k in PLAY_FIELDS}

    def photo(self, node: Node, values: Mapping[str, Node],
              inherited: Mapping[str, Any] | None = None,
              label: Label | None = None) -> Photo:
        parsed = _parse_fields(self.ctx, values, PHOTO_FIELDS)
        if "photo" not in parsed:
            raise self.ctx.fail(node, "this photo item names no file", "write `photo: file.jpg`")
        play = self._play(parsed, inherited or self.defaults)
        photo = Photo(path=parsed["photo"], duration_s=play["duration"],
                      transition=play["transition"], fit=play["fit"],
                      label=_label(parsed, label), caption_position=play["caption_position"],
                      where=self.where(node), link=parsed.get("link", ""))
        return self.moving(photo, node, values, play, "duration" in parsed)

    def moving(self, photo: Photo, node: Node, values: Mapping[str, Node],
               play: Mapping[str, Any], duration_given: bool) -> Photo:
        """The photo with its motion decided (kiosk/show/motion_plan.py)."""
        shape = {k: play[k] for k in _MOTION_FIELDS if k != "motion"}
        bad = motion_plan.BAD in shape.values()
        wanted = motion_plan.BAD if bad else play["motion"]
        pan = motion_plan.Pan(shape["focus"], shape["zoom"], shape["keep"], shape["pan_from"],
                              shape["pan_to"], {k: values[k] for k in motion_plan.PAN_ONLY
                                                if k in values})
        opts = self.ctx.opts
        return motion_plan.plan(self.ctx, values.get("motion", node), photo, wanted, pan,
                                duration_given=duration_given, reading=opts.reading,
                                screen=opts.screen, probe=_picture_size)

    def sequence(self, node: Node, values: Mapping[str, Node]) -> Sequence:
        ctx = self.ctx
        shared = _parse_fields(ctx, values, SEQUENCE_FIELDS,
                               tuple(k for k in SEQUENCE_FIELDS if k != "sequence"))
        inherited = self._play(shared, self.defaults)
        label = _label(shared)
        source = values.get("sequence")
        if source is None or (isinstance(source, Scalar) and source.is_empty):
            raise ctx.fail(node, "this sequence names no photos",
                           "write `sequence: folder/*.jpg` or a list of photos")
        photos: list[Photo] = []
        if isinstance(source, Scalar):
            for path in photo_glob(ctx, source):
                photo = Photo(path=path, duration_s=inherited["duration"],
                              transition=inherited["transition"], fit=inherited["fit"],
                              label=label, caption_position=inherited["caption_position"],
                              where=self.where(source), link=shared.get("link", ""))
                photos.append(self.moving(photo, source, values, inherited,
                                          "duration" in shared))
        else:
            for entry in f.seq_of(ctx, source, "`sequence`"):
                try:
                    if isinstance(entry, Scalar):
                        entry_values: Mapping[str, Node] = {"photo": entry}
                    else:
                        entry = self.in_place(entry, PHOTO_FIELDS, "this photo")
                        entry_values = f.entries(ctx, entry, PHOTO_FIELDS, "a photo of a sequence")
                    photo = self.photo(entry, entry_values, inherited, label)
                    if not photo.link and shared.get("link"):
                        photo = replace(photo, link=shared["link"])
                    photos.append(photo)
                except Invalid:
                    continue  # the smallest item: this photo alone is left out
        if not photos:
            raise Invalid("empty sequence")
        return Sequence(tuple(photos), self.where(node))

    def video(self, node: Node, values: Mapping[str, Node]) -> Video:
        ctx = self.ctx
        parsed = _parse_fields(ctx, values, VIDEO_FIELDS,
                               tuple(k for k in VIDEO_FIELDS if k != "subtitles"))
        subtitles = self.subtitles(values.get("subtitles"))
        if "video" not in parsed:
            raise ctx.fail(node, "this video item names no file", "write `video: file.mp4`")
        start, end = parsed.get("start", 0.0), parsed.get("end")
        if end is not None and end <= start:
            raise ctx.fail(values["end"], "`end` must come after `start`")
        play = self._play({**parsed, "duration": None}, {**self.defaults, "duration": None})
        return Video(path=parsed["video"], transition=play["transition"], fit=play["fit"],
                     label=_label(parsed), caption_position=play["caption_position"],
                     where=self.where(node), start_s=start, end_s=end,
                     duration_s=parsed.get("duration"), volume=parsed.get("volume", 1.0),
                     mute=parsed.get("mute", False), subtitles=subtitles,
                     link=parsed.get("link", ""))

    def subtitles(self, node: Node | None) -> dict[str, Path]:
        ctx = self.ctx
        if node is None or (isinstance(node, Scalar) and node.is_empty):
            return {}
        if not isinstance(node, Map):
            raise ctx.fail(node, "`subtitles` must list one file per language",
                           "write `en: interview.en.srt` on its own line below `subtitles:`")
        out: dict[str, Path] = {}
        parse = media_path(SUBTITLE_EXTENSIONS, "subtitle")
        bad = False
        for key, value in node.entries.values():
            try:
                out[f.language_code(ctx, key)] = parse(ctx, value)
            except Invalid:
                bad = True
        if bad:
            raise Invalid("subtitles")
        return out

    def card(self, node: Node, values: Mapping[str, Node]) -> TextCard:
        parsed = _parse_fields(self.ctx, values, CARD_FIELDS)
        title, body = parsed.get("card", NO_TEXT), parsed.get("body", NO_TEXT)
        if not title and not body:
            raise self.ctx.fail(node, "this card has no text",
                                "write `card: Heading` and `body: text`")
        play = self._play(parsed, self.defaults)
        return TextCard(title=title, body=body, duration_s=play["duration"],
                        transition=play["transition"], where=self.where(node),
                        link=parsed.get("link", ""))

    # -- the exhibit ---------------------------------------------------------------
    def exhibit(self, file: Path, root: Node) -> Exhibit | None:
        ctx = self.ctx
        if not isinstance(root, Map):
            ctx.error(root, "an exhibit file must be `key: value` lines with `title:` and "
                            "`items:`, "
                            f"not {'a list' if isinstance(root, Seq) else 'a single value'}",
                      "start the file with `title: ...` and then `items:`")
            return None
        stray = misplaced_items(ctx, root, EXHIBIT_FIELDS, ITEM_KINDS)
        try:
            values = f.entries(ctx, without(root, stray), EXHIBIT_FIELDS, "the exhibit")
        except Invalid:
            return None
        title = NO_TEXT
        order: float | None = None
        for name in ("title", "order"):
            node = values.get(name)
            if node is None or (isinstance(node, Scalar) and node.is_empty):
                continue
            try:
                if name == "title":
                    title = f.text(ctx, node)
                else:
                    order = EXHIBIT_FIELDS["order"].parse(ctx, node)
            except Invalid:
                pass
        dates: dict[str, Any] = {}
        for name in EXHIBIT_DATE_FIELDS:
            node = values.get(name)
            if node is not None and not (isinstance(node, Scalar) and node.is_empty):
                try:
                    dates[name] = EXHIBIT_DATE_FIELDS[name].parse(ctx, node)
                except Invalid:
                    pass
        try:
            check_exhibit_dates(ctx, values.get("until", root), dates.get("from"),
                                dates.get("until"))
        except Invalid:
            dates = {}
        if not title:
            ctx.warning(root, "the exhibit has no `title`",
                        f"the exhibit index will show `{file.stem}`; add `title: ...`")
            title = Text({"": file.stem})
        if "defaults" in values and not (
            isinstance(values["defaults"], Scalar) and values["defaults"].is_empty
        ):
            self.read_defaults(values["defaults"], root.entries["defaults"][0])
        items_node = values.get("items")
        if items_node is None or (isinstance(items_node, Scalar) and items_node.is_empty):
            if not self.items_misplaced:  # else already told where `items:` went
                ctx.error(root, "the exhibit has no `items`",
                          "add `items:` with lines like `- photo: file.jpg`")
            return None
        if items_without_dashes(ctx, items_node, ITEM_KINDS):
            return None
        try:
            nodes = f.seq_of(ctx, items_node, "`items`")
        except Invalid:
            return None
        items: list[Item] = []
        for node in nodes:
            try:
                items.append(self.item(node))
            except Invalid:
                continue
        self.item_count = len(nodes)
        return Exhibit(file=file, title=title, items=tuple(items), order=order,
                       where=self.where(values.get("title", root)),
                       active_from=dates.get("from"), active_until=dates.get("until"))

    def read_defaults(self, node: Node, key: Scalar) -> None:
        if isinstance(node, Map):
            node, stray = misplaced_outer(self.ctx, node, PLAY_FIELDS, EXHIBIT_FIELDS, "",
                                          key, key.col)
            self.items_misplaced = "items" in stray
        try:
            values = f.entries(self.ctx, node, PLAY_FIELDS, "`defaults`")
        except Invalid:
            return
        for name, value in values.items():
            try:
                self.defaults[name] = PLAY_FIELDS[name].parse(self.ctx, value)
            except Invalid:
                pass  # this default falls back to the built-in one


# -- warnings that look across items ------------------------------------------------


def _translation_warnings(ctx: Context, exhibit: Exhibit, opts: LoadOptions) -> None:
    """One warning per item for its missing translations, naming fields and languages: a
    show with six languages would otherwise say the same thing once per field per item."""
    offered = set(opts.languages)
    default = opts.default_language
    for item in exhibit.items:
        steps = item.photos if isinstance(item, Sequence) else (item,)
        seen_labels: set[int] = set()
        missing: dict[str, set[str]] = {}  # field -> languages it lacks
        no_default: dict[str, str] = {}  # field -> the language shown instead
        for step in steps:
            texts: list[tuple[str, Text]] = []
            if isinstance(step, TextCard):
                texts = [("card", step.title), ("body", step.body)]
            elif id(step.label) not in seen_labels:
                seen_labels.add(id(step.label))
                texts = [(n, getattr(step.label, n)) for n in LABEL_FIELDS]
            for name, value in texts:
                langs = value.languages
                if not langs:
                    continue
                node = Scalar(step.where.line, step.where.col)
                # `ar-SA` is a region of `ar`: visitors who chose Arabic read it.
                unknown = sorted(c for c in langs - offered if c.split("-")[0] not in offered)
                langs = langs | {c.split("-")[0] for c in langs}
                if unknown:
                    ctx.warning(node, f"`{name}` is written in " +
                                ", ".join(f"`{c}`" for c in unknown) +
                                ", which visitors cannot choose",
                                "add the language to `languages` in config/kiosk.yaml",
                                kind="language")
                lacking = offered - langs
                if lacking and default not in langs:
                    no_default.setdefault(name, sorted(langs)[0])
                    lacking -= {default}
                if lacking:
                    missing.setdefault(name, set()).update(lacking)
        node = Scalar(item.where.line, item.where.col)
        if no_default:
            shown = sorted(set(no_default.values()))
            ctx.warning(node, f"{_fields(list(no_default))} no `{default}` text "
                        "(the default language)",
                        "visitors who have not chosen a language see " +
                        ", ".join(f"`{c}`" for c in shown), kind="translation")
        if missing:
            ctx.warning(node, translation_message(missing),
                        f"those visitors see the `{default}` text", kind="translation")


def _fields(names: list[str]) -> str:
    """"`caption` has", "`caption`, `credit` have"."""
    return ", ".join(f"`{n}`" for n in names) + (" has" if len(names) == 1 else " have")


def translation_message(missing: Mapping[str, set[str]]) -> str:
    """Fields that lack the same languages share a clause: "`caption`, `credit` have no
    translation for `ar`, `zh`; `body` has none for `zh`"."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for name, lacking in missing.items():
        groups.setdefault(tuple(sorted(lacking)), []).append(name)
    clauses = []
    for i, (codes, names) in enumerate(groups.items()):
        what = "no translation" if i == 0 else "none"
        clauses.append(f"{_fields(names)} {what} for " + ", ".join(f"`{c}`" for c in codes))
    return "; ".join(clauses)


def _caption_warnings(ctx: Context, exhibit: Exhibit) -> None:
    """One warning per photo or clip item without a caption, when others have one."""
    groups: list[tuple[Where, str, tuple[Photo | Video, ...]]] = []
    for item in exhibit.items:
        if isinstance(item, Sequence):
            groups.append((item.where, "this sequence", item.photos))
        elif not isinstance(item, TextCard):
            groups.append((item.where, f"`{item.path.name}`", (item,)))
    captioned = [any(s.label.caption for s in steps) for _, _, steps in groups]
    if not any(captioned):
        return
    for (where, name, steps), has_caption in zip(groups, captioned, strict=True):
        if not has_caption and any(s.caption_position != "hidden" for s in steps):
            ctx.warning(Scalar(where.line, where.col),
                        f"{name} has no caption, while others in this exhibit do",
                        "add `caption:` or set `caption_position: hidden`")


# -- the show ------------------------------------------------------------------------


def manifest_files(exhibits_dir: Path) -> list[Path]:
    """The manifests of a show: `*.yaml` in the folder, hidden and set-aside files left out."""
    return list(look_at(exhibits_dir).manifests)


def display_path(path: Path, opts: LoadOptions) -> str:
    """How a file is named in messages: relative to the display base when inside it."""
    return shown_path(path, opts.display_base)


def shown_path(path: Path, base: Path | None) -> str:
    """A manifest that is a symbolic link is named as it lies in the exhibits folder, not
    by its target (a link that loops has none)."""
    if base is not None:
        try:
            real = (path.resolve() if path.name in ("", "..")
                    else path.parent.resolve() / path.name)
            return real.relative_to(base.resolve()).as_posix()
        except (ValueError, OSError, RuntimeError):  # RuntimeError: a loop, Python < 3.13
            pass
    return str(path)


def load_exhibit(file: Path, opts: LoadOptions,
                 data: bytes | None = None) -> tuple[Exhibit | None, list[Problem], int]:
    """One manifest file: its exhibit (None when it cannot play), problems, items written."""
    shown = display_path(file, opts)
    ctx = ManifestContext(shown, base_dir=file.parent, options=opts)
    broken = _broken_link(file, shown) if data is None else None
    if broken is not None:
        return None, [broken], 0
    try:
        document = read_file(str(file), data)
    except ManifestError as exc:
        problem = exc.problem
        return None, [Problem(shown, problem.line, problem.col, problem.severity,
                              problem.message, problem.hint)], 0
    ctx.problems.extend(
        Problem(shown, p.line, p.col, p.severity, p.message, p.hint, p.playable)
        for p in document.problems
    )
    if document.root is None:
        ctx.problems.append(Problem(shown, 1, 1, "error", "the file is empty",
                                    "an exhibit needs at least `title:` and `items:`"))
        return None, ctx.problems, 0
    reader = _ExhibitReader(ctx)
    exhibit = reader.exhibit(file, document.root)
    if exhibit is not None:
        _translation_warnings(ctx, exhibit, opts)
        _caption_warnings(ctx, exhibit)
        if not exhibit.items:
            ctx.error(document.root, "no item of this exhibit can play",
                      "fix the errors above")
    return exhibit, ctx.problems, reader.item_count


def _broken_link(file: Path, shown: str) -> Problem | None:
    """A manifest that is a symbolic link leading nowhere, said at its name."""
    try:
        os.stat(file)
        return None
    except OSError as exc:
        if not file.is_symlink():
            return None  # read_file says what is wrong with a plain file
        if exc.errno == errno.ELOOP:
            return Problem(shown, 1, 1, "error",
                           f"`{file.name}` is a symbolic link that leads back to itself "
                           "(a loop)", "replace it with the manifest file itself")
        try:
            target = f" to `{os.readlink(file)}`"
        except OSError:
            target = ""
        return Problem(shown, 1, 1, "error",
                       f"`{file.name}` is a symbolic link{target}, which cannot be read "
                       f"({exc.strerror or exc})",
                       "replace it with the manifest file itself, or point it at one that "
                       "exists")


def _order_key(exhibit: Exhibit) -> tuple[int, float, str]:
    if exhibit.order is None:
        return (1, 0.0, exhibit.name)
    return (0, exhibit.order, exhibit.name)


def load_show(opts: LoadOptions) -> ShowResult:
    folder = look_at(opts.exhibits_dir)
    files = list(folder.manifests)
    problems = folder_problems(folder, display_path(opts.exhibits_dir, opts))
    exhibits: list[Exhibit] = []
    items = 0
    for file in files:
        exhibit, found, count = load_exhibit(file, opts)
        problems.extend(found)
        items += count
        if exhibit is not None and exhibit.items:
            exhibits.append(exhibit)
    exhibits.sort(key=_order_key)
    show = Show(tuple(exhibits), default_language=opts.default_language)
    return ShowResult(show, problems, files, items)
