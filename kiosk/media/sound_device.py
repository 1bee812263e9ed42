"""The sound output: opened at start, and opened again when a device comes back.

An HDMI screen switched off at night takes its sound device with it; when one arrives
while the kiosk has none, the mixer is reopened between clips (a playing clip's sound is
bound to the old mixer).
"""

from __future__ import annotations

import logging
from typing import Any

log = logging.getLogger("kiosk.sound")


class SoundDevice:
    def __init__(self) -> None:
        self.lost = False
        self.reopen_wanted = False

    def open(self) -> bool:
        from kiosk.media.audio import init_mixer

        if init_mixer():
            return True
        log.warning("no sound device: clips play silently")
        return False

    def process_event(self, event: Any) -> bool:
        """A device went away or arrived; True when the event was about sound output."""
        import pygame

        if getattr(event, "iscapture", 0):
            return False
        if event.type == pygame.AUDIODEVICEREMOVED:
            log.warning("a sound device went away: clips play silently until it is back")
            self.lost = True
            return True
        if event.type == pygame.AUDIODEVICEADDED:
            self.reopen_wanted = self.lost or not pygame.mixer.get_init()
            return True
        return False

    def update(self, clip_playing: bool) -> None:
        """Reopen the mixer for a device that arrived, once no clip plays."""
        import pygame

        from kiosk.media.audio import init_mixer

        if not self.reopen_wanted or clip_playing:
            return
        self.reopen_wanted = self.lost = False
        pygame.mixer.quit()
        if init_mixer():
            log.info("sound device opened: clips play with sound again")

    def status(self) -> dict[str, str]:
        """`sound`: `on`, `lost` (the device went away; clips play silently) or `none`."""
        import pygame

        if self.lost:
            return {"sound": "lost"}
        return {"sound": "on" if pygame.mixer.get_init() else "none"}

    def close(self) -> None:
        import pygame

        pygame.mixer.quit()
