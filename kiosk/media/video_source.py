"""Where a clip's pictures come from: PyAV decoding the file's first video stream.

The reader thread asks ``read()`` for one picture at a time, with its time in seconds from
the stream's start; the picture is the decoder's own frame (no conversion here: the
reader fits it straight from its YUV planes). Tests hand the reader fakes with the same
three methods.

Damaged packets are skipped (the decoder conceals the picture like any player would)
unless many come in a row; that, a read that fails, or data that stops ends the stream,
and the reader tells a file cut short from a normal end by where it stopped.

With a ``HardwareDecoding`` (the clips' ``video.decoder`` setting) the source first tries
the hardware decoders ``decoders.plan_decoders`` picks. If one cannot open, fails at any
time, or on trial (its first pictures) gives no picture or no usable timestamps, one
line says which and why, the clip goes on in software from where it was (no picture
shown twice, none left out), and that decoder is not tried again for the codec.
"""

from __future__ import annotations

import glob
import logging
import math
import os
import threading
from collections import deque
from typing import Any, Protocol

from kiosk.errors import MediaError
from kiosk.media import short_reason
from kiosk.media.decoders import (
    SOFTWARE,
    Attempt,
    Machine,
    Plan,
    failure_hint,
    plan_decoders,
)

log = logging.getLogger(__name__)

MAX_BAD_PACKETS = 50  # damaged packets in a row before the clip is given up
TRIAL_FRAMES = 5  # pictures a hardware decoder must deliver before it is trusted
# Packets a hardware decoder may take in without a picture before it counts as failed
# (decoders hold a few frames; a silent one would otherwise hold the clip's start).
TRIAL_PACKETS = 60


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


def probe_machine() -> Machine:
    """What this machine's FFmpeg (PyAV's) was built with, and its device nodes."""
    import av
    from av.codec.hwaccel import hwdevices_available

    v4l2 = set()
    for name in av.codecs_available:
        if name.endswith("_v4l2m2m"):
            try:
                av.Codec(name, "r")  # a decoder, not only an encoder of that name
                v4l2.add(name)
            except (av.error.FFmpegError, ValueError):
                pass
    return Machine(frozenset(hwdevices_available()), frozenset(v4l2),
                   tuple(sorted(glob.glob("/dev/dri/renderD*"))),
                   tuple(sorted(glob.glob("/dev/video*"))))


class HardwareDecoding:
    """The ``video.decoder`` setting, shared by the clips' sources: the machine is asked
    once, a hardware decoder that failed on a codec is not tried again for it, and each
    reason is logged once, not once per clip."""

    def __init__(self, setting: str = "auto", machine: Machine | None = None) -> None:
        self.setting = setting  # replaced when the settings change; read per clip
        self._machine = machine
        self._lock = threading.Lock()
        self._failed: dict[str, set[str]] = {}  # codec (and profile) -> decoders
        self._said: set[str] = set()

    def plan(self, codec: str, profile: str, clip: str) -> Plan:
        """The decoders a clip in ``codec`` tries, software last."""
        setting = self.setting
        if setting == SOFTWARE:
            return Plan((Attempt(SOFTWARE),))
        machine = self.machine
        with self._lock:
            failed = frozenset(self._failed.get(_codec_key(codec, profile), ()))
        plan = plan_decoders(setting, codec, machine, failed)
        for why in plan.skipped:
            if not why.endswith(f"failed before on {codec}"):  # said when it failed
                self._say(f"video.decoder is {setting}, but {why}: clips decode in "
                          "software")
        return plan

    @property
    def machine(self) -> Machine:
        """What the machine offers, asked once."""
        with self._lock:
            if self._machine is None:
                try:
                    self._machine = probe_machine()
                except Exception as e:  # no hardware is better than no clip
                    log.warning("cannot tell which hardware decoders this machine has "
                                "(%s): clips decode in software", short_reason(e))
                    self._machine = Machine()
            return self._machine

    def failed(self, codec: str, profile: str, decoder: str, reason: str, clip: str) -> None:
        with self._lock:
            self._failed.setdefault(_codec_key(codec, profile), set()).add(decoder)
        self._say(f"{clip}: hardware decoder {decoder} failed on "
                  f"{_codec_key(codec, profile)} ({reason}); falling back to software "
                  "decoding")

    def _say(self, line: str) -> None:
        with self._lock:
            if line in self._said:
                return
            self._said.add(line)
        log.warning("%s", line)


