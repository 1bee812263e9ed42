"""Where a moving photo is, as a function of the time alone.

Pure: no pygame, no clock. The player passes a step's elapsed time from the timeline
(which stops while the show is paused), so a frame drawn late, or never, changes nothing
about where the next one is: dropped frames never make the picture jump ahead or speed
up, and a pause stops every motion (WCAG 2.2.2).

Two kinds (`kiosk.show.model.Motion`):

* **read**: a clipping fitted across the screen scrolls along its length at a reading
  pace, still at the start and at the end (``dwell_s``) so the headline and the last line
  can be read. :func:`read_offset` gives the offset in pixels of the pre-scaled image.
* **pan** ("Ken Burns"): from a wide framing to one ``zoom`` times closer, or between
  the framings the manifest gives (``start``, ``end``). The framings never crop the
  focus box; a portrait picture on a landscape screen keeps its top (faces) unless a
  focus or ``keep`` says otherwise. :func:`pan_view` gives the visible box in pixels
  of whatever image size it is asked for (the decoded, pre-scaled one at draw time).

Sizes at load time (for a duration) and at draw time (for pixels) can differ: positions
are fractions of the way, so any screen shows the whole travel in the same time.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from kiosk.show.model import Motion

Size = tuple[int, int]
Focus = tuple[float, float, float, float]
# A reading ends with the last line this share of the screen above the bottom edge, clear
# of the label's band (the screen shows the background below the picture's end).
END_CLEARANCE = 0.2


@dataclass(frozen=True)
class Box:
    """A rectangle in pixels of an image (floats: positions are sub-pixel)."""

    x: float
    y: float
    w: float
    h: float


# -- reading ----------------------------------------------------------------------------


def read_axis(image: Size, screen: Size) -> str:
    """``y`` (scroll down) when the picture is taller than the screen's shape, else ``x``."""
    return "y" if image[1] * screen[0] >= image[0] * screen[1] else "x"


def fitted_length(image: Size, screen: Size, axis: str) -> float:
    """The picture's length along ``axis`` once fitted across the screen."""
    iw, ih = image
    sw, sh = screen
    return sw * ih / iw if axis == "y" else sh * iw / ih


def read_travel(image: Size, screen: Size, axis: str) -> float:
    """How far the picture moves, in screen pixels (0: it fits whole, nothing to read)."""
    return _travel(fitted_length(image, screen, axis), screen[1] if axis == "y" else screen[0])


def _travel(length: float, screen_length: float) -> float:
    over = length - screen_length
    return over + END_CLEARANCE * screen_length if over > 0 else 0.0


def read_duration(image: Size, screen: Size, axis: str, speed: float, dwell_s: float) -> float:
    """Seconds to read it: a dwell at each end and the travel at ``speed``, a share of the
    screen's width (scrolling down) or height (across) a second."""
    across = screen[0] if axis == "y" else screen[1]
    return 2 * dwell_s + read_travel(image, screen, axis) / max(1e-6, speed * across)


def dwell_for(duration_s: float, dwell_s: float) -> float:
    """The dwell, shortened to a quarter of a duration too short for both dwells."""
    return min(dwell_s, max(0.0, duration_s) / 4)


def read_offset(elapsed_s: float, duration_s: float, dwell_s: float, travel: float) -> float:
    """How far along (0..travel) the picture is ``elapsed_s`` into its time on screen."""
    if travel <= 0 or duration_s <= 0:
        return 0.0
    dwell = dwell_for(duration_s, dwell_s)
    moving = duration_s - 2 * dwell
    if moving <= 0:
        return 0.0
    t = min(max(elapsed_s - dwell, 0.0), moving)
    return travel * t / moving


def elapsed_for_offset(offset: float, duration_s: float, dwell_s: float, length: float,
                       screen_length: float) -> float:
    """The time into the step at which a reading is at ``offset`` (a finger put it
    there): the inverse of :func:`read_offset`, clamped to the moving part."""
    travel = _travel(length, screen_length)
    dwell = dwell_for(duration_s, dwell_s)
    moving = duration_s - 2 * dwell
    if travel <= 0 or moving <= 0:
        return 0.0
    return dwell + min(max(offset / travel, 0.0), 1.0) * moving


