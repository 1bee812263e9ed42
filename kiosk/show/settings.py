"""Kiosk settings (`config/kiosk.yaml`): the same marked reader and problems as manifests.

A bad setting falls back to its default, key by key, with a positioned problem; the
kiosk never refuses to start over its settings.
"""

from __future__ import annotations

import contextlib
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.errors import ManifestError, Problem
from kiosk.media.decoders import DECODER_SETTINGS
from kiosk.operations.endpoint_rules import refusal
from kiosk.operations.hours import CLOSED_DATES_FIELD, OPENING_HOURS_FIELD, WeeklyHours
from kiosk.render.fonts import looks_like_font
from kiosk.show import fields as f
from kiosk.show.fields import Context, Field, Invalid
from kiosk.show.marked_yaml import Map, Node, Scalar, read_file
from kiosk.show.model import Reading

FONT_EXTENSIONS = (".ttf", ".otf", ".ttc")
# The fonts that ship with the kiosk, found even when a show's assets folder has none.
BUNDLED_FONTS = Path(__file__).resolve().parents[2] / "assets" / "fonts"

log = logging.getLogger("kiosk.show.settings")


@dataclass(frozen=True)
class Screen:
    fullscreen: bool = True
    size: tuple[int, int] | None = None  # None: the display's native size
    display: int = 0
    diagonal_in: float = 55.0  # for touch targets and text that reads from 2 m
    viewing_distance_m: float = 1.0  # from where visitors read: the smallest label text
    background: tuple[int, int, int] = (0, 0, 0)


@dataclass(frozen=True)
class Languages:
    offered: tuple[str, ...] = ("en",)
    default: str = "en"


@dataclass(frozen=True)
class Fonts:
    text: tuple[Path, ...] = ()
    heading: tuple[Path, ...] = ()


@dataclass(frozen=True)
class Touch:
    swipe_distance: float = 0.06  # share of the screen width
    swipe_time_s: float = 0.8  # longer than this is a drag, not a swipe
    tap_slop: float = 0.02  # movement still counted as a tap, share of the width
    long_press_s: float = 0.8
    double_tap_s: float = 0.3


@dataclass(frozen=True)
class Staff:
    pin_hash: str = ""  # "pbkdf2_sha256$iterations$salt$hash"; empty: no PIN exit
    keyboard_exit: str = "windowed"  # windowed | always | never


@dataclass(frozen=True)
class Closed:
    """What the screen does outside opening hours."""

    screen: str = "sleep"  # sleep (DPMS, else black) | black | card
    message: str = "The exhibition is closed"


@dataclass(frozen=True)
class HttpStatus:
    port: int = 0  # 0: off
    host: str = "127.0.0.1"
    token: str = ""  # required when host is not a loopback address


@dataclass(frozen=True)
class Clips:
    """How clips are decoded."""

    decoder: str = "auto"  # auto | software | vaapi | v4l2m2m (kiosk/media/decoders.py)


@dataclass(frozen=True)
class Settings:
    screen: Screen = field(default_factory=Screen)
    languages: Languages = field(default_factory=Languages)
    fonts: Fonts = field(default_factory=Fonts)
    touch: Touch = field(default_factory=Touch)
    reading: Reading = field(default_factory=Reading)
    staff: Staff = field(default_factory=Staff)
    idle_timeout_s: float = 60.0
    controls_visible_s: float = 6.0
    reset_warning_s: float = 20.0  # the countdown before an idle reset (WCAG 2.2.1)
    cache_bytes: int = 256 * 1024 * 1024
    max_image_pixels: int = 100_000_000
    volume: float = 1.0
    status_file: Path | None = None
    log_file: Path | None = None
    log_level: str = "info"
    opening_hours: WeeklyHours | None = None  # None: always open
    closed_dates: frozenset[date] = frozenset()
    closed: Closed = field(default_factory=Closed)
    http: HttpStatus = field(default_factory=HttpStatus)
    video: Clips = field(default_factory=Clips)
    play_log_days: float = 90.0
    errors_file: bool = True  # write _kiosk_errors.txt beside the manifests


@dataclass
class SettingsResult:
    settings: Settings
    problems: list[Problem]


# -- parsers that need the settings file's place -------------------------------------


@dataclass
class SettingsContext(Context):
    base_dir: Path = Path()
    assets_dir: Path = Path()


