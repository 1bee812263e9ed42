"""`render`: the frame the loop shows at a moment, written to a PNG without a screen."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any

from kiosk.errors import ManifestError, UsageError
from kiosk.live.startup import load_for_playing
from kiosk.media.images import quiet_opencv
from kiosk.playback.player import fallback_card, make_player
from kiosk.show.exhibit_dates import active_show
from kiosk.show.marked_yaml import Map, Seq, read_file
from kiosk.show.model import Sequence, Show

if TYPE_CHECKING:
    from kiosk.show.paths import ShowPaths

DEFAULT_RENDER = (1920, 1080)


def _written_items(file: Path) -> list[Any]:
    """The nodes under `items:` as written, dropped ones included (curators count them);
    none when the file cannot be read now (a broken save while its last good version plays)."""
    try:
        root = read_file(str(file)).root
    except ManifestError:
        return []
    items = root.get("items") if isinstance(root, Map) else None
    return items.items if isinstance(items, Seq) else []


def step_numbers(exhibit: Any) -> list[str]:
    """Each step's number as the curator counts items: `3` for the third entry of `items:`
    (dropped ones included), `3.2` for the second photo of a sequence."""
    written = _written_items(exhibit.file)
    number_at = {(n.line, n.col): i for i, n in enumerate(written, 1)}
    out: list[str] = []
    for i, item in enumerate(exhibit.items, 1):
        n = number_at.get((item.where.line, item.where.col), 0 if written else i)
        if not isinstance(item, Sequence):
            out.append(str(n))
            continue
        node = written[n - 1] if 0 < n <= len(written) else None
        source = node.get("sequence") if isinstance(node, Map) else None
        entries = source.items if isinstance(source, Seq) else []
        entry_at = {(e.line, e.col): m for m, e in enumerate(entries, 1)}
        for m, photo in enumerate(item.photos, 1):
            out.append(f"{n}.{entry_at.get((photo.where.line, photo.where.col), m)}")
    return out


def find_item(show: Show, exhibit: str, item: str) -> tuple[int, int]:
    """`01-festival` and `3` (or `3.2`, a sequence's second photo) to the (exhibit, step)
    the timeline jumps to; UsageError says what exists when nothing matches."""
    playable = show.playable
    names = [e.file.stem for e in playable]
    if exhibit.removesuffix(".yaml") not in names:
        raise UsageError(f"no exhibit `{exhibit}` plays; the exhibits are "
                         + ", ".join(f"`{n}`" for n in names))
    e = names.index(exhibit.removesuffix(".yaml"))
    number, _, photo = item.partition(".")
    written = _written_items(playable[e].file)
    if not number.isdigit() or not 1 <= int(number) <= len(written) or (
            photo and not photo.isdigit()):
        raise UsageError(f"`{exhibit}` has no item `{item}`; its items are 1 to {len(written)}"
                         " (a sequence's photos: 3.1, 3.2, ...)")
    numbers = step_numbers(playable[e])
    wanted = f"{int(number)}.{int(photo)}" if photo else str(int(number))
    for step, label in enumerate(numbers):
        if label == wanted or (not photo and label.startswith(f"{wanted}.")):
            return e, step
    if photo and any(label.startswith(f"{int(number)}.") for label in numbers):
        raise UsageError(f"item {number} of `{exhibit}` has no photo {photo} that can play")
    raise UsageError(f"item {item} of `{exhibit}` cannot play; `validate` says why")


def still_frame(show: Show, settings: Any, size: tuple[int, int], images: Any,
                language: str | None, position: tuple[int, int] | None, at_s: float
                ) -> tuple[Any, Any]:
    """The surface the loop draws `at_s` seconds after the start (or after the step at
    `position` = (exhibit, step) appears), and its Frame. `render` and `proof` both draw
    through here, so a proof's slide is the rendered frame, pixel for pixel."""
    import pygame

    from kiosk.playback.clips import StillClips

    player = make_player(show, settings, size, images, 0.0, eager=True,
                         make_clips=lambda compositor: StillClips(
                             size, compositor, default_language=settings.languages.default))
    if language is not None:
        player.set_language(language)
    if position is not None:
        player.timeline.jump(*position, 0.0)
    target = pygame.Surface(size, 0, 32)
    # Tick as the loop would at each step change, so failed items are skipped the same way.
    frame = player.update(0.0)
    t = 0.0
    while t < at_s:
        wait = player.timeline.next_change_s(t)  # seconds from t; 0 while a fade runs
        t = min(at_s, t + (wait if wait else 1 / 60)) if wait is not None else at_s
        frame = player.update(t)
    try:
        if frame.no_content or frame.current is None:
            reason = "no exhibit can be played" if frame.no_content else ""
            player.draw_card(target, fallback_card(reason))
        else:
            player.draw(target, frame)
    finally:
        player.stop()
    return target, frame


def render_command(paths: ShowPaths, at_s: float | None, out: Path, size: tuple[int, int] | None,
                   language: str | None = None, item: tuple[str, str] | None = None,
                   day: date | None = None) -> int:
    """The frame the loop shows `at_s` seconds after the start, with no input; or, with
    `item`, `at_s` seconds after that item appears; in `language` when given. On ``day``
    (default today), exhibits whose `from`/`until` dates leave the day out are left out,
    as the loop leaves them out."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from kiosk.playback.clips import with_clip_lengths
    from kiosk.playback.player import SyncImages

    quiet_opencv()
    loaded = load_for_playing(paths.exhibits, paths.assets, paths.config)
    settings = loaded.settings.settings
    offered = settings.languages.offered
    if language is not None and language not in offered:
        print(f"run_kiosk.py: error: `{language}` is not offered to visitors; choose one of "
              + ", ".join(offered) + " (languages in the settings)", file=sys.stderr)
        return 2
    size = size or settings.screen.size or DEFAULT_RENDER
    images = SyncImages(size, settings.max_image_pixels, settings.screen.background)
    show = with_clip_lengths(active_show(loaded.reloader.show, day or date.today()))
    try:
        position = find_item(show, *item) if item is not None else None
    except UsageError as exc:
        print(f"run_kiosk.py: error: {exc}", file=sys.stderr)
        return 2
    at_s = at_s or 0.0
    target, frame = still_frame(show, settings, size, images, language, position, at_s)
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        pygame.image.save(target, str(out))
    except (OSError, pygame.error) as exc:
        print(f"run_kiosk.py: error: cannot write {out}: {exc}", file=sys.stderr)
        return 1
    moment = f"{at_s:g}s after item {item[1]} began" if item else f"frame at {at_s:g}s"
    lang = f", in `{language}`" if language else ""
    print(f"{out}: {moment} ({frame.exhibit_name or 'no exhibit'}"
          f"{'' if frame.item_index is None else f', step {frame.item_index + 1}'}{lang})")
    return 0