def _codec_key(codec: str, profile: str) -> str:
    return f"{codec} ({profile})" if profile else codec


def quiet_av() -> None:
    """FFmpeg inside PyAV reports every damaged packet on stderr; the clip manager logs
    one line per bad clip instead. Called where PyAV is first imported.

    ``None``, not a level: with a level PyAV still passes every error message to Python,
    taking the GIL on the decoder's frame threads, and a frame thread logging a damaged
    packet then deadlocks with the reader thread waiting for it (seen as a reader that
    never stops, on damaged files)."""
    import av.logging

    av.logging.set_level(None)


class AvSource:
    """One clip's video stream, decoded by PyAV: in software with frame threads, or by
    the hardware decoder ``hardware`` picks, with software as the fallback.

    ``decoder`` names the decoder in use (``software``, ``vaapi``, ``h264_v4l2m2m``);
    ``fallback`` says why hardware is not, when one was tried."""

    def __init__(self, path: str, threads: int | None = None, timeout_s: float = 5.0,
                 hardware: HardwareDecoding | None = None) -> None:
        quiet_av()
        self._path = path
        self._threads = threads
        self._timeout_s = timeout_s
        self._hardware = hardware
        self.decoder = SOFTWARE
        self.fallback = ""
        self._ctx: Any = None  # a V4L2 M2M decoder of its own; None: the stream's
        self._frames: deque[Any] = deque()
        self._open_software()
        self._seek_s: float | None = None
        self._shown_s = -math.inf  # the latest picture handed over
        self._skip_s = -math.inf  # after a fallback: pictures up to here were shown
        self._trial = 0  # hardware pictures still to deliver before it is trusted
        self._trial_packets = 0
        self._packet_pts: list[int] = []  # the trial's packet times, to check pictures by
        ctx = self._stream.codec_context
        self._codec = str(ctx.name or "")
        self._profile = str(getattr(ctx, "profile", "") or "")
        if hardware is not None:
            self._try_hardware(hardware)

    # -- opening ---------------------------------------------------------------------------
    def _open_container(self, **hw: Any) -> tuple[Any, Any]:
        import av

        try:
            container = av.open(self._path, timeout=(self._timeout_s, self._timeout_s), **hw)
        except (av.error.FFmpegError, OSError) as e:
            raise SourceError(f"the decoder cannot open the file ({short_reason(e)})") from None
        if not container.streams.video:
            container.close()
            raise SourceError("file has no video stream")
        return container, container.streams.video[0]

    def _open_software(self) -> None:
        self._container, stream = self._open_container()
        stream.thread_type = "AUTO"
        stream.codec_context.thread_count = self._threads or decoder_threads()
        self._use(stream)

    def _use(self, stream: Any) -> None:
        self._stream = stream
        self._tb = float(stream.time_base) if stream.time_base else 0.0
        self._origin = int(stream.start_time or 0)
        self._packets: Any = self._container.demux(stream)
        self._bad = 0
        self._eof = False

    def _try_hardware(self, hardware: HardwareDecoding) -> None:
        name = os.path.basename(self._path)
        plan = hardware.plan(self._codec, self._profile, name)
        if len(plan.attempts) > 1 or plan.skipped:
            self.fallback = "; ".join(plan.skipped)
        for attempt in plan.attempts[:-1]:
            try:
                self._open_hardware(attempt)
            except Exception as e:  # whatever FFmpeg or PyAV says: software plays it
                hint = failure_hint(attempt, hardware.machine)
                self._failed(attempt.name, f"{hint}: {short_reason(e)}" if hint
                             else short_reason(e))
                continue
            self.decoder = attempt.name
            self.fallback = ""
            self._trial = TRIAL_FRAMES
            return

    def _open_hardware(self, attempt: Attempt) -> None:
        import av

        if attempt.kind == "v4l2m2m":
            ctx: Any = av.CodecContext.create(attempt.decoder, "r")
            src = self._stream.codec_context
            ctx.extradata = src.extradata
            ctx.width, ctx.height = src.width, src.height
            ctx.open()
            self._ctx = ctx
            return
        from av.codec.hwaccel import HWAccel

        # No software fallback inside FFmpeg: a device that cannot decode this stream
        # must fail here, where it is logged, not turn into quiet software decoding.
        accel = HWAccel("vaapi", device=attempt.device or None, allow_software_fallback=False)
        container, stream = self._open_container(hwaccel=accel)
        if not stream.codec_context.is_hwaccel:
            container.close()
            raise SourceError("the device cannot decode this stream")
        self._container.close()
        self._container = container
        self._use(stream)

    def _failed(self, decoder: str, reason: str) -> None:
        self.fallback = f"{decoder} failed: {reason}"
        if self._hardware is not None:
            self._hardware.failed(self._codec, self._profile, decoder, reason,
                                  os.path.basename(self._path))

    def _fall_back(self, reason: str) -> None:
        """The hardware decoder failed on trial: software from the same place on."""
        self._failed(self.decoder, reason)
        self.decoder = SOFTWARE
        self._trial = 0
        self._packet_pts.clear()
        self._skip_s = self._shown_s
        self._ctx = None
        self._frames.clear()
        self._container.close()
        self._open_software()
        if self._seek_s is not None:
            self._seek_to(self._seek_s)

    # -- reading ---------------------------------------------------------------------------
    def seek(self, seconds: float) -> None:
        self._seek_s = seconds
        self._seek_to(seconds)

    def _seek_to(self, seconds: float) -> None:
        if self._tb <= 0:
            return  # no time base: decode from the start, the reader skips ahead
        self._container.seek(self._origin + int(seconds / self._tb), stream=self._stream,
                             backward=True)
        if self._ctx is not None:
            self._ctx.flush_buffers()
        self._packets = self._container.demux(self._stream)
        self._frames.clear()
        self._eof = False

    def read(self) -> tuple[float, Any] | None:
        while True:
            got = self._next()
            if got is None or not self._trial:
                return self._shown(got)
            problem = self._trial_problem(got[1])
            if problem is None:
                self._trial -= 1
                return self._shown(got)
            self._fall_back(problem)

    def _shown(self, got: tuple[float, Any] | None) -> tuple[float, Any] | None:
        if got is not None and math.isfinite(got[0]):
            self._shown_s = max(self._shown_s, got[0])
        return got

    def _next(self) -> tuple[float, Any] | None:
        import av

        while True:
            while not self._frames:
                if self._eof:
                    if self._trial:  # a hardware decoder that never gave a picture
                        self._fall_back("no picture")
                        continue
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
                    self._decode(packet)
                except av.error.EOFError:
                    self._eof = True  # flushed already (demux ends on an empty packet)
                except Exception as e:
                    if self.decoder != SOFTWARE:  # at any time: software takes over
                        self._fall_back(short_reason(e))
                        continue
                    if not isinstance(e, av.error.FFmpegError):
                        raise
                    self._bad += 1  # a damaged packet: the decoder conceals it
                    if self._bad > MAX_BAD_PACKETS:
                        self._eof = True  # nothing but damage: the clip stops here
            frame = self._frames.popleft()
            pts = frame.pts
            at = math.nan if pts is None else (pts - self._origin) * self._tb
            if at <= self._skip_s + 1e-6:
                continue  # shown already, by the hardware decoder that failed
            self._skip_s = -math.inf  # past it: from here on every picture counts
            return at, frame

    def _decode(self, packet: Any) -> None:
        if self._trial and packet is not None:
            self._trial_packets += 1  # since the last picture
            if packet.pts is not None:
                self._packet_pts.append(int(packet.pts))
            if self._trial_packets > TRIAL_PACKETS:
                raise SourceError(f"no picture after {TRIAL_PACKETS} packets")
        decoder = self._ctx if self._ctx is not None else self._stream
        self._frames.extend(decoder.decode(packet))
        if self._frames:
            self._trial_packets = 0
        self._bad = 0

    def _trial_problem(self, frame: Any) -> str | None:
        """Why a hardware decoder's picture cannot be trusted, or None."""
        pts = frame.pts
        if pts is None or (self._packet_pts and not
                           min(self._packet_pts) <= pts <= max(self._packet_pts)):
            return "no usable timestamps"
        return None

    def close(self) -> None:
        self._frames.clear()
        self._ctx = None
        self._container.close()
