"""`render`: the frame the loop shows at a moment, written to a PNG without a screen."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Any

from kiosk.errors import UsageError
from kiosk.live.startup import load_for_playing
from kiosk.media.images import quiet_opencv
from kiosk.playback.player import fallback_card, make_player
from kiosk.show.marked_yaml import Map, Seq, read_file
from kiosk.show.model import Sequence, Show

DEFAULT_RENDER = (1920, 1080)


def _written_items(file: Path) -> list[Any]:
    """The nodes under `items:` as written, dropped ones included (curators count them)."""
    root = read_file(str(file)).root
    items = root.get("items") if isinstance(root, Map) else None
    return items.items if isinstance(items, Seq) else []


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
    node = written[int(number) - 1]
    step = 0
    for found in playable[e].items:
        size = len(found.photos) if isinstance(found, Sequence) else 1
        if (found.where.line, found.where.col) == (node.line, node.col):
            index = int(photo or 1) - 1
            if not 0 <= index < size:
                raise UsageError(f"item {number} of `{exhibit}` has {size} photo(s)")
            return e, step + index
        step += size
    raise UsageError(f"item {item} of `{exhibit}` cannot play; `validate` says why")


def render_command(paths: Any, at_s: float | None, out: Path, size: tuple[int, int] | None,
                   language: str | None = None, item: tuple[str, str] | None = None) -> int:
    """The frame the loop shows `at_s` seconds after the start, with no input; or, with
    `item`, `at_s` seconds after that item appears; in `language` when given."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from kiosk.playback.clips import StillClips, with_clip_lengths
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
    show = with_clip_lengths(loaded.reloader.show)
    player = make_player(show, settings, size, images, 0.0, eager=True,
                         clips=lambda compositor: StillClips(
                             size, compositor, default_language=settings.languages.default))
    if language is not None:
        player.compositor.set_language(language)
    if item is not None:
        try:
            player.timeline.jump(*find_item(show, *item), 0.0)
        except UsageError as exc:
            print(f"run_kiosk.py: error: {exc}", file=sys.stderr)
            player.clips.stop()
            return 2
    at_s = at_s or 0.0
    target = pygame.Surface(size, 0, 32)
    # Tick as the loop would at each step change, so failed items are skipped the same way.
    frame = player.update(0.0)
    t = 0.0
    while t < at_s:
        wait = player.timeline.next_change_s(t)  # seconds from t; 0 while a fade runs
        t = min(at_s, t + (wait if wait else 1 / 60)) if wait is not None else at_s
        frame = player.update(t)
    if frame.no_content or frame.current is None:
        reason = "no exhibit can be played" if frame.no_content else ""
        target.blit(player.compositor.layer(fallback_card(reason), None), (0, 0))
    else:
        player.draw(target, frame)
    player.clips.stop()
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
