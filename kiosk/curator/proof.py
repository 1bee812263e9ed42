"""`proof --out show.pdf`: every slide as the screen will show it, in every language, with
what an approver needs beside it (exhibit, item, `file:line`, time on screen, warnings),
as a PDF and an HTML page with the same content.

Each slide is drawn by `render`'s own path (`still_frame`), so a page's picture is the
rendered frame pixel for pixel. A clip is a strip of frames, taken at the middle of its
subtitles in that language (or spread over the clip when it has none).
"""

from __future__ import annotations

import base64
import html
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from kiosk.errors import Problem, count
from kiosk.show.fields import format_seconds
from kiosk.show.model import Exhibit, Show, Step, TextCard, Video

if TYPE_CHECKING:
    from kiosk.show.paths import ShowPaths

MAX_CLIP_FRAMES = 4
BAND_PAD_PX = 12


@dataclass
class Slide:
    """One step of the show, with what the approver reads beside it."""

    exhibit: Exhibit
    position: tuple[int, int]  # (exhibit, step) as the timeline counts
    number: str  # the item as the curator counts it: "3", "2.4"
    step: Step
    where: str  # "exhibits/01-festival.yaml:34"
    duration_s: float | None
    warnings: list[str] = field(default_factory=list)


def kind_of(step: Step) -> str:
    return "card" if isinstance(step, TextCard) else "clip" if isinstance(step, Video) \
        else "photo"


def plan_slides(show: Show, problems: list[Problem], numbers: Callable[[Exhibit], list[str]],
                shown: Callable[[Path], str]) -> list[Slide]:
    """Every step of every playable exhibit, with the problems written inside its item."""
    slides: list[Slide] = []
    for e, exhibit in enumerate(show.playable):
        labels = numbers(exhibit)
        mine = sorted((p for p in problems if Path(p.path) == exhibit.file),
                      key=lambda p: (p.line, p.col))
        starts = sorted({item.where.line for item in exhibit.items})
        for s, step in enumerate(exhibit.steps):
            item_line = next(i.where.line for i in exhibit.items
                             if step is i or step in getattr(i, "photos", ()))
            later = [line for line in starts if line > item_line]
            end = later[0] if later else 10**9
            warnings = [f"line {p.line}: {p.severity}: {p.message}"
                        + (f" ({p.hint})" if p.hint else "")
                        for p in mine if item_line <= p.line < end]
            slides.append(Slide(exhibit, (e, s), labels[s] if s < len(labels) else "?", step,
                                f"{shown(exhibit.file)}:{step.where.line}",
                                step.duration_s, warnings))
    return slides


def loop_length(show: Show) -> tuple[float, int]:
    """Seconds one loop of the show takes, and how many clips have no known length."""
    total, unknown = 0.0, 0
    for exhibit in show.playable:
        for step in exhibit.steps:
            if step.duration_s is None:
                unknown += 1
            else:
                total += step.duration_s
    return total, unknown


def clip_moments(video: Video, language: str, default_language: str,
                 cues_of: Callable[[Path], list[tuple[float, float]]]) -> list[float]:
    """Seconds into the clip (from its trimmed start) to show: the middle of each subtitle
    in this language (else the default language's), at most MAX_CLIP_FRAMES of them spread
    over the clip; evenly spread frames when it has no subtitles."""
    length = video.duration_s or 0.0
    path = video.subtitles.get(language) or video.subtitles.get(default_language)
    cues = cues_of(path) if path is not None else []
    mids = [(a + b) / 2 - video.start_s for a, b in cues]
    mids = [t for t in mids if 0 <= t < length] if length else [t for t in mids if t >= 0]
    if mids:
        if len(mids) > MAX_CLIP_FRAMES:
            step = (len(mids) - 1) / (MAX_CLIP_FRAMES - 1)
            mids = [mids[round(i * step)] for i in range(MAX_CLIP_FRAMES)]
        return mids
    if not length:
        return [0.0]
    return [length * (i + 0.5) / MAX_CLIP_FRAMES for i in range(MAX_CLIP_FRAMES)]


def progress_line(done: int, total: int, what: str, width: int = 30) -> str:
    """`proof [##########----------] 12/36 slides` for a terminal."""
    filled = round(width * done / total) if total else width
    return f"proof [{'#' * filled}{'-' * (width - filled)}] {done}/{total} {what}"


