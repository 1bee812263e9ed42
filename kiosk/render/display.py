"""The screen: opening it, filling it again when a display comes back in another mode, and
presenting what the loop drew. The one place that opens windows and presents frames.

The loop draws on `canvas` (a plain 32-bit surface: the screen itself when its format
allows, else a surface of the same size) and hands the changed areas to `present`.
"""

from __future__ import annotations

import logging
import os
from typing import Any

from kiosk.errors import KioskError
from kiosk.show.settings import Screen

log = logging.getLogger("kiosk.display")

DEFAULT_WINDOW = (1280, 720)
CHECK_EVERY_S = 3.0  # how often a fullscreen kiosk asks whether the display changed mode


class NoDisplay(KioskError):
    """There is no screen (or no X server) to show the kiosk on."""


class Display:
    def __init__(self, screen: Screen, *, windowed: bool = False,
                 size: tuple[int, int] | None = None) -> None:
        self.settings = screen  # read when the window is made; changes need a restart
        self.fullscreen = screen.fullscreen and not windowed
        self.requested_size = size  # from the command line, before the settings
        self.screen: Any = None
        self.canvas: Any = None
        self.size: tuple[int, int] = (0, 0)
        self._last_check = -1e9

    # -- opening ---------------------------------------------------------------------
    def open(self) -> tuple[int, int]:
        """Open the window (or fill the screen); returns its size."""
        import pygame

        os.environ.setdefault("SDL_VIDEO_MINIMIZE_ON_FOCUS_LOSS", "0")
        # SDL would turn SIGTERM into a window close request, which a fullscreen kiosk
        # ignores; the kiosk's own handlers (operations/signals.py) decide instead.
        os.environ["SDL_NO_SIGNAL_HANDLERS"] = "1"
        try:
            pygame.display.init()
        except pygame.error as exc:
            raise NoDisplay(str(exc)) from None
        if pygame.display.get_driver() == "x11":
            # On X11, SDL by default presents the window surface through an OpenGL
            # texture: the whole screen is uploaded on every present, even for a one-pixel
            # update, and without a GPU (Mesa llvmpipe) that cost 9.9 ms per 1080p flip
            # against 1.2 ms for X11 shared memory, which also honours update rectangles.
            # Read when the window surface is made; an operator can still choose.
            os.environ.setdefault("SDL_FRAMEBUFFER_ACCELERATION", "0")
        display = min(self.settings.display, max(pygame.display.get_num_displays() - 1, 0))
        size = self.requested_size or self.settings.size
        if self.fullscreen and _borderless_is_fullscreen(display):
            # No window manager (a typical kiosk X session): a borderless window covering
            # the screen is fullscreen without SDL waiting for replies no one sends.
            desktop = pygame.display.get_desktop_sizes()[display]
            os.environ["SDL_VIDEO_WINDOW_POS"] = "0,0"
            screen = pygame.display.set_mode(size or desktop, pygame.NOFRAME, display=display)
        elif self.fullscreen:
            screen = pygame.display.set_mode(size or (0, 0), pygame.FULLSCREEN, display=display)
        else:
            screen = pygame.display.set_mode(size or DEFAULT_WINDOW, 0, display=display)
        pygame.display.set_caption("kiosk")
        pygame.mouse.set_visible(not self.fullscreen)
        pygame.display.set_allow_screensaver(False)
        self.use(screen)
        return self.size

    def use(self, screen: Any) -> None:
        """Draw on this display surface from now on (also for tests that size a window)."""
        import pygame

        self.screen = screen
        self.size = screen.get_size()
        self.canvas = screen if _plain_32bit(screen) else pygame.Surface(self.size, 0, 32)

    def refresh_hz(self) -> float:
        import pygame

        # Only pygame-ce has it; with pygame the kiosk assumes 60 Hz.
        get_rates = getattr(pygame.display, "get_desktop_refresh_rates", None)
        try:
            rates = get_rates() if get_rates is not None else None
            hz = float(rates[0]) if rates and rates[0] else 60.0
        except (AttributeError, pygame.error, IndexError):
            hz = 60.0
        return hz if 20.0 <= hz <= 240.0 else 60.0

    def check(self, now: float) -> bool:
        """A display reconnected in another mode is filled again, fullscreen; True when the
        size changed (everything sized to the screen must be rebuilt)."""
        import pygame

        if not self.fullscreen or now - self._last_check < CHECK_EVERY_S:
            return False
        self._last_check = now
        try:
            sizes = pygame.display.get_desktop_sizes()
        except pygame.error:
            return False
        index = min(self.settings.display, len(sizes) - 1)
        wanted = self.requested_size or self.settings.size or sizes[index]
        if tuple(wanted) == self.size and pygame.display.get_surface() is not None:
            return False
        log.warning("the display is now %dx%d (was %dx%d): filling it again",
                    *wanted, *self.size)
        self.open()
        return True

    # -- presenting ------------------------------------------------------------------
    def present(self, rects: list[Any]) -> None:
        """Show the changed areas of the canvas (the whole screen when the first is)."""
        import pygame

        if self.canvas is not self.screen:
            for rect in rects:
                self.screen.blit(self.canvas, rect, rect)
        if rects[0].size == self.size:
            pygame.display.flip()
        else:
            pygame.display.update(rects)

    def present_unchanged(self) -> None:
        """Present again, unchanged: proof that the display path works."""
        import pygame

        pygame.display.flip()

    def present_pixel(self) -> None:
        """Touch one pixel: proves the display path to the watchdog at almost no cost (a
        full-screen present under X costs ~15 ms)."""
        import pygame

        pygame.display.update(pygame.Rect(0, 0, 1, 1))

    def close(self) -> None:
        import pygame

        pygame.display.quit()


def _borderless_is_fullscreen(display: int) -> bool:
    import pygame

    from kiosk.operations.x11 import has_window_manager

    return (display == 0 and pygame.display.get_driver() == "x11"
            and has_window_manager() is False)


def _plain_32bit(surface: Any) -> bool:
    return surface.get_bitsize() == 32 and surface.get_masks()[:3] == (0xFF0000, 0xFF00, 0xFF)
