"""Video clips: metadata probe, and a reader thread that hands the render loop fitted frames.

No pygame in here: frames are BGRA ``numpy`` arrays the render thread copies into a 32-bit
surface (``surfaces.pixels``). The reader owns one thread and one decoder
(``video_source.AvSource``); the render thread only ever takes a lock around a deque,
never waits for a decode.

Decisions worth knowing (checked against PyAV 18.1 and OpenCV 5.0, locked in by
tests/test_video.py):

* Metadata comes from PyAV (``probe_video``): it tells a truncated MP4 (no ``moov``) and a
  file with no video stream apart, and reads the display matrix.
* Pixels come from PyAV too, and are fitted straight from the decoder's YUV planes
  (``video_fit``): scaled to the screen first, converted to BGRA once, into pooled
  buffers. Before, OpenCV's reader converted every frame to a full-size BGR picture
  first: at 4K that was most of the work, and most of the memory.
* Rotation: PyAV reports the display matrix as ``VideoFrame.rotation`` (counter-clockwise);
  old files and other containers may carry a ``rotate`` tag (clockwise). We keep clockwise
  degrees, and rotate the small fitted frame (a quarter of the work at 4K->1080p).
* Seeking lands on the key frame before ``start_s``; the reader decodes forward and skips
  the frames before it, keeping the one on screen at ``start_s`` for clip time 0.
* Timestamps are made non-decreasing and free of wild jumps (``clean_pts``): one broken
  timestamp in a file must not freeze the picture for hours.
* Frames are *popped* by ``frame_at``: it returns a frame only when there is a new one to
  show, so the render thread copies pixels only when the picture changes.
"""
from __future__ import annotations

import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import Any

from kiosk.errors import MediaError
from kiosk.media import (
    FIRST_READ_TIMEOUT_S,
    STALL_TIMEOUT_S,
    check_readable_file,
    join_worker,
    short_reason,
)
from kiosk.media.frame_pool import FramePool
from kiosk.media.images import Fit
from kiosk.media.video_fit import FrameFitter, Picture
from kiosk.media.video_fit import fit_frame as fit_frame  # the reader's fit, for callers
from kiosk.media.video_source import SOFTWARE, AvSource, Source, quiet_av

log = logging.getLogger(__name__)

MAX_DURATION_S = 24 * 3600.0  # longer than a day of show: metadata is broken
MAX_FPS = 240.0
MAX_TAIL_PACKETS = 20_000  # a file with no index near its end is not read to the end
TAIL_S = 1.0  # how far before the stated end the check_end read starts
PROBE_TIMEOUT_S = 5.0
# A frame is shown when the clock is this close to its timestamp: float clocks and
# millisecond timestamps disagree in the last digits.
PTS_TOLERANCE_S = 0.002
# A timestamp jumping forward more than this is treated as broken (see clean_pts).
MAX_PTS_JUMP_S = 10.0
# The decoder stopping this much before the expected end counts as a failure mid-way.
SHORTFALL_S = 0.5
STALLED = "decoder stalled"  # a transient fault: the clip is tried again on its next turn
QUEUE_FRAMES = 6  # fitted frames decoded ahead: 100 ms at 60 fps, 240 ms at 25 fps


class VideoError(MediaError):
    """A clip that cannot be played."""


@dataclass(frozen=True, slots=True)
class VideoInfo:
    width: int  # as displayed, i.e. after rotation
    height: int
    fps: float
    duration_s: float | None  # None when the container does not say
    has_audio: bool
    audio_channels: int  # 0 without audio
    audio_rate: int  # Hz, 0 without audio
    rotation: int  # clockwise degrees to turn the stored picture upright: 0, 90, 180, 270
    raw_width: int  # as stored
    raw_height: int
    video_duration_s: float | None = None  # of the video stream alone, when known
    codec: str = ""
    picture_ends_s: float | None = None  # where the last picture packet ends (check_end)


# --------------------------------------------------------------------------- probe


