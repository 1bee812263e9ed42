"""The sound output: opened at start, and opened again when a device comes back.

An HDMI screen switched off at night takes its sound device with it; when one arrives
while the kiosk has none, the mixer is reopened between clips (a playing clip's sound is
bound to the old mixer). While the mixer is open on a real output, a worker asks the
sound server for the output's latency, which the clips' audio clock subtracts
(``output_latency``).
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from kiosk.media.output_latency import LatencyProbe

log = logging.getLogger("kiosk.sound")


class SoundDevice:
    def __init__(self) -> None:
        self.lost = False
        self.reopen_wanted = False
        self._probe: LatencyProbe | None = None

    def open(self) -> bool:
        from kiosk.media.audio import init_mixer

        if init_mixer():
            self._start_probe()
            return True
        log.warning("no sound device: clips play silently")
        return False

    def _start_probe(self) -> None:
        from kiosk.media.audio import set_output_latency
        from kiosk.media.output_latency import LatencyProbe, probe_wanted

        if self._probe is None and probe_wanted():
            self._probe = LatencyProbe().start()
            set_output_latency(self._probe.latency_s)

    def _stop_probe(self) -> bool:
        from kiosk.media.audio import set_output_latency

        probe, self._probe = self._probe, None
        set_output_latency(None)
        return probe is None or probe.stop()

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

        from kiosk.media.audio import channels_in_use, init_mixer

        # A clip that left the screen may still be fading its sound out on a channel:
        # closing the mixer under it crashes the process.
        if not self.reopen_wanted or clip_playing or channels_in_use():
            return
        self.reopen_wanted = self.lost = False
        self._stop_probe()
        pygame.mixer.quit()
        if init_mixer():
            self._start_probe()
            log.info("sound device opened: clips play with sound again")

    def status(self) -> dict[str, str]:
        """`sound`: `on`, `lost` (the device went away; clips play silently) or `none`."""
        import pygame

        if self.lost:
            return {"sound": "lost"}
        return {"sound": "on" if pygame.mixer.get_init() else "none"}

    def close(self) -> bool:
        """Close the mixer; False when the latency worker is stuck in a call to the
        sound server (the process must then leave with ``os._exit``)."""
        import pygame

        stopped = self._stop_probe()
        pygame.mixer.quit()
        return stopped
