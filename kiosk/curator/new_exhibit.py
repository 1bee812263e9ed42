"""`new NAME --from FOLDER`: a first exhibit from a folder of scans, photos and clips.

The media are copied under `assets/NAME/`, and `exhibits/NAME.yaml` lists them in the
order a curator expects (capture date, then natural name order), with the titles and
captions the files carry, and a `TODO` placeholder where they carry none (`validate`
lists each one). Nothing is overwritten; nothing is written when the folder holds
nothing usable.
"""

from __future__ import annotations

import re
import shutil
import sys
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from kiosk.curator.metadata import ANY_LANGUAGE, MediaFacts, photo_facts, video_facts
from kiosk.curator.yaml_text import inline, value_text
from kiosk.errors import KioskError, count
from kiosk.show.loader import (
    IMAGE_EXTENSIONS,
    PLACEHOLDER,
    SUBTITLE_EXTENSIONS,
    VIDEO_EXTENSIONS,
    _natural_key,
)

if TYPE_CHECKING:
    from kiosk.show.paths import ShowPaths

NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")
_IGNORED = {"thumbs.db", "desktop.ini"}


class NewExhibitError(KioskError):
    """`new` cannot start this exhibit; the message says why and what to do."""


@dataclass
class Scan:
    """What a folder offers: usable media with their facts, and what was left out why."""

    media: list[MediaFacts] = field(default_factory=list)
    subtitles: dict[Path, dict[str, Path]] = field(default_factory=dict)  # clip -> lang -> file
    skipped: list[tuple[str, str]] = field(default_factory=list)  # (name, reason)


def check_name(name: str) -> str:
    stem = name[:-5] if name.lower().endswith(".yaml") else name
    if not NAME.fullmatch(stem):
        raise NewExhibitError(
            f"`{name}` cannot name an exhibit: use letters, digits, `-` and `_`, "
            "starting with a letter or digit (for example `harbour-1950s`)")
    return stem


def scan_folder(folder: Path, default_language: str,
                photo: Callable[[Path, str], MediaFacts | None] = photo_facts,
                video: Callable[[Path], MediaFacts | None] = video_facts) -> Scan:
    """Read the facts of every photo and clip directly in `folder` (not its subfolders)."""
    scan = Scan()
    files = sorted((p for p in folder.iterdir()), key=_natural_key)
    for path in files:
        name = path.name
        suffix = path.suffix.lower()
        if name.startswith(".") or name.lower() in _IGNORED:
            continue
        if path.is_dir():
            scan.skipped.append((name + "/", "a subfolder (only the folder's own files are used)"))
        elif suffix in IMAGE_EXTENSIONS:
            facts = photo(path, default_language)
            if facts is None:
                scan.skipped.append((name, "cannot be read as a photo"))
            else:
                scan.media.append(facts)
        elif suffix in VIDEO_EXTENSIONS:
            facts = video(path)
            if facts is None:
                scan.skipped.append((name, "cannot be read as a clip"))
            else:
                scan.media.append(facts)
        elif suffix not in SUBTITLE_EXTENSIONS:
            scan.skipped.append((name, "not a photo or clip the kiosk plays"))
    clips = {p.path.name.rsplit(".", 1)[0]: p.path for p in scan.media if p.kind == "video"}
    for path in files:
        if path.suffix.lower() not in SUBTITLE_EXTENSIONS:
            continue
        # `interview.en.srt` belongs to `interview.mp4`, in English.
        stem, _, lang = path.stem.rpartition(".")
        clip = clips.get(stem)
        if clip is None or not lang:
            scan.skipped.append((path.name, "subtitles for no clip (name them `clip.en.srt`)"))
        else:
            scan.subtitles.setdefault(clip, {})[lang] = path
    return scan


def curator_order(media: Iterable[MediaFacts]) -> list[MediaFacts]:
    """Capture date first (undated files after dated ones), then `2` before `10`."""
    return sorted(media, key=lambda m: (m.taken is None, m.taken or datetime.min,
                                        _natural_key(m.path)))


def exhibit_title(name: str) -> str:
    words = re.sub(r"^\d+[-_ ]*", "", name).replace("_", " ").replace("-", " ").strip()
    return (words or name)[:1].upper() + (words or name)[1:]


def _text_lines(key: str, texts: dict[str, str], indent: int) -> list[str]:
    pad = " " * indent
    if not texts:
        return [f"{pad}{key}: {PLACEHOLDER}"]
    if set(texts) == {ANY_LANGUAGE}:
        return [f"{pad}{key}:" + value_text(texts[ANY_LANGUAGE], indent + 2)]
    lines = [f"{pad}{key}:"]
    for lang, text in texts.items():
        lines.append(f"{pad}  {lang}:" + value_text(text, indent + 4))
    return lines