def probe_video(path: str | os.PathLike[str], timeout_s: float = PROBE_TIMEOUT_S, *,
                check_end: bool = False) -> VideoInfo:
    """Read a clip's metadata (and decode its first frame); raise VideoError if unplayable.

    ``check_end`` also reads the packets of the last second, to find where the picture
    really stops (a file cut short in copying still states its full length); `validate`
    asks for it, the player does not need it.
    """
    import av  # PyAV is heavy to import; only what touches video pays for it

    quiet_av()

    path = os.fspath(path)
    check_readable_file(path, VideoError)
    try:
        container = av.open(path, timeout=timeout_s)
    except av.error.InvalidDataError as e:
        raise VideoError(_invalid_reason(path, e)) from None
    except PermissionError:
        raise VideoError("file cannot be read (permission denied)") from None
    except av.error.ExitError:
        raise VideoError(f"opening the file took longer than {timeout_s:g} s") from None
    except (av.error.FFmpegError, OSError) as e:
        raise VideoError(f"file cannot be opened ({short_reason(e)})") from None
    try:
        info = _probe_open(container, path)
        if check_end:
            info = replace(info, picture_ends_s=_picture_end(container, info.duration_s))
        return info
    finally:
        container.close()


def _probe_open(container: Any, path: str) -> VideoInfo:
    import av

    if not container.streams.video:
        if container.streams.audio:
            raise VideoError("file has sound but no video stream")
        raise VideoError("file has no video stream")
    vs = container.streams.video[0]
    raw_w, raw_h = int(vs.codec_context.width or 0), int(vs.codec_context.height or 0)

    fps = _first_rate(vs.average_rate, vs.guessed_rate, vs.base_rate)
    if fps is None or not 0 < fps <= MAX_FPS:
        raise VideoError(f"frame rate {_num(fps)} fps is not plausible")

    duration_s = None
    if container.duration is not None and container.duration > 0:
        duration_s = container.duration / 1_000_000  # AV_TIME_BASE
    video_duration_s = None
    if vs.duration is not None and vs.time_base is not None and vs.duration > 0:
        video_duration_s = float(vs.duration * vs.time_base)
    for d in (duration_s, video_duration_s):
        if d is not None and not 0 < d <= MAX_DURATION_S:
            raise VideoError(f"duration {d:.0f} s is not plausible")

    rotation = _rotate_tag(vs.metadata)
    try:
        frame = next(container.decode(vs), None)
    except av.error.ExitError:
        raise VideoError("reading the file timed out") from None
    except (av.error.FFmpegError, OSError) as e:
        raise VideoError(f"video data is corrupt ({short_reason(e)})") from None
    if frame is None:
        raise VideoError("video stream has no frames (truncated?)")
    raw_w, raw_h = raw_w or frame.width, raw_h or frame.height
    if raw_w <= 0 or raw_h <= 0:
        raise VideoError("video has no picture size")
    if rotation is None:
        rotation = _quarter_turns(-float(frame.rotation or 0))

    audio = container.streams.audio[0] if container.streams.audio else None
    w, h = (raw_h, raw_w) if rotation in (90, 270) else (raw_w, raw_h)
    return VideoInfo(
        width=w,
        height=h,
        fps=fps,
        duration_s=duration_s if duration_s is not None else video_duration_s,
        has_audio=audio is not None,
        audio_channels=int(audio.codec_context.channels or 0) if audio else 0,
        audio_rate=int(audio.codec_context.sample_rate or 0) if audio else 0,
        rotation=rotation,
        raw_width=raw_w,
        raw_height=raw_h,
        video_duration_s=video_duration_s,
        codec=str(vs.codec_context.name or ""),
    )


def _picture_end(container: Any, duration_s: float | None) -> float | None:
    """Where the last picture packet ends, from a short read before the stated end."""
    import av

    stream = container.streams.video[0]
    if not duration_s or not stream.time_base:
        return None
    tb = stream.time_base
    origin = stream.start_time or 0
    try:
        container.seek(origin + int(max(0.0, duration_s - TAIL_S) / tb), stream=stream,
                       backward=True)
        last = None
        for n, packet in enumerate(container.demux(stream)):
            if packet.pts is not None:
                end = packet.pts + (packet.duration or 0)
                last = end if last is None else max(last, end)
            if n > MAX_TAIL_PACKETS:
                return None
    except av.error.FFmpegError:
        pass  # a damaged tail shows as an early end below
    return None if last is None else float((last - origin) * tb)


