"""Clips in the show: opened ahead, played in sync with their sound, drawn into a layer.

The clip manager sits between the timeline and the video and sound threads. It opens the
next clip while the previous item is still on screen (so a transition into a clip has a
picture and no black frame), starts the sound when the clip's transition starts, takes
the frame due by the clip's clock and draws it (straight onto the screen while the clip
is alone there) with subtitles in the visitor's language, and tells the timeline when a
clip has ended or failed.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Protocol

import pygame

from kiosk.media.audio import AudioTrack
from kiosk.media.frame_pool import FramePool
from kiosk.media.sound_clock import AvClock
from kiosk.media.subtitles import Subtitles, try_load
from kiosk.media.video import QUEUE_FRAMES as VIDEO_QUEUE_FRAMES
from kiosk.media.video import STALLED, ReaderStats, VideoReader
from kiosk.media.video_fit import Picture, draw_picture
from kiosk.media.video_source import AvSource, HardwareDecoding
from kiosk.playback.frame_stats import percentiles
from kiosk.render import contrast
from kiosk.render.compositor import Compositor
from kiosk.render.surfaces import pixels
from kiosk.render.text import TextStyle
from kiosk.show.model import Exhibit, Show, Video
from kiosk.show.settings import Settings

log = logging.getLogger("kiosk.playback.clips")

MAX_OPEN = 2  # the clip on screen and the next one
# A one-clip loop opens its next run this long before the end: time to open the file
# and decode the first frames from a slow card, on a busy machine.
SPARE_AHEAD_S = 2.0
SOUND_TAIL_S = 0.05  # sound left after the picture's end that is cut, not waited for
# A due picture is dropped for a newer one only once that one is this share of a refresh
# past due (video.pick_frame): the sound clock wobbles by 1-3 ms at its chunk hand-overs,
# and a 60 fps clip on a 60 Hz screen dropped a picture at many of them.
PICK_MARGIN = 0.25
# A clip whose decoder stalled before its first picture (a slow card at boot, a share
# that hung) is skipped for now and tried again on its next turn; after this many such
# turns in a row it waits, as a broken file does, for its file to change.
MAX_STALLS = 3
LABEL_SHOWN_S = 8.0  # a clip's label shows at its start, then leaves the picture alone
SUBTITLE_SIZE = 0.036  # of the screen height
# Any picture may be behind a subtitle: its box is as dark as white letters need over a
# white picture (4.5:1, WCAG 1.4.3), with room for the letters' soft edges.
SUBTITLE_BACKING = max(170, round(255 * contrast.band_alpha(contrast.WORST_CASE,
                                                             (255, 255, 255))))
# Debug hook for benchmarks/av_drift.py and clip_seams.py: append "monotonic_s pts_s
# clip_key" per new clip picture to this file, with its frame's time (the loop draws the
# frame a little ahead and presents it then).
TRACE_ENV = "KIOSK_TRACE_FRAMES"


def clip_key(step: Video) -> str:
    return f"{step.where}|{step.key}"


def clip_end_s(video: Video, file_s: float | None = None) -> float | None:
    """Where in the file the clip stops: its `end`, or `start` + `duration` when that comes
    sooner; else the file's own end, ``file_s`` (None: to the end, however long)."""
    end = video.end_s
    if video.duration_s is not None:  # a duration shortens the clip like an end
        cut = video.start_s + video.duration_s
        end = cut if end is None else min(end, cut)
    return end if end is not None else file_s


def playing_length_s(video: Video, file_s: float | None = None) -> float | None:
    """How long the clip plays, from `start` to where it stops (at least 0.1 s); None
    when neither the manifest nor ``file_s`` says where it stops."""
    end = clip_end_s(video, file_s)
    return None if end is None else max(end - video.start_s, 0.1)



class EndListener(Protocol):
    """What hears that a clip reached its end (the timeline)."""

    def ended(self, step_key: str, now: float, run_id: int | None = None) -> None: ...

