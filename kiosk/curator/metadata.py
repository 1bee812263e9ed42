"""What a photo or clip already says about itself: capture date, title, caption, credit.

Cameras, scanners and photo desks write these in three places, each with its quirks:
EXIF (ImageDescription, Artist, DateTimeOriginal), IPTC (headline, caption, by-line;
bytes in UTF-8 or Latin-1) and XMP (`dc:title`, `dc:description` with one text per
language, `x-default` for "any"). Reading is pure: bytes in, `MediaFacts` out; the file
is opened only by `read_facts`.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ANY_LANGUAGE = ""  # a text not tied to a language (plain EXIF/IPTC, XMP x-default)
MAX_XMP_BYTES = 1024 * 1024

# EXIF tags
_IMAGE_DESCRIPTION, _ARTIST, _DATETIME = 0x010E, 0x013B, 0x0132
_EXIF_IFD, _DATETIME_ORIGINAL = 0x8769, 0x9003
# IPTC datasets (record 2)
_IPTC_CHARSET = (1, 90)
_IPTC_OBJECT_NAME, _IPTC_HEADLINE, _IPTC_CAPTION, _IPTC_BYLINE = (2, 5), (2, 105), (2, 120), (2, 80)

_NS = {
    "x": "adobe:ns:meta/",
    "rdf": "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "dc": "http://purl.org/dc/elements/1.1/",
    "xml": "http://www.w3.org/XML/1998/namespace",
}
_XML_LANG = "{http://www.w3.org/XML/1998/namespace}lang"


@dataclass
class MediaFacts:
    """What one file says about itself; texts map a language code (or "") to text."""

    path: Path
    kind: str  # "photo" or "video"
    taken: datetime | None = None
    title: dict[str, str] = field(default_factory=dict)
    caption: dict[str, str] = field(default_factory=dict)
    credit: dict[str, str] = field(default_factory=dict)


def exif_datetime(text: Any) -> datetime | None:
    """EXIF's `2019:05:14 10:22:03` (also with `-` and a `T`); None for blanks like `0000:00`."""
    if not isinstance(text, str):
        return None
    m = re.match(r"\s*(\d{4})[:-](\d{2})[:-](\d{2})(?:[ T](\d{2}):(\d{2})(?::(\d{2}))?)?", text)
    if not m:
        return None
    try:
        year, month, day, hour, minute, second = (int(p) if p else 0 for p in m.groups())
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def _clean(text: Any) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", errors="replace")
    if not isinstance(text, str):
        return ""
    try:  # Pillow reads EXIF text as Latin-1; Windows and phones write UTF-8 there
        text = text.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        pass
    return text.replace("\x00", "").strip()


def iptc_text(info: dict[tuple[int, int], Any], key: tuple[int, int]) -> str:
    """One IPTC dataset as text: UTF-8 when declared or valid, Latin-1 otherwise."""
    value = info.get(key)
    if isinstance(value, list):
        value = value[0] if value else b""
    if not isinstance(value, bytes):
        return ""
    charset = info.get(_IPTC_CHARSET)
    declared_utf8 = isinstance(charset, bytes) and b"%G" in charset
    try:
        text = value.decode("utf-8")
    except UnicodeDecodeError:
        text = value.decode("utf-8" if declared_utf8 else "latin-1", errors="replace")
    return _clean(text)