# -- drawing pages (pygame) -------------------------------------------------------------


def _band(text: Any, lines: list[tuple[str, tuple[int, int, int]]], width: int,
          size_px: int) -> Any:
    """Lines of text on white, wrapped to the page width."""
    import pygame

    from kiosk.render.text import TextStyle

    rendered = [text.render(line, TextStyle("text", size_px, colour), width - 2 * BAND_PAD_PX)
                for line, colour in lines if line]
    height = sum(r.get_height() for r in rendered) + 2 * BAND_PAD_PX
    band = pygame.Surface((width, max(height, 1)), 0, 32)
    band.fill((255, 255, 255))
    y = BAND_PAD_PX
    for r in rendered:
        band.blit(r, (BAND_PAD_PX, y))
        y += r.get_height()
    return band


def _stack(parts: list[Any]) -> Any:
    import pygame

    width = max(p.get_width() for p in parts)
    page = pygame.Surface((width, sum(p.get_height() for p in parts)), 0, 32)
    page.fill((255, 255, 255))
    y = 0
    for p in parts:
        page.blit(p, (0, y))
        y += p.get_height()
    return page


def _rgb(surface: Any) -> Any:
    import pygame

    return pygame.surfarray.array3d(surface).transpose(1, 0, 2).copy()


def _png(surface: Any) -> bytes:
    """Lossless and fast (pygame's PNG writer compresses hard: 10x slower here)."""
    import cv2

    ok, data = cv2.imencode(".png", _rgb(surface)[:, :, ::-1], [cv2.IMWRITE_PNG_COMPRESSION, 1])
    if not ok:
        raise OSError("cannot encode a slide as PNG")
    return data.tobytes()


@dataclass
class Page:
    anchor: str
    header: str
    warnings: list[str]
    pictures: list[bytes]  # PNG of each frame (one, or a clip's strip)
    rgb: Any  # the whole page for the PDF


def header_of(slide: Slide, language: str) -> str:
    length = format_seconds(slide.duration_s) if slide.duration_s is not None else "to its end"
    return (f"{slide.exhibit.file.stem} · item {slide.number} ({kind_of(slide.step)}) · "
            f"{slide.where} · {length} · {language}")