def _invalid_reason(path: str, error: Exception) -> str:
    try:
        with open(path, "rb") as f:
            head = f.read(12)
    except OSError as e:
        return f"file cannot be read ({e.strerror or e})"
    if head[4:8] == b"ftyp":  # an MP4/MOV that FFmpeg cannot index
        if "moov" in str(error).lower() or _no_moov(path):
            return "file is truncated (its index, the moov box, is missing)"
        return "file is truncated or corrupt"
    return "not a video file"


def _no_moov(path: str) -> bool:
    with open(path, "rb") as f:
        return b"moov" not in f.read(16 << 20)


def _first_rate(*rates: Any) -> float | None:
    for r in rates:
        if r is not None and r > 0:
            return float(r)
    return None


def _num(x: float | None) -> str:
    return "unknown" if x is None else f"{x:g}"


def _rotate_tag(metadata: Any) -> int | None:
    value = (metadata or {}).get("rotate")
    if value is None:
        return None
    try:
        return _quarter_turns(float(value))
    except ValueError:
        return None


def _quarter_turns(degrees: float) -> int:
    """Nearest multiple of 90 in 0..270 (display matrices carry float angles)."""
    if not math.isfinite(degrees):
        return 0
    return round(degrees / 90.0) % 4 * 90


# --------------------------------------------------------------------------- pure


def pick_frame(queue_pts: list[float], clock_s: float, tolerance_s: float = PTS_TOLERANCE_S,
               margin_s: float = 0.0) -> tuple[int | None, int]:
    """Which queued frame to show at ``clock_s`` and how many older ones to drop.

    Returns ``(index, n_to_drop)``: ``index`` is the newest frame due (pts <= clock) in the
    run of due frames at the head of the queue, and the ``n_to_drop == index`` frames before
    it were never shown in time: late frames are dropped, the clip never slows down. The
    scan stops at the first frame not yet due, so frames are never shown out of order.
    ``(None, 0)`` when nothing is due (or the clock is not a number).

    ``margin_s`` keeps the cadence steady against a clock that wobbles by a few
    milliseconds (the sound's, re-anchored at each chunk hand-over): a due frame is
    dropped for a newer one only once that one is ``margin_s`` past due. A clip at the
    screen's rate then takes one frame a refresh (after at most one repeated refresh,
    its frames settle just inside the margin); without it, a clock sitting near a
    frame's time had two frames due at one refresh (one dropped) and none at the next.
    No frame is ever shown before its time, so lip sync is unchanged.
    """
    if not math.isfinite(clock_s) or not queue_pts:
        return None, 0
    if not queue_pts[0] <= clock_s + tolerance_s:  # also stops at a NaN pts
        return None, 0
    index = 0
    for i in range(1, len(queue_pts)):
        if not queue_pts[i] <= clock_s + tolerance_s - margin_s:
            break
        index = i
    return index, index


def clean_pts(prev_s: float | None, raw_s: float, frame_s: float) -> float:
    """A frame's timestamp made safe to schedule by: finite, non-decreasing, no wild jumps.

    A missing or non-increasing timestamp becomes ``prev + frame_s``; one jumping more than
    MAX_PTS_JUMP_S ahead of the previous frame does too (a broken timestamp would otherwise
    freeze the picture until the clock reached it).
    """
    if prev_s is None:
        return raw_s if math.isfinite(raw_s) and raw_s >= 0 else 0.0
    if not math.isfinite(raw_s) or raw_s <= prev_s or raw_s - prev_s > MAX_PTS_JUMP_S:
        return prev_s + frame_s
    return raw_s