# -- pan and zoom --------------------------------------------------------------------------


def _fit_box(cx: float, cy: float, w: float, h: float, image: Size) -> Box:
    """A box of ``w x h`` centred as near ``(cx, cy)`` as the picture allows; a box larger
    than the picture along a side is centred on it (the screen shows a band there)."""
    iw, ih = image

    def place(c: float, size: float, limit: float) -> float:
        if size >= limit:
            return (limit - size) / 2
        return min(max(c - size / 2, 0.0), limit - size)

    return Box(place(cx, w, iw), place(cy, h, ih), w, h)


def _covering(box_w: float, box_h: float, aspect: float) -> tuple[float, float]:
    """The smallest screen-shaped size (``aspect`` = w/h) holding ``box_w x box_h``."""
    return max(box_w, box_h * aspect), max(box_w, box_h * aspect) / aspect


# Where the widest framing of a picture taller than the screen's shape sits: the share
# of the spare height above it (left and right are for wide pictures: a tall one keeps
# its top, for faces).
KEEP_AT = {"top": 0.0, "centre": 0.5, "bottom": 1.0, "left": 0.0, "right": 0.0}
# And of one wider than the screen's shape (a panorama): the share of the spare width
# to its left.
KEEP_ACROSS = {"left": 0.0, "right": 1.0}


def pan_frames(image: Size, screen: Size, focus: Focus | None, zoom: float,
               keep: str = "top", start_box: Focus | None = None,
               end_box: Focus | None = None) -> tuple[Box, Box]:
    """The first and last framing, in pixels of ``image``, both shaped like the screen.

    The first is ``start_box`` when given (see :func:`box_framing`), else the widest
    framing that fills the screen (a portrait picture on a landscape screen: its top, or
    where ``keep`` says). The last is ``end_box`` when given, else ``zoom`` times closer
    than the first, on the focus (or on the same edge as the first; on the centre of a
    first framing written). None crops the focus
    box: a focus too big for a framing makes that framing larger (bands at the sides
    rather than a cut).
    """
    iw, ih = image
    aspect = screen[0] / screen[1]
    anchor = KEEP_AT.get(keep, 0.0)
    across = KEEP_ACROSS.get(keep, 0.5)
    fbox = None
    if focus is not None:
        fx, fy, fw, fh = focus
        fbox = Box(fx * iw, fy * ih, fw * iw, fh * ih)
    if start_box is not None:
        start = box_framing(start_box, image, screen, fbox)
    else:
        cover_w = min(iw, ih * aspect)
        cover_h = cover_w / aspect
        if fbox is not None:
            cx, cy = fbox.x + fbox.w / 2, fbox.y + fbox.h / 2
        else:
            cx = cover_w / 2 + across * max(0.0, iw - cover_w)
            cy = cover_h / 2 + anchor * max(0.0, ih - cover_h)
        start = _framed(cx, cy, cover_w, cover_h, image, aspect, fbox)
    if end_box is not None:
        return start, box_framing(end_box, image, screen, fbox)
    ew, eh = start.w / max(1.0, zoom), start.h / max(1.0, zoom)
    if fbox is not None:
        cx, cy = fbox.x + fbox.w / 2, fbox.y + fbox.h / 2
    else:
        # Without a focus, the closer framing keeps the same edge of a portrait (or a
        # panorama) in view. A first framing written by hand closes in on its centre.
        portrait = ih / iw > 1 / aspect and start_box is None
        wide = iw / ih > aspect and start_box is None
        cx = (start.x + across * (start.w - ew) + ew / 2 if wide
              else start.x + start.w / 2)
        cy = (start.y + anchor * (start.h - eh) + eh / 2 if portrait
              else start.y + start.h / 2)
    return start, _framed(cx, cy, ew, eh, image, aspect, fbox)


