"""The visitor controls, the exhibit index, the staff PIN pad and the reset warning,
drawn over a frame.

Geometry comes from :mod:`kiosk.visitor.layout` (the same elements taps are matched against);
this module only paints them. All text goes through the caption :class:`TextRenderer`, so
controls share the captions' fonts and fallback chain.

Everything that does not change from frame to frame is rendered once and cached:

* controls: one translucent panel surface per group of controls (index button; previous,
  pause, next with the dots and the clip track; language chips), rebuilt only when the
  layout, pause state, language or current dot changes. A frame is then three blits plus,
  for a video, one blit of part of a cached bar. The fade is the panels' surface alpha.
* index: one surface per tile (thumbnail scaled once, title, outline) and the close button;
  a frame darkens the target (a bit shift in place) and blits the tiles.
* PIN pad: one surface for the keys; a frame fills the backdrop and blits keys, a cached
  dot per entered digit and the (renderer-cached) message.

Measured by ``tests/test_overlay.py`` (run with ``-s``; headless, software surfaces, a
2-core dev VM), per frame at 1920x1080: controls 0.2 ms steady, 0.75 ms while fading or
with a video's bar (budget 1.5 ms); index of 30 tiles 3.2 ms (0.8 of it the darkening);
PIN pad 0.7 ms. Building the controls' pieces the first time costs ~18 ms, a dropped frame:
call :meth:`Overlay.warm` after laying out, while nothing moves.

Icons and rounded shapes are drawn at ``SUPERSAMPLE`` times their size with pygame.draw and
smooth-scaled down: anti-aliased edges without pygame.gfxdraw, paid once per cached piece.

Caller's duty: the overlay draws *on* the frame, so while it is visible (or fading) the
compositor must repaint the frame under it every frame (``Compositor.invalidate()``
before ``Compositor.draw``).
"""

from __future__ import annotations

import functools
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pygame

from kiosk.render.surfaces import pixels
from kiosk.render.text import TextRenderer, TextStyle
from kiosk.visitor.layout import Element, Rect, tile_parts, union

__all__ = ["Overlay"]

RGB = tuple[int, int, int]
RGBA = tuple[int, int, int, int]

SUPERSAMPLE = 4
PANEL = (14, 16, 20, 170)  # dark enough for white icons on a white photo
COUNTDOWN_PANEL = (14, 16, 20, 230)  # a warning's words must not mix with print under it
BUTTON = (255, 255, 255, 34)
ICON: RGB = (245, 246, 248)
CHIP_FILL = (255, 255, 255, 26)
CHIP_EDGE = (255, 255, 255, 110)
CHIP_TEXT: RGB = (236, 238, 241)
ACTIVE_FILL = (246, 246, 244, 255)
ACTIVE_TEXT: RGB = (18, 20, 24)
DOT_DIM = (255, 255, 255, 90)
DOT_ON = (255, 255, 255, 255)
TRACK = (255, 255, 255, 60)
BAR = (255, 255, 255, 235)
INDEX_DIM_SHIFT = 2  # the frame behind the index, at a quarter of its brightness
TILE_BG = (34, 37, 43, 235)
PLACEHOLDER: RGB = (62, 66, 74)
PLACEHOLDER_MARK: RGB = (96, 101, 110)
TITLE_TEXT: RGB = (232, 234, 238)
CURRENT_EDGE: RGB = (255, 196, 84)
PIN_BACKDROP: RGB = (16, 18, 22)
MESSAGE_TEXT: RGB = (255, 214, 160)
CROP_LIMIT = 0.35  # a thumbnail is letterboxed rather than lose more than this to cover

_MAX_CACHED = 96


def _aa(size: tuple[int, int], paint: Callable[[pygame.Surface, int], object]) -> pygame.Surface:
    """A transparent surface of ``size`` painted at SUPERSAMPLE x and scaled down."""
    w, h = max(1, size[0]), max(1, size[1])
    big = pygame.Surface((w * SUPERSAMPLE, h * SUPERSAMPLE), pygame.SRCALPHA, 32)
    paint(big, SUPERSAMPLE)
    return pygame.transform.smoothscale(big, (w, h))