def proof_command(paths: ShowPaths, out: Path, size: tuple[int, int] | None,
                  languages: list[str] | None, err: TextIO = sys.stderr) -> int:
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from kiosk.curator.pdf import write_pdf
    from kiosk.live.startup import load_for_playing
    from kiosk.media.images import quiet_opencv
    from kiosk.media.subtitles import try_load
    from kiosk.playback.clips import with_clip_lengths
    from kiosk.playback.player import SyncImages
    from kiosk.render.still_frames import step_numbers, still_frame
    from kiosk.render.text import TextRenderer
    from kiosk.show.loader import shown_path
    from kiosk.show.validate import default_checks, validate

    if out.suffix.lower() != ".pdf":
        print(f"run_kiosk.py: error: {out} should end in .pdf", file=sys.stderr)
        return 2
    quiet_opencv()
    loaded = load_for_playing(paths.exhibits, paths.assets, paths.config)
    settings = loaded.settings.settings
    offered = settings.languages.offered
    wanted = languages or list(offered)
    unknown = [code for code in wanted if code not in offered]
    if unknown:
        print(f"run_kiosk.py: error: `{unknown[0]}` is not offered to visitors; choose from "
              + ", ".join(offered), file=sys.stderr)
        return 2
    size = size or (960, 540)
    report = validate(paths.exhibits, paths.assets, paths.config, default_checks())
    show = with_clip_lengths(loaded.reloader.show)
    cwd = Path.cwd()
    slides = plan_slides(show, report.problems, step_numbers, lambda p: shown_path(p, cwd))
    images = SyncImages(size, settings.max_image_pixels, settings.screen.background)
    text = TextRenderer(settings.fonts.text, settings.fonts.heading, cache_size=64)
    band_px = max(12, size[1] // 30)
    default = settings.languages.default

    def cues_of(path: Path) -> list[tuple[float, float]]:
        subs, _ = try_load(Path(path))
        return [(c.start_s, c.end_s) for c in subs.cues] if subs is not None else []

    pages: list[Page] = []
    total = len(slides) * len(wanted)
    tty = err.isatty()
    for slide in slides:
        for language in wanted:
            moments = (clip_moments(slide.step, language, default, cues_of)
                       if isinstance(slide.step, Video) else [0.0])
            frames = [still_frame(show, settings, size, images, language, slide.position, t)[0]
                      for t in moments]
            header = header_of(slide, language)
            top = _band(text, [(header, (0, 0, 0))], size[0], band_px)
            notes = _band(text, [(w, (150, 60, 0)) for w in slide.warnings]
                          or [("no warnings", (0, 110, 0))], size[0], band_px)
            page = _stack([top, *frames, notes])
            pages.append(Page(f"{slide.exhibit.file.stem}-{slide.number}-{language}", header,
                              slide.warnings, [_png(f) for f in frames], _rgb(page)))
            if tty:
                print("\r" + progress_line(len(pages), total, "slides"), end="", file=err,
                      flush=True)
    if tty:
        print(file=err)
    loop_s, open_ended = loop_length(show)
    summary = (f"{count(len(show.playable), 'exhibit')}, {count(len(slides), 'slide')} in "
               f"{count(len(wanted), 'language')}; one loop takes {format_seconds(loop_s)}"
               + (f" plus {count(open_ended, 'clip')} of unknown length" if open_ended else ""))
    toc = _toc(show, slides, wanted, summary)
    contents = _band(text, [(line, (0, 0, 0)) for line in toc], size[0], band_px)
    try:
        write_pdf(out, [_rgb(contents), *(p.rgb for p in pages)], title="Proof of the show")
        html_path = out.with_suffix(".html")
        html_path.write_text(_html(summary, show, slides, wanted, pages), encoding="utf-8")
    except OSError as exc:
        print(f"run_kiosk.py: error: cannot write {out}: {exc.strerror or exc}",
              file=sys.stderr)
        return 1
    pygame.quit()
    print(f"{out} and {html_path}: {count(len(pages) + 1, 'page')}; {summary}")
    return 0


def _toc(show: Show, slides: list[Slide], languages: list[str], summary: str) -> list[str]:
    lines = ["Proof of the show", summary, ""]
    page = 2  # page 1 is this one
    for exhibit in show.playable:
        mine = [s for s in slides if s.exhibit is exhibit]
        length = sum(s.duration_s or 0.0 for s in mine)
        title = exhibit.title.get(languages[0], show.default_language)
        lines.append(f"{exhibit.file.stem}: {title} — {count(len(mine), 'slide')}, "
                     f"{format_seconds(length)} — page {page}")
        page += len(mine) * len(languages)
    return lines


def _html(summary: str, show: Show, slides: list[Slide], languages: list[str],
          pages: list[Page]) -> str:
    esc = html.escape
    parts = ["<!doctype html><meta charset='utf-8'><title>Proof of the show</title>",
             "<style>body{font-family:sans-serif;max-width:1000px;margin:auto}"
             "img{max-width:100%;display:block;margin:4px 0}.w{color:#964000}"
             ".ok{color:#006e00}section{border-top:1px solid #ccc;margin:2em 0}</style>",
             f"<h1>Proof of the show</h1><p>{esc(summary)}</p><h2>Contents</h2><ul>"]
    for exhibit in show.playable:
        mine = [p for p in pages if p.anchor.startswith(exhibit.file.stem + "-")]
        title = exhibit.title.get(languages[0], show.default_language)
        first = mine[0].anchor if mine else ""
        parts.append(f"<li><a href='#{esc(first)}'>{esc(exhibit.file.stem)}: {esc(title)}</a>"
                     f" — {count(len(mine) // max(len(languages), 1), 'slide')}</li>")
    parts.append("</ul>")
    for page in pages:
        parts.append(f"<section id='{esc(page.anchor)}'><h3>{esc(page.header)}</h3>")
        for picture in page.pictures:
            data = base64.b64encode(picture).decode()
            parts.append(f"<img alt='{esc(page.header)}' src='data:image/png;base64,{data}'>")
        if page.warnings:
            parts.append("<ul>" + "".join(f"<li class='w'>{esc(w)}</li>"
                                          for w in page.warnings) + "</ul>")
        else:
            parts.append("<p class='ok'>no warnings</p>")
        parts.append("</section>")
    return "\n".join(parts) + "\n"
