"""The visitor's side of the loop: touch and keys in, commands out, zoom and overlays
drawn on top.

Wires the pure pieces (touch_input -> gestures -> rules) to the player, and owns the two
helper threads of interaction: the zoom worker (sharp crops of a clipping) and the
thumbnail maker (exhibit index tiles).

The loop's contract, each frame in this order:
- `process_event(event, now, frame)`: True when the event was the visitor's (pointer or key);
- `update(now, frame)`: timers, and whether the frame under the overlays is painted afresh;
- `replaces_frame(frame)`: True while the zoomed view stands in for the player's frame;
- `draw(canvas, frame, now, rects)`: overlays over what the player drew; the areas to show.
`apply_settings(settings)` takes a re-read settings file; `start`/`stop` own the threads.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pygame

from kiosk.job_thread import JobThread
from kiosk.media.images import ImageError, load_image
from kiosk.media.zoom import Zoom, ZoomWorker, clamp, max_scale_for, pan, view, zoom_at
from kiosk.render.overlay import Overlay
from kiosk.render.surfaces import to_surface
from kiosk.show.model import Photo, TextCard, Video
from kiosk.show.settings import Settings
from kiosk.visitor import rules as v
from kiosk.visitor.gestures import GestureRecognizer
from kiosk.visitor.layout import (
    controls_layout,
    countdown_layout,
    index_layout,
    pin_layout,
    tile_parts,
    volume_layout,
    zoom_layout,
)
from kiosk.visitor.staff_store import LockStore, StaffWorker
from kiosk.visitor.touch_input import TouchMemory, from_pygame
from kiosk.visitor.words import say

log = logging.getLogger("kiosk.visitor")

FADE_S = 0.25  # controls fade in and out this fast; never blocks input
ZOOM_STEP = 2.5  # a double tap zooms this much


class Thumbnails:
    """Small pictures for the exhibit index, decoded on a thread of their own."""

    def __init__(self, size: tuple[int, int], max_pixels: int) -> None:
        self.size = size
        self.max_pixels = max_pixels
        self._thread: JobThread[tuple[int, Path], tuple[int, Any]] = JobThread(
            "thumbnails", self._decode)
        self.surfaces: dict[int, pygame.Surface | None] = {}
        self._asked: set[int] = set()

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._thread.stop()

    def want(self, index: int, path: Path | None) -> None:
        if index in self._asked:
            return
        self._asked.add(index)
        self.surfaces.setdefault(index, None)
        if path is not None:
            self._thread.put((index, path))

    def forget(self) -> None:
        self._asked.clear()
        self.surfaces.clear()

    def poll(self) -> None:
        """Turn finished decodes into surfaces (main thread; small images)."""
        for index, image in self._thread.results():
            if index in self._asked and image is not None:
                self.surfaces[index] = to_surface(image)

    def _decode(self, job: tuple[int, Path]) -> tuple[int, Any]:
        index, path = job
        try:
            image = load_image(path, *self.size, "cover", max_pixels=self.max_pixels)
        except ImageError as exc:
            log.warning("no thumbnail for %s: %s", path.name, exc.reason)
            image = None
        except Exception:  # a thumbnail must never take the index down
            log.exception("thumbnail of %s failed", path)
            image = None
        return index, image


class VisitorController:
    def __init__(self, settings: Settings, size: tuple[int, int], player: Any,
                 on_exit: Callable[[str], None], on_interaction: Callable[[str, str], None]
                 | None = None, *, frame_s: float = 1 / 60, fullscreen: bool = False) -> None:
        self.settings = settings
        self.size = size
        self.player = player
        self.timeline = player.timeline
        self.on_exit = on_exit
        self.on_interaction = on_interaction or (lambda exhibit, kind: None)
        self.fullscreen = fullscreen
        langs = settings.languages
        # The staff lock is the kiosk's: read from the state folder, so a new view (a new
        # screen size, a restart) keeps it; PINs are checked on the staff worker's thread.
        self.staff_worker = StaffWorker(LockStore())
        self._wall_offset: float | None = None
        self.visitor = v.Visitor(langs.default, langs.offered, settings.idle_timeout_s,
                                 settings.touch.double_tap_s,
                                 staff_exit=bool(settings.staff.pin_hash),
                                 lock=self.staff_worker.store.load(),
                                 controls_visible_s=settings.controls_visible_s,
                                 reset_warning_s=settings.reset_warning_s)
        self.recognizer = GestureRecognizer(settings.touch, aspect=size[0] / size[1])
        self.memory = TouchMemory()
        self.overlay = Overlay(size, player.text)
        diagonal = settings.screen.diagonal_in
        self.diagonal = diagonal
        self.pin_elements = pin_layout(size, diagonal)
        self.countdown_elements = countdown_layout(size, diagonal)
        self._zoom_elements: tuple[bool, list[Any]] | None = None
        self._volume_elements: list[Any] | None = None
        self.index_elements: list[Any] = []
        self.controls: list[Any] = []
        self._controls_key: tuple | None = None
        self._controls_changed_at = -1e9
        self._controls_were_visible = False
        self.zoom: Zoom | None = None
        self._zoom_floor = 2.0  # the zoom may always go this far
        self.zoom_step: Photo | None = None
        self._zoom_source: pygame.Surface | None = None
        self._sharp: tuple[Zoom, pygame.Rect, pygame.Surface] | None = None
        self._preview: tuple[Zoom, pygame.Rect, pygame.Surface] | None = None
        self.zoom_worker = ZoomWorker(settings.screen.background)
        self.thumbnails: Thumbnails | None = None
        self._last_step: object = None
        # Navigation starts its transition one frame back, so the very next frame
        # already shows the move (a fade drawn at 0% would look unchanged).
        self.frame_s = frame_s
        self._last_overlay: tuple | None = None
        self._covering = False

    # -- lifecycle --------------------------------------------------------------------
    def start(self) -> None:
        self.zoom_worker.start()
        self.staff_worker.start()

    def stop(self) -> None:
        self.zoom_worker.stop()
        self.staff_worker.stop()
        if self.thumbnails is not None:
            self.thumbnails.stop()

    def apply_settings(self, settings: Settings) -> None:
        """Languages, idle time, touch thresholds and the PIN from a re-read settings file,
        without disturbing a visitor who is using the screen."""
        langs = settings.languages
        visitor = self.visitor
        visitor.default_language = langs.default
        visitor.languages = langs.offered
        visitor.idle_timeout_s = settings.idle_timeout_s
        visitor.controls_visible_s = settings.controls_visible_s
        visitor.reset_warning_s = settings.reset_warning_s
        visitor.double_tap_s = settings.touch.double_tap_s
        visitor.staff_exit = bool(settings.staff.pin_hash)
        if not visitor.staff_exit:
            visitor.pin = None  # the PIN exit was switched off
        if visitor.language not in langs.offered or (
                visitor.mode == "attract" and visitor.language != langs.default):
            visitor.language = langs.default
            self.player.set_language(langs.default)
        self.recognizer.settings = settings.touch
        self.settings = settings
        self._controls_key = None  # the language chips are laid out again
        self._last_overlay = None

    # -- input --------------------------------------------------------------------------
    def process_event(self, event: Any, now: float, frame: Any) -> bool:
        """A pygame event; True when it was the visitor's (a pointer or a key)."""
        if event.type == pygame.KEYDOWN:
            return self._key(event.key, now, frame)
        pointer = from_pygame(event, self.size, now, self.memory)
        if not pointer:
            return False
        for item in pointer:
            for gesture in self.recognizer.feed(item):
                self._gesture(gesture, now, frame)
        return True

    @property
    def mode(self) -> str:
        """`attract` (the loop plays by itself) or `interactive` (a visitor is using it)."""
        return self.visitor.mode

    def keyboard_exit_allowed(self) -> bool:
        rule = self.settings.staff.keyboard_exit
        return rule == "always" or (rule == "windowed" and not self.fullscreen)

    def _key(self, key: int, now: float, frame: Any) -> bool:
        """Keys on an attached keyboard do what the matching touch does, through the same
        rules: the visitor is interactive, the idle timer runs, the zoom resets."""
        if key == pygame.K_ESCAPE:
            if self.keyboard_exit_allowed():
                self.on_exit("Esc")
            return True
        name = KEYS.get(key)
        if name is None:
            return False
        self.on_interaction(frame.exhibit_name if frame is not None else "", f"key {name}")
        self.apply(self.visitor.key(name, now), now, frame)
        return True

    def update(self, now: float, frame: Any) -> None:
        """Once a frame, before drawing: timers, gestures that complete by waiting, the
        labels' lift, and a full repaint when the overlays changed."""
        self._tick(now, frame)
        self._lift_labels(now, frame)
        self._covering = self.covers(now)
        overlay = self._signature(now, frame) if self._covering else None
        self._overlay_changed = overlay != self._last_overlay
        self._last_overlay = overlay
        if self._covering and self._overlay_changed:
            self.player.repaint()  # the frame under the overlay is drawn afresh

    def back_to_loop(self, now: float) -> None:
        """Opening time: whatever a visitor left is reset."""
        self.apply(self.visitor.back_to_loop(), now)

    def _tick(self, now: float, frame: Any) -> None:
        for gesture in self.recognizer.tick(now):
            self._gesture(gesture, now, frame)
        if frame is not None and frame.current is not self._last_step:
            self._last_step = frame.current
            kind = _kind(frame.current)
            self.visitor.step_changed(kind, now)
            if self.zoom is not None and frame.current is not self.zoom_step:
                self._zoom_reset()
        verdict = self.staff_worker.poll()
        if verdict is not None:
            self.apply(self.visitor.pin_verdict(verdict, self._wall(now)), now)
            self.staff_worker.save(self.visitor.lock)
        self.apply(self.visitor.tick(now, paused=self.timeline.paused), now)
        if self.zoom is not None:
            self._zoom_poll()
        if self.thumbnails is not None:
            self.thumbnails.poll()

    def _gesture(self, gesture: Any, now: float, frame: Any) -> None:
        current = frame.current if frame is not None else None
        ctx = v.Context(now=now, size=self.size, on_screen=_kind(current),
                        zoomed=self.zoom is not None and self.zoom.scale > 1.001,
                        reading=isinstance(current, Photo) and current.motion is not None
                        and current.motion.kind == "read",
                        controls=[*self._controls(frame), *self._zoom_controls(frame)]
                        if self.visitor.controls_visible(now) else (),
                        index=self.index_elements if self.visitor.index_open else (),
                        pin=self.pin_elements if self.visitor.pin is not None else (),
                        diagonal_in=self.diagonal, wall=self._wall(now))
        was_visible = self.visitor.controls_visible(now)
        commands = self.visitor.handle(gesture, ctx)
        if self.visitor.controls_visible(now) != was_visible:
            self._controls_changed_at = now
        self.on_interaction(frame.exhibit_name if frame is not None else "",
                            type(gesture).__name__.lower())
        self.apply(commands, now, frame)

    def apply(self, commands: list[v.Command], now: float, frame: Any = None) -> None:
        timeline = self.timeline
        moved = now - self.frame_s
        for command in commands:
            if isinstance(command, v.Next):
                timeline.next(moved)
            elif isinstance(command, v.Previous):
                timeline.previous(moved)
            elif isinstance(command, v.TogglePause):
                (timeline.resume if timeline.paused else timeline.pause)(now)
            elif isinstance(command, v.Resume):
                timeline.resume(now)
            elif isinstance(command, v.CheckPin):
                self.staff_worker.check(command.pin, self.settings.staff.pin_hash)
            elif isinstance(command, v.Jump):
                timeline.jump(command.exhibit, 0, moved)
            elif isinstance(command, v.SetAutoAdvance):
                timeline.set_auto_advance(command.on, now)
            elif isinstance(command, v.SetLanguage):
                self.player.set_language(command.code)
            elif isinstance(command, v.Scroll):
                if frame is not None and isinstance(frame.current, Photo):
                    self.player.scroll(frame.current, command.dx_px, command.dy_px, now)
            elif isinstance(command, v.SetVolume):
                self.player.set_visitor_volume(command.factor)
            elif isinstance(command, v.BackToLoop):
                position = timeline.position
                if position is not None:
                    timeline.jump(position[0], 0, now)
            elif isinstance(command, v.Exit):
                self.on_exit("staff PIN")
            elif isinstance(command, (v.ZoomIn, v.ZoomBy, v.PanBy, v.ZoomReset)):
                self._zoom_command(command, frame, now)
        if self.visitor.index_open and not self.index_elements:
            self._open_index()
        elif not self.visitor.index_open:
            self.index_elements = []

    # -- zoom -------------------------------------------------------------------------
    def _zoom_command(self, command: v.Command, frame: Any, now: float) -> None:
        if isinstance(command, v.ZoomReset):
            self._zoom_reset()
            return
        step = frame.current if frame is not None else self.zoom_step
        if not isinstance(step, Photo):
            return
        if self.zoom is None or self.zoom_step is not step:
            source = self.player.decoded(step)
            if source is None:
                return  # not decoded yet: nothing to zoom into
            self._zoom_source = to_surface(source)
            self.zoom_step = step
            # A clipping being read is zoomed from the view on screen, not the whole strip.
            start = self.player.reading_view(step, now)
            self.zoom = Zoom(*start) if start is not None else Zoom()
            # Until the full picture's size is known, a reading view may still be zoomed.
            self._zoom_floor = self.zoom.scale * ZOOM_STEP if start is not None else 2.0
            self.zoom_worker.open(step.path)
        assert self._zoom_source is not None  # set with the zoom, just above or before
        src = self._zoom_source.get_size()
        full = self.zoom_worker.image_size or src
        limit = max(max_scale_for(full, self.size), self._zoom_floor)
        z = self.zoom
        if isinstance(command, v.ZoomIn):
            z = zoom_at(z, src, self.size, (command.x_px, command.y_px), ZOOM_STEP, limit)
        elif isinstance(command, v.ZoomBy):
            z = zoom_at(z, src, self.size, (command.x_px, command.y_px), command.factor, limit)
        elif isinstance(command, v.PanBy):
            z = pan(z, src, self.size, command.dx_px, command.dy_px)
        z = clamp(z, src, self.size, limit)
        if z.scale <= 1.001:
            self._zoom_reset()
            return
        self.zoom = z
        self.zoom_worker.request(z, self.size)

    def _zoom_reset(self) -> None:
        if self.zoom is not None:
            self.zoom_worker.close()
        self.zoom = self.zoom_step = None
        self._zoom_source = self._sharp = self._preview = None
        self.player.repaint()

    def _zoom_poll(self) -> None:
        result = self.zoom_worker.poll()
        if result is not None and result.zoom == self.zoom:
            d = result.dest
            self._sharp = (result.zoom, pygame.Rect(d.x, d.y, d.w, d.h), to_surface(result.array))
        if self.zoom_worker.error and self.zoom is not None:
            log.warning("zoom: %s", self.zoom_worker.error)

    def _draw_zoom(self, target: pygame.Surface) -> None:
        """The sharp crop when it matches the zoom; else a scaled preview, at once."""
        assert self.zoom is not None and self._zoom_source is not None
        target.fill(self.settings.screen.background)
        if self._sharp is not None and self._sharp[0] == self.zoom:
            target.blit(self._sharp[2], self._sharp[1])
            return
        if self._preview is None or self._preview[0] != self.zoom:
            src = self._zoom_source
            (x0, y0, x1, y1), dest = view(self.zoom, src.get_size(), self.size)
            area = pygame.Rect(x0, y0, max(1, x1 - x0), max(1, y1 - y0)).clip(src.get_rect())
            scaled = pygame.transform.scale(src.subsurface(area), (max(1, dest.w), max(1, dest.h)))
            self._preview = (self.zoom, pygame.Rect(dest.x, dest.y, dest.w, dest.h), scaled)
        target.blit(self._preview[2], self._preview[1])

    # -- the exhibit index ----------------------------------------------------------------
    def _open_index(self) -> None:
        exhibits = self.timeline.show.playable
        self.index_elements = index_layout(self.size, self.diagonal, len(exhibits))
        tiles = [e for e in self.index_elements if e.id.startswith("tile:")]
        if self.thumbnails is None and tiles:
            thumb_box = tile_parts(tiles[0])[0]
            self.thumbnails = Thumbnails((thumb_box.w, thumb_box.h),
                                         self.settings.max_image_pixels)
            self.thumbnails.start()
        if self.thumbnails is None:
            return  # no tiles: no thumbnails to want
        for i, exhibit in enumerate(exhibits):
            first = next((s for s in exhibit.steps if isinstance(s, Photo)), None)
            self.thumbnails.want(i, first.path if first else None)

    # -- drawing ----------------------------------------------------------------------------
    def _lift_labels(self, now: float, frame: Any) -> None:
        """Labels move up while the controls show, so neither hides the other."""
        lift = 0
        if self.visitor.controls_visible(now) and frame is not None and frame.current is not None:
            controls = self._controls(frame)
            if controls:
                top = min(e.rect.y for e in controls)
                lift = self.size[1] - top - round(self.size[1] * 0.05) + round(self.size[1] * 0.01)
        self.player.set_label_lift(lift)

    def replaces_frame(self, frame: Any) -> bool:
        """The zoomed view stands in for the frame (it is drawn by `draw`)."""
        return (self.zoom is not None and frame is not None
                and frame.current is self.zoom_step)

    def _signature(self, now: float, frame: Any) -> tuple:
        """Everything the overlays show; drawing is skipped while it stays the same."""
        visible = self.visitor.controls_visible(now)
        fade = min(1.0, (now - self._controls_changed_at) / FADE_S)
        pin = self.visitor.pin
        return (
            id(frame.current) if frame is not None else None,
            self.zoom, id(self._sharp), id(self._preview),
            visible, round(fade, 2), self.visitor.language,
            frame.item_index if frame is not None else None, self.timeline.paused,
            round(self.player.clip_progress(frame) or 0.0, 3) if frame is not None else 0.0,
            self.visitor.index_open,
            sum(s is not None for s in self.thumbnails.surfaces.values())
            if self.thumbnails else 0,
            (len(pin.entered), self.visitor.pin_message(self._wall(now))) if pin else None,
            self._countdown_seconds(now),
        )

    def _countdown_seconds(self, now: float) -> int | None:
        """The whole seconds the warning shows (it changes once a second), or None."""
        left = self.visitor.countdown(now)
        return None if left is None else max(1, math.ceil(left))

    def covers(self, now: float) -> bool:
        """Whether something is drawn over the frame (the frame must be repainted)."""
        fading = now - self._controls_changed_at < FADE_S
        return (self.zoom is not None or self.visitor.controls_visible(now) or fading
                or self.visitor.index_open or self.visitor.pin is not None
                or self.visitor.countdown(now) is not None)

    def draw(self, target: pygame.Surface, frame: Any, now: float,
             rects: list[pygame.Rect]) -> list[pygame.Rect]:
        """Zoom and overlays over what the player drew (`rects`, the areas it changed);
        returns the areas to present."""
        if self._covering and (rects or self._overlay_changed) and self._draw(target, frame,
                                                                              now):
            return [target.get_rect()]
        return rects

    def _draw(self, target: pygame.Surface, frame: Any, now: float) -> bool:
        """Draw zoom and overlays over the frame; True when anything was drawn."""
        drawn = False
        if self.zoom is not None and frame is not None and frame.current is self.zoom_step:
            self._draw_zoom(target)
            drawn = True
        visible = self.visitor.controls_visible(now)
        if visible != self._controls_were_visible:
            self._controls_were_visible = visible
            self._controls_changed_at = now
        fade = min(1.0, (now - self._controls_changed_at) / FADE_S)
        alpha = fade if visible else 1.0 - fade
        if alpha > 0 and frame is not None and frame.current is not None:
            timeline = self.timeline
            self.overlay.draw_controls(
                target, self._controls(frame), paused=timeline.paused,
                language=self.visitor.language, active_dot=frame.item_index,
                clip_progress=self.player.clip_progress(frame), alpha=alpha)
            self.overlay.draw_zoom_buttons(target, self._zoom_controls(frame), alpha)
            drawn = True
        if self.visitor.index_open:
            exhibits = self.timeline.show.playable
            language, default = self.visitor.language, self.settings.languages.default
            titles = {i: e.title.get(language, default) for i, e in enumerate(exhibits)}
            position = self.timeline.position
            self.overlay.draw_index(target, self.index_elements, titles,
                                    self.thumbnails.surfaces if self.thumbnails else {},
                                    position[0] if position else None)
            drawn = True
        pin = self.visitor.pin
        if pin is not None:
            message = self.visitor.pin_message(self._wall(now))
            self.overlay.draw_pinpad(target, self.pin_elements, len(pin.entered), message)
            drawn = True
        seconds = self._countdown_seconds(now)
        if seconds is not None:
            language = self.visitor.language
            self.overlay.draw_countdown(target, self.countdown_elements,
                                        say("returning", language, s=seconds),
                                        say("keep_looking", language))
            drawn = True
        return drawn

    def _controls(self, frame: Any) -> list[Any]:
        """The control bar for the current exhibit (its dots), laid out once per exhibit."""
        exhibit = frame.exhibit_name if frame is not None else ""
        position = self.timeline.position
        steps = (len(self.timeline.show.playable[position[0]].steps)
                 if position is not None else 0)
        is_clip = frame is not None and isinstance(frame.current, Video)
        key = (exhibit, steps, is_clip)
        if key != self._controls_key:
            self._controls_key = key
            self.controls = controls_layout(self.size, self.diagonal,
                                            list(self.settings.languages.offered), steps,
                                            measure=self.overlay.measure,
                                            drawable=self.overlay.drawable, clip=is_clip)
            self.overlay.warm(self.controls, paused=self.timeline.paused,
                              language=self.visitor.language,
                              active_dot=frame.item_index if frame is not None else None)
        return self.controls

    def _zoom_controls(self, frame: Any) -> list[Any]:
        """Zoom in and out on a photo; pan arrows too while zoomed (WCAG 2.5.1); louder
        and quieter on a clip."""
        if frame is not None and isinstance(frame.current, Video):
            if self._volume_elements is None:
                self._volume_elements = volume_layout(self.size, self.diagonal)
            return self._volume_elements
        if frame is None or not isinstance(frame.current, Photo):
            return []
        zoomed = self.zoom is not None and self.zoom.scale > 1.001
        if self._zoom_elements is None or self._zoom_elements[0] != zoomed:
            self._zoom_elements = (zoomed, zoom_layout(self.size, self.diagonal, zoomed))
        return self._zoom_elements[1]

    def status(self, now: float) -> dict[str, Any]:
        left = self.visitor.countdown(now)
        return {"mode": self.visitor.mode, "language": self.visitor.language,
                "touches": self.visitor.touches,
                "reset_in_s": None if left is None else round(left, 1),
                **self.staff_status(now)}

    def staff_status(self, now: float) -> dict[str, Any]:
        """``pin_failures`` and ``pin_locked_until`` for the status snapshot."""
        return self.visitor.lock.status(self._wall(now))

    def _wall(self, now: float) -> float:
        """Wall-clock time for the staff lock, moving with the loop's clock: a clock set
        while the kiosk runs neither ends nor stretches a lockout."""
        if self._wall_offset is None:
            self._wall_offset = time.time() - now
        return now + self._wall_offset


KEYS: dict[int, v.KeyName] = {pygame.K_RIGHT: "next", pygame.K_LEFT: "previous",
                              pygame.K_SPACE: "pause"}


def _kind(step: object) -> v.OnScreen:
    if isinstance(step, Photo):
        return "photo"
    if isinstance(step, Video):
        return "video"
    if isinstance(step, TextCard):
        return "card"
    return "none"
