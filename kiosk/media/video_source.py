"""Where a clip's pictures come from: PyAV decoding the file's first video stream.

The reader thread asks ``read()`` for one picture at a time, with its time in seconds from
the stream's start; the picture is the decoder's own frame (no conversion here: the
reader fits it straight from its YUV planes). Tests hand the reader fakes with the same
three methods.

Damaged packets are skipped (the decoder conceals the picture like any player would)
unless many come in a row; that, a read that fails, or data that stops ends the stream,
and the reader tells a file cut short from a normal end by where it stopped.
"""

from __future__ import annotations

import math
import os
from collections import deque
from typing import Any, Protocol

from kiosk.errors import MediaError
from kiosk.media import short_reason

MAX_BAD_PACKETS = 50  # damaged packets in a row before the clip is given up


class SourceError(MediaError):
    """The decoder cannot open a clip that its probe accepted."""


class Source(Protocol):
    """What the reader needs from a decoder."""

    def seek(self, seconds: float) -> None:
        """Go to the key frame at or before ``seconds``."""

    def read(self) -> tuple[float, Any] | None:
        """The next picture and its time (NaN when unknown), or None at the end."""

    def close(self) -> None: ...


def decoder_threads() -> int:
    """What libavcodec picks for itself (PyAV's ``thread_type="AUTO"``): one more than the
    CPUs, so a core never waits while a frame thread is blocked on its reference. On the
    2-core box 3 threads decode 4K a few percent faster than 2 (within the noise at
    1080p), and it decodes like the PyAV baseline of benchmarks/video_throughput.py."""
    cpus = os.cpu_count() or 1
    return cpus + 1 if cpus > 1 else 1


class AvSource:
    """One clip's video stream, decoded by PyAV with frame threads."""

    def __init__(self, path: str, threads: int | None = None, timeout_s: float = 5.0) -> None:
        import av

        from kiosk.media.video import quiet_av

        quiet_av()
        try:
            self._container: Any = av.open(path, timeout=(timeout_s, timeout_s))
        except (av.error.FFmpegError, OSError) as e:
            raise SourceError(f"the decoder cannot open the file ({short_reason(e)})") from None
        if not self._container.streams.video:
            self._container.close()
            raise SourceError("file has no video stream")
        stream = self._container.streams.video[0]
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = threads or decoder_threads()
        self._stream = stream
        self._tb = float(stream.time_base) if stream.time_base else 0.0
        self._origin = int(stream.start_time or 0)
        self._frames: deque[Any] = deque()
        self._packets: Any = self._container.demux(stream)
        self._bad = 0
        self._eof = False

    def seek(self, seconds: float) -> None:
        if self._tb <= 0:
            return  # no time base: decode from the start, the reader skips ahead
        self._container.seek(self._origin + int(seconds / self._tb), stream=self._stream,
                             backward=True)
        self._packets = self._container.demux(self._stream)
        self._frames.clear()
        self._eof = False

    def read(self) -> tuple[float, Any] | None:
        import av

        while not self._frames:
            if self._eof:
                return None
            try:
                packet = next(self._packets)
            except StopIteration:
                packet = None  # flush what the frame threads still hold
                self._eof = True
            except (av.error.FFmpegError, OSError):
                packet = None  # unreadable data: show what came before
                self._eof = True
            try:
                self._frames.extend(self._stream.decode(packet))
                self._bad = 0
            except av.error.FFmpegError:
                self._bad += 1  # a damaged packet: the decoder conceals it
                if self._bad > MAX_BAD_PACKETS:
                    self._eof = True  # nothing but damage: the clip stops here
        frame = self._frames.popleft()
        pts = frame.pts
        return (math.nan if pts is None else (pts - self._origin) * self._tb), frame

    def close(self) -> None:
        self._frames.clear()
        self._container.close()
