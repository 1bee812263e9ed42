"""Which photos move, and for how long: decided once, when a manifest is read.

A photo written `motion: read` (or a very tall or wide one, by default) scrolls; one
written `motion: pan` drifts closer, or between the framings written (`pan_from`,
`pan_to`), keeping the edge `keep` names. Both need the picture's size, read from its header
(a few kilobytes, never a decode); the duration of a reading follows from its length
unless the item gives one. What cannot move is shown still, with a positioned warning.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from kiosk.errors import did_you_mean
from kiosk.playback.motion import box_framing, read_axis, read_duration, read_travel
from kiosk.show.fields import Context, scalar
from kiosk.show.marked_yaml import Node
from kiosk.show.model import KEEPS, MOTIONS, Box4, Motion, Photo, Reading

Size = tuple[int, int]
# A picture scaled up more than this to fill the screen's width reads as a blur.
MAX_UPSCALE = 4.0
MAX_ZOOM = 4.0  # the closest a pan goes: `zoom` up to this, a framing no closer
BAD = "bad"  # a motion field with an error: the photo is shown still


def parse_box(name: str, what: str) -> Callable[[Context, Node], Box4 | str]:
    """A parser for `NAME: x y w h`, in the picture's own proportions (0 to 1, or
    percentages). An error is reported where it was written; the photo then stays still
    (``BAD``)."""

    def parse(ctx: Context, node: Node) -> Box4 | str:
        raw = scalar(ctx, node, "four numbers")
        hint = (f"write `{name}: x y w h` in the picture's proportions, like "
                f"`{name}: 0.3 0.1 0.4 0.4`")
        values = [_proportion(part) for part in raw.replace(",", " ").split()]
        if len(values) != 4 or not all(math.isfinite(v) for v in values):
            numbers = all(math.isfinite(v) for v in values)
            what_is = (f"has {len(values)} number{'s' * (len(values) != 1)} where four are "
                       "needed" if numbers else "is not four numbers")
            ctx.error(node, f"`{name}: {raw}` {what_is}; the photo is shown still", hint)
            return BAD
        x, y, w, h = values
        if w <= 0 or h <= 0:
            ctx.error(node, f"the {what} `{raw}` has no size (width and height must be "
                            "more than 0); the photo is shown still", hint)
            return BAD
        if x < 0 or y < 0 or x + w > 1 + 1e-9 or y + h > 1 + 1e-9:
            ctx.error(node, f"the {what} `{raw}` reaches outside the picture (x + w and "
                            "y + h must stay within 1); the photo is shown still",
                      _inside_hint(name, raw, values) or hint)
            return BAD
        return x, y, w, h

    return parse


def _proportion(part: str) -> float:
    try:
        return float(part[:-1]) / 100 if part.endswith("%") else float(part)
    except ValueError:
        return math.nan


def _inside_hint(name: str, raw: str, values: list[float]) -> str:
    """Did you mean percentages (`10 20 50 50`), or the largest size that fits?"""
    x, y, w, h = values
    if "%" not in raw and w > 1 and h > 1 and x + w <= 100 and y + h <= 100:
        return ("did you mean percentages? write `" + name + ": " +
                " ".join(f"{v:g}%" for v in values) + "`")
    if x < 0 or y < 0 or x >= 1 or y >= 1:
        return f"x and y are where the box starts, from 0 to 1: `{name}: 0.3 0.1 0.4 0.4`"
    fit_w, fit_h = min(w, 1 - x), min(h, 1 - y)
    return (f"did you mean `{name}: {x:g} {y:g} {round(fit_w, 4):g} {round(fit_h, 4):g}`, "
            "the largest box from there that stays inside?")


parse_focus = parse_box("focus", "focus box")
parse_from = parse_box("pan_from", "`pan_from` box")
parse_to = parse_box("pan_to", "`pan_to` box")


def parse_keep(ctx: Context, node: Node) -> str:
    """`keep: top | centre | bottom | left | right` (`center` too): the edge of a tall
    picture (top, bottom) or a wide one (left, right) a pan keeps in view."""
    raw = scalar(ctx, node, "an edge")
    value = "centre" if raw.lower() in ("center", "middle") else raw.lower()
    if value not in KEEPS:
        ctx.error(node, f"`keep: {raw}` is not an edge a pan can keep; the photo is shown "
                        "still", did_you_mean(raw, (*KEEPS, "center")))
        return BAD
    return value


def parse_zoom(ctx: Context, node: Node) -> float | str:
    """`zoom: 1.3`: how much closer a pan ends (1 to 4)."""
    raw = scalar(ctx, node, "a number")
    try:
        value = float(raw.rstrip("x"))
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and 1.0 <= value <= MAX_ZOOM):
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


def on_a_clip(ctx: Context, node: Node, hint: str = "remove the line") -> None:
    """`motion`, `focus`, `zoom`, `keep`, `pan_from` or `pan_to` written on a clip: a
    warning, and the clip plays."""
    ctx.warning(node, "a clip does not pan, zoom or scroll (`motion`, `focus`, `zoom`, "
                      "`keep`, `pan_from` and `pan_to` are for photos); the clip plays as "
                      "usual", hint)


def framing_on_a_clip(ctx: Context, node: Node) -> None:
    """`pan_from` or `pan_to` on a clip: perhaps meant as where the clip starts or ends."""
    on_a_clip(ctx, node, "remove the line; to play part of a clip, write `start:` and "
                         "`end:` times")


@dataclass(frozen=True)
class Pan:
    """What the manifest says about a pan (each None when not written or inherited);
    ``written``: the item's own pan lines, for positioned warnings."""

    focus: Box4 | None = None
    zoom: float | None = None
    keep: str | None = None
    start: Box4 | None = None
    end: Box4 | None = None
    written: Mapping[str, Node] = field(default_factory=dict)


