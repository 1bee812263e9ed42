"""Field parsers shared by the manifest and the settings loaders.

Each parser takes a marked node, returns a typed value, or records a positioned problem
and raises ``Invalid`` so the caller can drop the smallest enclosing item (or fall back to
a default setting). A ``Field`` pairs a parser with its JSON Schema and a one-line doc, so
the loader, `schema` and the docs read from one table.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlparse

from kiosk.errors import KioskError, Problem, did_you_mean
from kiosk.show.marked_yaml import Map, Node, Scalar, Seq, kind_name
from kiosk.show.model import NO_TEXT, Text


class Invalid(KioskError):
    """A value could not be used; its problem is already recorded."""


@dataclass
class Context:
    """Where problems go while one file is read."""

    path: str
    problems: list[Problem] = field(default_factory=list)

    def error(self, node: Node, message: str, hint: str = "", *, playable: bool = False) -> None:
        self.problems.append(
            Problem(self.path, node.line, node.col, "error", message, hint, playable)
        )

    def warning(self, node: Node, message: str, hint: str = "", *, kind: str = "") -> None:
        self.problems.append(Problem(self.path, node.line, node.col, "warning", message, hint,
                                     kind=kind))

    def fail(self, node: Node, message: str, hint: str = "") -> Invalid:
        self.error(node, message, hint)
        return Invalid(message)


Parser = Callable[[Context, Node], Any]


@dataclass(frozen=True)
class Field:
    parse: Parser
    schema: Mapping[str, Any]
    doc: str


def entries(ctx: Context, node: Node, fields: Mapping[str, Any], what: str) -> dict[str, Node]:
    """The value nodes of a mapping; an unknown key is reported (with a hint) and ignored."""
    if not isinstance(node, Map):
        raise ctx.fail(node, f"{what} must be `key: value` lines, not {kind_name(node)}")
    out: dict[str, Node] = {}
    for name, (key, value) in node.entries.items():
        if name in fields:
            out[name] = value
        else:
            # `to: 0.5 0.5 0.5 0.5` for `pan_to:` (and `from:` for `pan_from:`).
            hint = (f"did you mean `pan_{name}`?" if f"pan_{name}" in fields
                    else did_you_mean(name, fields))
            ctx.error(key, f"unknown key `{name}` in {what}", hint, playable=True)
    return out


def scalar(ctx: Context, node: Node, what: str) -> str:
    if not isinstance(node, Scalar):
        raise ctx.fail(node, f"{what} must be a single value, not {kind_name(node)}")
    return node.value.strip()


def text_value(ctx: Context, node: Node) -> str:
    return scalar(ctx, node, "this text")


# -- durations -----------------------------------------------------------------------

_UNIT_S = {"h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_DURATION = re.compile(r"(?:(\d+(?:\.\d+)?)\s*(ms|h|m|s)\s*)+")
_PART = re.compile(r"(\d+(?:\.\d+)?)\s*(ms|h|m|s)")
_CLOCK = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2}(?:\.\d+)?)")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


def parse_seconds(text: str) -> float | None:
    """``8s``, ``1.5s``, ``2m``, ``1m30s``, ``1h``, ``500ms``, ``1:30`` (m:ss), ``8``."""
    t = text.strip().lower().replace(" ", "")
    if _NUMBER.fullmatch(t):
        return float(t)
    if _DURATION.fullmatch(t):
        return sum(float(n) * _UNIT_S[u] for n, u in _PART.findall(t))
    m = _CLOCK.fullmatch(t)
    if m:
        hours, minutes, seconds = m.groups()
        return int(hours or 0) * 3600 + int(minutes) * 60 + float(seconds)
    return None


def format_seconds(seconds: float, places: int = 3) -> str:
    """Seconds as curators write them: ``0.05s``, ``12.5s``, ``1m45s``, ``2m``; rounded to
    ``places`` decimals (1 for a clip position, whose probed length is not exact)."""
    scale = 10**places
    units = round(seconds * scale)
    minutes, rest = divmod(units, 60 * scale)
    text = f"{rest / scale:g}s" if rest or not minutes else ""
    return f"{minutes}m{text}" if minutes else text


def duration(min_s: float, max_s: float, *, allow_zero: bool = False) -> Parser:
    def parse(ctx: Context, node: Node) -> float:
        raw = scalar(ctx, node, "a duration")
        if raw.startswith("-"):
            raise ctx.fail(node, f"`{raw}` is negative", "a duration counts forward, like `8s`")
        value = parse_seconds(raw)
        if value is None or not math.isfinite(value):
            raise ctx.fail(node, f"`{raw}` is not a duration",
                           "write it like `8s`, `1.5s`, `2m` or `1m30s`")
        if value == 0 and allow_zero:
            return 0.0
        if value < min_s or value > max_s:
            raise ctx.fail(node, f"`{raw}` is out of range",
                           f"use between {format_seconds(min_s)} and {format_seconds(max_s)}")
        return value

    return parse


def duration_schema(doc: str) -> dict[str, Any]:
    return {"type": "string", "pattern": r"^\s*(\d+(\.\d+)?\s*(ms|h|m|s)?\s*)+$|^\d+:\d{2}$",
            "description": doc, "examples": ["8s", "1.5s", "1m30s"]}


# -- simple kinds ------------------------------------------------------------------

def choice(choices: tuple[str, ...]) -> Parser:
    def parse(ctx: Context, node: Node) -> str:
        raw = scalar(ctx, node, "this value")
        value = raw.lower()
        if value not in choices:
            raise ctx.fail(node, f"`{raw}` is not one of the choices", did_you_mean(value, choices))
        return value

    return parse


_TRUE = {"yes", "true", "on", "y", "1"}
_FALSE = {"no", "false", "off", "n", "0"}


def boolean(ctx: Context, node: Node) -> bool:
    raw = scalar(ctx, node, "a yes/no value")
    if raw.lower() in _TRUE:
        return True
    if raw.lower() in _FALSE:
        return False
    raise ctx.fail(node, f"`{raw}` is not yes or no", "write `yes` or `no`")


BOOLEAN_SCHEMA = {"type": "string", "enum": ["yes", "no", "true", "false", "on", "off"]}


def number(min_v: float, max_v: float, *, integer: bool = False) -> Parser:
    def parse(ctx: Context, node: Node) -> float:
        raw = scalar(ctx, node, "a number")
        try:
            value = int(raw) if integer else float(raw)
        except ValueError:
            kind = "a whole number" if integer else "a number"
            raise ctx.fail(node, f"`{raw}` is not {kind}") from None
        if not math.isfinite(value) or not min_v <= value <= max_v:
            raise ctx.fail(node, f"`{raw}` is out of range", f"use {min_v:g} to {max_v:g}")
        return value

    return parse


def fraction(ctx: Context, node: Node) -> float:
    """``80%`` or ``0.8``: a volume or a share of the screen."""
    raw = scalar(ctx, node, "a level")
    text = raw.rstrip("%").strip()
    try:
        value = float(text) / (100.0 if raw.endswith("%") else 1.0)
    except ValueError:
        raise ctx.fail(node, f"`{raw}` is not a level", "write a percentage like `80%`") from None
    if not math.isfinite(value) or not 0.0 <= value <= 1.0:
        raise ctx.fail(node, f"`{raw}` is out of range", "use 0% to 100%")
    return value


FRACTION_SCHEMA = {"type": "string", "pattern": r"^\s*\d+(\.\d+)?\s*%?\s*$",
                   "examples": ["80%", "0.8"]}


def url(ctx: Context, node: Node) -> str:
    raw = scalar(ctx, node, "a link")
    try:
        parts = urlparse(raw)
    except ValueError:  # e.g. an unclosed `[` in the host
        parts = urlparse("")
    if parts.scheme not in ("http", "https") or not parts.netloc or " " in raw:
        raise ctx.fail(node, f"`{raw}` is not a web address",
                       "write a full address starting with https://")
    return raw


# -- texts in several languages ----------------------------------------------------

LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(-[A-Za-z0-9]{2,8})*")


# Country codes written where a language is meant (ISO 3166 for ISO 639): the language.
# Only codes that are no language of their own are here (`kr` is Kanuri, but a kiosk
# offering Kanuri is rarer than a curator writing Korea's code).
COUNTRY_NOT_LANGUAGE = {
    "cn": ("zh", "Chinese"), "jp": ("ja", "Japanese"), "ua": ("uk", "Ukrainian"),
    "kr": ("ko", "Korean"), "gr": ("el", "Greek"), "dk": ("da", "Danish"),
    "cz": ("cs", "Czech"), "by": ("be", "Belarusian"), "kz": ("kk", "Kazakh"),
    "ge": ("ka", "Georgian"), "rs": ("sr", "Serbian"), "ir": ("fa", "Persian"),
    "il": ("he", "Hebrew"), "vn": ("vi", "Vietnamese"),
}


def language_code(ctx: Context, node: Node) -> str:
    """A language code like `en`, `zh-Hant` or `ar-SA`; a country code used for a language
    (`cn`, `jp`, `ua`) is read as that language, with a warning."""
    raw = scalar(ctx, node, "a language code")
    if not LANGUAGE_CODE.fullmatch(raw):
        lowered = raw[:3].lower() + raw[3:] if "-" in raw else raw.lower()
        hint = (f"did you mean `{lowered}`?" if LANGUAGE_CODE.fullmatch(lowered) else
                "use a short code such as `en`, `ru`, `az`, `zh` or `pt-BR`")
        raise ctx.fail(node, f"`{raw}` is not a language code", hint)
    primary, dash, region = raw.partition("-")
    found = COUNTRY_NOT_LANGUAGE.get(primary)
    if found is not None:
        code, name = found
        fixed = code + dash + region
        ctx.warning(node, f"`{raw}` is a country code, not a language: did you mean "
                          f"`{fixed}` ({name})?", f"it is read as `{fixed}`; write `{fixed}`")
        return fixed
    return raw


def _checked_text(ctx: Context, node: Node, value: str) -> str:
    """``value`` as the screen shows it, with a warning for what it cannot show as written."""
    from kiosk.show.text_checks import scan

    fixed, notes = scan(value)
    for note in notes:
        ctx.warning(node, note.message, note.fix, kind="text")
    return fixed


def text(ctx: Context, node: Node) -> Text:
    """A plain string, or a map of language code to string."""
    if isinstance(node, Scalar):
        return (Text({"": _checked_text(ctx, node, node.value.strip())},
                     {"": (node.line, node.col)})
                if not node.is_empty else NO_TEXT)
    if isinstance(node, Map):
        values: dict[str, str] = {}
        where: dict[str, tuple[int, int]] = {}
        bad = False
        for key, value in node.entries.values():
            try:
                code = language_code(ctx, key)
                values[code] = _checked_text(ctx, value, text_value(ctx, value))
                where[code] = (value.line, value.col)
            except Invalid:
                bad = True
        if bad:
            raise Invalid("text")
        return Text(values, where)
    raise ctx.fail(node, "a text must follow its key, or be one `language: text` line per "
                         "language",
                   "write `caption: text`, or one line per language like `en: text`")


TEXT_SCHEMA = {
    "anyOf": [
        {"type": "string"},
        {"type": "object", "propertyNames": {"pattern": r"^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$"},
         "additionalProperties": {"type": "string"}},
    ]
}


def size_wh(ctx: Context, node: Node) -> tuple[int, int]:
    """``1920x1080``."""
    raw = scalar(ctx, node, "a size")
    m = re.fullmatch(r"\s*(\d{2,5})\s*[xX×]\s*(\d{2,5})\s*", raw)
    if not m:
        raise ctx.fail(node, f"`{raw}` is not a size", "write width x height, like `1920x1080`")
    return int(m.group(1)), int(m.group(2))


_BYTE_UNITS = {"b": 1, "kb": 1000, "kib": 1024, "mb": 1000**2, "mib": 1024**2,
               "gb": 1000**3, "gib": 1024**3}


def byte_size(min_b: int, max_b: int) -> Parser:
    """``256MB``, ``1GiB``."""

    def parse(ctx: Context, node: Node) -> int:
        raw = scalar(ctx, node, "a size in bytes")
        m = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([kmg]i?b|b)\s*", raw.lower())
        if not m:
            raise ctx.fail(node, f"`{raw}` is not an amount of memory", "write it like `256MB`")
        value = int(float(m.group(1)) * _BYTE_UNITS[m.group(2)])
        if not min_b <= value <= max_b:
            raise ctx.fail(node, f"`{raw}` is out of range",
                           f"use {min_b // 1024**2} MB to {max_b // 1024**2} MB")
        return value

    return parse


def seq_of(ctx: Context, node: Node, what: str) -> list[Node]:
    if isinstance(node, Seq):
        return node.items
    if isinstance(node, Scalar) and not node.is_empty:
        return [node]  # a single value where a list is expected: forgive it
    raise ctx.fail(node, f"{what} must be a list (`- ` lines), not {kind_name(node)}")
