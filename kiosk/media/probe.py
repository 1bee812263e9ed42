"""What a video file holds, read with PyAV without playing it: streams, length, frame rate.

Used by `validate` (and usable by the player to learn a clip's length). Reading is
bounded: the container header, one decoded frame to prove the picture decodes, and the
packets of the last stretch of the file to notice a file that was cut short in copying.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import av

OPEN_TIMEOUT_S = 10.0
MAX_TAIL_PACKETS = 20_000  # a file with no index near its end is not read to the end
TAIL_S = 1.0  # how far before the end the tail read starts


class ProbeError(Exception):
    """The file cannot be played; ``reason`` says why in a curator's words."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class VideoInfo:
    duration_s: float | None  # None: the file does not say
    fps: float | None
    width: int
    height: int
    codec: str
    has_audio: bool
    picture_ends_s: float | None = None  # where the last picture packet ends, if read


def _reason(exc: Exception) -> str:
    if isinstance(exc, FileNotFoundError):
        return "the file is missing"
    if isinstance(exc, PermissionError):
        return "the file cannot be read (permission denied)"
    if isinstance(exc, av.error.InvalidDataError):
        return "it is not a video the kiosk can read, or it is damaged"
    if isinstance(exc, av.error.FFmpegError):
        return (exc.strerror or str(exc)).strip().rstrip(".").lower()
    return str(exc) or type(exc).__name__


def probe_video(path: Path, timeout_s: float = OPEN_TIMEOUT_S) -> VideoInfo:
    """The file's facts; raises ProbeError when it cannot be opened or has no picture."""
    try:
        container = av.open(str(path), timeout=timeout_s, metadata_errors="ignore")
    except Exception as exc:
        raise ProbeError(_reason(exc)) from None
    with container:
        if not container.streams.video:
            raise ProbeError("the file has no picture (no video stream)")
        stream = container.streams.video[0]
        ctx = stream.codec_context
        codec = ctx.name if ctx is not None else "?"
        rate = stream.average_rate or stream.guessed_rate
        fps = float(rate) if rate else None
        duration_s: float | None = None
        if container.duration:
            duration_s = container.duration / av.time_base
        elif stream.duration and stream.time_base:
            duration_s = float(stream.duration * stream.time_base)
        try:
            first = next(container.decode(stream), None)
        except Exception as exc:
            raise ProbeError(f"its picture cannot be decoded ({_reason(exc)})") from None
        if first is None:
            raise ProbeError("its picture cannot be decoded (no frame in the file)")
        ends_s = _picture_end(container, stream, duration_s)
        return VideoInfo(duration_s, fps, stream.width, stream.height, codec,
                         bool(container.streams.audio), ends_s)


def _picture_end(container: av.container.InputContainer, stream: av.video.VideoStream,
                 duration_s: float | None) -> float | None:
    """Where the last picture packet ends, from a short read before the stated end."""
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