# Lines that only shape a pan: on a photo that is read or still they do nothing.
PAN_ONLY = ("keep", "pan_from", "pan_to")


def plan(ctx: Context, node: Node, photo: Photo, wanted: str, pan: Pan, *,
         duration_given: bool, reading: Reading, screen: Size,
         probe: Callable[[Photo], Size | None]) -> Photo:
    """The photo with its motion (and fit and duration) decided; still when it cannot move.

    ``wanted``: `auto`, `read`, `pan` or `none` as written (or inherited); ``probe``
    returns the picture's upright size, None when it cannot be read (the media checks and
    the player report that).
    """
    if wanted == BAD:
        return photo
    framings = [k for k in ("pan_from", "pan_to") if k in pan.written]
    if wanted == "read" and framings:
        _once(ctx, "error", pan.written[framings[0]],
              f"`{framings[0]}` is for `motion: pan`, but this photo is `motion: read` "
              "(scrolled, not framed); the photo is shown still",
              f"write `motion: pan`, or remove `{framings[0]}`")
        return photo
    if wanted == "none":
        _no_pan(ctx, pan, "`motion: none` (it stays still)")
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
        asked = pan.focus is not None or pan.start is not None or pan.end is not None
        # Framings written on the item ask for a pan even of a clipping that would be read.
        kind = ("read" if (tall or wide) and not framings
                else "pan" if asked else "none")
        if kind == "none":
            _no_pan(ctx, pan, "still")
            return photo
    if kind == "read":
        _no_pan(ctx, pan, "read by scrolling")
        return _read(ctx, node, photo, size, duration_given, reading, screen, wanted)
    for name, box in (("pan_from", pan.start), ("pan_to", pan.end)):
        if box is not None and name in pan.written:
            _too_close(ctx, pan.written[name], name, box, size, screen)
    if pan.keep in ("top", "bottom", "left", "right") and "keep" in pan.written:
        _keep_fits(ctx, pan.written["keep"], pan.keep, size, screen)
    motion = Motion("pan", focus=pan.focus, zoom=pan.zoom or reading.zoom,
                    keep=pan.keep or "top",  # type: ignore[arg-type]
                    start=pan.start, end=pan.end)
    return replace(photo, motion=motion, fit="pan")


def _too_close(ctx: Context, node: Node, name: str, box: Box4, size: Size,
               screen: Size) -> None:
    """A framing closer than `zoom` may go: the pre-scaled picture is a blur there."""
    iw, ih = size
    aspect = screen[0] / screen[1]
    widest = min(iw, ih * aspect)
    framed = box_framing(box, size, screen).w
    if widest > MAX_ZOOM * framed * (1 + 1e-9):
        ctx.warning(node, f"the `{name}` box is {widest / framed:.1f} times closer than the "
                          f"widest framing; beyond {MAX_ZOOM:g} times (as far as `zoom` "
                          "goes) the picture is a blur", "use a larger box")


def _keep_fits(ctx: Context, node: Node, keep: str, size: Size, screen: Size) -> None:
    """`keep: top` on a panorama, or `keep: left` on a portrait: that edge cannot be kept
    (the picture has no spare height, or width, to choose from)."""
    iw, ih = size
    aspect = screen[0] / screen[1]
    taller = ih * aspect > iw * (1 + 1e-9)
    wider = iw > ih * aspect * (1 + 1e-9)
    vertical = keep in ("top", "bottom")
    if (vertical and taller) or (not vertical and wider):
        return
    kind = "taller" if vertical else "wider"
    if taller or wider:
        what = (f"is {'taller' if taller else 'wider'} than the screen, so "
                + ("its top is kept" if taller else "it is framed about its centre"))
        hint = ("write `keep: top` or `keep: bottom`" if taller
                else "write `keep: left` or `keep: right`") + ", or remove the line"
    else:
        what, hint = "has the screen's shape: there is no edge to keep", "remove the line"
    ctx.warning(node, f"`keep: {keep}` is for a picture {kind} than the screen; this one "
                      f"({iw}x{ih}) {what}", hint)


def _no_pan(ctx: Context, pan: Pan, how: str) -> None:
    """A warning on each pan-only line of a photo that does not pan: it does nothing."""
    for name in PAN_ONLY:
        if name in pan.written:
            _once(ctx, "warning", pan.written[name], f"`{name}` shapes a pan, but this photo "
                  f"is {how}; the line does nothing", "write `motion: pan`, or remove the line")


def _once(ctx: Context, severity: str, node: Node, message: str, hint: str) -> None:
    """Report once, however many photos of a sequence share the line."""
    if not any(p.line == node.line and p.col == node.col and p.message == message
               for p in ctx.problems):
        (ctx.error if severity == "error" else ctx.warning)(node, message, hint)


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
