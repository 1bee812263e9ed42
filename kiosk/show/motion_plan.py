"""Which photos move, and for how long: decided once, when a manifest is read.

A photo written `motion: read` (or a very tall or wide one, by default) scrolls; one
written `motion: pan` drifts closer. Both need the picture's size, read from its header
(a few kilobytes, never a decode); the duration of a reading follows from its length
unless the item gives one. What cannot move is shown still, with a positioned warning.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import replace

from kiosk.errors import did_you_mean
from kiosk.playback.motion import read_axis, read_duration, read_travel
from kiosk.show.fields import Context, scalar
from kiosk.show.marked_yaml import Node
from kiosk.show.model import MOTIONS, Motion, Photo, Reading

Size = tuple[int, int]
# A picture scaled up more than this to fill the screen's width reads as a blur.
MAX_UPSCALE = 4.0
BAD = "bad"  # a motion field with an error: the photo is shown still


def parse_focus(ctx: Context, node: Node) -> tuple[float, float, float, float] | str:
    """`focus: x y w h`, in the picture's own proportions (0 to 1, or percentages). An
    error is reported where it was written; the photo then stays still (``BAD``)."""
    raw = scalar(ctx, node, "four numbers")
    parts = raw.replace(",", " ").split()
    hint = "write `focus: x y w h` in the picture's proportions, like `focus: 0.3 0.1 0.4 0.4`"
    values: list[float] = []
    for part in parts:
        try:
            value = float(part[:-1]) / 100 if part.endswith("%") else float(part)
        except ValueError:
            value = math.nan
        values.append(value)
    if len(values) != 4 or not all(math.isfinite(v) for v in values):
        ctx.error(node, f"`focus: {raw}` is not four numbers; the photo is shown still", hint)
        return BAD
    x, y, w, h = values
    if w <= 0 or h <= 0:
        ctx.error(node, f"the focus box `{raw}` has no size (width and height must be more "
                        "than 0); the photo is shown still", hint)
        return BAD
    if x < 0 or y < 0 or x + w > 1 + 1e-9 or y + h > 1 + 1e-9:
        ctx.error(node, f"the focus box `{raw}` reaches outside the picture (x + w and y + h "
                        "must stay within 1); the photo is shown still", hint)
        return BAD
    return x, y, w, h


def parse_zoom(ctx: Context, node: Node) -> float | str:
    """`zoom: 1.3`: how much closer a pan ends (1 to 4)."""
    raw = scalar(ctx, node, "a number")
    try:
        value = float(raw.rstrip("x"))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 1.0 <= value <= 4.0):
        ctx.error(node, f"`zoom: {raw}` must be a number from 1 to 4; the photo is shown "
                        "still", "write `zoom: 1.3` (1: no zoom, only a drift)")
        return BAD
    return value


def parse_motion(ctx: Context, node: Node) -> str:
    raw = scalar(ctx, node, "a motion")
    if raw not in MOTIONS:
        ctx.error(node, f"`motion: {raw}` is not a motion; the photo is shown still",
                  did_you_mean(raw, MOTIONS) or "use `read`, `pan`, `none` or `auto`")
        return BAD
    return raw


def on_a_clip(ctx: Context, node: Node) -> None:
    """`motion`, `focus` or `zoom` written on a clip: a warning, and the clip plays."""
    ctx.warning(node, "a clip does not pan, zoom or scroll (`motion`, `focus` and `zoom` are "
                      "for photos); the clip plays as usual", "remove the line")


def plan(ctx: Context, node: Node, photo: Photo, wanted: str, *, focus: tuple | None,
         zoom: float | None, duration_given: bool, reading: Reading, screen: Size,
         probe: Callable[[Photo], Size | None]) -> Photo:
    """The photo with its motion (and fit and duration) decided; still when it cannot move.

    ``wanted``: `auto`, `read`, `pan` or `none` as written (or inherited); ``probe``
    returns the picture's upright size, None when it cannot be read (the media checks and
    the player report that).
    """
    if wanted in ("none", BAD):
        return photo
    size = probe(photo)
    if size is None:
        return photo
    iw, ih = size
    kind = wanted
    if wanted == "auto":
        sw, sh = screen
        tall = ih >= reading.aspect * iw
        wide = iw * sh >= reading.aspect * ih * sw
        kind = "read" if tall or wide else ("pan" if focus is not None else "none")
        if kind == "none":
            return photo
    if kind == "read":
        return _read(ctx, node, photo, size, duration_given, reading, screen, wanted)
    return _pan(photo, focus, zoom or reading.zoom)


def _read(ctx: Context, node: Node, photo: Photo, size: Size, duration_given: bool,
          reading: Reading, screen: Size, wanted: str) -> Photo:
    axis = read_axis(size, screen)
    travel = read_travel(size, screen, axis)
    iw, ih = size
    across = iw if axis == "y" else ih
    screen_across = screen[0] if axis == "y" else screen[1]
    if travel <= 0:
        if wanted == "read":
            ctx.warning(node, f"`motion: read`, but the picture ({iw}x{ih}) fits the screen "
                              "whole: there is nothing to scroll; it is shown still",
                        "remove `motion: read`, or use a taller or wider scan")
        return photo
    if screen_across > MAX_UPSCALE * across:
        ctx.warning(node, f"`motion: read` on a picture only {across} px across: scaled "
                          f"{screen_across / across:.0f} times to fill the screen it would "
                          "be a blur; it is shown still",
                    f"use a scan at least {round(screen_across / MAX_UPSCALE)} px across")
        return photo
    duration = photo.duration_s if duration_given else read_duration(
        size, screen, axis, reading.speed, reading.dwell_s)
    motion = Motion("read", axis=axis, dwell_s=reading.dwell_s)  # type: ignore[arg-type]
    return replace(photo, motion=motion, fit="width" if axis == "y" else "height",
                   duration_s=round(duration, 1))


def _pan(photo: Photo, focus: tuple | None, zoom: float) -> Photo:
    motion = Motion("pan", focus=focus, zoom=zoom, top=True)
    return replace(photo, motion=motion, fit="pan")
