"""A clip's sound: decoded with PyAV on a thread, streamed to pygame's mixer in chunks,
and the audio clock that the clip's pictures follow.

Pieces, from pure to edge:

* ``AvClock`` and ``PlayClock`` (pure, in ``kiosk.media.sound_clock``): the clip clock
  that follows the sound, and how much sound has been heard.
* ``decode_pcm`` / ``chunk_pcm`` / ``fade``: PCM in the mixer's format, trimmed to
  ``[start_s, end_s)``, cut into fixed chunks, faded in and out (~20 ms) so cuts do not
  click. Usable without a mixer (tests check sample counts with them).
* ``AudioTrack`` (edge): one thread that decodes a few chunks ahead (bounded: at most
  ``max_chunks`` in memory, counting the two the mixer holds) and keeps a
  ``pygame.mixer.Channel`` fed with ``queue()``; a 30-minute interview is never whole in
  memory. No exception escapes it: failures land in ``error``.
* ``init_mixer``: opens the audio device, or returns False (logged once) and the show goes
  on silently, every clip on the monotonic clock.

The audio clock: see ``kiosk.media.sound_clock``.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import numpy as np

from kiosk.errors import MediaError
from kiosk.media import FIRST_READ_TIMEOUT_S, STALL_TIMEOUT_S, join_worker, short_reason
from kiosk.media.sound_clock import STUCK, PlayClock, Stuck

os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
import pygame  # after the greeting is hidden

log = logging.getLogger(__name__)

FADE_S = 0.02
CHUNK_S = 0.25
MAX_CHUNKS = 4  # in memory per track, the two in the mixer included: 1 s ahead
POLL_S = 0.005
# Between hand-overs the thread sleeps: a chunk's end is known from the clock, so it is
# watched every POLL_S only from one SDL buffer, QUIET_MARGIN_S and a poll (25 ms) before
# it. 200 wakes a second were 3.5 % of a core beside a 1080p30 clip; about 50 now, and
# the hand-over is seen as closely as before (what the clock is set from).
QUIET_MARGIN_S = 0.02
MAX_SLEEP_S = 0.1  # the longest sleep: decoding ahead and a stuck output are checked too
OPEN_TIMEOUT_S = 5.0
OUTPUT_STALL_S = 0.5  # a chunk this overdue means the sound output is stuck
# Stuck this long, the output is given up for the rest of the clip. A shorter stall (a
# sound server or a machine that hung for a moment) is waited out: the picture runs on,
# then waits for the sound to catch up once it moves again.
OUTPUT_GIVE_UP_S = 3.0
MAX_START_TRIM_S = 0.1  # sound left out at a clip's start so it starts with the picture
MAX_LEAD_SILENCE_S = 2.0  # sound starting later than the picture is padded, up to this
_MAX_BAD_PACKETS = 50  # in a row, before the sound counts as corrupt

_mixer_lock = threading.Lock()
_mixer_warned = False
_buffer_frames = 1024
_claimed_channels: set[int] = set()
# The output latency the sound server reports (output_latency.LatencyProbe.latency_s),
# set by whoever opened the mixer; None: no server to ask.
_output_latency: Callable[[], float | None] | None = None


class AudioError(MediaError):
    """Sound that cannot be played."""


# --------------------------------------------------------------------------- mixer


def init_mixer(frequency: int = 48000, size: int = -16, channels: int = 2,
               buffer: int = 1024) -> bool:
    """Open the audio device for 16-bit sound. False (logged once) when there is none."""
    global _mixer_warned, _buffer_frames
    if size != -16:
        raise ValueError("clips are streamed as signed 16-bit samples: size must be -16")
    if pygame.mixer.get_init():
        return True
    if not _sound_output_present():
        if not _mixer_warned:
            _mixer_warned = True
            log.warning("no sound card or sound server found: clips play silently")
        return False
    try:
        pygame.mixer.init(frequency=frequency, size=size, channels=channels, buffer=buffer)
    except pygame.error as e:
        if not _mixer_warned:
            _mixer_warned = True
            log.warning("no audio device (%s): clips play silently", e)
        return False
    _buffer_frames = buffer
    got = pygame.mixer.get_init()
    if got is None:
        return False
    if got[1] != -16 or got[2] not in (1, 2):
        log.warning("audio device opened as %s, not 16-bit mono/stereo: clips play silently",
                    got)
        pygame.mixer.quit()
        return False
    pygame.mixer.set_num_channels(max(8, pygame.mixer.get_num_channels()))
    return True


def _sound_output_present(env: dict[str, str] | None = None) -> bool:
    """Whether opening audio is worth trying. With no sound card and no sound server,
    ALSA prints a page of errors to stderr before SDL gives up."""
    env = dict(os.environ) if env is None else env
    if env.get("SDL_AUDIODRIVER"):
        return True  # chosen on purpose (tests use `dummy` and `disk`)
    runtime = env.get("XDG_RUNTIME_DIR", "")
    servers = [Path(runtime, "pulse", "native"), Path(runtime, "pipewire-0")] if runtime else []
    cards = Path("/dev/snd")
    return any(p.exists() for p in servers) or (cards.is_dir() and any(cards.iterdir()))


def set_output_latency(source: Callable[[], float | None] | None) -> None:
    """Where clips read the output latency from (None: the assumed latency)."""
    global _output_latency
    _output_latency = source


def reported_latency() -> float | None:
    """The sound server's latency for the kiosk's stream now, or None."""
    source = _output_latency
    return None if source is None else source()


def mixer_format() -> tuple[int, int] | None:
    """(rate, channels) of the open mixer, or None without one."""
    got = pygame.mixer.get_init()
    return None if got is None else (int(got[0]), int(got[2]))


def _claim_channel() -> int:
    """A mixer channel no other track uses (two clips overlap during a crossfade)."""
    with _mixer_lock:
        n = pygame.mixer.get_num_channels()
        for i in range(n):
            if i not in _claimed_channels and not pygame.mixer.Channel(i).get_busy():
                _claimed_channels.add(i)
                return i
        pygame.mixer.set_num_channels(n + 2)
        _claimed_channels.add(n)
        return n


def _release_channel(channel_id: int) -> None:
    with _mixer_lock:
        _claimed_channels.discard(channel_id)


def channels_in_use() -> bool:
    """Whether a track still plays (or fades out) on a mixer channel."""
    with _mixer_lock:
        return bool(_claimed_channels)


def fade(pcm: np.ndarray, n_in: int = 0, n_out: int = 0) -> np.ndarray:
    """A copy of int16 ``pcm`` (frames, channels) with linear fades at either end."""
    out = pcm.astype(np.float32)
    n = len(out)
    if n_in > 0:
        k = min(n_in, n)
        out[:k] *= (np.arange(k, dtype=np.float32) / n_in)[:, None]
    if n_out > 0:
        k = min(n_out, n)
        out[n - k:] *= (np.arange(k, 0, -1, dtype=np.float32) / n_out - 1 / n_out)[:, None]
    return np.clip(out, -32768, 32767).astype(np.int16)


def chunk_pcm(blocks: Iterable[np.ndarray], chunk_frames: int,
              fade_frames: int = 0) -> Iterator[np.ndarray]:
    """Regroup PCM blocks into ``chunk_frames``-long chunks (the last may be shorter),
    fading in the first ``fade_frames`` and out the last ones."""
    pending: list[np.ndarray] = []
    have = 0
    held: np.ndarray | None = None  # one chunk of look-ahead, to fade the last one out
    first = True
    for block in blocks:
        if len(block) == 0:
            continue
        pending.append(block)
        have += len(block)
        while have >= chunk_frames:
            joined = np.concatenate(pending) if len(pending) > 1 else pending[0]
            chunk, rest = joined[:chunk_frames], joined[chunk_frames:]
            pending, have = ([rest] if len(rest) else []), len(rest)
            if held is not None:
                yield held
            held = fade(chunk, fade_frames if first else 0)
            first = False
    tail = np.concatenate(pending) if pending else None
    if held is not None and tail is not None and len(tail) < fade_frames:
        held, tail = np.concatenate([held, tail]), None  # too short to fade on its own
    if tail is not None:
        if held is not None:
            yield held
        yield fade(tail, fade_frames if first else 0, fade_frames)
    elif held is not None:
        yield fade(held, 0, fade_frames)


def decode_pcm(path: str | os.PathLike[str], rate: int, channels: int, start_s: float = 0.0,
               end_s: float | None = None, timeout_s: float = OPEN_TIMEOUT_S,
               stop: threading.Event | None = None,
               on_open: Callable[[bool], None] | None = None) -> Iterator[np.ndarray]:
    """Signed 16-bit PCM blocks, shape (frames, channels), of ``[start_s, end_s)``.

    Yields nothing for a file without sound. ``on_open(has_audio)`` is called once the
    file is open. Raises AudioError when the file or its sound cannot be decoded.
    """
    import av

    from kiosk.media.video_source import quiet_av

    quiet_av()

    if channels not in (1, 2):
        raise ValueError(f"channels must be 1 or 2, got {channels}")
    try:
        container = av.open(os.fspath(path), timeout=timeout_s)
    except av.error.ExitError:
        raise AudioError(f"opening the file took longer than {timeout_s:g} s") from None
    except (av.error.FFmpegError, OSError) as e:
        raise AudioError(f"file cannot be opened ({short_reason(e)})") from None
    try:
        if not container.streams.audio:
            if on_open:
                on_open(False)
            return
        stream = container.streams.audio[0]
        stream.codec_context.thread_type = "AUTO"
        if on_open:
            on_open(True)
        if start_s > 0:
            try:
                if stream.time_base:
                    container.seek(int(start_s / stream.time_base), stream=stream,
                                   backward=True)
                else:
                    container.seek(int(start_s * 1_000_000), backward=True)
            except av.error.FFmpegError:
                pass  # not seekable: decode from the start and skip
        def new_resampler() -> Any:
            return av.AudioResampler(format="s16", layout="mono" if channels == 1 else
                                     "stereo", rate=rate)

        resampler = new_resampler()
        skip: int | None = None  # frames to drop before start_s
        left = None if end_s is None else max(0, round((end_s - start_s) * rate))
        bad = 0

        def frames() -> Iterator[Any]:
            nonlocal bad
            for packet in container.demux(stream):
                try:
                    decoded = packet.decode()
                    bad = 0
                except av.error.InvalidDataError:
                    bad += 1
                    if bad > _MAX_BAD_PACKETS:
                        raise AudioError("sound data is corrupt") from None
                    continue
                yield from decoded
            yield None  # flush the resampler

        for frame in frames():
            if stop is not None and stop.is_set():
                return
            if skip is None and frame is not None:
                t = frame.time if frame.time is not None else start_s
                lead = t - start_s
                skip = max(0, round(-lead * rate))
                if lead * rate >= 1:  # sound starts after the picture: pad with silence
                    pad = np.zeros((round(min(lead, MAX_LEAD_SILENCE_S) * rate), channels),
                                   np.int16)
                    if left is not None:
                        pad = pad[:left]
                        left -= len(pad)
                    yield pad
            try:
                outs = resampler.resample(frame)
            except ValueError:
                # The sound changed its rate or channels mid-way (joined or damaged
                # files): what the old setup holds is flushed, a new one takes over.
                outs = resampler.resample(None)
                resampler = new_resampler()
                outs += resampler.resample(frame)
            for out in outs:
                pcm = out.to_ndarray().reshape(-1, channels)
                if skip:
                    cut = min(skip, len(pcm))
                    pcm, skip = pcm[cut:], skip - cut
                if left is not None:
                    pcm = pcm[:left]
                    left -= len(pcm)
                if len(pcm):
                    yield pcm
                if left == 0:
                    return
    except av.error.ExitError:
        raise AudioError("reading the sound timed out") from None
    except av.error.FFmpegError as e:
        raise AudioError(f"sound cannot be decoded ({short_reason(e)})") from None
    finally:
        container.close()


# --------------------------------------------------------------------------- edge


class _MixerSink:
    """The pygame channel, by chunk index (tests observe it through AudioTrack)."""

    def __init__(self, channel_id: int) -> None:
        self.channel_id = channel_id
        self.channel = pygame.mixer.Channel(channel_id)
        self._sounds: dict[int, pygame.mixer.Sound] = {}

    def _sound(self, index: int, pcm: np.ndarray) -> pygame.mixer.Sound:
        sound = pygame.mixer.Sound(buffer=np.ascontiguousarray(pcm).tobytes())
        self._sounds[index] = sound
        return sound

    def play(self, index: int, pcm: np.ndarray, volume: float) -> None:
        self.channel.play(self._sound(index, pcm))
        self.channel.set_volume(volume)

    def queue(self, index: int, pcm: np.ndarray) -> None:
        self.channel.queue(self._sound(index, pcm))

    def state(self) -> tuple[int | None, bool]:
        """(index of the chunk playing or about to play, whether one is queued).

        pygame's end-of-chunk callback moves the queued sound into the channel's slot
        under the GIL, but starts it only after releasing the GIL: for that moment
        ``get_busy()`` reads False while nothing is queued any more. Deciding from
        ``get_busy()`` then started a new chunk over the one just begun and skipped a
        quarter second of sound. So the state comes from the two slots the callback
        swaps atomically, the queue read first: queue (A, B) -> (B, none) -> (none, none)
        only moves forward, and a later read of the sound slot cannot contradict it.
        """
        queued = self.channel.get_queue()
        sound = self.channel.get_sound()
        playing = None
        for index, s in list(self._sounds.items()):
            if s is sound:
                playing = index
            elif s is not queued:
                del self._sounds[index]  # finished
        return playing, queued is not None

    @property
    def held(self) -> int:
        return len(self._sounds)

    def fade_stop(self, fade_s: float, latency_s: float) -> None:
        queued = self.channel.get_queue()
        if queued is not None:
            # fadeout() would start the queued chunk once the fade ends: silence it.
            pygame.sndarray.samples(queued)[:] = 0
        if self.channel.get_busy():
            self.channel.fadeout(max(1, round(fade_s * 1000)))
            time.sleep(fade_s + latency_s)
        self.channel.stop()
        self._sounds.clear()


class AudioTrack:
    """The sound of one clip, streamed to the mixer from its own thread.

    Created (and ``start``-ed) ahead of time, it opens the file and decodes the first
    chunks; ``play()`` starts the sound when the clip goes on screen. ``position_s`` is
    the clip's audio clock (None when there is none: no sound, no mixer, ended, failed).
    ``pause``/``resume``/``set_show_volume`` return at once; ``stop`` fades out and joins.
    Nothing raises out of the thread: a failure ends the track and sets ``error``.
    """

    def __init__(
        self,
        path: str | os.PathLike[str],
        start_s: float = 0.0,
        end_s: float | None = None,
        volume: float = 1.0,
        mixer_rate: int | None = None,
        mixer_channels: int | None = None,
        *,
        mute: bool = False,
        show_volume: float = 1.0,
        chunk_s: float = CHUNK_S,
        max_chunks: int = MAX_CHUNKS,
        fade_s: float = FADE_S,
        poll_s: float = POLL_S,
        stall_timeout_s: float = STALL_TIMEOUT_S,
        first_read_timeout_s: float = FIRST_READ_TIMEOUT_S,
        clock: Callable[[], float] = time.monotonic,
        output_latency: Callable[[], float | None] = reported_latency,
    ) -> None:
        if max_chunks < 2:
            raise ValueError(f"max_chunks must be at least 2, got {max_chunks}")
        fmt = mixer_format()
        self.path = os.fspath(path)
        self.start_s, self.end_s = float(start_s), end_s
        self.mixer_rate = mixer_rate or (fmt[0] if fmt else 48000)
        self.mixer_channels = mixer_channels or (fmt[1] if fmt else 2)
        self._volume, self._mute, self._show_volume = volume, mute, show_volume
        self.chunk_frames = max(1, round(chunk_s * self.mixer_rate))
        self.fade_frames = round(fade_s * self.mixer_rate)
        self.max_chunks = max_chunks
        self._fade_s, self._poll_s = fade_s, poll_s
        self._stall_timeout_s = stall_timeout_s
        self._first_read_timeout_s = max(first_read_timeout_s, stall_timeout_s)
        self._clock = clock
        self._output_latency = output_latency
        self._play_clock = PlayClock(self.mixer_rate, _buffer_frames / self.mixer_rate,
                                     _buffer_frames / self.mixer_rate / 2 - poll_s / 2,
                                     seen_early_s=_buffer_frames / self.mixer_rate)
        self._play_at: float | None = None  # when the clip's first picture is shown

        self._lock = threading.Lock()
        self._stopped = threading.Event()
        self._wake = threading.Event()
        self._thread: threading.Thread | None = None
        self._ready: deque[np.ndarray] = deque()
        self._sink: _MixerSink | None = None
        self._has_audio: bool | None = None  # unknown until the file is open
        self._mixer_ok = fmt is not None
        self._playing = False
        self._paused = False
        self._exhausted = False  # the decoder delivered everything
        self._ended = False
        self._error: str | None = None
        self._busy_since: float | None = None
        self._stuck_since: float | None = None  # when the output stopped moving
        self._next_index = 0
        self.max_buffered = 0  # most chunks held at once (ready + in the mixer)

    # ------------------------------------------------------------------ lifecycle

    def start(self) -> AudioTrack:
        if self._thread is None:
            # Not a daemon, like the video reader: see VideoReader.start.
            self._thread = threading.Thread(target=self._run, name="kiosk-audio", daemon=False)
            self._thread.start()
        return self

    def play(self, at: float | None = None) -> None:
        """Start the sound: the clip's first picture is shown at ``at`` (default now, on
        the track's clock). The sound starts as far in as it will be heard late."""
        self.start()
        self._play_at = self._clock() if at is None else at
        self._playing = True
        self._wake.set()

    def pause(self) -> None:
        with self._lock:
            if self._paused:
                return
            self._paused = True
            self._play_clock.pause(self._clock())
            if self._sink is not None:
                self._sink.channel.pause()

    def resume(self) -> None:
        with self._lock:
            if not self._paused:
                return
            self._paused = False
            now = self._clock()
            self._play_clock.resume(now)
            if self._next_index == 0 and self._play_at is not None:
                self._play_at = now  # paused before a sound was out: the picture waited too
            if self._sink is not None:
                self._sink.channel.unpause()
        self._wake.set()

    def set_show_volume(self, volume: float) -> None:
        self._show_volume = volume
        with self._lock:
            if self._sink is not None:
                self._sink.channel.set_volume(self.gain)

    @property
    def gain(self) -> float:
        return 0.0 if self._mute else min(max(self._volume * self._show_volume, 0.0), 1.0)

    def stop(self, timeout_s: float = 1.0) -> bool:
        """Fade out, stop and join the thread within ``timeout_s``. Idempotent."""
        self._stopped.set()
        self._wake.set()
        return join_worker(self._thread, timeout_s, f"audio track of {self.path}")

    def __enter__(self) -> AudioTrack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------ state

    @property
    def has_audio(self) -> bool:
        """The clip has sound we can play (False until the file is open, with no mixer,
        or when the file has no sound)."""
        return bool(self._has_audio) and self._mixer_ok

    @property
    def ready(self) -> bool:
        """The first chunk is decoded, or there is nothing to decode."""
        return bool(self._ready) or self._exhausted or self._error is not None or (
            self._has_audio is False) or not self._mixer_ok

    @property
    def ended(self) -> bool:
        self._check_stall()
        return self._ended

    @property
    def error(self) -> str | None:
        self._check_stall()
        return self._error

    def position_s(self, at: float | None = None) -> float | Stuck | None:
        """Seconds of this clip's sound heard by ``at`` (default: now, on the track's
        clock); ``STUCK`` while the output has stopped moving (for now); None when there
        is no sound clock."""
        if not self.has_audio or self.error is not None or self._ended:
            return None
        with self._lock:
            now = self._clock() if at is None else at
            if not self._play_clock.stalled(now, OUTPUT_STALL_S):
                if self._stuck_since is not None:
                    log.info("%s: the sound output moves again after %.1f s",
                             Path(self.path).name, now - self._stuck_since)
                    self._stuck_since = None
                return self._play_clock.position(now)
            if self._stuck_since is None:
                self._stuck_since = now
                log.warning("%s: the sound output stopped moving; the picture runs on "
                            "and waits for the sound when it moves again",
                            Path(self.path).name)
            if now - self._stuck_since < OUTPUT_GIVE_UP_S:
                return STUCK
        # The picture follows the sound: a hung output would freeze it, and a sound
        # this far behind is not worth waiting for. The clip plays on without it.
        log.warning("%s: the sound output did not move for %.0f s; the clip plays on "
                    "without sound", Path(self.path).name, OUTPUT_GIVE_UP_S)
        self._fail("the sound output stopped")
        return None

    def sound_left_s(self) -> float | None:
        """Seconds of this clip's sound still to be heard, once all of it is decoded;
        None before that, with no sound, or while the output is stuck."""
        if not self._exhausted:
            return None
        position = self.position_s()
        if not isinstance(position, float | int):  # none, or stuck
            return None
        with self._lock:
            frames = self._play_clock.frames_queued + sum(len(c) for c in self._ready)
        return max(0.0, frames / self.mixer_rate - position)

    @property
    def buffered_chunks(self) -> int:
        with self._lock:
            return len(self._ready) + (self._sink.held if self._sink else 0)

    @property
    def thread(self) -> threading.Thread | None:
        return self._thread

    def _check_stall(self) -> None:
        since = self._busy_since
        first_read = self.max_buffered == 0  # no chunk decoded yet
        limit = self._first_read_timeout_s if first_read else self._stall_timeout_s
        if since is not None and not self._ended and self._clock() - since > limit:
            self._fail("audio decoder stalled")

    def _fail(self, reason: str) -> None:
        with self._lock:
            if self._error is None:
                self._error = reason
            self._ended = True
            self._busy_since = None
        self._stopped.set()
        self._wake.set()

    # ------------------------------------------------------------------ thread

    def _run(self) -> None:
        sink: _MixerSink | None = None
        blocks: Iterator[np.ndarray] | None = None
        chunks: Iterator[np.ndarray] | None = None
        try:
            if not self._mixer_ok:
                self._ended = True
                return
            self._busy_since = self._clock()
            blocks = decode_pcm(self.path, self.mixer_rate, self.mixer_channels, self.start_s,
                                self.end_s, stop=self._stopped, on_open=self._opened)
            chunks = chunk_pcm(blocks, self.chunk_frames, self.fade_frames)
            self._fill(chunks)  # opens the file and decodes the first chunk
            self._busy_since = None
            if self._has_audio is False:
                self._ended = True
                return
            while not self._stopped.is_set():
                if self._playing and not self._paused and sink is None:
                    sink = _MixerSink(_claim_channel())
                    with self._lock:
                        self._sink = sink
                if sink is not None and not self._paused and self._feed(sink):
                    self._ended = True
                    return
                if not self._exhausted:
                    self._fill(chunks, one=True)
                self._wake.wait(self._sleep_s())
                self._wake.clear()
        except AudioError as e:
            self._fail(e.reason)
            log.warning("%s plays without sound: %s", Path(self.path).name, e.reason)
        except Exception as e:
            self._fail(f"{type(e).__name__}: {e}")
            log.error("audio track crashed: %s", self.path, exc_info=True)
        finally:
            self._busy_since = None
            for gen in (chunks, blocks):  # the decoder's finally closes the container
                close = getattr(gen, "close", None)
                if close is not None:
                    try:
                        close()
                    except Exception:
                        log.exception("closing the sound decoder failed: %s", self.path)
            if sink is not None:
                try:
                    sink.fade_stop(self._fade_s, self._play_clock.latency_s)
                except pygame.error:
                    pass
                with self._lock:
                    self._sink = None
                _release_channel(sink.channel_id)
            self._ready.clear()
            if self._stopped.is_set() and not self._ended:
                self._ended = True

    def _start_with_picture(self, pcm: np.ndarray, now: float) -> np.ndarray:
        """The first chunk, less the sound that would be heard before the picture
        shows it: the sound started at ``now`` is heard the latency later, and the
        clip's first picture went up at ``_play_at``. Before, the first picture waited
        for the sound, 30-70 ms held on screen (two repeated refreshes at each clip
        start). At most MAX_START_TRIM_S is left out, faded in again; a longer wait is
        taken by the picture."""
        if self._play_at is None:
            return pcm
        late_s = now + self._play_clock.latency_s - self._play_at
        frames = min(round(min(late_s, MAX_START_TRIM_S) * self.mixer_rate),
                     len(pcm) - 2 * self.fade_frames)
        if frames <= 0:
            return pcm
        self._play_clock.skip(frames)
        return fade(pcm[frames:], n_in=self.fade_frames)

    def _opened(self, has_audio: bool) -> None:
        self._has_audio = has_audio

    def _fill(self, chunks: Iterator[np.ndarray], one: bool = False) -> None:
        """Decode ahead while fewer than max_chunks are held (one chunk per call if
        ``one``, so the feeder keeps polling)."""
        while not self._exhausted and not self._stopped.is_set():
            held = len(self._ready) + (self._sink.held if self._sink else 0)
            if held >= self.max_chunks:
                return
            self._busy_since = self._clock()
            chunk = next(chunks, None)
            self._busy_since = None
            if chunk is None:
                self._exhausted = True
                return
            with self._lock:
                self._ready.append(chunk)
                self.max_buffered = max(self.max_buffered, held + 1)
            if one:
                return

    def _sleep_s(self) -> float:
        """How long the thread may sleep before it looks at the channel again."""
        with self._lock:
            if self._paused:
                return MAX_SLEEP_S  # resume wakes it
            quiet = self._play_clock.quiet_s(self._clock(), QUIET_MARGIN_S + self._poll_s)
        return min(max(self._poll_s, quiet), MAX_SLEEP_S)

    def _feed(self, sink: _MixerSink) -> bool:
        """Keep the channel playing one chunk with the next queued. True at the end.

        Starting a chunk while another is queued or just began would replace it and skip
        a quarter second of sound, so a chunk is started only when the channel's sound
        slot is empty and nothing is queued (see ``_MixerSink.state``).
        """
        with self._lock:
            if self._paused:
                return False
            now = self._clock()
            self._play_clock.set_latency(self._output_latency())
            playing, waiting = sink.state()
            if playing is None and not waiting and self._ready:
                index, pcm = self._next_index, self._ready.popleft()
                self._next_index += 1
                if index == 0:
                    pcm = self._start_with_picture(pcm, now)
                self._play_clock.queued(index, len(pcm))
                sink.play(index, pcm, self.gain)
                playing = index
            elif playing is not None and self._ready and not waiting:
                index, pcm = self._next_index, self._ready.popleft()
                self._next_index += 1
                self._play_clock.queued(index, len(pcm))
                sink.queue(index, pcm)
            self._play_clock.observe(now, playing)
            return playing is None and not waiting and self._exhausted and not self._ready
