"""Checks of `validate` that open files: media that decodes, fonts that can draw captions."""

from __future__ import annotations

from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kiosk.errors import Problem
from kiosk.fonts import FontCoverage, script_name
from kiosk.manifest.loader import ShowResult
from kiosk.manifest.model import Photo, Step, Text, TextCard, Video, Where
from kiosk.media.images import ImageError, load_image, probe_image
from kiosk.settings import Settings

DEFAULT_SCREEN = (1920, 1080)


def _problem(where: Where, severity: str, message: str, hint: str = "") -> Problem:
    return Problem(where.path, where.line, where.col, severity, message, hint)  # type: ignore[arg-type]


def _check_photo(photo: Photo, screen: tuple[int, int], max_pixels: int) -> list[Problem]:
    name = photo.path.name
    try:
        info = probe_image(photo.path)
        # A small decode proves the data is whole (a truncated file fails here) at little cost.
        load_image(photo.path, 64, 64, "contain", max_pixels=max_pixels)
    except ImageError as exc:
        return [_problem(photo.where, "error", f"`{name}` cannot be shown: {exc.reason}",
                         "replace the file, or remove the item")]
    w, h = screen
    scale = (max(w / info.width, h / info.height) if photo.fit == "cover"
             else min(w / info.width, h / info.height))
    if scale > 1.25:  # a little enlargement is invisible; more looks soft
        return [_problem(photo.where, "warning",
                         f"`{name}` is {info.width}x{info.height}, smaller than the "
                         f"{w}x{h} screen; it will be enlarged and look soft",
                         "use a larger original if there is one")]
    return []


def check_media(show: ShowResult, settings: Settings) -> list[Problem]:
    """Every photo opens and decodes; undersized ones are named. Runs on a few threads."""
    screen = settings.screen.size or DEFAULT_SCREEN
    photos: dict[Path, Photo] = {}
    for exhibit in show.show.exhibits:
        for step in exhibit.steps:
            if isinstance(step, Photo):
                photos.setdefault(step.path, step)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda p: _check_photo(p, screen, settings.max_image_pixels),
                           photos.values())
        return [problem for found in results for problem in found]


def _texts(step: Step) -> Iterator[tuple[str, Text]]:
    if isinstance(step, TextCard):
        yield "card", step.title
        yield "body", step.body
    elif isinstance(step, (Photo, Video)):
        for name in ("title", "caption", "source", "date", "credit"):
            yield name, getattr(step.label, name)


def check_fonts(show: ShowResult, settings: Settings) -> list[Problem]:
    """Characters that no configured font can draw would show as empty boxes."""
    chains = {"text": FontCoverage(settings.fonts.text),
              "heading": FontCoverage(settings.fonts.heading)}
    problems: list[Problem] = []
    seen: set[tuple[str, str]] = set()
    for exhibit in show.show.exhibits:
        texts: list[tuple[Where, str, Text]] = []
        if exhibit.where is not None:
            texts.append((exhibit.where, "title", exhibit.title))
        for step in exhibit.steps:
            texts.extend((step.where, n, t) for n, t in _texts(step))
        for where, name, text in texts:
            role = "heading" if name in ("title", "card") else "text"
            for language, value in text.values.items():
                missing = "".join(chains[role].missing_chars(value))
                if not missing or (where.path, missing) in seen:
                    continue
                seen.add((where.path, missing))
                scripts = sorted({script_name(c) for c in missing})
                problems.append(_problem(
                    where, "warning",
                    f"no configured font can draw {missing[:12]} ({', '.join(scripts)})"
                    + (f" in the `{language}` {name}" if language else f" in the {name}"),
                    "add a font that has them to `fonts` in config/kiosk.yaml"
                    + (", e.g. Noto Sans CJK (Debian: fonts-noto-cjk)"
                       if any("CJK" in s or "Hangul" in s for s in scripts) else "")))
    return problems