@dataclass(frozen=True, slots=True)
class ReaderStats:
    decoded: int  # frames put in the queue
    dropped: int  # frames taken out of the queue without being shown (late)
    shown: int  # frames handed to the render thread
    skipped: int  # frames before start_s decoded and thrown away (inexact seek)


class VideoReader:
    """Decodes one clip on its own thread into a small queue of fitted frames (BGRA, or
    with ``planar`` 4:2:0 planes that the drawing converts).

    ``frame_at``, ``first_frame_ready``, ``ended``, ``error`` and ``stats`` are for the
    render thread and never wait for the decoder. ``start``/``stop`` (or ``with``) own the
    thread. Timestamps are seconds from ``start_s``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        target_size: tuple[int, int],
        fit: Fit = "contain",
        start_s: float = 0.0,
        end_s: float | None = None,
        queue_frames: int = QUEUE_FRAMES,
        stall_timeout_s: float = STALL_TIMEOUT_S,
        *,
        first_read_timeout_s: float = FIRST_READ_TIMEOUT_S,
        probe: Callable[[str], VideoInfo] = probe_video,
        open_source: Callable[[str], Source] = AvSource,
        clock: Callable[[], float] = time.monotonic,
        pool: FramePool | None = None,
        planar: bool = False,
    ) -> None:
        tw, th = target_size
        if tw <= 0 or th <= 0:
            raise ValueError(f"target size must be positive, got {tw}x{th}")
        if fit not in ("contain", "cover"):
            raise ValueError(f"fit must be 'contain' or 'cover', not {fit!r}")
        if queue_frames < 1:
            raise ValueError(f"queue_frames must be at least 1, got {queue_frames}")
        if not start_s >= 0:
            raise ValueError(f"start_s must be >= 0, got {start_s}")
        if end_s is not None and not end_s > start_s:
            raise ValueError(f"end_s ({end_s}) must be after start_s ({start_s})")
        self.path = os.fspath(path)
        self.target_size = (int(tw), int(th))
        self.fit = fit
        self.start_s = float(start_s)
        self.end_s = None if end_s is None else float(end_s)
        self.queue_frames = queue_frames
        self.stall_timeout_s = stall_timeout_s
        self.first_read_timeout_s = max(first_read_timeout_s, stall_timeout_s)
        self._probe = probe
        self._open = open_source
        self._clock = clock
        self._pool = pool  # shared by the app's clips: memory stays put between clips
        self.planar = planar  # 4:2:0 frames stay planes until drawn (video_fit.Yuv420)

        self._lock = threading.Lock()
        self._space = threading.Condition(self._lock)  # the reader waits here for room
        self._stopped = threading.Event()
        self._thread: threading.Thread | None = None
        self._source: Source | None = None  # while open; read for the status
        self._decoder_was: tuple[str | None, str] = (None, "")  # once it closed

        # Guarded by _lock.
        self._queue: deque[tuple[float, Picture]] = deque()
        self._decode_done = False  # the reader will put no more frames
        self._error: str | None = None
        self._busy_since: float | None = None  # inside open/read since (stall watch)
        self._first_ready = False
        self._last_pts: float | None = None  # of the last frame decoded
        self._frame_s = 1 / 25
        self._latest_clock = -math.inf
        self._info: VideoInfo | None = None
        self._decoded = self._dropped = self._shown = self._skipped = 0

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> VideoReader:
        if self._thread is None:
            # Not a daemon: killed inside an FFmpeg call at interpreter exit, a daemon
            # thread aborts the process. A stuck one makes stop() return False instead, and
            # the app leaves with os._exit as it does for stuck photo decodes.
            self._thread = threading.Thread(target=self._run, name="kiosk-video", daemon=False)
            self._thread.start()
        return self

    def stop(self, timeout_s: float = 2.0) -> bool:
        """Stop decoding, free the queue and join the thread within ``timeout_s``.

        Idempotent. A read stuck inside FFmpeg cannot be interrupted: the thread then ends
        when the read returns, and False is returned (the app must then leave with
        ``os._exit``, as it does for a stuck photo decode).
        """
        with self._space:
            self._stopped.set()
            self._queue.clear()
            self._space.notify_all()
        return join_worker(self._thread, timeout_s, f"video reader of {self.path}")

    def __enter__(self) -> VideoReader:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------ render thread API

    def frame_at(self, clock_s: float, margin_s: float = 0.0) -> tuple[float, Picture] | None:
        """The frame to show at ``clock_s`` if there is a new one, else None (keep showing
        the last one). Older due frames are dropped (``pick_frame``, with its
        ``margin_s``). Never blocks on the decoder."""
        with self._space:
            if clock_s > self._latest_clock:
                self._latest_clock = clock_s
            if not self._queue:
                return None
            index, n_drop = pick_frame([p for p, _ in self._queue], clock_s,
                                       margin_s=margin_s)
            if index is None:
                return None
            for _ in range(n_drop):
                self._queue.popleft()
            item = self._queue.popleft()
            self._dropped += n_drop
            self._shown += 1
            self._space.notify()
            return item

    @property
    def first_frame_ready(self) -> bool:
        """The first frame is decoded (or is shown already): the clip can start at once."""
        return self._first_ready

    @property
    def ended(self) -> bool:
        """Nothing more to show: the decoder finished (at the end, at ``end_s``, or on an
        error), every queued frame was taken, and the clock asked for passed the last
        frame's display time. Check ``error`` to tell a failure from a normal end."""
        self._check_stall()
        with self._lock:
            if not self._decode_done or self._queue:
                return False
            if self._last_pts is None:
                return True
            return self._latest_clock + PTS_TOLERANCE_S >= self._last_pts + self._frame_s

    def ends_by(self, clock_s: float) -> bool:
        """``ended`` as it will be when the clock reaches ``clock_s`` (the next refresh):
        the last frame's time is up by then and nothing more will come."""
        self._check_stall()
        with self._lock:
            if not self._decode_done or self._queue:
                return False
            if self._last_pts is None:
                return True
            clock_s = max(clock_s, self._latest_clock)
            return clock_s + PTS_TOLERANCE_S >= self._last_pts + self._frame_s

    @property
    def decoding_done(self) -> bool:
        """The decoder will queue no more frames (end, ``end_s``, error or stall)."""
        self._check_stall()
        return self._decode_done

    @property
    def error(self) -> str | None:
        """Why the clip failed (it then ends early), or None."""
        self._check_stall()
        return self._error

    @property
    def info(self) -> VideoInfo | None:
        return self._info

    @property
    def decoder(self) -> str | None:
        """The decoder in use (``software``, ``vaapi``, ``h264_v4l2m2m``); None until the
        clip is open. It can turn to software once, when a hardware decoder fails."""
        source = self._source
        if source is None:
            return self._decoder_was[0]
        return str(getattr(source, "decoder", SOFTWARE))

    @property
    def decoder_fallback(self) -> str:
        """Why no hardware decoder is in use, when one was asked for or tried."""
        source = self._source
        if source is None:
            return self._decoder_was[1]
        return str(getattr(source, "fallback", "") or "")

    @property
    def last_pts_s(self) -> float | None:
        return self._last_pts

    @property
    def queued(self) -> int:
        return len(self._queue)

    @property
    def stats(self) -> ReaderStats:
        with self._lock:
            return ReaderStats(self._decoded, self._dropped, self._shown, self._skipped)

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def _check_stall(self) -> None:
        with self._space:
            since = self._busy_since
            limit = self.stall_timeout_s if self._first_ready else self.first_read_timeout_s
            if since is None or self._decode_done or self._clock() - since <= limit:
                return
            self._error = self._error or STALLED
            self._decode_done = True
            self._busy_since = None
            self._stopped.set()  # if the read ever returns, the thread just leaves
            self._space.notify_all()
        log.debug("video decoder stalled for %.1f s: %s", limit, self.path)

    # ---------------------------------------------------------------------- thread

    def _run(self) -> None:
        source: Source | None = None
        try:
            self._set_busy(True)
            info = self._probe(self.path)
            self._info = info
            self._frame_s = 1.0 / info.fps
            source = self._open(self.path)
            self._source = source
            self._set_busy(False)
            self._decode(source, info)
        except MediaError as e:
            self._finish(e.reason)
            log.debug("video skipped: %s: %s", self.path, e.reason)  # the clip manager says it
        except Exception as e:
            reason = f"{type(e).__name__}: {e}"
            self._finish(reason)
            log.error("video reader crashed: %s: %s", self.path, reason, exc_info=True)
        finally:
            self._finish(None)
            if source is not None:
                # What the status says stays; the decoder does not (kept alive by this
                # reference, its frame buffers outlived the clip: +40 MiB at 1080p).
                self._decoder_was = (self.decoder, self.decoder_fallback)
                self._source = None
                try:
                    source.close()
                except Exception:
                    log.exception("closing the decoder failed: %s", self.path)

    def _decode(self, source: Source, info: VideoInfo) -> None:
        tw, th = self.target_size
        fitted_of = FrameFitter(tw, th, self.fit, info.rotation, self._pool, self.planar)
        start, end = self.start_s, self.end_s
        if start > 0:
            # The key frame before, then decode forward: one frame earlier than start_s
            # gets the frame that is on screen at start_s, which is shown at clock 0.
            self._set_busy(True)
            source.seek(max(0.0, start - self._frame_s))
            self._set_busy(False)
        prev: float | None = None
        last_abs: float | None = None
        held: Any = None  # the latest frame before start_s
        while not self._stopped.is_set():
            self._set_busy(True)
            got = source.read()
            self._set_busy(False)
            if self._stopped.is_set():
                return
            if got is None:
                break
            abs_s, frame = got
            if math.isfinite(abs_s) and abs_s < start - PTS_TOLERANCE_S:
                if held is not None:
                    with self._lock:
                        self._skipped += 1
                held = frame
                continue
            if end is not None and math.isfinite(abs_s) and abs_s >= end - PTS_TOLERANCE_S:
                if last_abs is not None:
                    last_abs = end  # reached the trim's end
                break
            if held is not None:
                if abs_s > start + PTS_TOLERANCE_S:  # the held frame covers start_s
                    if not self._put(0.0, fitted_of(held)):
                        return
                    prev = 0.0
                else:
                    with self._lock:
                        self._skipped += 1
                held = None
            pts = clean_pts(prev, abs_s - start, self._frame_s)
            prev = pts
            last_abs = start + pts + self._frame_s
            fitted = fitted_of(frame)
            del frame  # the decoder may reuse its picture
            if not self._put(pts, fitted):
                return
        self._check_shortfall(info, last_abs)

    def _check_shortfall(self, info: VideoInfo, reached_s: float | None) -> None:
        """A file that stops well before its stated end failed mid-way (truncated, corrupt)."""
        expected = info.video_duration_s or info.duration_s
        if self.end_s is not None:
            expected = self.end_s if expected is None else min(expected, self.end_s)
        if reached_s is None:
            raise VideoError("no frame could be decoded" if self.start_s == 0 else
                             f"no frame after the start time ({self.start_s:g} s)")
        if expected is not None and expected - reached_s > SHORTFALL_S:
            raise VideoError(
                f"video stops at {reached_s:.1f} s of {expected:.1f} s (truncated or corrupt)")

    def _put(self, pts: float, frame: Picture) -> bool:
        with self._space:
            while len(self._queue) >= self.queue_frames and not self._stopped.is_set():
                self._space.wait(0.5)
            if self._stopped.is_set():
                return False
            self._queue.append((pts, frame))
            self._last_pts = pts
            self._decoded += 1
            self._first_ready = True
            return True

    def _set_busy(self, busy: bool) -> None:
        with self._lock:
            self._busy_since = self._clock() if busy else None

    def _finish(self, error: str | None) -> None:
        with self._space:
            if error is not None and self._error is None:
                self._error = error
            self._decode_done = True
            self._busy_since = None
            self._space.notify_all()
