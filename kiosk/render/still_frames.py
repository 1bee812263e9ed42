"""`render`: the frame the loop shows at a moment, written to a PNG without a screen."""

from __future__ import annotations

import os
import sys
from datetime import date
from pathlib import Path
from typing import Any

from kiosk.live.startup import load_for_playing
from kiosk.media.images import quiet_opencv
from kiosk.playback.player import fallback_card, make_player
from kiosk.show.exhibit_dates import active_show

DEFAULT_RENDER = (1920, 1080)


def render_command(paths: Any, at_s: float, out: Path, size: tuple[int, int] | None,
                   day: date | None = None) -> int:
    """The frame the loop shows `at_s` seconds after the start, with no input, on ``day``
    (default today): exhibits whose `from`/`until` dates leave the day out are left out,
    as the loop leaves them out."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    import pygame

    from kiosk.playback.clips import StillClips, with_clip_lengths
    from kiosk.playback.player import SyncImages

    quiet_opencv()
    loaded = load_for_playing(paths.exhibits, paths.assets, paths.config)
    settings = loaded.settings.settings
    size = size or settings.screen.size or DEFAULT_RENDER
    images = SyncImages(size, settings.max_image_pixels, settings.screen.background)
    show = with_clip_lengths(active_show(loaded.reloader.show, day or date.today()))
    player = make_player(show, settings, size, images, 0.0, eager=True,
                         make_clips=lambda compositor: StillClips(
                             size, compositor, default_language=settings.languages.default))
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
    print(f"{out}: frame at {at_s:g}s ({frame.exhibit_name or 'no exhibit'}"
          f"{'' if frame.item_index is None else f', step {frame.item_index + 1}'})")
    return 0