def box_framing(box: Focus, image: Size, screen: Size, focus: Box | None = None) -> Box:
    """The screen-shaped framing of ``box`` (x, y, w, h in the picture's proportions):
    widened (or heightened) about its centre to the screen's shape, never cut, then moved
    to stay inside the picture; larger than the picture along a side, it is centred there
    (the screen shows bands). Widened further, if need be, to hold the focus."""
    iw, ih = image
    aspect = screen[0] / screen[1]
    bx, by, bw, bh = box[0] * iw, box[1] * ih, box[2] * iw, box[3] * ih
    w, h = _covering(bw, bh, aspect)
    return _framed(bx + bw / 2, by + bh / 2, w, h, image, aspect, focus)


def _framed(cx: float, cy: float, w: float, h: float, image: Size, aspect: float,
            focus: Box | None) -> Box:
    """A ``w x h`` framing about ``(cx, cy)``, inside the picture, holding the focus."""
    if focus is not None:
        need_w, need_h = _covering(focus.w, focus.h, aspect)
        w, h = max(w, need_w), max(h, need_h)
    box = _fit_box(cx, cy, w, h, image)
    return _contain(box, focus, image) if focus is not None else box


def _contain(box: Box, focus: Box, image: Size) -> Box:
    """Move ``box`` (no bigger than needed) so the whole focus is inside it."""
    x = min(max(box.x, focus.x + focus.w - box.w), focus.x) if box.w < image[0] else box.x
    y = min(max(box.y, focus.y + focus.h - box.h), focus.y) if box.h < image[1] else box.y
    return Box(x, y, box.w, box.h)


def pan_progress(elapsed_s: float, duration_s: float) -> float:
    """0..1 of the way: linear in time, the steady drift of a rostrum camera."""
    if duration_s <= 0:
        return 1.0
    return min(max(elapsed_s / duration_s, 0.0), 1.0)


def pan_view(start: Box, end: Box, p: float) -> Box:
    """The framing ``p`` of the way: the size changes at a steady ratio (a zoom looks even
    that way), the centre moves in a straight line."""
    p = min(max(p, 0.0), 1.0)
    ratio = end.w / start.w if start.w > 0 else 1.0
    w = start.w * math.pow(ratio, p) if ratio > 0 else end.w
    h = w * (start.h / start.w) if start.w > 0 else end.h
    cx = (start.x + start.w / 2) * (1 - p) + (end.x + end.w / 2) * p
    cy = (start.y + start.h / 2) * (1 - p) + (end.y + end.h / 2) * p
    return Box(cx - w / 2, cy - h / 2, w, h)


def scaled(box: Box, factor: float) -> Box:
    """The same framing in an image ``factor`` times the size (the pre-scaled one)."""
    return Box(box.x * factor, box.y * factor, box.w * factor, box.h * factor)


# -- the framing on screen ------------------------------------------------------------------


def framing(motion: Motion, duration_s: float, elapsed_s: float, image: Size,
            screen: Size) -> Box:
    """What of the pre-scaled ``image`` fills the ``screen`` ``elapsed_s`` into the step.

    Reading: one image pixel per screen pixel, at a whole-pixel offset (text stays crisp,
    and the offset is where the time puts it, rounded: never more than half a pixel off).
    A pan: a sub-pixel box, drawn resampled.
    """
    iw, ih = image
    sw, sh = screen
    if motion.kind == "read":
        travel = _travel(ih, sh) if motion.axis == "y" else _travel(iw, sw)
        offset = float(round(read_offset(elapsed_s, duration_s, motion.dwell_s, travel)))
        if motion.axis == "y":
            return Box((iw - sw) / 2, offset, sw, sh)
        return Box(offset, (ih - sh) / 2, sw, sh)
    start, end = pan_frames(image, screen, motion.focus, motion.zoom, motion.keep,
                            motion.start, motion.end)
    return pan_view(start, end, pan_progress(elapsed_s, duration_s))
