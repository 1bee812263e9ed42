"""Pointer events in, gestures out: tap, double tap, long press, swipe, drag, pinch, pan.

Pure: no pygame, no threads, no clock. Every event carries its time in seconds (any
monotonic origin); ``tick(now)`` lets time-based gestures (long press, a drag that has
outlived the swipe time) fire while no event arrives. Positions are normalised: x is a
share of the screen width, y of the height, both 0..1 on screen.

Distances are measured in screen widths: a vertical move ``dy`` counts as ``dy / aspect``
widths, so a threshold means the same physical length in every direction.

Rules (``Touch`` settings in brackets):

- **Tap**: down and up while the finger never strayed more than ``tap_slop`` from where it
  landed, and released before ``long_press_s``. Emitted at once on release, at the landing
  point. Never waits for a possible double tap: a tap on a screen edge acts immediately.
- **DoubleTap**: a tap whose finger went down within ``double_tap_s`` after the previous
  tap's release and within ``3 × tap_slop`` of it. It comes *in addition to* that second
  tap's ``Tap`` (order: ``Tap``, ``DoubleTap``); a third quick tap starts a new pair.
  Consumers that give both a meaning treat the first ``Tap`` as provisional only where it
  matters: a mid-screen tap toggles the controls and a mid-screen double tap zooms, so a
  double tap toggles twice (no net change) and zooms; an edge tap (next/previous) acts at
  once and a double tap there simply means two steps.
- **LongPress**: the finger stayed within ``tap_slop`` for ``long_press_s`` (``>=``).
  Fires from ``tick()`` or from the next event of any pointer, once; its release gives no
  tap, swipe or drag.
- **Swipe**: released after moving at least ``swipe_distance`` (straight line from landing
  to release point) within ``swipe_time_s`` (``<=``) of landing. The dominant axis names
  the direction (a tie goes horizontal); ``left`` means the finger moved left.
  ``distance`` is in widths, ``speed`` in widths per second. A swipe gives no drag events.
- **Drag**: a finger beyond ``tap_slop`` that cannot be a swipe any more. It starts when
  ``swipe_time_s`` has passed since landing (on a move or a tick): ``DragStart`` at the
  landing point, then one ``Drag`` with the movement so far, then a ``Drag`` per move, and
  ``DragEnd`` on release. A quick release that is too short for a swipe is a drag too
  (``DragStart``, ``Drag``, ``DragEnd`` at once). The ``Drag`` deltas sum to the finger's
  total movement; a swipe-length slow move gives no ``Swipe``.
- **Two fingers**: when a finger lands while another is down they form a pair (the new
  finger and the oldest one down). Any single-finger gesture of the first finger ends (a
  running drag with ``DragEnd``). Moves give ``Pinch(scale, cx, cy)``, the distance ratio
  since the previous ``Pinch`` (so the product of scales is the final/initial ratio), and
  ``Pan(dx, dy)``, the centre's movement. When one of the pair lifts: ``PinchEnd``, and
  the fingers left down are inert: they give no tap, swipe, drag or long press until they
  lift (a new finger landing pairs with the oldest of them). A third finger is inert.
- **Robustness**: a ``PointerDown`` for a pointer already down restarts it; a
  ``PointerCancel`` drops it without a gesture (ending its drag or pinch). At most
  ``MAX_POINTERS`` are tracked (the least recently heard one is dropped for a new one) and
  a pointer silent for more than ``STALE_S`` is dropped (on a tick or any event). Events
  with non-finite numbers are ignored and positions are clamped to ``±COORD_LIMIT``, so no
  output is ever NaN or infinite. Each event costs O(MAX_POINTERS) at most; nothing queues.
"""

from __future__ import annotations

import math
from collections.abc import Hashable
from dataclasses import dataclass
from typing import Literal

from kiosk.show.settings import Touch

MAX_POINTERS = 10
STALE_S = 30.0
DOUBLE_TAP_SLOP_FACTOR = 3.0
MIN_PINCH_SPAN = 1e-4  # widths; keeps the scale finite when two fingers coincide
COORD_LIMIT = 10.0  # positions are clamped to ±this many screens, so arithmetic stays finite

Source = Literal["touch", "mouse"]
PointerId = Hashable


# -- input -------------------------------------------------------------------------------


@dataclass(frozen=True)
class PointerDown:
    id: PointerId
    x: float
    y: float
    t: float
    source: Source = "touch"


@dataclass(frozen=True)
class PointerMove:
    id: PointerId
    x: float
    y: float
    t: float
    source: Source = "touch"


@dataclass(frozen=True)
class PointerUp:
    id: PointerId
    x: float
    y: float
    t: float
    source: Source = "touch"


@dataclass(frozen=True)
class PointerCancel:
    id: PointerId
    t: float
    source: Source = "touch"


PointerEvent = PointerDown | PointerMove | PointerUp | PointerCancel


# -- output ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Tap:
    x: float
    y: float
    t: float


