"""pygame finger and mouse events → the recogniser's normalised pointer events.

SDL turns every touch into mouse events as well. One physical tap must act once, so:

1. A mouse event marked as coming from a touch (``event.touch``, or ``which`` equal to
   SDL's touch mouse id) is dropped.
2. Some drivers do not mark them: a mouse event within ``TOUCH_SHADOW_S`` after any finger
   event is dropped too.
3. If a finger event arrives while a mouse press is open (an unmarked synthetic press that
   came before its finger event, or a real mouse and a finger at once), the mouse pointer is
   cancelled first, so the finger is alone and still taps.
4. Only the left button counts; mouse motion and release count only for a press that was
   passed on. Motion with the left button up while a press is open (released outside the
   window) cancels the press.

The memory for this lives in a ``TouchMemory`` the app owns (one per window).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pygame

from kiosk.visitor.gestures import (
    PointerCancel,
    PointerDown,
    PointerEvent,
    PointerId,
    PointerMove,
    PointerUp,
)

TOUCH_SHADOW_S = 0.5
SDL_TOUCH_MOUSEID = 0xFFFFFFFF  # (Uint32)-1
MOUSE_POINTER: PointerId = "mouse"
LEFT_BUTTON = 1


@dataclass
class TouchMemory:
    last_touch_t: float = -math.inf
    mouse_down: bool = False


_default_memory = TouchMemory()


def finger_id(event: pygame.event.Event) -> PointerId:
    return ("touch", getattr(event, "touch_id", 0), getattr(event, "finger_id", 0))


def _from_touch(event: pygame.event.Event) -> bool:
    if getattr(event, "touch", False):
        return True
    which = getattr(event, "which", None)
    return which is not None and (which == SDL_TOUCH_MOUSEID or which == -1)


def from_pygame(event: pygame.event.Event, screen_size: tuple[int, int], now: float,
                memory: TouchMemory | None = None) -> list[PointerEvent]:
    """The pointer events for one pygame event (often none); ``now`` stamps them."""
    mem = _default_memory if memory is None else memory
    kind = event.type
    if kind in (pygame.FINGERDOWN, pygame.FINGERMOTION, pygame.FINGERUP):
        mem.last_touch_t = now
        out: list[PointerEvent] = []
        if mem.mouse_down:
            mem.mouse_down = False
            out.append(PointerCancel(MOUSE_POINTER, now, "mouse"))
        pid = finger_id(event)
        x, y = float(event.x), float(event.y)
        if kind == pygame.FINGERDOWN:
            out.append(PointerDown(pid, x, y, now, "touch"))
        elif kind == pygame.FINGERMOTION:
            out.append(PointerMove(pid, x, y, now, "touch"))
        else:
            out.append(PointerUp(pid, x, y, now, "touch"))
        return out
    if kind not in (pygame.MOUSEBUTTONDOWN, pygame.MOUSEMOTION, pygame.MOUSEBUTTONUP):
        return []
    if _from_touch(event) or 0.0 <= now - mem.last_touch_t <= TOUCH_SHADOW_S:
        return []
    w, h = screen_size
    px, py = event.pos
    x, y = px / max(w, 1), py / max(h, 1)
    if kind == pygame.MOUSEBUTTONDOWN:
        if event.button != LEFT_BUTTON:
            return []
        mem.mouse_down = True
        return [PointerDown(MOUSE_POINTER, x, y, now, "mouse")]
    if not mem.mouse_down:
        return []
    if kind == pygame.MOUSEMOTION:
        buttons = getattr(event, "buttons", (1, 0, 0))
        if not buttons or not buttons[0]:
            # The release happened where we could not see it (outside the window).
            mem.mouse_down = False
            return [PointerCancel(MOUSE_POINTER, now, "mouse")]
        return [PointerMove(MOUSE_POINTER, x, y, now, "mouse")]
    if event.button != LEFT_BUTTON:
        return []
    mem.mouse_down = False
    return [PointerUp(MOUSE_POINTER, x, y, now, "mouse")]