def _rounded(size: tuple[int, int], color: RGBA, radius: int,
             edge: RGBA | None = None, edge_px: int = 0) -> pygame.Surface:
    def paint(s: pygame.Surface, k: int) -> None:
        rect = s.get_rect()
        pygame.draw.rect(s, color, rect, border_radius=radius * k)
        if edge is not None and edge_px > 0:
            pygame.draw.rect(s, edge, rect, edge_px * k, border_radius=radius * k)
    return _aa(size, paint)


def _icon(kind: str, side: int, color: RGB = ICON) -> pygame.Surface:
    """A simple vector icon in a ``side`` square (transparent around it)."""
    def paint(s: pygame.Surface, k: int) -> None:
        n = side * k
        c = n / 2
        stroke = max(2 * k, round(n * 0.09))
        col = (*color, 255)

        def pt(x: float, y: float) -> tuple[float, float]:
            return c + x * n, c + y * n

        if kind in ("prev", "next"):
            sgn = -1 if kind == "prev" else 1
            pts = [pt(-0.07 * sgn, -0.2), pt(0.1 * sgn, 0.0), pt(-0.07 * sgn, 0.2)]
            pygame.draw.lines(s, col, False, pts, stroke)
            for p in (pts[0], pts[1], pts[2]):  # round joints and caps
                pygame.draw.circle(s, col, p, stroke / 2)
        elif kind == "pause":
            bw, bh = n * 0.09, n * 0.36
            for x in (-0.09, 0.09):
                r = pygame.Rect(0, 0, bw, bh)
                r.center = _whole(pt(x, 0))
                pygame.draw.rect(s, col, r, border_radius=round(bw / 3))
        elif kind == "play":
            pygame.draw.polygon(s, col, [pt(-0.11, -0.2), pt(0.19, 0.0), pt(-0.11, 0.2)])
        elif kind == "index":
            cell, gap = n * 0.13, n * 0.05
            for dx in (-1, 1):
                for dy in (-1, 1):
                    r = pygame.Rect(0, 0, cell, cell)
                    r.center = _whole(pt(dx * (cell + gap) / 2 / n, dy * (cell + gap) / 2 / n))
                    pygame.draw.rect(s, col, r, border_radius=round(cell / 4))
        elif kind == "close":
            for a, b in ((pt(-0.15, -0.15), pt(0.15, 0.15)), (pt(-0.15, 0.15), pt(0.15, -0.15))):
                pygame.draw.line(s, col, a, b, stroke)
                pygame.draw.circle(s, col, a, stroke / 2)
                pygame.draw.circle(s, col, b, stroke / 2)
        elif kind == "back":
            body = [pt(-0.24, 0.0), pt(-0.1, -0.15), pt(0.22, -0.15), pt(0.22, 0.15),
                    pt(-0.1, 0.15)]
            pygame.draw.polygon(s, col, body, max(k, stroke // 2))
            for a, b in ((pt(-0.02, -0.06), pt(0.11, 0.06)), (pt(-0.02, 0.06), pt(0.11, -0.06))):
                pygame.draw.line(s, col, a, b, max(k, stroke // 2))
        elif kind == "ok":
            pts = [pt(-0.17, 0.0), pt(-0.05, 0.13), pt(0.18, -0.13)]
            pygame.draw.lines(s, col, False, pts, stroke)
            for p in pts:
                pygame.draw.circle(s, col, p, stroke / 2)
        elif kind == "dot":
            pygame.draw.circle(s, col, (c, c), c)
        elif kind == "picture":  # the placeholder's mark: a sun over two hills
            pygame.draw.circle(s, col, pt(0.18, -0.16), n * 0.08)
            pygame.draw.polygon(s, col, [pt(-0.4, 0.3), pt(-0.12, -0.08), pt(0.1, 0.18),
                                         pt(0.22, 0.05), pt(0.4, 0.3)])
        else:
            raise ValueError(f"no icon called {kind!r}")
    return _aa((side, side), paint)


@dataclass(frozen=True)
class _Group:
    """Controls drawn on one panel, and the panel's rectangle."""

    elements: tuple[Element, ...]
    rect: Rect


class Overlay:
    """Paints ui_layout elements; caches everything that does not change per frame."""

    def __init__(self, size: tuple[int, int], text: TextRenderer) -> None:
        self.size = size
        self.text = text
        self._cache: OrderedDict[tuple, pygame.Surface] = OrderedDict()
        self._thumbs: OrderedDict[tuple, tuple[pygame.Surface, pygame.Surface]] = OrderedDict()
        self._groups_cache: dict[tuple[Element, ...], list[_Group]] = {}

    # -- helpers for ui_layout ------------------------------------------------------
    def measure(self, text: str, size_px: int) -> int:
        """Width of one line as drawn: pass to ``controls_layout(measure=...)``."""
        return self.text.line_width(text, "text", size_px)

    def drawable(self, text: str) -> bool:
        """Whether ``text`` comes out readable: ``controls_layout(drawable=...)``.

        False when no font (configured or installed) has one of its characters: the chip
        then shows the language code rather than boxes.
        """
        return self.text.drawable(text)

    def forget(self) -> None:
        """Drop cached pieces (another screen size or font)."""
        self._cache.clear()
        self._thumbs.clear()
        self._groups_cache.clear()

    # -- caching ---------------------------------------------------------------------
    def _cached(self, key: tuple, build: Callable[[], pygame.Surface]) -> pygame.Surface:
        found = self._cache.get(key)
        if found is not None:
            self._cache.move_to_end(key)
            return found
        surface = build()
        self._cache[key] = surface
        while len(self._cache) > _MAX_CACHED:
            self._cache.popitem(last=False)
        return surface

    def _label(self, text: str, px: int, color: RGB, max_w: int, lines: int = 1,
               role: str = "text", language: str = "") -> pygame.Surface:
        return self.text.render(text, TextStyle(role, max(1, px), color, language=language),
                                max(1, max_w), lines, align="center")

    @staticmethod
    def _blit_centred(dst: pygame.Surface, src: pygame.Surface, box: pygame.Rect) -> None:
        dst.blit(src, (box.x + (box.w - src.get_width()) // 2,
                       box.y + (box.h - src.get_height()) // 2))

    # -- controls --------------------------------------------------------------------
    def draw_controls(self, target: pygame.Surface, elements: Sequence[Element], *,
                      paused: bool, language: str, active_dot: int | None,
                      clip_progress: float | None, alpha: float) -> list[pygame.Rect]:
        """Draw the control bar; returns the areas drawn on.

        ``active_dot`` is the current step of the exhibit (a dot whose label "a:b" covers
        it lights up), ``clip_progress`` 0..1 for a playing video (None: no bar),
        ``alpha`` 0..1 the show/hide fade.
        """
        a = round(255 * min(max(alpha, 0.0), 1.0))
        if a == 0 or not elements:
            return []
        drawn = []
        clip = None
        for group in self._groups(elements):
            key = ("panel", group.elements, paused, language,
                   self._lit_dot(group.elements, active_dot))
            panel = self._cached(key, functools.partial(self._build_panel, group, paused,
                                                        language, key[4]))
            panel.set_alpha(a)
            drawn.append(target.blit(panel, (group.rect.x, group.rect.y)))
            clip = clip or next((e for e in group.elements if e.id == "clip"), None)
        if clip is not None and clip_progress is not None:
            length = round(clip.rect.w * min(max(clip_progress, 0.0), 1.0))
            if length > 0:
                bar = self._cached(("bar", clip.rect.w, clip.rect.h), functools.partial(
                    _rounded, (clip.rect.w, clip.rect.h), BAR, clip.rect.h // 2))
                bar.set_alpha(a)
                drawn.append(target.blit(bar, (clip.rect.x, clip.rect.y),
                                         pygame.Rect(0, 0, length, clip.rect.h)))
        return drawn

    def warm(self, elements: Sequence[Element], *, paused: bool, language: str,
             active_dot: int | None) -> None:
        """Build the controls' panels now, so showing them does not drop a frame."""
        for group in self._groups(elements):
            lit = self._lit_dot(group.elements, active_dot)
            self._cached(("panel", group.elements, paused, language, lit),
                         functools.partial(self._build_panel, group, paused, language, lit))

    @staticmethod
    def _lit_dot(elements: Iterable[Element], step: int | None) -> str | None:
        if step is None:
            return None
        for e in elements:
            if e.id.startswith("dot:"):
                first, stop = (int(v) for v in e.label.split(":"))
                if first <= step < stop:
                    return e.id
        return None

    def _groups(self, elements: Sequence[Element]) -> list[_Group]:
        """Panels: index; transport (+ dots, clip); chips. Touching panels merge."""
        key = tuple(elements)
        found = self._groups_cache.get(key)
        if found is not None:
            return found

        def kind(e: Element) -> str:
            if e.id == "index":
                return "index"
            if e.id.startswith("lang:"):
                return "chips"
            return "transport"

        buckets: dict[str, list[Element]] = {}
        for e in elements:
            buckets.setdefault(kind(e), []).append(e)
        pad = max(4, round(self._button_side(elements) * 0.12))
        groups: list[tuple[list[Element], Rect]] = [
            (list(es), union(e.rect for e in es).grown(pad)) for es in buckets.values()]
        merged = True
        while merged:
            merged = False
            for i in range(len(groups)):
                for j in range(i + 1, len(groups)):
                    if groups[i][1].overlaps(groups[j][1]):
                        groups[i] = (groups[i][0] + groups[j][0],
                                     union((groups[i][1], groups[j][1])))
                        del groups[j]
                        merged = True
                        break
                if merged:
                    break
        w, h = self.size
        out = []
        for es, r in groups:  # never past the screen's edges
            x0, y0 = max(0, r.x), max(0, r.y)
            out.append(_Group(tuple(es), Rect(x0, y0, min(w, r.right) - x0,
                                                      min(h, r.bottom) - y0)))
        if len(self._groups_cache) >= 8:
            self._groups_cache.clear()
        self._groups_cache[key] = out
        return out

    @staticmethod
    def _button_side(elements: Iterable[Element]) -> int:
        return min((e.rect.h for e in elements if e.id in ("prev", "pause", "next", "index")
                    or e.id.startswith("lang:")), default=48)

    def _build_panel(self, group: _Group, paused: bool, language: str,
                     lit: str | None) -> pygame.Surface:
        r = group.rect
        side = self._button_side(group.elements)
        surface = _rounded((r.w, r.h), PANEL, max(4, round(side * 0.3)))

        def local(e: Element) -> pygame.Rect:
            return pygame.Rect(e.rect.x - r.x, e.rect.y - r.y, e.rect.w, e.rect.h)

        for e in group.elements:
            box = local(e)
            if e.id in ("prev", "next", "pause", "index"):
                kind = "play" if e.id == "pause" and paused else e.id
                surface.blit(self._button(kind, box.w), box)
            elif e.id.startswith("lang:"):
                surface.blit(self._chip(e, e.id[5:] == language), box)
            elif e.id.startswith("dot:"):
                d = box.w if e.id == lit else max(2, round(box.w * 0.7))
                dot = self._cached(("dot", d, e.id == lit), functools.partial(
                    _icon, "dot", d, (255, 255, 255)))
                if e.id != lit:
                    dot = dot.copy()
                    dot.fill((255, 255, 255, DOT_DIM[3]), special_flags=pygame.BLEND_RGBA_MULT)
                self._blit_centred(surface, dot, box)
            elif e.id == "clip":
                surface.blit(_rounded(box.size, TRACK, box.h // 2), box)
        return surface

    def _button(self, kind: str, side: int) -> pygame.Surface:
        def build() -> pygame.Surface:
            button = _aa((side, side), lambda s, k: pygame.draw.circle(
                s, BUTTON, (s.get_width() / 2, s.get_height() / 2), s.get_width() / 2))
            button.blit(_icon(kind, side), (0, 0))
            return button
        return self._cached(("button", kind, side), build)

    def _chip(self, e: Element, active: bool) -> pygame.Surface:
        def build() -> pygame.Surface:
            w, h = e.rect.w, e.rect.h
            radius = h // 2
            if active:
                chip = _rounded((w, h), ACTIVE_FILL, radius)
            else:
                chip = _rounded((w, h), CHIP_FILL, radius, CHIP_EDGE, max(1, h // 36))
            pad = max(2, round(h * 0.2))
            label = self._label(e.label, e.text_px, ACTIVE_TEXT if active else CHIP_TEXT,
                                w - 2 * pad, language=e.id[5:])  # each name in its own script
            self._blit_centred(chip, label, chip.get_rect())
            return chip
        return self._cached(("chip", e, active), build)

    # -- index -----------------------------------------------------------------------
    def draw_index(self, target: pygame.Surface, elements: Sequence[Element],
                   titles: dict[int, str], thumbnails: dict[int, pygame.Surface | None],
                   current: int | None) -> list[pygame.Rect]:
        """Darken the frame and draw the exhibit tiles and the close button."""
        self._dim(target)
        for e in elements:
            if e.id.startswith("tile:"):
                i = int(e.id[5:])
                thumb = thumbnails.get(i)
                # The key holds the thumbnail itself: an id() could be reused by a new one.
                key = ("tile", e, titles.get(i, ""), thumb, i == current)
                tile = self._cached(key, functools.partial(
                    self._build_tile, e, titles.get(i, ""), thumb, i == current))
                target.blit(tile, (e.rect.x, e.rect.y))
            elif e.id == "close":
                target.blit(self._button("close", e.rect.w), (e.rect.x, e.rect.y))
        return [target.get_rect()]

    @staticmethod
    def _dim(target: pygame.Surface) -> None:
        """Darken the frame to a quarter: a shift in place (0.8 ms at 1080p, where SDL's
        BLEND_MULT fill takes 16 ms)."""
        if target.get_bitsize() != 32 or target.get_flags() & pygame.SRCALPHA:
            target.fill((64, 64, 64), special_flags=pygame.BLEND_MULT)
            return
        view = pixels(target).reshape(target.get_height(), -1)
        np.right_shift(view, INDEX_DIM_SHIFT, out=view)
        del view

    def _build_tile(self, e: Element, title: str, thumb: pygame.Surface | None,
                    current: bool) -> pygame.Surface:
        r = e.rect
        radius = max(4, round(min(r.w, r.h) * 0.05))
        tile = _rounded((r.w, r.h), TILE_BG, radius)
        thumb_box, title_box = tile_parts(e)
        tb = pygame.Rect(0, 0, thumb_box.w, thumb_box.h).inflate(-2 * (radius // 2),
                                                                 -2 * (radius // 2))
        if thumb is None:
            tile.fill(PLACEHOLDER, tb)
            mark = _icon("picture", max(8, min(tb.w, tb.h) // 2), PLACEHOLDER_MARK)
            self._blit_centred(tile, mark, tb)
        else:
            tile.fill((0, 0, 0, 255), tb)
            scaled, src = self._fit_thumb(thumb, tb.size)
            shown = src.size if src is not None else scaled.get_size()
            tile.blit(scaled, (tb.x + (tb.w - shown[0]) // 2, tb.y + (tb.h - shown[1]) // 2),
                      src)
        pad = max(2, radius // 2)
        label = self._label(title, e.text_px, TITLE_TEXT, title_box.w - 2 * pad, 2)
        tile.blit(label, ((r.w - label.get_width()) // 2, thumb_box.h + pad // 2))
        if current:
            edge = max(3, round(min(r.w, r.h) * 0.025))
            pygame.draw.rect(tile, CURRENT_EDGE, tile.get_rect(), edge,
                             border_radius=radius)
        return tile

    def _fit_thumb(self, thumb: pygame.Surface, box: tuple[int, int]
                   ) -> tuple[pygame.Surface, pygame.Rect | None]:
        """The thumbnail scaled to cover the box (cropped centrally), or to fit inside it
        when covering would crop away more than CROP_LIMIT of the picture."""
        key = (thumb, box)
        found = self._thumbs.get(key)
        if found is not None:
            return found[1], self._crop(found[1], box)
        iw, ih = thumb.get_size()
        bw, bh = box
        cover = max(bw / iw, bh / ih)
        contain = min(bw / iw, bh / ih)
        lost = 1 - (bw * bh) / (iw * ih * cover * cover)
        s = cover if lost <= CROP_LIMIT else contain
        size = (max(1, round(iw * s)), max(1, round(ih * s)))
        source = thumb
        if thumb.get_bitsize() < 24:  # smoothscale needs 24/32-bit; convert() needs a display
            source = pygame.Surface(thumb.get_size(), 0, 32)
            source.blit(thumb, (0, 0))
        scaled = pygame.transform.smoothscale(source, size)
        self._thumbs[key] = (thumb, scaled)
        while len(self._thumbs) > _MAX_CACHED:
            self._thumbs.popitem(last=False)
        return scaled, self._crop(scaled, box)

    @staticmethod
    def _crop(scaled: pygame.Surface, box: tuple[int, int]) -> pygame.Rect | None:
        sw, sh = scaled.get_size()
        if sw <= box[0] and sh <= box[1]:
            return None
        w, h = min(sw, box[0]), min(sh, box[1])
        return pygame.Rect((sw - w) // 2, (sh - h) // 2, w, h)

    # -- PIN pad ---------------------------------------------------------------------
    def draw_pinpad(self, target: pygame.Surface, elements: Sequence[Element], entered: int,
                    message: str) -> list[pygame.Rect]:
        """The staff keypad: keys, one dot per entered digit (never the digits), a message."""
        base = self._cached(("keys", tuple(elements)), lambda: self._build_keys(elements))
        target.blit(base, (0, 0))
        for e in elements:
            if e.id == "pin:display" and entered > 0:
                d = max(6, round(e.rect.h * 0.36))
                pitch = round(d * 1.8)
                n = min(entered, max(1, e.rect.w // pitch))
                dot = self._cached(("pin-dot", d), functools.partial(_icon, "dot", d))
                x = e.rect.x + (e.rect.w - n * pitch) // 2 + (pitch - d) // 2
                y = e.rect.y + (e.rect.h - d) // 2
                for k in range(n):
                    target.blit(dot, (x + k * pitch, y))
            elif e.id == "pin:message" and message:
                label = self._label(message, e.text_px, MESSAGE_TEXT, e.rect.w, 2)
                self._blit_centred(target, label, pygame.Rect(e.rect.x, e.rect.y, e.rect.w,
                                                              e.rect.h))
        return [target.get_rect()]

    def _build_keys(self, elements: Sequence[Element]) -> pygame.Surface:
        surface = pygame.Surface(self.size, 0, 32)  # opaque: a frame is one plain copy
        surface.fill(PIN_BACKDROP)
        for e in elements:
            box = pygame.Rect(e.rect.x, e.rect.y, e.rect.w, e.rect.h)
            if e.id in ("pin:back", "pin:ok"):
                surface.blit(self._button(e.id[4:], box.h), box)
            elif e.id == "pin:cancel":
                chip = _rounded(box.size, CHIP_FILL, box.h // 2, CHIP_EDGE, max(1, box.h // 36))
                self._blit_centred(chip, self._label(e.label, e.text_px, CHIP_TEXT,
                                                     box.w - box.h // 2), chip.get_rect())
                surface.blit(chip, box)
            elif e.id.startswith("pin:") and e.id[4:].isdigit():
                key = _aa(box.size, lambda s, k: pygame.draw.circle(
                    s, BUTTON, (s.get_width() / 2, s.get_height() / 2), s.get_width() / 2))
                self._blit_centred(key, self._label(e.label, e.text_px, ICON, box.w, 1,
                                                    "heading"), key.get_rect())
                surface.blit(key, box)
        return surface

    # -- the warning before an idle reset ---------------------------------------------
    def draw_countdown(self, target: pygame.Surface, elements: Sequence[Element],
                       message: str, button: str) -> list[pygame.Rect]:
        """A calm panel: the seconds left and a wide "keep looking" button. Only the number
        changes, once a second: nothing flashes."""
        boxes = {e.id: e for e in elements}
        keep, line = boxes.get("countdown:keep"), boxes.get("countdown:message")
        if keep is None or line is None:
            return []
        area = union([keep.rect, line.rect])
        pad = max(8, keep.rect.h // 3)
        panel_rect = pygame.Rect(area.x - pad, area.y - pad, area.w + 2 * pad, area.h + 2 * pad)
        panel = self._cached(("countdown-panel", panel_rect.size), lambda: _rounded(
            panel_rect.size, COUNTDOWN_PANEL, max(6, pad)))
        target.blit(panel, panel_rect)
        label = self._label(message, line.text_px, ICON, line.rect.w)
        self._blit_centred(target, label, pygame.Rect(line.rect.x, line.rect.y, line.rect.w,
                                                         line.rect.h))
        r = keep.rect
        chip = self._cached(("countdown-keep", r.w, r.h, button, keep.text_px), lambda: (
            self._build_keep(r.w, r.h, button, keep.text_px)))
        target.blit(chip, (r.x, r.y))
        return [panel_rect]

    def _build_keep(self, w: int, h: int, text: str, text_px: int) -> pygame.Surface:
        chip = _rounded((w, h), ACTIVE_FILL, h // 2)
        self._blit_centred(chip, self._label(text, text_px, ACTIVE_TEXT, w - h // 2),
                           chip.get_rect())
        return chip

    # -- one finger for zoom and pan -----------------------------------------------------
    def draw_zoom_buttons(self, target: pygame.Surface, elements: Sequence[Element],
                          alpha: float) -> list[pygame.Rect]:
        """Zoom in, zoom out and (while zoomed) the pan arrows: round dark buttons with a
        white mark, readable on any photo."""
        a = round(255 * min(max(alpha, 0.0), 1.0))
        drawn = []
        names = {"volume:up": "louder", "volume:down": "quieter"}
        for e in elements:
            kind = names.get(e.id) or e.id.split(":", 1)[1]
            button = self._cached(("zoom-button", kind, e.rect.w),
                                  functools.partial(_zoom_button, kind, e.rect.w))
            button.set_alpha(a)
            drawn.append(target.blit(button, (e.rect.x, e.rect.y)))
        return drawn


def _zoom_button(kind: str, side: int) -> pygame.Surface:
    """A dark disc with ``+``, ``−``, an arrow (``up``, ``down``, ``left``, ``right``) or a
    loudspeaker with a plus or a minus (``louder``, ``quieter``)."""
    def paint(s: pygame.Surface, k: int) -> None:
        n = side * k
        c = n / 2
        pygame.draw.circle(s, PANEL, (c, c), c)
        stroke = max(2 * k, round(n * 0.08))
        col = (*ICON, 255)
        arm = n * 0.2
        if kind in ("louder", "quieter"):
            body = [(-0.26, -0.07), (-0.16, -0.07), (-0.04, -0.19), (-0.04, 0.19),
                    (-0.16, 0.07), (-0.26, 0.07)]
            pygame.draw.polygon(s, col, [(c + x * n, c + y * n) for x, y in body])
            sx, half = c + n * 0.16, n * 0.1
            pygame.draw.line(s, col, (sx - half, c), (sx + half, c), stroke)
            if kind == "louder":
                pygame.draw.line(s, col, (sx, c - half), (sx, c + half), stroke)
            return
        if kind in ("in", "out"):
            pygame.draw.line(s, col, (c - arm, c), (c + arm, c), stroke)
            if kind == "in":
                pygame.draw.line(s, col, (c, c - arm), (c, c + arm), stroke)
            return
        dx, dy = {"up": (0, -1), "down": (0, 1), "left": (-1, 0), "right": (1, 0)}[kind]
        tip = (c + dx * arm, c + dy * arm)
        back = (c - dx * arm * 0.4, c - dy * arm * 0.4)
        wing = arm * 0.9
        pygame.draw.polygon(s, col, [tip, (back[0] + dy * wing, back[1] + dx * wing),
                                     (back[0] - dy * wing, back[1] - dx * wing)])
    return _aa((side, side), paint)


def _whole(point: tuple[float, float]) -> tuple[int, int]:
    """A point in whole pixels, as pygame's Rect keeps it (it drops the fraction)."""
    return int(point[0]), int(point[1])