def manifest_text(name: str, media: list[MediaFacts], subtitles: dict[Path, dict[str, Path]],
                  source: str) -> str:
    """The new exhibit's YAML; media paths are `NAME/file` inside the assets folder."""
    photos = sum(m.kind == "photo" for m in media)
    clips = len(media) - photos
    what = " and ".join(c for c in (count(photos, "photo") if photos else "",
                                    count(clips, "clip") if clips else "") if c)
    lines = [
        "# yaml-language-server: $schema=../docs/manifest.schema.json",
        f"# Started by `run_kiosk.py new` from {source}: {what},",
        "# in order of capture date, then by file name. Write a text wherever it says",
        f"# {PLACEHOLDER} (`run_kiosk.py validate` lists each one), or delete that line.",
        f"title: {inline(exhibit_title(name))}",
        "items:",
    ]
    for facts in media:
        path = inline(f"{name}/{facts.path.name}")
        taken = f"  # taken {facts.taken:%Y-%m-%d %H:%M}" if facts.taken else ""
        lines.append(f"  - {facts.kind}: {path}{taken}")
        lines += _text_lines("title", facts.title, 4)
        lines += _text_lines("caption", facts.caption, 4)
        if facts.credit:
            lines += _text_lines("credit", facts.credit, 4)
        subs = subtitles.get(facts.path, {})
        if subs:
            lines.append("    subtitles:")
            lines += [f"      {lang}: {inline(f'{name}/{p.name}')}" for lang, p in subs.items()]
        lines.append("")
    return "\n".join(lines)


def create_exhibit(name: str, folder: Path, exhibits: Path, assets: Path,
                   default_language: str) -> tuple[Path, Scan]:
    """Copy the media and write the manifest; raises NewExhibitError before writing
    anything when the name is taken or the folder offers nothing."""
    name = check_name(name)
    manifest = exhibits / f"{name}.yaml"
    target = assets / name
    if manifest.exists():
        raise NewExhibitError(f"{manifest} already exists; choose another name, "
                              "or move the old file away first")
    if target.exists() and any(target.iterdir()):
        raise NewExhibitError(f"{target} already holds files; choose another name, "
                              "or move that folder away first")
    if not folder.is_dir():
        raise NewExhibitError(f"{folder} is not a folder")
    scan = scan_folder(folder, default_language)
    if not scan.media:
        found = f" (it holds {count(len(scan.skipped), 'other file')})" if scan.skipped else ""
        raise NewExhibitError(
            f"{folder} holds no photo or clip the kiosk can play{found}; photos end in "
            + ", ".join(IMAGE_EXTENSIONS) + ", clips in " + ", ".join(VIDEO_EXTENSIONS))
    media = curator_order(scan.media)
    text = manifest_text(name, media, scan.subtitles, folder.name + "/")
    partial = assets / f".{name}.partial"
    shutil.rmtree(partial, ignore_errors=True)
    partial.mkdir(parents=True)
    for path in [m.path for m in media] + [p for s in scan.subtitles.values()
                                           for p in s.values()]:
        shutil.copy2(path, partial / path.name)
    if target.exists():
        target.rmdir()  # empty, checked above
    partial.rename(target)
    exhibits.mkdir(parents=True, exist_ok=True)
    with open(manifest, "x", encoding="utf-8") as fh:  # "x": never overwrite
        fh.write(text)
    return manifest, scan


def new_command(paths: ShowPaths, name: str, folder: Path) -> int:
    from kiosk.show.settings import load_settings

    exhibits, assets, config = paths.exhibits, paths.assets, paths.config
    default_language = load_settings(config, assets).settings.languages.default
    try:
        manifest, scan = create_exhibit(name, folder, exhibits, assets, default_language)
    except NewExhibitError as exc:
        print(f"run_kiosk.py: error: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"run_kiosk.py: error: cannot copy the media: {exc}", file=sys.stderr)
        return 1
    for skipped, reason in scan.skipped:
        print(f"left out {skipped}: {reason}")
    todo = sum((not m.title) + (not m.caption) for m in scan.media)
    print(f"{manifest}: {count(len(scan.media), 'item')} from {folder}, "
          f"media copied to {assets / manifest.stem}/; "
          f"{count(todo, 'text')} to write (marked {PLACEHOLDER}); "
          "check it with `run_kiosk.py validate`")
    return 0