@dataclass
class ClipLayer:
    """A clip's picture as it goes on screen: the newest frame, with its label and its
    subtitle. The frame is converted only where it is shown: straight onto the screen
    while the clip is alone there, into ``surface`` (made on first use) when a transition
    or a repaint needs the layer."""

    step: Video
    subtitles: dict[str, Subtitles] = field(default_factory=dict)
    version: int = 0  # bumps with each new picture
    # The newest picture, the clip's time it is for and the visitor's language then.
    latest: tuple[Picture, float, str] | None = None
    surface: pygame.Surface | None = None
    surface_version: int = -1  # the picture ``surface`` holds

    @property
    def has_picture(self) -> bool:
        return self.latest is not None


@dataclass
class Clip:
    """A clip open for playing: its reader and sound threads, its clock and its layer."""

    reader: VideoReader
    track: AudioTrack
    view: ClipLayer
    clock: AvClock | None = None
    run_id: int | None = None  # the timeline run this clip plays for
    ended_reported: bool = False
    paused: bool = False
    last_picture_s: float | None = None  # monotonic time the last new picture was drawn

    @property
    def step(self) -> Video:
        return self.view.step

    def elapsed_s(self) -> float:
        return self.clock.now() if self.clock is not None else 0.0


class ClipPainter:
    """Draws clip frames into their layers, with the label (at the start) and subtitles in
    the visitor's language: what the playing clips and `render` share."""

    def __init__(self, size: tuple[int, int], compositor: Compositor,
                 default_language: str = "en") -> None:
        self.size = size
        self.compositor = compositor
        self.default_language = default_language

    def new_layer(self, video: Video) -> ClipLayer:
        return ClipLayer(video, load_subtitles(video))

    def draw(self, view: ClipLayer, picture: Picture, t: float, language: str) -> None:
        """A new frame for the layer, drawn where it is next shown (``paint``, ``layer``)."""
        view.latest = (picture, t, language)
        view.version += 1

    def layer(self, view: ClipLayer) -> pygame.Surface | None:
        """The layer with the newest picture in it; None before the first picture."""
        if view.latest is None:
            return None
        if view.surface is None:
            view.surface = pygame.Surface(self.size, 0, 32)
        if view.surface_version != view.version:
            self.paint(view.surface, view)
            view.surface_version = view.version
        return view.surface

    def paint(self, target: pygame.Surface, view: ClipLayer) -> None:
        """The newest picture onto a screen-sized surface: the letterbox bars, the frame,
        then the label (at the start) and the subtitle.

        A planar frame is converted straight into the target's pixels: the only write of
        the picture between the decoder's planes and the screen."""
        assert view.latest is not None
        picture, t, language = view.latest
        h, w = picture.shape[:2]
        x, y = (self.size[0] - w) // 2, (self.size[1] - h) // 2
        background = self.compositor.look.background
        for bar in _bars(self.size, (x, y, w, h)):  # what is under them is not the clip's
            target.fill(background, bar)
        pixel_view = pixels(target)
        draw_picture(picture, pixel_view[y:y + h, x:x + w])
        del pixel_view
        if t < LABEL_SHOWN_S or self.compositor.label_lift:
            found = self.compositor.label_overlay(view.step.label, view.step.caption_position)
            if found is not None:
                target.blit(*found)
        self._draw_subtitle(target, view, t, language)

    def _cue(self, view: ClipLayer, t: float, language: str) -> str | None:
        subs = view.subtitles.get(self._cue_language(view, language))
        return subs.cue_at(view.step.start_s + t) if subs is not None else None

    def _cue_language(self, view: ClipLayer, language: str) -> str:
        """The subtitles shown: the language's (or one of its regions', `ar-SA` for
        `ar`), else the default language's, else any."""
        for want in (language, self.default_language):
            if want in view.subtitles:
                return want
            for key in view.subtitles:
                if key.split("-")[0] == want:
                    return key
        return next(iter(view.subtitles), "")

    def _draw_subtitle(self, target: pygame.Surface, view: ClipLayer, t: float,
                       language: str) -> None:
        cue = self._cue(view, t, language)
        if not cue:
            return
        w, h = self.size
        size = max(12, round(h * SUBTITLE_SIZE))
        style = TextStyle("text", size, (255, 255, 255),
                          language=self._cue_language(view, language))
        text = self.compositor.text.render(cue, style, round(w * 0.8), 3, align="center")
        pad = size // 3
        box = pygame.Surface((text.get_width() + 2 * pad, text.get_height() + pad),
                             pygame.SRCALPHA, 32)
        box.fill((0, 0, 0, SUBTITLE_BACKING))
        box.blit(text, (pad, pad // 2))
        bottom = h - round(h * 0.08)
        step = view.step
        if t < LABEL_SHOWN_S and step.caption_position == "bottom" and step.label:
            found = self.compositor.label_overlay(step.label, "bottom")
            if found is not None:
                bottom = found[1][1] + found[0].get_height() // 3  # above the label text
        target.blit(box, ((w - box.get_width()) // 2, bottom - box.get_height()))


def _bars(size: tuple[int, int], picture: tuple[int, int, int, int]) -> list[pygame.Rect]:
    """The screen round a picture at ``(x, y, w, h)``: the letterbox or pillarbox bars
    (none for a picture that fills the screen)."""
    sw, sh = size
    x, y, w, h = picture
    bars = [pygame.Rect(0, 0, sw, y), pygame.Rect(0, y + h, sw, sh - y - h),
            pygame.Rect(0, y, x, h), pygame.Rect(x + w, y, sw - x - w, h)]
    return [bar for bar in bars if bar.w > 0 and bar.h > 0]


def load_subtitles(video: Video) -> dict[str, Subtitles]:
    """The clip's subtitle files by language; one that cannot be read is logged and left
    out (the clip plays without it)."""
    out: dict[str, Subtitles] = {}
    for language, path in video.subtitles.items():
        subs, error = try_load(Path(path))
        if error is not None:
            log.warning("%s", error)
        if subs is not None:
            out[language] = subs
    return out


@dataclass
class ClipFrameStats:
    """How the pictures of the clips that played went, for the status file.

    ``shown``: frames put on screen; ``dropped``: frames never shown because a newer one
    was already due when the loop came for a picture (late, the clip did not slow down);
    ``decoded``: frames the reader queued. Clips add their counts when they close; the
    ones playing are added live. ``interval_ms`` is the time between new clip pictures
    (the last two minutes at 60 fps); pauses and clip changes are not intervals.
    """

    shown: int = 0
    dropped: int = 0
    decoded: int = 0
    clips: int = 0
    interval_ms: deque[float] = field(default_factory=lambda: deque(maxlen=7200))

    def add(self, stats: ReaderStats) -> None:
        self.shown += stats.shown
        self.dropped += stats.dropped
        self.decoded += stats.decoded
        self.clips += 1

    def summary(self, playing: Iterable[ReaderStats] = ()) -> dict[str, object]:
        total = ClipFrameStats(self.shown, self.dropped, self.decoded, self.clips)
        for stats in playing:
            total.add(stats)
        return {"clips": total.clips, "shown": total.shown, "dropped": total.dropped,
                "decoded": total.decoded, "interval_ms": percentiles(self.interval_ms)}


class Reaper:
    """Stops clips off the render thread: a decoder stuck in FFmpeg cannot freeze it."""

    def __init__(self) -> None:
        self._jobs: queue.SimpleQueue[Clip | None] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._run, name="clip-reaper", daemon=False)
        self._thread.start()
        self.all_stopped = True

    def bury(self, clip: Clip) -> None:
        self._jobs.put(clip)

    def stop(self, timeout_s: float = 5.0) -> bool:
        self._jobs.put(None)
        self._thread.join(timeout_s)
        return self.all_stopped and not self._thread.is_alive()

    def _run(self) -> None:
        while True:
            clip = self._jobs.get()
            if clip is None:
                return
            try:
                ok = clip.track.stop() & clip.reader.stop()
            except Exception:  # a clip that fails to stop must not stop the others
                log.exception("stopping %s failed", clip.step.path.name)
                ok = False
            self.all_stopped = self.all_stopped and ok


class Clips:
    """The loop's clips: opened ahead on reader and sound threads, played on their clock."""

    def __init__(self, size: tuple[int, int], compositor: Compositor, *,
                 show_volume: float = 1.0, default_language: str = "en",
                 monotonic: Callable[[], float] = time.monotonic,
                 frame_s: float = 1 / 60) -> None:
        self.size = size
        self.compositor = compositor
        self.frame_s = frame_s  # the screen's refresh period: a clip's end is reported ahead
        self.painter = ClipPainter(size, compositor, default_language)
        self.show_volume = show_volume
        self.visitor_volume: float | None = None  # a visitor's factor on the show's level
        self.monotonic = monotonic
        # The frame being made: the time it is for (its deadline on the pacer's grid).
        # Clip clocks read it instead of the time the loop woke up: read at the waking
        # time, the clock moved by 1-5 ms more or less than a refresh from frame to frame,
        # and a 60 fps clip on a 60 Hz screen then had two pictures due at one refresh
        # and none at the next (a dropped and a repeated picture).
        self._frame_at: float | None = None
        self.open: dict[str, Clip] = {}
        # A second copy of the clip on screen, opened near its end when the show plays
        # it again next (a one-clip loop): its first frame is ready at the seam.
        self.spares: dict[str, Clip] = {}
        # The last picture of a clip that follows itself, held while it fades into its
        # next run (the run before is closed when the next one starts).
        self.held: dict[str, pygame.Surface] = {}
        # Frame buffers for every clip of the show: each open clip's (and the spare's)
        # queue, the frame
        # on screen, the one being fitted and its YUV scratch; memory stays put from
        # one clip to the next.
        self.frames = FramePool((MAX_OPEN + 1) * (VIDEO_QUEUE_FRAMES + 3))
        self.failed: dict[str, str] = {}
        self.stalls: dict[str, int] = {}  # clips whose decoder stalled: turns in a row
        self.ended_early: dict[Path, str] = {}  # clips cut short by a fault, for the status
        self.frame_stats = ClipFrameStats()
        trace = os.environ.get(TRACE_ENV)
        self._trace = open(trace, "a", encoding="utf-8") if trace else None  # noqa: SIM115
        self.reaper = Reaper()
        self.hardware = HardwareDecoding()  # `video.decoder`, and what failed on this machine

    # -- what the timeline asks ------------------------------------------------------
    def want(self, videos: list[Video]) -> None:
        """Keep these clips open (current first); close the rest."""
        keep = [clip_key(v) for v in videos[:MAX_OPEN]]
        for key in list(self.spares):
            if key not in keep:
                self._drop_spare(key)
        for key in list(self.open):
            clip = self.open[key]
            if key not in keep and clip.run_id is None:
                self._close(key)
        for video in videos[:MAX_OPEN]:
            key = clip_key(video)
            if key not in self.open and key not in self.failed:
                self._open(video)

    def state(self, step: Video) -> str:
        key = clip_key(step)
        if key in self.failed:
            return "failed"
        clip = self.open.get(key)
        if clip is None:
            return "pending"
        error = clip.reader.error
        if error is not None and not clip.reader.first_frame_ready:
            if error == STALLED:
                self.stalls[key] = self.stalls.get(key, 0) + 1
                log.warning("%s: decoder stalled before its first picture (%d in a row); %s",
                            step.path.name, self.stalls[key],
                            "tried again on its next turn" if self.stalls[key] < MAX_STALLS
                            else "tried again when its file changes")
            self._fail(key, error)
            return "failed"
        if clip.reader.first_frame_ready and clip.track.ready:
            self.stalls.pop(key, None)
            return "ready"
        return "pending"

    def playing(self) -> bool:
        """Whether a clip is on screen (one opened ahead does not count)."""
        return any(clip.run_id is not None for clip in self.open.values())

    def reason(self, step: Video) -> str:
        return self.failed.get(clip_key(step), "")

    def layer(self, step: Video, leaving: bool = False) -> tuple[pygame.Surface | None, int]:
        """The clip's layer with its newest picture; ``leaving``: for the step leaving in
        a transition, which for a clip fading into itself is its last run's picture."""
        held = self.held.get(clip_key(step)) if leaving else None
        if held is not None:
            return held, 0
        clip = self.open.get(clip_key(step))
        if clip is None:
            return None, 0
        if not clip.view.has_picture:
            self._first_picture(clip)
        view = clip.view
        surface = self.painter.layer(view)
        return (surface, view.version) if surface is not None else (None, 0)

    def draw_alone(self, step: Video, target: pygame.Surface) -> list[pygame.Rect] | None:
        """The clip alone on screen (no transition): its newest picture converted straight
        onto ``target``, not into its layer and copied from there. Returns the areas
        changed (empty: the target shows that picture already); None when the clip has
        no picture yet, for the layer's way."""
        clip = self.open.get(clip_key(step))
        if clip is None or not clip.view.has_picture:
            return None
        view = clip.view
        compositor = self.compositor
        if compositor.shows(target, view, view.version):
            return []
        if view.surface_version == view.version:  # in the layer already: copying is less
            assert view.surface is not None
            target.blit(view.surface, (0, 0))
        else:
            self.painter.paint(target, view)
        compositor.shown(target, view, view.version)
        return [target.get_rect()]

    def progress(self, step: Video) -> float | None:
        clip = self.open.get(clip_key(step))
        if clip is None or clip.clock is None:
            return None
        info = clip.reader.info
        length = playing_length_s(clip.step, info.duration_s or None if info else None)
        return min(clip.elapsed_s() / length, 1.0) if length else None

    # -- each frame ---------------------------------------------------------------------
    def update(self, frame: object, timeline: EndListener, now: float, language: str) -> None:
        """Play the clip on screen; report its end; stop the one that left."""
        self._frame_at = now
        current = getattr(frame, "current", None)
        previous = getattr(frame, "previous", None)
        run_id = getattr(frame, "run_id", None)
        paused = bool(getattr(frame, "paused", False))
        transition = getattr(frame, "transition", None)
        fading = previous is current and getattr(transition, "kind", "cut") != "cut"
        if not fading:
            self.held.clear()  # no clip is fading into itself
        for key, clip in list(self.open.items()):
            if clip.step is current:
                self._play(clip, run_id, paused, now, timeline, language, fading)
            elif clip.run_id is not None and clip.step is not previous:
                self._close(key)  # it left the screen (its fade out is over)
                self._drop_spare(key)
        if isinstance(current, Video):
            self._ready_replay(current, timeline)
        if current is not None:
            self._retry_stalled(current, getattr(frame, "pending_target", None))

    def _retry_stalled(self, current: object, target: object) -> None:
        """A clip that stalled is tried again once its turn has passed (the show has gone
        on to another step): opened ahead like any clip, in time for its next turn."""
        turn = {clip_key(s) for s in (current, target) if isinstance(s, Video)}
        for key, stalls in self.stalls.items():
            if key in self.failed and key not in turn and stalls < MAX_STALLS:
                del self.failed[key]

    def _ready_replay(self, step: Video, timeline: object) -> None:
        """Open the spare copy near the end of the clip on screen, if the show plays the
        same clip next: no reopening (and no held or skipped frames) at the seam."""
        key = clip_key(step)
        clip = self.open.get(key)
        if (clip is None or clip.run_id is None or key in self.spares
                or clip.reader.error is not None):
            return
        info = clip.reader.info
        length = playing_length_s(step, info.duration_s if info else None)
        near_end = length is not None and length - clip.elapsed_s() < SPARE_AHEAD_S
        if not (near_end or clip.reader.decoding_done):
            return
        following = getattr(timeline, "following", None)
        upcoming = following() if following is not None else None
        if isinstance(upcoming, Video) and clip_key(upcoming) == key:
            spare = self._new_clip(step)
            if spare is not None:
                self.spares[key] = spare

    def _play(self, clip: Clip, run_id: int | None, paused: bool, now: float,
              timeline: EndListener, language: str, fading: bool = False) -> None:
        if clip.run_id != run_id:
            if clip.run_id is not None:  # the same clip again (a one-clip loop)
                key = clip_key(clip.step)
                last = self.painter.layer(clip.view) if fading else None
                if last is not None:  # what the seam's fade starts from
                    self.held[key] = last
                spare = self.spares.pop(key, None)
                self._close(key)
                if spare is None:  # not opened ahead: reopen, it starts when ready
                    self._open(clip.step)
                    return
                self.open[key] = clip = spare
            clip.run_id = run_id
            clip.track.play(at=now)  # its first picture goes up with this frame
            track = clip.track
            clip.clock = AvClock(self._frame_clock, (lambda: track.position_s(self._frame_clock()))
                                 if track.has_audio else None)
            log.info("playing %s%s (%s decoding)", clip.step.path.name,
                     "" if clip.track.has_audio else " (no sound)", clip.reader.decoder)
        assert clip.clock is not None
        if paused != clip.paused:
            clip.paused = paused
            clip.last_picture_s = None  # a pause is not a late picture
            (clip.clock.pause if paused else clip.clock.resume)()
            (clip.track.pause if paused else clip.track.resume)()
        t = clip.clock.now()
        picture = clip.reader.frame_at(t, self.frame_s * PICK_MARGIN)
        if picture is not None:  # labels and subtitles change with the next frame
            self.painter.draw(clip.view, picture[1], t, language)
            self._drawn(clip, picture[0])
        if clip.ended_reported:
            return
        error = clip.reader.error
        if error is not None:
            log.warning("%s ended early: %s", clip.step.path.name, error)
            self.ended_early[clip.step.path] = f"ended early: {error}"
        if error is not None or self._over_by_next_refresh(clip, t, paused):
            clip.ended_reported = True
            timeline.ended(clip.step.key, now, run_id)

    def _over_by_next_refresh(self, clip: Clip, t: float, paused: bool) -> bool:
        """The clip's end is reported one refresh ahead, so the next step's first picture
        replaces its last one on time: reported when it had ended, the last picture
        stayed a refresh too long at every seam. Its sound ends with the picture when
        no more than SOUND_TAIL_S (an encoder's padding) would be left unheard; a longer
        sound holds the last picture until it is over."""
        ahead = 0.0 if paused else self.frame_s
        if not clip.reader.ends_by(t + ahead):
            return False
        track = clip.track
        if not track.has_audio or track.ended:
            return True
        left = track.sound_left_s()
        return left is not None and left <= SOUND_TAIL_S + ahead

    def _frame_clock(self) -> float:
        """The time clip clocks read: the frame's, once the loop has made one."""
        return self.monotonic() if self._frame_at is None else self._frame_at

    def _drawn(self, clip: Clip, pts_s: float) -> None:
        at = self.monotonic()
        if clip.last_picture_s is not None:
            self.frame_stats.interval_ms.append((at - clip.last_picture_s) * 1000.0)
        clip.last_picture_s = at
        if self._trace is not None:
            self._trace.write(f"{self._frame_clock():.6f} {pts_s:.6f} {clip_key(clip.step)}\n")

    def frame_summary(self) -> dict[str, object]:
        """``clip_frames`` for the status file: shown, dropped, decoded, intervals."""
        return self.frame_stats.summary(
            c.reader.stats for c in self.open.values() if c.run_id is not None)

    def decoder_status(self) -> dict[str, str] | None:
        """``clip_decoder`` for the status file: the decoder of the clip on screen, and
        why it is not a hardware one when one was asked for or failed; None without a
        clip."""
        for clip in self.open.values():
            if clip.run_id is not None and clip.reader.decoder is not None:
                return {"clip": clip.step.path.name, "decoder": clip.reader.decoder,
                        "setting": self.hardware.setting,
                        "fallback": clip.reader.decoder_fallback}
        return None

    # -- drawing --------------------------------------------------------------------------
    def _first_picture(self, clip: Clip) -> None:
        """The clip's first frame, drawn before its transition so the fade has a picture."""
        picture = clip.reader.frame_at(0.0)
        if picture is not None:
            self.painter.draw(clip.view, picture[1], 0.0, self.compositor.look.language)

    # -- opening and closing --------------------------------------------------------------
    def _open(self, video: Video) -> None:
        clip = self._new_clip(video)
        if clip is not None:
            self.open[clip_key(video)] = clip

    def _new_clip(self, video: Video) -> Clip | None:
        """A clip's reader and sound started; None (and a failure) when they cannot."""
        end = clip_end_s(video)
        try:
            reader = VideoReader(video.path, self.size, video.fit, video.start_s, end,
                                 VIDEO_QUEUE_FRAMES, pool=self.frames, planar=True,
                                 open_source=partial(AvSource, hardware=self.hardware))
            track = AudioTrack(video.path, video.start_s, end, video.volume, mute=video.mute,
                               show_volume=self.level)
        except (ValueError, OSError) as exc:
            self._fail(clip_key(video), str(exc))
            return None
        clip = Clip(reader, track, self.painter.new_layer(video))
        reader.start()
        track.start()
        return clip

    def _drop_spare(self, key: str) -> None:
        spare = self.spares.pop(key, None)
        if spare is not None:
            self.reaper.bury(spare)

    def _fail(self, key: str, reason: str) -> None:
        self.failed[key] = reason
        if key in self.open:
            self._close(key)

    def _close(self, key: str) -> None:
        clip = self.open.pop(key, None)
        if clip is not None:
            if clip.run_id is not None:  # it played: its counts are final now
                self.frame_stats.add(clip.reader.stats)
            self.reaper.bury(clip)

    def forget_failures(self) -> None:
        self.failed.clear()
        self.stalls.clear()
        self.ended_early.clear()

    def apply_settings(self, settings: Settings) -> None:
        """The show's volume (also for the clips playing now), the subtitle language
        to fall back on, and the clips' decoder (for the next clip opened)."""
        self.painter.default_language = settings.languages.default
        self.hardware.setting = settings.video.decoder  # for the clips opened from now on
        if settings.volume != self.show_volume:
            self.show_volume = settings.volume
            self._set_level()

    @property
    def level(self) -> float:
        """The show's volume, times a visitor's choice while one is made."""
        factor = 1.0 if self.visitor_volume is None else self.visitor_volume
        return self.show_volume * factor

    def set_visitor_volume(self, factor: float | None) -> None:
        """A visitor's louder or quieter (None: the show's level again, on the idle
        reset), also for the clip playing now."""
        self.visitor_volume = factor
        self._set_level()

    def _set_level(self) -> None:
        for clip in self.open.values():
            clip.track.set_show_volume(self.level)

    def close_all(self) -> None:
        """Stop every clip and its sound (closing time)."""
        self.held.clear()
        for key in list(self.open):
            self._close(key)
        for key in list(self.spares):
            self._drop_spare(key)

    def stop(self) -> bool:
        self.close_all()
        if self._trace is not None:
            self._trace.close()
            self._trace = None
        return self.reaper.stop()


class StillClips:
    """For `render`: the frame a clip shows at a moment, decoded at once, without sound.

    No threads of its own and no frame pool: each frame asked for is decoded when it is
    drawn, by a reader that stops straight after. The timeline learns each clip's length
    up front (see ``with_clip_lengths``), so a rendered moment falls where the loop would
    put it.
    """

    GRAB_TIMEOUT_S = 20.0

    def __init__(self, size: tuple[int, int], compositor: Compositor, *,
                 default_language: str = "en") -> None:
        self.size = size
        self.painter = ClipPainter(size, compositor, default_language)
        self.failed: dict[str, str] = {}
        self._at: dict[tuple[str, bool], tuple[Video, float, str]] = {}  # by (key, leaving)

    # Nothing plays in a still frame: the loop's questions have plain answers.
    def playing(self) -> bool:
        return False

    def forget_failures(self) -> None:
        self.failed.clear()

    def close_all(self) -> None:
        pass

    def apply_settings(self, settings: Settings) -> None:
        self.painter.default_language = settings.languages.default

    def frame_summary(self) -> dict[str, object]:
        return {}

    def want(self, videos: list[Video]) -> None:
        pass

    def state(self, step: Video) -> str:
        key = clip_key(step)
        if key in self.failed:
            return "failed"
        from kiosk.media.video import VideoError, probe_video

        try:
            probe_video(step.path)
        except VideoError as exc:
            self.failed[key] = exc.reason
            return "failed"
        return "ready"

    def reason(self, step: Video) -> str:
        return self.failed.get(clip_key(step), "")

    def layer(self, step: Video, leaving: bool = False) -> tuple[pygame.Surface | None, int]:
        """Decoded only now, when the frame is drawn (not on every tick up to it);
        ``leaving``: at its end, for the step leaving in a transition."""
        wanted = self._at.get((clip_key(step), leaving))
        if wanted is None:
            return None, 0
        view = self._grab(*wanted)
        if view is None:
            return None, 0
        surface = self.painter.layer(view)
        return (surface, view.version) if surface is not None else (None, 0)

    def draw_alone(self, step: Video, target: pygame.Surface) -> list[pygame.Rect] | None:
        return None  # the layer's way: a still frame is drawn once

    def progress(self, step: Video) -> float | None:
        return None

    def update(self, frame: object, timeline: EndListener, now: float, language: str) -> None:
        self._at.clear()
        for step, at_end in ((getattr(frame, "current", None), False),
                             (getattr(frame, "previous", None), True)):
            if isinstance(step, Video):
                t = (playing_length_s(step) or 0.0) if at_end else float(
                    getattr(frame, "step_elapsed_s", 0.0))
                self._at[(clip_key(step), at_end)] = (step, t, language)

    def stop(self) -> bool:
        return True  # nothing runs between frames

    def _grab(self, step: Video, t: float, language: str) -> ClipLayer | None:
        length = playing_length_s(step) or 0.0
        t = min(max(t, 0.0), max(length - 0.05, 0.0))
        start = step.start_s + t
        reader = VideoReader(step.path, self.size, step.fit, start, start + 1.0)
        reader.start()
        deadline = time.monotonic() + self.GRAB_TIMEOUT_S
        picture = None
        try:
            while picture is None and time.monotonic() < deadline and reader.error is None:
                picture = reader.frame_at(0.0) if reader.first_frame_ready else None
                if picture is None:
                    threading.Event().wait(0.005)
        finally:
            reader.stop()
        if picture is None:
            return None
        view = self.painter.new_layer(step)
        self.painter.draw(view, picture[1], t, language)
        return view


def with_clip_lengths(show: Show) -> Show:
    """The show with each clip's playing time written in (for `render`)."""
    from dataclasses import replace

    from kiosk.media.video import VideoError, probe_video

    def length(video: Video) -> Video:
        if video.duration_s is not None:
            return video
        try:
            info = probe_video(video.path)
        except VideoError:
            return video  # it fails at readiness and is skipped, as in the loop
        return replace(video, duration_s=playing_length_s(video, info.duration_s or 0.0))

    exhibits: list[Exhibit] = []
    for exhibit in show.exhibits:
        items = tuple(length(i) if isinstance(i, Video) else i for i in exhibit.items)
        exhibits.append(replace(exhibit, items=items))
    return replace(show, exhibits=tuple(exhibits))
