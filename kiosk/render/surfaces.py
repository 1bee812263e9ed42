"""32-bit pygame surfaces as numpy pixels, and back: what every drawing part shares."""

from __future__ import annotations

import cv2
import numpy as np
import pygame


def pixels(surface: pygame.Surface) -> np.ndarray:
    """A writable (h, w, 4) uint8 view of a 32-bit surface (BGRA in memory).

    The view locks the surface: drop it before blitting onto that surface.
    """
    w, h = surface.get_size()
    # pygame's stubs omit that BufferProxy exports the buffer protocol numpy reads.
    raw = np.frombuffer(surface.get_buffer(), dtype=np.uint8)  # type: ignore[call-overload]
    return raw.reshape(h, surface.get_pitch())[:, : w * 4].reshape(h, w, 4)


def to_surface(image: np.ndarray) -> pygame.Surface:
    """A decoded BGR or BGRA array as a 32-bit surface (copied; main thread only)."""
    h, w = image.shape[:2]
    surface = pygame.Surface((w, h), 0, 32)
    if surface.get_masks()[:3] != (0xFF0000, 0xFF00, 0xFF):  # pragma: no cover
        raise RuntimeError("unexpected 32-bit pixel layout")
    view = pixels(surface)
    if image.shape[2] == 4:
        view[:] = image
    else:
        cv2.cvtColor(image, cv2.COLOR_BGR2BGRA, dst=view)
    del view
    return surface
