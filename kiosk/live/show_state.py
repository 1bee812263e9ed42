"""The show and settings as last swapped in, and what the operator is told about them.

The reload thread re-reads edited files; the loop hands each finished reload to `take`,
which keeps the new show and problems, logs only what is new, and says what the player
must do. No pygame, no threads: the clock is the caller's.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

from kiosk.errors import Problem
from kiosk.live.reloader import current_item_changed
from kiosk.live.startup import log_problems
from kiosk.operations.status import iso
from kiosk.show.model import Show
from kiosk.show.settings import SettingsResult

log = logging.getLogger("kiosk")


@dataclass(frozen=True)
class ShowChange:
    """What a reload means for the player."""

    show: Show | None  # the new show, when it changed
    changed_media: tuple[Any, ...]  # files replaced on disk


class ShowState:
    def __init__(self, show: Show, problems: list[Problem], settings: SettingsResult,
                 loaded_at_wall: float) -> None:
        self.show = show
        self.problems = problems
        self.settings = settings
        self.loaded_at = loaded_at_wall
        self.last_reload: float | None = None

    def take(self, reloaded: Any, frame: Any, now_wall: float) -> ShowChange:
        """A finished reload: keep what is good; `frame` is what is on screen now."""
        if reloaded.settings is not None:
            self.settings = reloaded.settings
        result = reloaded.result
        self.last_reload = reloaded.at
        known = set(self.problems)
        log_problems([p for p in result.problems if p not in known])  # only what is new
        self.problems = result.problems
        media = tuple(result.changed_media)
        if not result.show_changed and not media:
            return ShowChange(None, media)
        old = self.show
        on_screen = frame.current if frame is not None else None
        changed_here = on_screen is not None and frame.current_pos is not None and (
            current_item_changed(old, result.show, old.playable[frame.current_pos[0]].file,
                                 on_screen.key)
            or (getattr(on_screen, "path", None) in result.changed_media))
        self.show = result.show
        self.loaded_at = now_wall
        log.info("show reloaded: %d exhibits (%s)%s", len(result.show.exhibits),
                 ", ".join(p.name for p in result.changed_exhibits) or "media changed",
                 "; the item on screen changed" if changed_here else "")
        return ShowChange(result.show, media)

    def status(self) -> dict[str, Any]:
        return {
            "errors": [str(p) for p in (*self.settings.problems, *self.problems)
                       if p.is_error],
            "show_errors": [str(p) for p in self.problems if p.is_error],
            # Milliseconds: an operator (and the reload benchmark) can time a live edit.
            "last_reload": iso(self.last_reload, "milliseconds") if self.last_reload else None,
            "show_loaded_at": iso(self.loaded_at, "milliseconds"),
        }