@dataclass(frozen=True)
class DoubleTap:
    x: float
    y: float
    t: float


@dataclass(frozen=True)
class LongPress:
    x: float
    y: float
    t: float


Direction = Literal["left", "right", "up", "down"]


@dataclass(frozen=True)
class Swipe:
    direction: Direction
    distance: float  # screen widths
    speed: float  # screen widths per second
    t: float


@dataclass(frozen=True)
class DragStart:
    x: float  # where the finger landed
    y: float
    t: float


@dataclass(frozen=True)
class Drag:
    dx: float  # normalised, since the previous Drag
    dy: float
    t: float


@dataclass(frozen=True)
class DragEnd:
    x: float  # where the finger was last
    y: float
    t: float


@dataclass(frozen=True)
class Pinch:
    scale: float  # finger distance relative to the previous Pinch
    cx: float  # centre between the fingers, normalised
    cy: float
    t: float


@dataclass(frozen=True)
class Pan:
    dx: float  # movement of the centre since the previous Pan, normalised
    dy: float
    t: float


@dataclass(frozen=True)
class PinchEnd:
    t: float


Gesture = Tap | DoubleTap | LongPress | Swipe | DragStart | Drag | DragEnd | Pinch | Pan | PinchEnd


# -- state -------------------------------------------------------------------------------

Role = Literal["pending", "drag", "held", "pair", "inert"]


@dataclass
class _Pointer:
    id: PointerId
    x0: float
    y0: float
    t0: float
    x: float
    y: float
    last_t: float
    role: Role = "pending"
    strayed: bool = False  # has been further than tap_slop from the landing point
    rx: float = 0.0  # position at the last Drag
    ry: float = 0.0


@dataclass
class _Pair:
    a: PointerId
    b: PointerId
    span: float  # finger distance at the last Pinch, widths
    cx: float  # centre at the last Pan
    cy: float


@dataclass(frozen=True)
class _LastTap:
    x: float
    y: float
    t: float  # release time