def xmp_texts(packet: bytes | str) -> dict[str, dict[str, str]]:
    """`dc:title` and `dc:description` of an XMP packet, each as {language: text}."""
    if isinstance(packet, str):
        packet = packet.encode("utf-8")
    packet = packet[:MAX_XMP_BYTES]
    if b"<!ENTITY" in packet or b"<!DOCTYPE" in packet:
        return {}  # XMP never needs entities; refusing them refuses entity bombs
    start, end_tag = packet.find(b"<x:xmpmeta"), b"</x:xmpmeta>"
    if start < 0:
        start, end_tag = packet.find(b"<rdf:RDF"), b"</rdf:RDF>"
    end = packet.find(end_tag)
    if start < 0 or end < 0:
        return {}
    try:
        root = ET.fromstring(packet[start:end + len(end_tag)])
    except ET.ParseError:
        return {}
    out: dict[str, dict[str, str]] = {}
    for name in ("title", "description"):
        texts: dict[str, str] = {}
        for element in root.iter(f"{{{_NS['dc']}}}{name}"):
            items = element.findall(".//rdf:li", _NS)
            if not items and (element.text or "").strip():
                texts.setdefault(ANY_LANGUAGE, _clean(element.text))
            for li in items:
                lang = li.get(_XML_LANG, "x-default")
                text = _clean(li.text)
                if text:
                    texts.setdefault(ANY_LANGUAGE if lang == "x-default" else lang, text)
        if texts:
            out[name] = texts
    return out


def merge_languages(texts: dict[str, str], default_language: str) -> dict[str, str]:
    """XMP carries `x-default` beside real languages, usually a copy of one of them.

    Kept as one text for everyone when it is the only one; dropped when it repeats another
    language; otherwise it stands for the show's default language when that is missing.
    """
    if set(texts) <= {ANY_LANGUAGE}:
        return dict(texts)
    out = {k: v for k, v in texts.items() if k != ANY_LANGUAGE}
    anyone = texts.get(ANY_LANGUAGE)
    if anyone and anyone not in out.values() and default_language not in out:
        out = {default_language: anyone, **out}
    return out


def photo_facts(path: Path, default_language: str = "en") -> MediaFacts | None:
    """The facts of a photo, or None when Pillow cannot open it."""
    from PIL import Image, IptcImagePlugin, UnidentifiedImageError

    facts = MediaFacts(path, "photo")
    try:
        with Image.open(path) as image:
            exif = image.getexif()
            iptc: dict[tuple[int, int], Any] = {}
            try:
                iptc = IptcImagePlugin.getiptcinfo(image) or {}
            except (SyntaxError, ValueError, IndexError, OSError):
                iptc = {}  # a damaged IPTC block: the photo itself may be fine
            packet = (image.info.get("xmp") or image.info.get("XML:com.adobe.xmp")
                      or exif.get(700) or b"")
    except (OSError, UnidentifiedImageError, ValueError, Image.DecompressionBombError):
        return None
    exif_ifd = exif.get_ifd(_EXIF_IFD) if exif else {}
    facts.taken = exif_datetime(exif_ifd.get(_DATETIME_ORIGINAL)) or exif_datetime(
        exif.get(_DATETIME))
    xmp = xmp_texts(packet) if packet else {}
    title = xmp.get("title") or _one(iptc_text(iptc, _IPTC_HEADLINE)
                                     or iptc_text(iptc, _IPTC_OBJECT_NAME))
    caption = xmp.get("description") or _one(iptc_text(iptc, _IPTC_CAPTION)
                                             or _clean(exif.get(_IMAGE_DESCRIPTION)))
    facts.title = merge_languages(title, default_language)
    facts.caption = merge_languages(caption, default_language)
    facts.credit = _one(iptc_text(iptc, _IPTC_BYLINE) or _clean(exif.get(_ARTIST)))
    return facts


def video_facts(path: Path) -> MediaFacts | None:
    """The facts of a clip from its container tags, or None when it cannot be opened."""
    import av

    facts = MediaFacts(path, "video")
    try:
        with av.open(str(path)) as container:
            if not container.streams.video:
                return None
            tags = {k.lower(): v for k, v in container.metadata.items()}
    except (av.FFmpegError, OSError, ValueError):
        return None
    facts.taken = exif_datetime(tags.get("creation_time"))
    facts.title = _one(_clean(tags.get("title")))
    facts.caption = _one(_clean(tags.get("description") or tags.get("comment")))
    facts.credit = _one(_clean(tags.get("artist")))
    return facts


def _one(text: str) -> dict[str, str]:
    return {ANY_LANGUAGE: text} if text else {}