def _font_list(ctx: Context, node: Node) -> tuple[Path, ...]:
    assert isinstance(ctx, SettingsContext)
    out: list[Path] = []
    for item in f.seq_of(ctx, node, "a font list"):
        raw = f.scalar(ctx, item, "a font file")
        path = Path(raw).expanduser()
        places = [path] if path.is_absolute() else [
            ctx.base_dir / path, ctx.assets_dir / path, BUNDLED_FONTS.parent / path]
        found = next((p for p in places if p.is_file()), None)
        if found is None:
            ctx.warning(item, f"font file not found: `{raw}`; it is left out of the chain",
                        "paths are relative to this file, or to the assets folder")
        elif found.suffix.lower() not in FONT_EXTENSIONS:
            ctx.warning(item, f"`{raw}` is not a font file (.ttf, .otf, .ttc)")
        elif not looks_like_font(found):
            ctx.warning(item, f"`{raw}` cannot be read as a font; it is left out of the chain",
                        "copy the font file again from its source")
        else:
            out.append(found.resolve())
    if not out:
        raise ctx.fail(node, "no usable font in this list", "the built-in fonts are used")
    return tuple(out)


def _plain_path(ctx: Context, node: Node) -> Path | None:
    assert isinstance(ctx, SettingsContext)
    raw = f.scalar(ctx, node, "a file path")
    if raw.lower() in ("", "none", "off", "no"):
        return None
    path = Path(raw).expanduser()
    return path if path.is_absolute() else (ctx.base_dir / path)


