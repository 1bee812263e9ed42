"""`preview [EXHIBIT[:N]]`: the show in a window, for the curator at the desk.

It starts at the given item, re-reads a saved manifest at once (no settle wait: the
curator saves once and wants to see it), and writes over the picture the item's
`file:line`, its warnings and the language. Keys: → / space next item, ← previous, L next
language, Esc or Q closes. It keeps no proof of play and writes no error file: nothing
it shows happened for visitors.
"""

from __future__ import annotations

import functools
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.curator.proof import Slide, plan_slides
from kiosk.errors import Problem, UsageError
from kiosk.live.watcher import Poller

if TYPE_CHECKING:
    from kiosk.show.paths import ShowPaths

KEYS = {"right": "next", "space": "next", "left": "previous", "l": "language",
        "escape": "quit", "q": "quit"}
HELP = "→ next · ← previous · L language · Esc close"
POLL_S = 0.1  # how often the watcher looks at the files
MAX_WARNINGS = 4
# The kiosk waits for files to be still for a second (a copy in progress must not be read
# half-written); at the desk one save is one save, so the preview reads it at once.
make_poller = functools.partial(Poller, interval_s=POLL_S, settle_s=0.0,
                                assets_interval_s=POLL_S)


def key_command(name: str) -> str | None:
    return KEYS.get(name.lower())


def next_language(languages: tuple[str, ...], current: str) -> str:
    i = languages.index(current) if current in languages else -1
    return languages[(i + 1) % len(languages)]


def overlay_lines(slide: Slide | None, language: str, file_errors: list[Problem],
                  waiting: bool = False) -> list[str]:
    """What the curator reads over the picture, most important first."""
    if slide is None:
        return [f"{'loading' if waiting else 'nothing to show'} · {language} · {HELP}"]
    lines = [f"{slide.exhibit.file.stem}:{slide.number} · {slide.where} · {language} · {HELP}"]
    if file_errors:
        lines.append(f"this file has {len(file_errors)} error(s); the last good version "
                     "plays until it is fixed:")
        lines += [f"line {p.line}: {p.message}" for p in file_errors[:MAX_WARNINGS]]
    lines += slide.warnings[:MAX_WARNINGS]
    if len(slide.warnings) > MAX_WARNINGS:
        lines.append(f"... and {len(slide.warnings) - MAX_WARNINGS} more (see `validate`)")
    return lines


@dataclass
class PreviewFrame:
    """Handed to `after_frame` (tests, tools): what the window shows now."""

    step: Any
    language: str
    lines: list[str]


