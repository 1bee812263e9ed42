"""Ties the timeline, decoded images and the compositor into frames. No display, no events.

The app loop and the `render` command both draw through a Player, so `render --at T`
shows what the loop shows at T. The difference is only where images come from: the loop
decodes on worker threads and builds at most one layer per frame ahead of need; `render`
decodes at once.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable
from typing import Any, Protocol

import cv2
import numpy as np
import pygame

from kiosk.job_thread import JobThread
from kiosk.media.images import ImageError, load_image
from kiosk.media.motion_frames import EARLY, MotionFrames
from kiosk.playback.start_hold import StartHold
from kiosk.playback.timeline import Frame, Timeline, first_frame_s
from kiosk.render.compositor import Compositor, mixes
from kiosk.render.surfaces import to_surface
from kiosk.show.model import (
    NO_TEXT,
    Label,
    Photo,
    Show,
    Step,
    Text,
    TextCard,
    Transition,
    Video,
    Where,
)
from kiosk.show.settings import Settings

log = logging.getLogger(__name__)

HOLD_S = 0.25  # longest a moving photo waits for its label and first frames
LEAD_S = 0.5  # a pan's first frames are made in the last half second before it starts
MAX_NO_LABELS = 256  # empty labels remembered (a reload makes new ones)


class ImageSource(Protocol):
    def want(self, photos: list[Photo]) -> None: ...
    def state(self, photo: Photo) -> str: ...  # "ready" | "pending" | "failed"
    def image(self, photo: Photo) -> np.ndarray | None: ...
    def reason(self, photo: Photo) -> str: ...
    def decoding(self) -> bool: ...  # decodes queued or running


class SyncImages:
    """Decodes when asked (for `render` and tests): always ready or failed."""

    def __init__(self, size: tuple[int, int], max_pixels: int,
                 background: tuple[int, int, int], keep: int = 4) -> None:
        self.size = size
        self.max_pixels = max_pixels
        self.background = background
        self._done: OrderedDict[str, np.ndarray | str] = OrderedDict()
        self._keep = keep

    def _get(self, photo: Photo) -> np.ndarray | str:
        key = f"{photo.path}|{photo.fit}"
        found = self._done.get(key)
        if found is None:
            try:
                found = load_image(photo.path, *self.size, photo.fit,
                                   max_pixels=self.max_pixels, background=self.background)
            except ImageError as exc:
                found = exc.reason
            self._done[key] = found
            while len(self._done) > self._keep:
                self._done.popitem(last=False)
        return found

    def want(self, photos: list[Photo]) -> None:
        pass

    def state(self, photo: Photo) -> str:
        return "failed" if isinstance(self._get(photo), str) else "ready"

    def image(self, photo: Photo) -> np.ndarray | None:
        found = self._get(photo)
        return None if isinstance(found, str) else found

    def reason(self, photo: Photo) -> str:
        found = self._get(photo)
        return found if isinstance(found, str) else ""

    def decoding(self) -> bool:
        return False


class ClipSource(Protocol):
    def want(self, videos: list[Video]) -> None: ...
    def state(self, step: Video) -> str: ...
    def reason(self, step: Video) -> str: ...
    def layer(self, step: Video, leaving: bool = False
              ) -> tuple[pygame.Surface | None, int]: ...
    def draw_alone(self, step: Video, target: pygame.Surface) -> list[pygame.Rect] | None: ...
    def progress(self, step: Video) -> float | None: ...
    def update(self, frame: Frame, timeline: Timeline, now: float, language: str) -> None: ...
    def playing(self) -> bool: ...
    def forget_failures(self) -> None: ...
    def close_all(self) -> None: ...
    def apply_settings(self, settings: Settings) -> None: ...
    def frame_summary(self) -> dict[str, object]: ...
    def stop(self) -> bool: ...


class Player:
    """The show's frames: asks the timeline what is on screen, keeps its layers and clips
    ready, and draws. The loop's contract: `update(now)` once a frame, then `draw`, then
    `prepare` when the frame has time left; `replace_show`, `apply_settings` and `resize`
    when the show, the settings or the screen change."""

    def __init__(self, show: Show, compositor: Compositor, images: ImageSource, now: float,
                 *, eager: bool = False, clips: ClipSource | None = None,
                 make_clips: Callable[[Compositor], ClipSource] | None = None,
                 frame_s: float = 1 / 60) -> None:
        self.compositor = compositor
        self.images = images
        self._make_clips = make_clips  # rebuilds the clips for a new screen size
        self.clips = make_clips(compositor) if make_clips is not None else clips
        self.timeline = Timeline(show, now)
        self.eager = eager  # build layers when asked (render) instead of ahead of time
        self.skipped: dict[str, str] = {}  # path -> reason, for the status file
        # A pan's next frames made ahead on a thread (the loop's player only; `render`
        # draws each frame itself). The time between moving frames drawn predicts the
        # next ones'.
        self.ahead: MotionFrames | None = None if eager else MotionFrames()
        self._reserve_motion_surfaces(show)
        self._last_moving: tuple[str, float] | None = None
        self.frame_s = frame_s  # the screen's refresh period: pan frames are made for it
        self._now = now  # the last frame's time
        self._prepared: set[str] = set()  # moving photos made ready ahead (keys)
        self._current: Step | None = None  # the step on screen at the last update
        # Labels of moving photos and clips, drawn ahead on a thread of their own.
        self._label_thread: JobThread[_LabelJob, _MadeLabel] = JobThread("labels",
                                                                         _draw_label)
        self._labels_asked: set[tuple] = set()
        # Labels the label thread found empty (hidden, or nothing to say), by key; the
        # label itself is kept so that a new label given an old one's id is not taken.
        self._no_label: dict[tuple, Label] = {}
        # Photos' and cards' layers, drawn ahead on a thread of their own: 12-33 ms each
        # at 1080p (a CJK card's first fonts, 1.9 s) would drop frames of a clip or a
        # pan on screen.
        self._layer_thread: JobThread[_LayerJob, _MadeLayer] = JobThread("layers",
                                                                         _draw_layer)
        self._layers_asked: set[tuple] = set()
        self._layers_failed: set[tuple] = set()  # drawn on the render thread instead
        self._holding: dict[str, float] = {}  # moving photos held until ready: since when
        # The first moving picture, held still while the start-up's decodes finish.
        self._start_hold = StartHold()
        self._held = False  # this frame's step is held at its start
        self._going = True  # the last frame was on its way to another step (or the first)
        self.fonts: tuple[object, object] | None = None  # as the settings named them

    def _reserve_motion_surfaces(self, show: Show) -> None:
        """A show with moving photos: the surfaces they are drawn on, and for a pan those
        its frames are made into, made before anything moves (kiosk/media/motion_frames.py
        says why). A show without them holds none (64 MiB at 1080p)."""
        kinds = {step.motion.kind for exhibit in show.exhibits for step in exhibit.steps
                 if isinstance(step, Photo) and step.motion is not None}
        if kinds and not self.eager:
            self.compositor.reserve_moving()
        if "pan" in kinds and self.ahead is not None:
            self.ahead.reserve(self.compositor.size)

    # -- readiness -------------------------------------------------------------------
    def readiness(self, step: Step) -> str:
        if isinstance(step, Video):
            if self.clips is None:
                self._skip(step, "clips are not played here")
                return "failed"
            state = self.clips.state(step)
            if state == "failed":
                self._skip(step, self.clips.reason(step))
            elif state == "ready":
                self.skipped.pop(str(step.path), None)  # a stall that passed, a fixed file
            return state
        if isinstance(step, Photo):
            state = self.images.state(step)
            if state == "failed":
                self._skip(step, self.images.reason(step))
                return "failed"
            if state == "pending":
                return "pending"
            if step.motion is not None:
                return self._moving_ready(step)
        if self.compositor.has_layer(step):
            return "ready"
        if self.eager:
            self._build(step)
            return "ready"
        return "pending"

    def _skip(self, step: Photo | Video, reason: str) -> None:
        key = str(step.path)
        if key not in self.skipped:
            self.skipped[key] = reason
            log.warning("skipped %s (%s): %s", step.path.name, step.where, reason)

    def _build(self, step: Step) -> pygame.Surface:
        image = None
        if isinstance(step, Photo) and not self.compositor.has_layer(step):
            array = self.images.image(step)
            image = to_surface(array) if array is not None else None
        return self.compositor.layer(step, image)

    # -- each frame ------------------------------------------------------------------
    def update(self, now: float) -> Frame:
        upcoming = self.timeline.prefetch()
        self.images.want([s for s in upcoming if isinstance(s, Photo)])
        if self.clips is not None:
            self.clips.want([s for s in upcoming if isinstance(s, Video)])
        self._now = now
        self._take_layers()
        shown = None if self._going else self._current  # where the show has arrived
        moving = isinstance(shown, Photo) and shown.motion is not None
        held = self._start_hold.holds(shown, moving, self.images.decoding, now)
        if self._held and not held:
            log.info("the first picture moves after %.2f s held at its start",
                     now - self._start_hold.since)
        self._held = held
        if held:
            self.timeline.set_step_elapsed(0.0, now)
        frame = self.timeline.tick(now, self.readiness)
        self._going = frame.pending_target is not None
        self._take_labels()
        if frame.current is not self._current:
            self._current = frame.current
            if frame.current is not None:
                self._prepared.discard(frame.current.key)  # ready again next time round
        if self.clips is not None:
            self.clips.update(frame, self.timeline, now, self.compositor.look.language)
            for path, reason in getattr(self.clips, "ended_early", {}).items():
                self.skipped.setdefault(str(path), reason)
        return frame

    def prepare(self) -> bool:
        """Ask for the first missing layer among upcoming steps (built at once with
        ``eager``); True when one was asked for or built."""
        for step in self.timeline.prefetch():
            if isinstance(step, Photo) and step.motion is not None:
                if self._prepare_moving(step):
                    return True
                continue
            if isinstance(step, Video):
                self._want_label(step.label, step.caption_position)
                continue
            if self.compositor.has_layer(step):
                continue
            if isinstance(step, Photo) and self.images.state(step) != "ready":
                continue
            if self.eager or self.compositor.layer_key(step) in self._layers_failed:
                self._build(step)  # here, where a fault is the frame's, said and survived
                return True
            return self._want_layer(step)  # one at a time, in the order they are needed
        return False

    def _want_layer(self, step: Step) -> bool:
        """Have a photo's or card's layer drawn on the layer thread; True when asked now
        (False: it is being drawn)."""
        compositor = self.compositor
        key = compositor.layer_key(step)
        if key in self._layers_asked:
            return False
        image = self.images.image(step) if isinstance(step, Photo) else None
        self._layers_asked.add(key)
        self._layer_thread.start()
        self._layer_thread.put((compositor.twin(), step, image, compositor.generation))
        return True

    def _prepare_moving(self, step: Photo, starts_now: bool = False) -> bool:
        """A moving photo coming next: its label drawn (once), and for a pan its first
        frames made ahead, framed for the refreshes it will start on, aimed again each
        frame of the last LEAD_S (the pacer's grid starts again after a late frame)
        (``starts_now``: it starts on the next frame drawn, held until ready). True when
        a label was asked for."""
        if step is self._current or self.images.state(step) != "ready":
            return False
        image = self.images.image(step)
        if image is None:
            return False
        asked = step.key not in self._prepared
        if asked:
            self._prepared.add(step.key)
            self._want_label(step.label, step.caption_position, busy=True)
        ahead, period = self.ahead, self.frame_s
        wait_s = None if starts_now else self.timeline.next_change_s(self._now)
        soon = wait_s is not None and 0 < wait_s <= LEAD_S and self.timeline.following() is step
        if (ahead is not None and (starts_now or soon)
                and step.motion is not None and step.motion.kind == "pan"):
            # It starts at its due time, its first frame the first refresh after that; or,
            # held until ready, at the frame that finds it ready.
            first = 0.0 if wait_s is None else first_frame_s(wait_s, period)
            size = self.compositor.size
            image_size = (image.shape[1], image.shape[0])
            ahead.start()
            ahead.prefetch(step.key, image,
                           [moving_framing(step, first + k * period, image_size, size)
                            for k in range(EARLY)], size, self.compositor.look.background)
        return asked

    def _moving_ready(self, step: Photo) -> str:
        """A moving photo starts once its label is drawn and a pan's first frames are
        made, on their threads (drawn on the render thread, they dropped the first
        frames of the show), or after HOLD_S at most. One prepared ahead is ready."""
        if self.eager or step is self._current:
            return "ready"
        since = self._holding.setdefault(step.key, self._now)
        if step.key not in self._prepared:
            self._prepare_moving(step, starts_now=True)
        key = self.compositor.label_key(step.label, step.caption_position, True)
        label_ready = self._no_label.get(key) is step.label or self.compositor.has_label(
            key, step.label)
        frames_ready = (self.ahead is None or step.motion is None
                        or step.motion.kind != "pan" or self.ahead.made_for(step.key) >= EARLY)
        if (label_ready and frames_ready) or self._now - since >= HOLD_S:
            del self._holding[step.key]
            return "ready"
        return "loading"

    def _want_label(self, label: Label, position: str, busy: bool = False) -> None:
        """Have a label drawn on the label thread before its step shows it (7-20 ms on
        the render thread: a dropped frame while a photo moves or a clip starts)."""
        key = self.compositor.label_key(label, position, busy)
        if (self.eager or key in self._labels_asked or self._no_label.get(key) is label
                or self.compositor.has_label(key, label)):
            return  # asked, made, or known to be empty: not asked again each frame
        self._labels_asked.add(key)
        self._label_thread.start()
        self._label_thread.put((self.compositor.twin(), label, position, busy))

    def _take_layers(self) -> None:
        for key, surface, generation in self._layer_thread.results():
            self._layers_asked.discard(key)
            if surface is not None:
                self.compositor.keep_layer(key, surface, generation)
            else:  # not asked again each frame: the render thread draws this one
                self._layers_failed.add(key)

    def _take_labels(self) -> None:
        for key, label, overlay, size in self._label_thread.results():
            self._labels_asked.discard(key)
            if overlay is None:
                if len(self._no_label) > MAX_NO_LABELS:  # reloads leave old ones behind
                    self._no_label.clear()
                self._no_label[key] = label
            elif size == self.compositor.size:
                self.compositor.keep_label(key, label, overlay)

    def animating(self, frame: Frame) -> bool:
        """Whether this frame moves (a transition, or a photo moving by itself, not paused
        nor held at its start): a late one is a dropped frame."""
        step = frame.current
        return frame.transition is not None or (
            isinstance(step, Photo) and step.motion is not None and not frame.paused
            and not self._held)

    def clip_progress(self, frame: Frame) -> float | None:
        """How far the clip on screen has played (0..1); None for a photo or card."""
        if self.clips is None or not isinstance(frame.current, Video):
            return None
        return self.clips.progress(frame.current)

    def draw(self, target: pygame.Surface, frame: Frame) -> list[pygame.Rect]:
        """Draw the frame; returns the areas that changed (empty: nothing to present)."""
        kind = frame.transition.kind if frame.transition else "cut"
        alone = frame.previous is None or not mixes(kind, frame.progress)
        if isinstance(frame.current, Video) and self.clips is not None and alone:
            drawn = self.clips.draw_alone(frame.current, target)
            if drawn is not None:
                return drawn
        current, v1 = self._layer(frame.current, frame.step_elapsed_s)
        previous, v2 = self._layer(frame.previous, None, frame.previous is frame.current)
        # A clip's progress shows in the visitor controls, not as the line of a still.
        line = None if frame.current is None or isinstance(frame.current, Video) else (
            frame.step_progress)
        return self.compositor.draw(target, current, previous, kind, frame.progress, line,
                                    frame.direction, (v1, v2))

    def _layer(self, step: Step | None, elapsed_s: float | None, again: bool = False
               ) -> tuple[pygame.Surface | None, int]:
        """The step's layer and its version (a clip's or a moving photo's layer changes
        with each frame). ``elapsed_s``: the step's time on screen; None for the step
        leaving in a transition (it stays where its time ended). ``again``: the step
        leaving is also the one arriving (a one-photo loop)."""
        if step is None:
            return None, 0
        if isinstance(step, Video):
            return self.clips.layer(step, elapsed_s is None) if self.clips is not None else (
                None, 0)
        if isinstance(step, Photo) and step.motion is not None:
            return self._moving_layer(step, step.duration_s if elapsed_s is None
                                      else elapsed_s, again)
        return self._photo_or_card_layer(step), 0

    def _moving_layer(self, step: Photo, elapsed_s: float, again: bool = False
                      ) -> tuple[pygame.Surface | None, int]:
        image = self.images.image(step)
        if image is None:
            return None, 0
        size = self.compositor.size
        image_size = (image.shape[1], image.shape[0])
        box = moving_framing(step, elapsed_s, image_size, size)
        if again:  # leaving as it arrives: its end framing, held for the fade
            return self.compositor.moving_layer(step, image, box, leaving=True)
        ahead = self.ahead
        if ahead is None or step.motion is None or step.motion.kind != "pan":
            return self.compositor.moving_layer(step, image, box)
        ahead.start()
        layer = self.compositor.moving_layer(
            step, image, box, lambda layer: ahead.swap(step.key, box, layer))
        # Its next frames are asked for from its first frame on, while moving on by a
        # frame at a time (not paused, not jumped).
        last = self._last_moving
        frame_s = elapsed_s - last[1] if last is not None and last[0] == step.key else -1.0
        first = frame_s < 0  # a new step, or this one again from its start
        self._last_moving = (step.key, elapsed_s)
        if first or 0 < frame_s < 0.1:
            period = self.frame_s
            ahead.request(step.key, image,
                          [moving_framing(step, elapsed_s + k * period, image_size, size)
                           for k in range(1, ahead.depth + 1)],
                          size, self.compositor.look.background)
        return layer

    def _photo_or_card_layer(self, step: Step) -> pygame.Surface | None:
        if isinstance(step, Photo) and not self.compositor.has_layer(step) and (
                self.images.state(step) != "ready"):
            return None
        return self._build(step)

    def draw_card(self, target: pygame.Surface, card: TextCard | None) -> list[pygame.Rect]:
        """A full-screen card (or the bare background) outside the timeline."""
        layer = self.compositor.layer(card, None) if card is not None else None
        return self.compositor.draw(target, layer)

    # -- what the visitor's controls change ----------------------------------------------
    @property
    def text(self) -> Any:
        """The text renderer (overlays draw with the same fonts as captions)."""
        return self.compositor.text

    def set_language(self, language: str) -> None:
        self.compositor.set_language(language)

    def scroll(self, step: Photo, dx_px: float, dy_px: float, now: float) -> None:
        """A finger moved a clipping being read: it follows the finger, and from there
        goes on by itself at its pace (the step's clock is moved, so its place is still
        a function of the time)."""
        from kiosk.playback.motion import elapsed_for_offset

        image = self.images.image(step)
        m = step.motion
        if image is None or m is None or m.kind != "read" or self.timeline.position is None:
            return
        self._start_hold.release()  # the visitor's finger moves it now
        size = self.compositor.size
        box = moving_framing(step, self._elapsed(now), (image.shape[1], image.shape[0]), size)
        offset = (box.y - dy_px) if m.axis == "y" else (box.x - dx_px)
        length = image.shape[0] if m.axis == "y" else image.shape[1]
        elapsed = elapsed_for_offset(offset, step.duration_s, m.dwell_s, length,
                                     size[1] if m.axis == "y" else size[0])
        self.timeline.set_step_elapsed(elapsed, now)
        self.compositor.invalidate()

    def reading_view(self, step: Photo, now: float) -> tuple[float, float, float] | None:
        """The view of a clipping being read as a visitor's zoom (scale of the whole
        picture fitted to the screen, centre 0..1), so a zoom starts from what is seen."""
        from kiosk.media.images import fit_size

        image = self.images.image(step)
        if image is None or step.motion is None or step.motion.kind != "read":
            return None
        ih, iw = image.shape[:2]
        size = self.compositor.size
        box = moving_framing(step, self._elapsed(now), (iw, ih), size)
        fitted_w = fit_size(iw, ih, *size, "contain")[0]
        return (size[0] / box.w) * (iw / fitted_w), (box.x + box.w / 2) / iw, \
            (box.y + box.h / 2) / ih

    def _elapsed(self, now: float) -> float:
        return self.timeline.step_elapsed(now)

    def set_visitor_volume(self, factor: float | None) -> None:
        """A visitor's volume, a factor on the show's level (None: back to the show's)."""
        setter = getattr(self.clips, "set_visitor_volume", None)
        if setter is not None:
            setter(factor)

    def set_label_lift(self, pixels: int) -> None:
        self.compositor.set_label_lift(pixels)

    def repaint(self) -> None:
        """The next `draw` paints the whole frame (something drawn over it changed)."""
        self.compositor.invalidate()

    def decoded(self, photo: Photo) -> np.ndarray | None:
        """The photo's decoded pixels fitted to the screen, when ready (a moving photo's
        long strip is shrunk to fit, once, for the visitor's zoom to start from)."""
        image = self.images.image(photo)
        if image is None or photo.motion is None:
            return image
        from kiosk.media.images import fit_size

        w, h = self.compositor.size
        fw, fh = fit_size(image.shape[1], image.shape[0], w, h, "contain")
        return cv2.cvtColor(cv2.resize(image, (fw, fh), interpolation=cv2.INTER_AREA),
                            cv2.COLOR_BGRA2BGR)

    # -- when the show, the settings or the screen change ------------------------------
    def replace_show(self, show: Show, now: float) -> None:
        """A reloaded (or re-dated) show: the timeline keeps its place where it can;
        captions and photos are drawn again, failed files are tried again."""
        self.timeline.replace_show(show, now)
        self.compositor.forget()
        self._layers_failed.clear()
        self.retry_failed()

    def media_changed(self, paths: Any) -> None:
        """Files replaced on disk: their decoded pictures are dropped."""
        discard = getattr(self.images, "discard", None)
        if discard is not None:
            discard(paths)

    def retry_failed(self) -> None:
        """Files that failed are tried again (they may have been fixed or reappeared)."""
        self.skipped.clear()
        forget = getattr(self.images, "forget_failures", None)
        if forget is not None:
            forget()
        if self.clips is not None:
            self.clips.forget_failures()

    def stop_clips(self) -> None:
        """Closing time: clips and their sound stop."""
        if self.clips is not None:
            self.clips.close_all()

    def clips_playing(self) -> bool:
        return self.clips is not None and self.clips.playing()

    def restart(self, now: float) -> None:
        """Opening time: the show starts from its beginning."""
        self.timeline.start_over(now)
        # Its first picture held still while the photos around it are decoded, as at
        # start, from the frame that has it on screen.
        self._start_hold.arm()
        self._going = True
        self.compositor.invalidate()

    def resize(self, size: tuple[int, int]) -> None:
        """Everything sized to the screen, built again; the show keeps its place."""
        old = self.compositor
        self.compositor = Compositor(size, old.text, old.look, max_layers=4)
        self._reserve_motion_surfaces(self.timeline.show)
        if self._make_clips is not None:
            if self.clips is not None:
                self.clips.stop()  # its threads end; clips reopen at the new size
            self.clips = self._make_clips(self.compositor)

    def apply_settings(self, settings: Settings) -> None:
        """Languages, fonts and volume from a re-read settings file."""
        from dataclasses import replace

        compositor = self.compositor
        look = compositor.look
        default = settings.languages.default
        fonts = (settings.fonts.text, settings.fonts.heading)
        if fonts != self.fonts:
            self.fonts = fonts
            compositor.text = make_text(settings)
        language = look.language if look.language in settings.languages.offered else default
        compositor.look = replace(look, language=language, default_language=default)
        compositor.forget()
        if self.clips is not None:
            self.clips.apply_settings(settings)

    def stop(self) -> bool:
        """Stop and join the clips', the pan frames' and the labels' threads; True when
        they ended."""
        ended = self.ahead.stop() if self.ahead is not None else True
        ended = self._label_thread.stop() and ended
        ended = self._layer_thread.stop() and ended
        return (self.clips.stop() if self.clips is not None else True) and ended

    def status(self) -> dict[str, Any]:
        decoder = getattr(self.clips, "decoder_status", None)  # playing clips have one
        return {
            "clip_frames": self.clips.frame_summary() if self.clips is not None else {},
            "clip_decoder": decoder() if decoder is not None else None,
            "skipped": [{"path": p, "reason": r} for p, r in self.skipped.items()],
        }


class CachedImages:
    """The loop's source: photos decoded ahead on the photo cache's worker threads."""

    def __init__(self, cache: Any) -> None:
        self.cache = cache

    def want(self, photos: list[Photo]) -> None:
        from kiosk.media.photo_cache import Request

        self.cache.want([Request.of(p) for p in photos])

    def state(self, photo: Photo) -> str:
        state = self.cache.state(photo.key, photo.fit)
        return "pending" if state == "absent" else state

    def image(self, photo: Photo) -> np.ndarray | None:
        return self.cache.get(photo.key, photo.fit)

    def reason(self, photo: Photo) -> str:
        return self.cache.failure(photo.key, photo.fit) or "could not be decoded"

    def decoding(self) -> bool:
        return bool(self.cache.decoding())

    def discard(self, paths: Any) -> None:
        self.cache.discard(str(p) for p in paths)

    def forget_failures(self) -> None:
        self.cache.forget_failures()


def moving_framing(step: Photo, elapsed_s: float, image: tuple[int, int],
                   screen: tuple[int, int]) -> Any:
    """Where a moving photo is, from its time on screen alone (kiosk.playback.motion)."""
    from kiosk.playback.motion import framing

    assert step.motion is not None
    return framing(step.motion, step.duration_s, elapsed_s, image, screen)


def make_text(settings: Settings) -> Any:
    """The caption fonts the settings name (and the machine's, for the offered languages)."""
    from kiosk.render.text import TextRenderer

    return TextRenderer(settings.fonts.text, settings.fonts.heading, cache_size=64,
                        languages=settings.languages.offered)


_LabelJob = tuple[Compositor, Label, str, bool]
_MadeLabel = tuple[tuple, Label, tuple[pygame.Surface, tuple[int, int]] | None,
                   tuple[int, int]]


def _draw_label(job: _LabelJob) -> _MadeLabel:
    """On the label thread: the label as the render thread would draw it (None when it
    cannot be: the render thread then draws it, and says why)."""
    twin, label, position, busy = job
    try:
        overlay = twin.label_overlay(label, position, busy=busy)
    except Exception:
        log.exception("a label could not be drawn ahead")
        overlay = None
    return twin.label_key(label, position, busy), label, overlay, twin.size


_LayerJob = tuple[Compositor, Step, np.ndarray | None, int]
_MadeLayer = tuple[tuple, pygame.Surface | None, int]


def _draw_layer(job: _LayerJob) -> _MadeLayer:
    """On the layer thread: a photo's or card's full-screen layer, as the render thread
    would draw it (None when it cannot be: the render thread then draws it itself)."""
    twin, step, image, generation = job
    key = twin.layer_key(step)
    try:
        surface = twin.layer(step, to_surface(image) if image is not None else None)
    except Exception:
        log.exception("a layer could not be drawn ahead")
        surface = None
    return key, surface, generation


def make_player(show: Show, settings: Settings, size: tuple[int, int], images: Any,
                now: float, *, eager: bool = False,
                make_clips: Callable[[Compositor], Any] | None = None,
                frame_s: float = 1 / 60) -> Player:
    from kiosk.render.compositor import Look

    look = Look(settings.screen.background, settings.languages.default,
                settings.languages.default, settings.screen.diagonal_in,
                settings.screen.viewing_distance_m)
    compositor = Compositor(size, make_text(settings), look, max_layers=4)
    # Clips draw with the compositor's fonts and labels, so they are made for it.
    player = Player(show, compositor, images, now, eager=eager, make_clips=make_clips,
                    frame_s=frame_s)
    player.fonts = (settings.fonts.text, settings.fonts.heading)
    return player


def fallback_card(reason: str) -> TextCard:
    """The calm card shown when nothing can play, never a black screen."""
    return TextCard(title=Text({"": "The exhibition will continue shortly"}),
                    body=Text({"": reason}) if reason else NO_TEXT, duration_s=3600.0,
                    transition=Transition("crossfade", 1.0), where=Where("kiosk", 0, 0))