def _color(ctx: Context, node: Node) -> tuple[int, int, int]:
    raw = f.scalar(ctx, node, "a colour")
    m = re.fullmatch(r"#?([0-9a-fA-F]{6})", raw)
    if not m:
        raise ctx.fail(node, f"`{raw}` is not a colour", "write it like `#101418`")
    value = int(m.group(1), 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def _screen_size(ctx: Context, node: Node) -> tuple[int, int] | None:
    if isinstance(node, Scalar) and node.value.strip().lower() in ("auto", "native"):
        return None
    return f.size_wh(ctx, node)


def _languages(ctx: Context, node: Node) -> tuple[str, ...]:
    codes = [f.language_code(ctx, n) for n in f.seq_of(ctx, node, "`offered`")]
    if not codes:
        raise ctx.fail(node, "offer at least one language")
    return tuple(dict.fromkeys(codes))


def _pixels(ctx: Context, node: Node) -> int:
    """``100MP`` or a plain count."""
    raw = f.scalar(ctx, node, "a pixel count")
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(mp)?\s*", raw.lower())
    if not m:
        raise ctx.fail(node, f"`{raw}` is not a pixel count", "write it like `100MP`")
    value = int(float(m.group(1)) * (1_000_000 if m.group(2) else 1))
    if not 1_000_000 <= value <= 1_000_000_000:
        raise ctx.fail(node, f"`{raw}` is out of range", "use 1MP to 1000MP")
    return value


def _inches(ctx: Context, node: Node) -> float:
    raw = f.scalar(ctx, node, "a screen diagonal")
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(in|inch|inches|\"|cm)?\s*", raw.lower())
    if not m:
        raise ctx.fail(node, f"`{raw}` is not a screen size", "write it like `55in`")
    value = float(m.group(1)) / (2.54 if m.group(2) == "cm" else 1.0)
    if not 5 <= value <= 400:
        raise ctx.fail(node, f"`{raw}` is out of range", "use 5in to 400in")
    return value


def _distance(ctx: Context, node: Node) -> float:
    raw = f.scalar(ctx, node, "a viewing distance")
    m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*(m|cm)\s*", raw.lower())
    if not m:
        raise ctx.fail(node, f"`{raw}` is not a distance", "write it like `1m` or `150cm`")
    value = float(m.group(1)) / (100.0 if m.group(2) == "cm" else 1.0)
    if not 0.3 <= value <= 20:
        raise ctx.fail(node, f"`{raw}` is out of range", "use 30cm to 20m")
    return value


# -- the tables: key -> (field on the dataclass, parser, schema, doc) -----------------

_DUR = f.duration_schema
SECTIONS: dict[str, tuple[str, dict[str, tuple[str, Field]]]] = {
    "screen": ("screen", {
        "fullscreen": ("fullscreen", Field(f.boolean, f.BOOLEAN_SCHEMA,
                                           "`yes` fills the display; `no` opens a window")),
        "size": ("size", Field(_screen_size, {"type": "string"},
                               "`auto` (the display's own size) or `1920x1080`")),
        "display": ("display", Field(f.number(0, 16, integer=True), {"type": ["string", "integer"]},
                                     "which display to use, from 0")),
        "diagonal": ("diagonal_in", Field(_inches, {"type": "string"},
                                          "the screen's diagonal, like `55in`; sizes text and "
                                          "touch targets")),
        "viewing_distance": ("viewing_distance_m", Field(
            _distance, {"type": "string"},
            "from where visitors read, like `1m`: label text never gets smaller than a "
            "capital letter of 0.7 degrees from there (about 12 mm at 1 m)")),
        "background": ("background", Field(_color, {"type": "string"},
                                           "colour around photos, like `#000000`")),
    }),
    "languages": ("languages", {
        "offered": ("offered", Field(_languages, {"type": "array", "items": {"type": "string"}},
                                     "language codes visitors can choose, like `[en, ru, az]`")),
        "default": ("default", Field(f.language_code, {"type": "string"},
                                     "the language shown until a visitor chooses")),
    }),
    "fonts": ("fonts", {
        "text": ("text", Field(_font_list, {"type": "array", "items": {"type": "string"}},
                               "font files for text, in fallback order")),
        "heading": ("heading", Field(_font_list, {"type": "array", "items": {"type": "string"}},
                                     "font files for titles, in fallback order")),
    }),
    "touch": ("touch", {
        "swipe_distance": ("swipe_distance", Field(f.fraction, f.FRACTION_SCHEMA,
                                                   "a swipe moves at least this share of the "
                                                   "screen width")),
        "swipe_time": ("swipe_time_s", Field(f.duration(0.05, 5), _DUR("swipe time"),
                                             "a swipe is quicker than this")),
        "tap_slop": ("tap_slop", Field(f.fraction, f.FRACTION_SCHEMA,
                                       "a tap moves less than this share of the width")),
        "long_press": ("long_press_s", Field(f.duration(0.2, 10), _DUR("long press"),
                                             "holding this long is a long press")),
        "double_tap": ("double_tap_s", Field(f.duration(0.1, 2), _DUR("double tap"),
                                             "two taps within this time are a double tap")),
    }),
    "reading": ("reading", {
        "speed": ("speed", Field(f.fraction, f.FRACTION_SCHEMA,
                                 "how fast a clipping scrolls: a share of the screen's width a "
                                 "second, like `2%`")),
        "dwell": ("dwell_s", Field(f.duration(0, 60, allow_zero=True), _DUR("dwell"),
                                   "a clipping stays still this long at its start and end")),
        "aspect": ("aspect", Field(f.number(1.2, 100), {"type": ["string", "number"]},
                                   "a picture this many times taller than wide is read by "
                                   "scrolling without `motion: read`")),
        "zoom": ("zoom", Field(f.number(1, 4), {"type": ["string", "number"]},
                               "how much closer a `motion: pan` ends")),
    }),
    "closed": ("closed", {
        "screen": ("screen", Field(f.choice(("sleep", "black", "card")),
                                   {"enum": ["sleep", "black", "card"]},
                                   "outside opening hours: `sleep` (the display's power "
                                   "saving, else black), `black`, or `card`")),
        "message": ("message", Field(lambda ctx, node: f.scalar(ctx, node, "a message"),
                                     {"type": "string"}, "the text of the closed card")),
    }),
    "http": ("http", {
        "port": ("port", Field(f.number(0, 65535, integer=True), {"type": ["string", "integer"]},
                               "serve GET /status and /screenshot.png here (0: off)")),
        "host": ("host", Field(lambda ctx, node: f.scalar(ctx, node, "an address"),
                               {"type": "string"},
                               "`127.0.0.1` (this machine only) or an address of the venue "
                               "network (then a token is required)")),
        "token": ("token", Field(lambda ctx, node: f.scalar(ctx, node, "a token"),
                                 {"type": "string"},
                                 "a secret of at least 16 characters for remote readers")),
    }),
    "video": ("video", {
        "decoder": ("decoder", Field(f.choice(DECODER_SETTINGS), {"enum": list(DECODER_SETTINGS)},
                                     "`auto` (hardware where the machine has it, else "
                                     "software), `software`, `vaapi` or `v4l2m2m`")),
    }),
    "staff": ("staff", {
        "pin_hash": ("pin_hash", Field(lambda ctx, node: f.scalar(ctx, node, "a PIN hash"),
                                       {"type": "string"},
                                       "the staff PIN, hashed by `run_kiosk.py pin`")),
        "keyboard_exit": ("keyboard_exit", Field(f.choice(("windowed", "always", "never")),
                                                 {"enum": ["windowed", "always", "never"]},
                                                 "when Esc ends the show")),
    }),
}

TOP_LEVEL: dict[str, tuple[str, Field]] = {
    "idle_timeout": ("idle_timeout_s", Field(f.duration(5, 3600), _DUR("idle timeout"),
                                             "after this long without a touch, back to the "
                                             "loop")),
    "controls_visible": ("controls_visible_s", Field(f.duration(2, 120),
                                                     _DUR("controls visible time"),
                                                     "the visitor controls hide after this "
                                                     "long without a touch")),
    "reset_warning": ("reset_warning_s", Field(f.duration(20, 600), _DUR("reset warning"),
                                               "after the idle time, a countdown this long "
                                               "(20 s at least) before the reset")),
    "cache_size": ("cache_bytes", Field(f.byte_size(16 * 1024**2, 8 * 1024**3),
                                        {"type": "string"},
                                        "memory for decoded photos, like `256MB`")),
    "max_image_pixels": ("max_image_pixels", Field(_pixels, {"type": "string"},
                                                   "larger images are skipped, like `100MP`")),
    "volume": ("volume", Field(f.fraction, f.FRACTION_SCHEMA, "show-wide sound level")),
    "status_file": ("status_file", Field(_plain_path, {"type": "string"},
                                         "where the kiosk writes its status JSON")),
    "log_file": ("log_file", Field(_plain_path, {"type": "string"},
                                   "a log file beside stderr (optional)")),
    "log_level": ("log_level", Field(f.choice(("debug", "info", "warning", "error")),
                                     {"enum": ["debug", "info", "warning", "error"]},
                                     "how much the log says")),
    "opening_hours": ("opening_hours", OPENING_HOURS_FIELD),
    "closed_dates": ("closed_dates", CLOSED_DATES_FIELD),
    "play_log_days": ("play_log_days", Field(f.number(1, 3650), {"type": ["string", "number"]},
                                             "days of proof of play kept")),
    "errors_file": ("errors_file", Field(f.boolean, f.BOOLEAN_SCHEMA,
                                         "write problems to _kiosk_errors.txt in the exhibits "
                                         "folder")),
}


def default_fonts() -> Fonts:
    """Noto Sans (Latin, Cyrillic, Greek, Azerbaijani, Vietnamese).

    Other scripts come from the fonts installed on the machine (fontconfig), and DejaVu
    Sans, shipped beside it, is the renderer's last resort for symbols.
    """
    return Fonts(
        text=(BUNDLED_FONTS / "NotoSans-Regular.ttf",),
        heading=(BUNDLED_FONTS / "NotoSans-Bold.ttf",),
    )


def _read_section(ctx: SettingsContext, node: Node, table: Mapping[str, tuple[str, Field]],
                  base: Any, what: str) -> Any:
    try:
        values = f.entries(ctx, node, table, what)
    except Invalid:
        return base
    changes: dict[str, Any] = {}
    for key, value in values.items():
        if isinstance(value, Scalar) and value.is_empty:
            continue
        attr, spec = table[key]
        try:
            changes[attr] = spec.parse(ctx, value)
        except Invalid:
            pass  # this key keeps its default
    return replace(base, **changes)


def load_settings(path: Path | None, assets_dir: Path, shown: str | None = None) -> SettingsResult:
    """Settings from ``path`` (None or missing: all defaults)."""
    base = Settings(fonts=default_fonts())
    if path is None or not path.exists():
        return SettingsResult(base, [])
    shown = shown or str(path)
    ctx = SettingsContext(shown, base_dir=path.parent, assets_dir=assets_dir)
    try:
        document = read_file(str(path))
    except ManifestError as exc:
        p = exc.problem
        return SettingsResult(base, [Problem(shown, p.line, p.col, p.severity,
                                             p.message + "; all settings are at their defaults",
                                             p.hint)])
    ctx.problems.extend(Problem(shown, p.line, p.col, p.severity, p.message, p.hint, p.playable)
                        for p in document.problems)
    if document.root is None:
        return SettingsResult(base, ctx.problems)
    table: dict[str, Any] = {**SECTIONS, **TOP_LEVEL}
    try:
        values = f.entries(ctx, document.root, table, "the settings")
    except Invalid:
        return SettingsResult(base, ctx.problems)
    settings = base
    top_changes: dict[str, Any] = {}
    for key, node in values.items():
        if key in SECTIONS:
            attr, section = SECTIONS[key]
            updated = _read_section(ctx, node, section, getattr(settings, attr), f"`{key}`")
            top_changes[attr] = updated
        elif not (isinstance(node, Scalar) and node.is_empty):
            attr, spec = TOP_LEVEL[key]
            with contextlib.suppress(Invalid):
                top_changes[attr] = spec.parse(ctx, node)
    settings = replace(settings, **top_changes)
    settings = _check_languages(ctx, settings, values)
    settings = _check_http(ctx, settings, values)
    _check_pin_file_mode(ctx, path, settings, values)
    return SettingsResult(settings, ctx.problems)


def _check_pin_file_mode(ctx: Context, path: Path, settings: Settings,
                         values: Mapping[str, Node]) -> None:
    """A PIN hash others can read can be guessed offline, at leisure."""
    if not settings.staff.pin_hash:
        return
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return
    if not mode & 0o077:
        return
    staff = values.get("staff")
    node = (staff.get("pin_hash") if isinstance(staff, Map) else None) or Scalar(1, 1)
    ctx.warning(node, f"this file holds the staff PIN's hash and other users of this machine "
                      f"can read it (mode {mode:o})",
                f"let only the kiosk's user read it: `sudo chown kiosk: {path.name} && "
                f"sudo chmod 600 {path.name}`")


def reload_settings(path: Path, assets_dir: Path, shown: str | None = None
                    ) -> SettingsResult | None:
    """The settings file read again while the kiosk runs; None when it holds no settings
    at all (deleted, emptied, unreadable, not YAML), so the running kiosk keeps its last
    good ones instead of falling back to the defaults (no PIN, always open). A warning
    names the file and what to do."""
    unusable = _unusable(path)
    if not unusable:
        return load_settings(path, assets_dir, shown)
    log.warning("%s %s; the kiosk keeps the settings it had (put the settings back into "
                "the file and save it; a restart without them starts with the defaults)",
                shown or path, unusable)
    return None


def _unusable(path: Path) -> str:
    """Why the file as a whole gives no settings, or "" when it gives some."""
    if not path.exists():
        return "was deleted"
    try:
        root = read_file(str(path)).root
    except ManifestError as exc:
        p = exc.problem
        return f"cannot be used: line {p.line}, column {p.col}: {p.message}"
    if root is None:
        return "holds no settings (it is empty)"
    if not isinstance(root, Map):
        return "is not a list of `key: value` settings"
    return ""


def _check_http(ctx: Context, settings: Settings, values: Mapping[str, Node]) -> Settings:
    """The endpoint's own rule (a token off loopback, long enough), told at the setting
    that breaks it; the endpoint then stays off, as it would at start."""
    http = settings.http
    refused = refusal(http.host, http.port, http.token) if http.port else None
    if refused is None:
        return settings
    section = values.get("http") or Scalar(1, 1)
    node = section.get(refused.key) if isinstance(section, Map) else None
    ctx.error(node or section, refused.message + "; the endpoint stays off", refused.hint,
              playable=True)
    return replace(settings, http=replace(http, port=0))


def _check_languages(ctx: Context, settings: Settings, values: Mapping[str, Node]) -> Settings:
    langs = settings.languages
    if langs.default in langs.offered:
        return settings
    node = values.get("languages") or Scalar(1, 1)
    if isinstance(node, Map):
        node = node.get("default") or node
    ctx.error(node, f"the default language `{langs.default}` is not among the offered ones",
              f"add it to `offered`; `{langs.offered[0]}` is used as the default")
    return replace(settings, languages=Languages(langs.offered, langs.offered[0]))

