"""The only module that draws: items, labels, text cards, transitions, the progress line.

Each step is drawn once into a full-screen *layer* (photo letterboxed on the background,
its museum label on a soft band) and the layer is cached; a frame is then one copy of
a layer, or two layers mixed for a transition. Crossfades are mixed with cv2.addWeighted
straight into the target's pixel buffer. The compositor decides nothing: the timeline
says what is on screen and at what progress.
"""

from __future__ import annotations

import itertools
import math
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
import pygame

from kiosk.render import contrast, label_fit, label_parts
from kiosk.render.label_fit import META_SIZE, SAFE_MARGIN
from kiosk.render.surfaces import pixels, to_surface
from kiosk.render.text import TextRenderer, TextStyle
from kiosk.show.model import Label, Photo, Step, Text, TextCard

if TYPE_CHECKING:
    from kiosk.playback.motion import Box

RGB = tuple[int, int, int]

CARD_TITLE_SIZE, CARD_BODY_SIZE = 0.062, 0.034
CARD_TOP, CARD_BOTTOM = (18, 26, 36), (34, 46, 60)
PROGRESS_ALPHA = 90
# Moving photos are drawn on this many surfaces: the one on screen and the one leaving.
MOVING_SURFACES = 2


def ease(p: float) -> float:
    """Smooth start and stop for slides."""
    return 0.5 - 0.5 * math.cos(math.pi * min(max(p, 0.0), 1.0))


@dataclass(frozen=True)
class Look:
    background: RGB = (0, 0, 0)
    language: str = "en"
    default_language: str = "en"
    diagonal_in: float = 55.0  # the screen's real size: a link's QR code must scan from 1 m
    viewing_distance_m: float = 1.0  # from where visitors read: the smallest label text


def mixes(kind: str, progress: float) -> bool:
    """Whether a transition at ``progress`` mixes the step leaving with the one arriving
    (a cut never does; any transition is over at 1)."""
    return progress < 1.0 and kind != "cut"


def _scene(target: pygame.Surface, current: object, previous: object, mixing: bool,
           kind: str, progress: float, direction: int, versions: tuple[int, int]) -> tuple:
    """What a drawn frame shows, compared from frame to frame: the same scene twice is
    nothing to draw. A clip's or a moving photo's layer changes with its version."""
    return (id(target), id(current), id(previous) if mixing or current is None else 0,
            kind if mixing else "", round(progress, 4) if mixing else 1.0,
            direction if mixing else 0, versions)