def preview_command(paths: ShowPaths, start: tuple[str, str] | None, size: tuple[int, int] | None,
                    *, clock: Callable[[], float] = time.monotonic,
                    events: Callable[[], list[Any]] | None = None,
                    after_frame: Callable[[PreviewFrame], bool] | None = None,
                    tick: Callable[[], None] | None = None) -> int:
    """Plays until closed; `after_frame` returning False also closes it."""
    import pygame

    from kiosk.live.reload_thread import LiveReload
    from kiosk.live.startup import load_for_playing
    from kiosk.media.audio import init_mixer
    from kiosk.media.images import quiet_opencv
    from kiosk.media.photo_cache import PhotoCache
    from kiosk.playback.clips import Clips
    from kiosk.playback.player import CachedImages, make_player
    from kiosk.render.still_frames import find_item, step_numbers
    from kiosk.render.text import TextStyle
    from kiosk.show.loader import shown_path

    quiet_opencv()
    loaded = load_for_playing(paths.exhibits, paths.assets, paths.config)
    settings = loaded.settings.settings
    show = loaded.reloader.show
    try:
        position = None
        if start is not None and start[1]:
            position = find_item(show, *start)
        elif start is not None:  # the exhibit alone: its first item that plays
            position = (_exhibit_index(show, start[0]), 0)
    except UsageError as exc:
        print(f"run_kiosk.py: error: {exc}", file=sys.stderr)
        return 2
    size = size or (1280, 720)
    pygame.display.init()
    pygame.font.init()
    screen = pygame.display.set_mode(size)
    pygame.display.set_caption("kiosk preview")
    init_mixer()
    canvas = pygame.Surface(size, 0, 32)
    cache = PhotoCache(settings.cache_bytes, size, settings.max_image_pixels,
                       settings.screen.background)
    player = make_player(show, settings, size, CachedImages(cache), clock(),
                         make_clips=lambda compositor: Clips(
                             size, compositor, show_volume=settings.volume,
                             default_language=settings.languages.default))
    if position is not None:
        player.timeline.jump(*position, clock())
    live = LiveReload(loaded.reloader, paths.exhibits, paths.assets, paths.config,
                      errors_file=False, make_poller=make_poller)
    cwd = Path.cwd()
    problems: list[Problem] = list(loaded.show.problems)
    kept: set[Path] = set()

    def slides_of(current_show: Any) -> dict[tuple[int, int], Slide]:
        planned = plan_slides(current_show, problems, step_numbers,
                              lambda p: shown_path(p, cwd))
        return {s.position: s for s in planned}

    slides = slides_of(show)
    language = settings.languages.default
    offered = settings.languages.offered
    get_events = events or pygame.event.get
    wait = tick or functools.partial(pygame.time.Clock().tick, 30)
    cache.start()
    live.start()
    running = True
    try:
        while running:
            now = clock()
            for event in get_events():
                if event.type == pygame.QUIT:
                    running = False
                elif event.type == pygame.KEYDOWN:
                    command = key_command(pygame.key.name(event.key))
                    if command == "quit":
                        running = False
                    elif command == "next":
                        player.timeline.next(now)
                    elif command == "previous":
                        player.timeline.previous(now)
                    elif command == "language":
                        language = next_language(offered, language)
                        player.set_language(language)
            for reloaded in live.take():
                result = reloaded.result
                problems = result.problems
                kept = set(result.kept_last_good)
                player.media_changed(result.changed_media)
                player.replace_show(result.show, now)
                slides = slides_of(result.show)
            cache.poll()
            frame = player.update(now)
            player.draw(canvas, frame)
            slide = slides.get(frame.current_pos) if frame.current_pos else None
            errors = [p for p in problems if slide is not None and p.is_error
                      and Path(p.path) == slide.exhibit.file and slide.exhibit.file in kept]
            lines = overlay_lines(slide, language, errors, frame.waiting)
            screen.blit(canvas, (0, 0))
            _draw_overlay(screen, player.text, TextStyle, lines)
            pygame.display.flip()
            player.prepare()  # the next layers, one per frame, as the kiosk does
            if after_frame is not None and not after_frame(
                    PreviewFrame(frame.current, language, lines)):
                running = False
            wait()
    finally:
        live.stop()
        player.stop()
        cache.stop()
        pygame.mixer.quit()
        pygame.display.quit()
    return 0


def _exhibit_index(show: Any, name: str) -> int:
    names = [e.file.stem for e in show.playable]
    if name.removesuffix(".yaml") not in names:
        raise UsageError(f"no exhibit `{name}` plays; the exhibits are "
                         + ", ".join(f"`{n}`" for n in names))
    return names.index(name.removesuffix(".yaml"))


def _draw_overlay(screen: Any, text: Any, style: Any, lines: list[str]) -> None:
    """The lines on a dark strip across the top; warnings in amber."""
    import pygame

    w, h = screen.get_size()
    px = max(12, h // 45)
    rendered = [text.render(line, style("text", px, (255, 255, 255) if i == 0
                                        else (255, 200, 120)), w - 2 * px, 2)
                for i, line in enumerate(lines)]
    height = sum(r.get_height() for r in rendered) + px
    band = pygame.Surface((w, height), pygame.SRCALPHA, 32)
    band.fill((0, 0, 0, 190))
    screen.blit(band, (0, 0))
    y = px // 2
    for r in rendered:
        screen.blit(r, (px, y))
        y += r.get_height()