class GestureRecognizer:
    """Feed pointer events in time order; call ``tick(now)`` every frame."""

    def __init__(self, settings: Touch, aspect: float = 16 / 9) -> None:
        self.settings = settings
        self.aspect = aspect if math.isfinite(aspect) and aspect > 0 else 16 / 9
        self._pointers: dict[PointerId, _Pointer] = {}
        self._pair: _Pair | None = None
        self._last_tap: _LastTap | None = None

    @property
    def tracked(self) -> int:
        """How many pointers are held in memory (never more than ``MAX_POINTERS``)."""
        return len(self._pointers)

    def reset(self) -> None:
        """Forget every pointer and tap, emitting nothing (e.g. after the screen changes)."""
        self._pointers.clear()
        self._pair = None
        self._last_tap = None

    # -- entry points --------------------------------------------------------------------

    def tick(self, now: float) -> list[Gesture]:
        out: list[Gesture] = []
        if math.isfinite(now):
            self._advance(now, out)
        return out

    def feed(self, event: PointerEvent) -> list[Gesture]:
        out: list[Gesture] = []
        if not _finite(event):
            return out
        t = event.t
        self._advance(t, out)
        if isinstance(event, PointerDown):
            self._down(event.id, _clamp(event.x), _clamp(event.y), t, out)
            return out
        p = self._pointers.get(event.id)
        if p is None:
            return out  # a pointer we never saw go down, or already dropped
        p.last_t = t
        if isinstance(event, PointerCancel):
            self._drop(p, t, out)
        else:
            self._move(p, _clamp(event.x), _clamp(event.y), t, out)
            if isinstance(event, PointerUp):
                self._up(p, t, out)
        return out

    # -- time ----------------------------------------------------------------------------

    def _advance(self, now: float, out: list[Gesture]) -> None:
        s = self.settings
        for p in list(self._pointers.values()):
            if now - p.last_t > STALE_S:
                self._drop(p, now, out)
            elif p.role == "pending":
                elapsed = now - p.t0
                if not p.strayed and elapsed >= s.long_press_s:
                    p.role = "held"
                    out.append(LongPress(p.x0, p.y0, now))
                elif p.strayed and elapsed > s.swipe_time_s:
                    self._start_drag(p, now, out)

    # -- pointer life --------------------------------------------------------------------

    def _down(self, pid: PointerId, x: float, y: float, t: float, out: list[Gesture]) -> None:
        old = self._pointers.get(pid)
        if old is not None:
            self._drop(old, t, out)
        if len(self._pointers) >= MAX_POINTERS:
            quietest = min(self._pointers.values(), key=lambda q: q.last_t)
            self._drop(quietest, t, out)
        p = _Pointer(pid, x, y, t, x, y, t)
        others = list(self._pointers.values())  # insertion order: oldest first
        self._pointers[pid] = p
        if not others:
            return
        self._last_tap = None
        if self._pair is not None:
            p.role = "inert"
            return
        partner = others[0]
        for q in others:
            if q.role == "drag":
                out.append(DragEnd(q.x, q.y, t))
            q.role = "inert"
        partner.role = "pair"
        p.role = "pair"
        cx, cy = (partner.x + p.x) / 2, (partner.y + p.y) / 2
        self._pair = _Pair(partner.id, p.id, self._span(partner, p), cx, cy)

    def _move(self, p: _Pointer, x: float, y: float, t: float, out: list[Gesture]) -> None:
        if x == p.x and y == p.y:
            return
        p.x, p.y = x, y
        if not p.strayed and self._length(x - p.x0, y - p.y0) > self.settings.tap_slop:
            p.strayed = True
        if p.role == "pending":
            if p.strayed and t - p.t0 > self.settings.swipe_time_s:
                self._start_drag(p, t, out)
        elif p.role == "drag":
            self._emit_drag(p, t, out)
        elif p.role == "pair":
            self._pair_moved(t, out)

    def _up(self, p: _Pointer, t: float, out: list[Gesture]) -> None:
        del self._pointers[p.id]
        s = self.settings
        if p.role == "drag":
            out.append(DragEnd(p.x, p.y, t))
        elif p.role == "pair":
            self._end_pair(t, out)
        elif p.role == "pending":
            if not p.strayed:
                self._tap(p, t, out)
                return
            dx, dy = p.x - p.x0, p.y - p.y0
            distance = self._length(dx, dy)
            duration = t - p.t0
            if distance >= s.swipe_distance and duration <= s.swipe_time_s:
                out.append(Swipe(self._direction(dx, dy), distance,
                                 distance / max(duration, 1e-3), t))
            else:
                self._start_drag(p, t, out)
                out.append(DragEnd(p.x, p.y, t))

    def _drop(self, p: _Pointer, t: float, out: list[Gesture]) -> None:
        """Forget a pointer without a tap or swipe; close what it had open."""
        self._pointers.pop(p.id, None)
        if p.role == "drag":
            out.append(DragEnd(p.x, p.y, t))
        elif p.role == "pair":
            self._end_pair(t, out)

    # -- single finger -------------------------------------------------------------------

    def _tap(self, p: _Pointer, t: float, out: list[Gesture]) -> None:
        out.append(Tap(p.x0, p.y0, t))
        last = self._last_tap
        if (last is not None
                and 0.0 <= p.t0 - last.t <= self.settings.double_tap_s
                and self._length(p.x0 - last.x, p.y0 - last.y)
                <= DOUBLE_TAP_SLOP_FACTOR * self.settings.tap_slop):
            out.append(DoubleTap(p.x0, p.y0, t))
            self._last_tap = None
        else:
            self._last_tap = _LastTap(p.x0, p.y0, t)

    def _start_drag(self, p: _Pointer, t: float, out: list[Gesture]) -> None:
        p.role = "drag"
        out.append(DragStart(p.x0, p.y0, t))
        p.rx, p.ry = p.x0, p.y0
        self._emit_drag(p, t, out)

    def _emit_drag(self, p: _Pointer, t: float, out: list[Gesture]) -> None:
        dx, dy = p.x - p.rx, p.y - p.ry
        if dx or dy:
            out.append(Drag(dx, dy, t))
            p.rx, p.ry = p.x, p.y

    # -- two fingers ---------------------------------------------------------------------

    def _pair_moved(self, t: float, out: list[Gesture]) -> None:
        pair = self._pair
        if pair is None:
            return
        a, b = self._pointers[pair.a], self._pointers[pair.b]
        span = self._span(a, b)
        cx, cy = (a.x + b.x) / 2, (a.y + b.y) / 2
        if span != pair.span:
            out.append(Pinch(span / pair.span, cx, cy, t))
            pair.span = span
        if cx != pair.cx or cy != pair.cy:
            out.append(Pan(cx - pair.cx, cy - pair.cy, t))
            pair.cx, pair.cy = cx, cy

    def _end_pair(self, t: float, out: list[Gesture]) -> None:
        pair = self._pair
        self._pair = None
        if pair is None:
            return
        out.append(PinchEnd(t))
        for q in self._pointers.values():
            q.role = "inert"

    # -- geometry ------------------------------------------------------------------------

    def _length(self, dx: float, dy: float) -> float:
        """A normalised displacement in screen widths."""
        return math.hypot(dx, dy / self.aspect)

    def _span(self, a: _Pointer, b: _Pointer) -> float:
        return max(self._length(a.x - b.x, a.y - b.y), MIN_PINCH_SPAN)

    def _direction(self, dx: float, dy: float) -> Direction:
        if abs(dx) >= abs(dy / self.aspect):
            return "left" if dx < 0 else "right"
        return "up" if dy < 0 else "down"


def _finite(event: PointerEvent) -> bool:
    if not math.isfinite(event.t):
        return False
    if isinstance(event, PointerCancel):
        return True
    return math.isfinite(event.x) and math.isfinite(event.y)


def _clamp(v: float) -> float:
    return min(max(v, -COORD_LIMIT), COORD_LIMIT)