class Compositor:
    def __init__(self, size: tuple[int, int], text: TextRenderer, look: Look,
                 max_layers: int = 4) -> None:
        self.size = size
        self.text = text
        self.look = look
        self._layers: OrderedDict[tuple[str, str, int], pygame.Surface] = OrderedDict()
        self._max_layers = max_layers
        self.generation = 0  # counts `forget`: a layer drawn ahead before it is not kept
        self._band_cache: dict[tuple[int, tuple[int, int], int], pygame.Surface] = {}
        self._line: pygame.Surface | None = None
        self.label_lift = 0
        self._labels: dict[tuple, tuple[Any, ...]] = {}
        self._last_scene: tuple | None = None
        self._last_line = 0
        # A moving photo's frame surface, the framing last drawn on it, its version.
        self._moving: OrderedDict[tuple, list[Any]] = OrderedDict()
        # Versions count across all moving photos: a surface passed on from one photo to
        # the next never shows a version the scene was already drawn at.
        self._moving_versions = itertools.count(1)
        self._moving_spares: list[pygame.Surface] = []  # made ahead, or kept by `forget`

    # -- sizes ---------------------------------------------------------------------
    def px(self, fraction: float) -> int:
        return max(8, round(self.size[1] * fraction))

    @property
    def margin(self) -> tuple[int, int]:
        w, h = self.size
        return round(w * SAFE_MARGIN), round(h * SAFE_MARGIN)

    def set_language(self, language: str) -> None:
        if language != self.look.language:
            self.look = replace(self.look, language=language)

    def _t(self, text: Text) -> str:
        return text.get(self.look.language, self.look.default_language)

    def _lang(self, text: Text) -> str:
        """The language the shown text is written in (for its fonts and shaping)."""
        key = text.pick(self.look.language, self.look.default_language)[0]
        return key or self.look.default_language

    # -- layers ----------------------------------------------------------------------
    def set_label_lift(self, pixels: int) -> None:
        """Raise bottom labels by this much (to clear the visitor controls)."""
        self.label_lift = max(0, pixels)

    def layer_key(self, step: Step) -> tuple[str, str, int]:
        """What a step's layer is kept under: the step, the language and the lift.
        Where it was written tells apart the same photo shown twice with two labels."""
        return f"{step.where}|{step.key}", self.look.language, self.label_lift

    def has_layer(self, step: Step) -> bool:
        return self.layer_key(step) in self._layers

    def keep_layer(self, key: tuple[str, str, int], surface: pygame.Surface,
                   generation: int) -> None:
        """A layer drawn by a twin (``layer_key`` as the twin saw it), unless the layers
        were dropped since it was asked for (a reload, new fonts)."""
        if generation == self.generation and surface.get_size() == self.size:
            self._layers[key] = surface
            while len(self._layers) > self._max_layers:
                self._layers.popitem(last=False)

    def layer(self, step: Step, image: pygame.Surface | None) -> pygame.Surface:
        """The step drawn full-screen, cached by step and language."""
        key = self.layer_key(step)
        found = self._layers.get(key)
        if found is not None:
            self._layers.move_to_end(key)
            return found
        surface = pygame.Surface(self.size, 0, 32)
        if isinstance(step, TextCard):
            self._draw_card(surface, step)
        else:
            surface.fill(self.look.background)
            if image is not None:
                self._blit_centered(surface, image)
            self._draw_label(surface, step.label, step.caption_position)
        if step.link:
            self._draw_link(surface, step.link)
        self.keep_layer(key, surface, self.generation)
        return surface

    def moving_layer(self, step: Photo, image: np.ndarray, box: Box,
                     ahead: Callable[[pygame.Surface], pygame.Surface | None] | None = None,
                     *, leaving: bool = False) -> tuple[pygame.Surface, int]:
        """A moving photo at ``box`` (kiosk.playback.motion.framing) with its label, and
        a version that changes only when the framing does (a dwell or a pause costs
        nothing). Drawing happens in kiosk/render/moving.py; ``ahead(layer)`` may hand
        over a surface made ahead for this framing in exchange for the layer
        (kiosk/media/motion_frames.py), or None. ``leaving``: a layer of its own for the
        photo fading out while it also fades in (a one-photo loop): one surface cannot
        hold both framings."""
        from kiosk.render.moving import draw_framing

        key = self.layer_key(step) + (("leaving",) if leaving else ())
        entry = self._moving.get(key)
        if entry is None:
            # The one on screen and the one leaving are kept; a third takes the oldest
            # one's surface. A new 8 MiB surface is fresh memory that SDL clears holding
            # the GIL (3-7 ms, 12 ms traced at a reading's first frame): one is made here
            # only when none was reserved (a show that gained moving photos on reload).
            if len(self._moving) >= MOVING_SURFACES:
                surface = self._moving.popitem(last=False)[1][0]
            elif self._moving_spares:
                surface = self._moving_spares.pop()
            else:
                surface = pygame.Surface(self.size, 0, 32)
            entry = [surface, None, 0]
            self._moving[key] = entry
        else:
            self._moving.move_to_end(key)
        if entry[1] != box:
            made = ahead(entry[0]) if ahead is not None else None
            if made is not None:
                entry[0] = made
            else:
                draw_framing(entry[0], image, box, self.look.background)
            surface = entry[0]
            # The picture under the label changes with every framing: the label is backed
            # for the brightest, busiest picture (print scrolling under it) and drawn once,
            # not measured again per frame.
            found = self.label_overlay(step.label, step.caption_position, busy=True)
            if found is not None:
                surface.blit(*found)
            entry[1] = box
            entry[2] = next(self._moving_versions)
        return entry[0], entry[2]

    def reserve_moving(self) -> None:
        """Make the two surfaces moving photos are drawn on now, before the show moves
        (a show with moving photos; see ``moving_layer``)."""
        while len(self._moving_spares) + len(self._moving) < MOVING_SURFACES:
            self._moving_spares.append(pygame.Surface(self.size, 0, 32))

    def forget(self) -> None:
        """Drop cached layers (a reloaded show, another language). The next draw repaints:
        a new layer may reuse a dropped one's id, which the scene is compared by. Moving
        photos' surfaces are kept to draw on again (versions never repeat)."""
        self._layers.clear()
        self.generation += 1
        kept = [*self._moving_spares, *(entry[0] for entry in self._moving.values())]
        self._moving_spares = kept[:MOVING_SURFACES]
        self._moving.clear()
        self._labels.clear()  # drawn with the old fonts, or the old default language
        self._last_scene = None

    def _blit_centered(self, surface: pygame.Surface, image: pygame.Surface) -> None:
        w, h = self.size
        iw, ih = image.get_size()
        surface.blit(image, ((w - iw) // 2, (h - ih) // 2))

    # -- the museum label ----------------------------------------------------------
    def _label_block(self, label: Label) -> tuple[list[pygame.Surface], bool]:
        """The label's parts, and whether it reads right to left.

        The caption's direction (else the title's) sets the whole label's: its parts align
        to that side and the credit line lists source, date and credit in reading order.
        The parts step down in size to fit the label's safe area, never below the smallest
        size readable from the viewing distance; what still does not fit is cut with "…"
        (and `validate` says so).
        """
        look = self.look
        text = label_parts.label_text(label, look.language, look.default_language)
        area = label_fit.label_area(self.size)
        gap = label_parts.gap_px(self.size[1])
        minimum = label_fit.min_text_px(self.size, look.diagonal_in, look.viewing_distance_m)
        fit = label_parts.fit(self.text, text, label_fit.design_sizes(self.size), minimum,
                              area, gap)
        limits = label_parts.line_limits(self.text, text, fit, area[0], gap)
        side = "right" if text.rtl else "left"  # every part to the label's side
        parts = [self.text.render(t, style, area[0], lines, align=side)
                 for (_, t, style), lines in zip(label_parts.part_styles(text, fit.sizes),
                                                 limits, strict=True)]
        return parts, text.rtl

    def _band(self, height: int, hold: tuple[int, int], alpha: float) -> pygame.Surface:
        """A black band: ``alpha`` opaque over the rows ``hold`` (the text's), fading
        smoothly to clear toward the photo; cached by its shape."""
        level = round(alpha * 255)
        key = (height, hold, level)
        band = self._band_cache.get(key)
        if band is None:
            band = pygame.Surface((self.size[0], height), pygame.SRCALPHA, 32)
            rows = np.arange(height, dtype=float)
            top, bottom = hold
            t = np.ones(height)
            if top > 0:
                t = np.where(rows < top, rows / top, t)
            if bottom < height - 1:
                t = np.where(rows > bottom, (height - 1 - rows) / (height - 1 - bottom), t)
            t = np.clip(t, 0, 1)
            view = pygame.surfarray.pixels_alpha(band)
            view[:, :] = (t * t * (3 - 2 * t) * level).astype(np.uint8)[None, :]
            del view
            if len(self._band_cache) > 16:
                self._band_cache.clear()
            self._band_cache[key] = band
        return band

    def _draw_label(self, surface: pygame.Surface, label: Label, position: str) -> None:
        found = self.label_overlay(label, position, behind=surface)
        if found is not None:
            surface.blit(*found)

    def label_overlay(self, label: Label, position: str, behind: pygame.Surface | None = None,
                      *, busy: bool = False) -> tuple[pygame.Surface, tuple[int, int]] | None:
        """The label on its band, as a transparent strip and where it goes.

        The band is as dark as the pixels of ``behind`` under the text need for 4.5:1
        contrast (WCAG 1.4.3; 7:1 over a busy picture), and no darker; without ``behind``
        (a clip, whose every frame differs) as dark as a white picture needs. Drawn once
        per label, language and lift; a clip blits it over each new frame.
        """
        if behind is None:
            key = self.label_key(label, position, busy)
            found = self._labels.get(key)
            if found is not None and found[0] is label:
                return found[1], found[2]
        text = self._label_text(label, position)
        if text is None:
            return None
        strip, at, hold = text
        if behind is None:
            light = contrast.WORST_CASE
            target = contrast.BUSY_TARGET if busy else contrast.TARGET
        else:
            x0, x1 = self.margin[0], self.size[0] - self.margin[0]
            y0 = max(0, at[1] + hold[0])
            y1 = min(self.size[1], at[1] + hold[1] + 1)
            view = pixels(behind)
            region = view[y0:y1, x0:x1, :3]
            light = contrast.brightest(region)
            target = contrast.BUSY_TARGET if contrast.busy(region) else contrast.TARGET
            del view, region
        alpha = contrast.band_alpha(light, label_parts.META_COLOR, target)  # the dimmest text
        out = self._band(strip.get_height(), hold, alpha).copy()
        out.blit(strip, (0, 0))
        if behind is None:
            self.keep_label(key, label, (out, at))  # the label itself keeps its id unique
        return out, at

    def label_key(self, label: Label, position: str, busy: bool = False) -> tuple:
        """What a label drawn for no particular picture is kept under."""
        return (id(label), position, self.look.language, self.label_lift, busy)

    def twin(self) -> Compositor:
        """A compositor of the same size, look and fonts, to draw labels and layers on a
        worker thread (the text renderer is shared: it takes its own lock)."""
        other = Compositor(self.size, self.text, self.look, max_layers=0)
        other.label_lift = self.label_lift
        return other

    def has_label(self, key: tuple, label: Label) -> bool:
        found = self._labels.get(key)
        return found is not None and found[0] is label

    def keep_label(self, key: tuple, label: Label,
                   overlay: tuple[pygame.Surface, tuple[int, int]]) -> None:
        """A label drawn by a twin (``label_key`` as the twin saw it), for later use."""
        if len(self._labels) > 8:
            self._labels.clear()
        self._labels[key] = (label, *overlay)

    def _label_text(self, label: Label, position: str
                    ) -> tuple[pygame.Surface, tuple[int, int], tuple[int, int]] | None:
        """The label's text (with its shadow) on a clear strip, where the strip goes, and
        the rows the backing must hold dark: the text's, and a margin round it."""
        if position == "hidden" or not label:
            return None
        key = ("text", id(label), position, self.look.language, self.label_lift)
        found = self._labels.get(key)
        if found is not None and found[0] is label:
            return found[1], found[2], found[3]
        parts, rtl = self._label_block(label)
        if not parts:
            return None
        mx, my = self.margin
        gap = label_parts.gap_px(self.size[1])
        block_h = sum(p.get_height() for p in parts) + gap * (len(parts) - 1)
        lift = 0 if position == "top" else self.label_lift
        band_h = block_h + my * 2 + self.px(0.04) + lift
        strip = pygame.Surface((self.size[0], band_h), pygame.SRCALPHA, 32)
        if position == "top":
            y, at = my, (0, 0)
        else:
            y, at = band_h - my - block_h - lift, (0, self.size[1] - band_h)
        # Dark from the text to the screen's edge; the fade is toward the photo only.
        hold = ((0, min(band_h - 1, y + block_h + gap)) if position == "top"
                else (max(0, y - gap), band_h - 1))
        for part in parts:
            x = self.size[0] - mx - part.get_width() if rtl else mx
            self._shadowed(strip, part, (x, y))
            y += part.get_height() + gap
        if len(self._labels) > 8:
            self._labels.clear()
        self._labels[key] = (label, strip, at, hold)
        return strip, at, hold

    def _shadowed(self, surface: pygame.Surface, text: pygame.Surface, at: tuple[int, int]
                  ) -> None:
        """Text with a faint drop shadow, so a bright patch under the band stays legible."""
        shadow = text.copy()
        shadow.fill((0, 0, 0, 150), special_flags=pygame.BLEND_RGBA_MULT)
        off = max(1, self.size[1] // 540)
        surface.blit(shadow, (at[0] + off, at[1] + off))
        surface.blit(text, at)

    # -- a link as a QR code ------------------------------------------------------------
    def _draw_link(self, surface: pygame.Surface, link: str) -> None:
        """The code in the bottom-right corner, its destination written under it."""
        from kiosk.render import qr

        try:
            plan = qr.plan(link, self.size, self.look.diagonal_in)
        except ValueError:  # segno: too long for any QR code; `validate` says so
            return
        code = to_surface(qr.image(plan))
        label = self.text.render(qr.short_label(link), TextStyle("text", self.px(META_SIZE)),
                                 max(code.get_width(), round(self.size[0] * 0.2)), 1)
        mx, my = self.margin
        right = self.size[0] - mx
        y = self.size[1] - my - self.label_lift - label.get_height() - code.get_height()
        surface.blit(code, (right - code.get_width(), y))
        self._shadowed(surface, label, (right - label.get_width(), y + code.get_height()))

    # -- text cards --------------------------------------------------------------------
    def _draw_card(self, surface: pygame.Surface, card: TextCard) -> None:
        w, h = self.size
        ramp = np.linspace(0.0, 1.0, h)[:, None]
        top, bottom = np.array(CARD_TOP[::-1], float), np.array(CARD_BOTTOM[::-1], float)
        column = (top * (1 - ramp) + bottom * ramp).astype(np.uint8)  # BGR per row
        view = pixels(surface)
        view[:, :, :3] = column[:, None, :]
        view[:, :, 3] = 255
        del view
        width = round(w * 0.64)
        avail = h - 2 * self.margin[1]
        gap = self.px(0.05)
        title, body = self._t(card.title), self._t(card.body)
        parts: list[pygame.Surface] = []
        if title:
            parts.append(self.text.render(title, TextStyle(
                "heading", self.px(CARD_TITLE_SIZE), language=self._lang(card.title)),
                width, 3, align="center"))
        if body:
            style = TextStyle("text", self.px(CARD_BODY_SIZE), (226, 230, 236), 1.2,
                              language=self._lang(card.body))
            room = avail - sum(p.get_height() + gap for p in parts)
            lines = 12
            rendered = self.text.render(body, style, width, lines, align="center")
            while rendered.get_height() > room and lines > 1:  # fit the safe area
                lines -= 1
                rendered = self.text.render(body, style, width, lines, align="center")
            parts.append(rendered)
        total = sum(p.get_height() for p in parts) + gap * (len(parts) - 1)
        y = (h - total) // 2
        if title and body:  # a short rule between heading and text, like a printed card
            rule_y = y + parts[0].get_height() + gap // 2
            pygame.draw.line(surface, (120, 140, 160), (w // 2 - self.px(0.04), rule_y),
                             (w // 2 + self.px(0.04), rule_y), max(1, h // 540))
        for part in parts:
            surface.blit(part, ((w - part.get_width()) // 2, y))
            y += part.get_height() + gap

    # -- frames ----------------------------------------------------------------------
    def draw(self, target: pygame.Surface, current: pygame.Surface | None,
             previous: pygame.Surface | None = None, kind: str = "cut",
             progress: float = 1.0, step_progress: float | None = None,
             direction: int = 1, versions: tuple[int, int] = (0, 0)) -> list[pygame.Rect]:
        """Compose one frame: ``current`` alone, or mixed with ``previous`` at ``progress``.

        Returns the areas that changed since the last call on this target (empty: nothing
        to present), so a still photo costs nothing but its creeping progress line.
        """
        mixing = current is not None and previous is not None and mixes(kind, progress)
        scene = _scene(target, current, previous, mixing, kind, progress, direction, versions)
        line_px = self._line_length(step_progress)
        if scene == self._last_scene:
            if line_px == self._last_line or current is None:
                return []
            strip = self._line_rect()
            target.blit(current, strip, strip)  # put back what the old line covered
            self._draw_line(target, line_px)
            self._last_line = line_px
            return [strip]
        if current is None:
            if previous is not None:
                target.blit(previous, (0, 0))  # hold the last frame rather than go blank
            else:
                target.fill(self.look.background)
        elif not mixing or previous is None:  # (mixing implies a previous layer)
            target.blit(current, (0, 0))
        elif kind == "slide":
            # Forward: the new item comes in from the right; backward: from the left.
            x = round(self.size[0] * ease(progress)) * (1 if direction >= 0 else -1)
            target.blit(previous, (-x, 0))
            target.blit(current, (self.size[0] * (1 if direction >= 0 else -1) - x, 0))
        else:
            h = self.size[1]
            # 2-D views (rows of bytes) take OpenCV's fastest path.
            a, b = pixels(previous).reshape(h, -1), pixels(current).reshape(h, -1)
            out = pixels(target).reshape(h, -1)
            cv2.addWeighted(a, 1.0 - progress, b, progress, 0.0, dst=out)
            del a, b, out
        if current is not None:
            self._draw_line(target, line_px)
        self._last_scene, self._last_line = scene, line_px
        return [target.get_rect()]

    def shows(self, target: pygame.Surface, what: object, version: int) -> bool:
        """Whether ``target`` shows ``what`` (a layer, or what stands for one) alone at
        ``version``, as the last draw or ``shown`` left it."""
        return self._last_scene == self._alone(target, what, version)

    def shown(self, target: pygame.Surface, what: object, version: int) -> None:
        """``what`` was drawn alone onto ``target`` at ``version`` elsewhere (a clip's
        picture, converted straight onto the screen), without the progress line."""
        self._last_scene, self._last_line = self._alone(target, what, version), 0

    @staticmethod
    def _alone(target: pygame.Surface, what: object, version: int) -> tuple:
        """The scene ``draw`` keeps for ``what`` drawn alone."""
        return _scene(target, what, None, False, "cut", 1.0, 0, (version, 0))

    def invalidate(self) -> None:
        """The next draw repaints everything (the target was drawn on elsewhere)."""
        self._last_scene = None

    def _line_length(self, fraction: float | None) -> int:
        if fraction is None or fraction <= 0:
            return 0
        return round(self.size[0] * min(fraction, 1.0))

    def _line_rect(self) -> pygame.Rect:
        w, h = self.size
        thickness = max(2, h // 360)
        return pygame.Rect(0, h - thickness, w, thickness)

    def _draw_line(self, target: pygame.Surface, length: int) -> None:
        """A thin, faint line along the bottom edge: how long until the next item."""
        if length <= 0:
            return
        strip = self._line_rect()
        if self._line is None or self._line.get_height() != strip.height:
            self._line = pygame.Surface(strip.size, pygame.SRCALPHA, 32)
            self._line.fill((255, 255, 255, PROGRESS_ALPHA))
        target.blit(self._line, strip.topleft, pygame.Rect(0, 0, length, strip.height))
