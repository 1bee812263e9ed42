"""The clip clock that follows the sound (pure: time and sound are passed in).

* ``AvClock``: the clip clock. The audio position while the clip has sound, else (no
  sound, no audio device, sound failed or ended first) a monotonic clock continuing from
  the last audio position. Handles pause/resume. Never goes backwards.
* ``PlayClock``: how much sound has been heard, from what the feeder
  (``kiosk.media.audio.AudioTrack``) observes of the mixer channel.

The audio clock
    The feeder thread polls the channel every ``poll_s`` (5 ms). Each chunk's first sample
    index is known when it is queued. When the channel's current sound changes to chunk k,
    chunk k started being mixed at about that moment: the clock is re-anchored there to
    ``first_sample(k) / rate`` and advances with ``time.monotonic`` inside the chunk,
    clamped to the chunk's length (so a starving decoder stops the clock, and the pictures
    wait for the sound rather than run ahead). What is mixed now is heard later by the
    output latency, which is subtracted. With a sound server to ask, it is the server's
    report for the kiosk's stream (``output_latency.LatencyProbe``: the sound queued in
    the server plus the device's latency, e.g. 50-70 ms on a card holding 43 ms) plus the
    mixing lead: SDL mixes a buffer at a time, so a chunk that begins k frames into the
    buffer being mixed is seen handed over k frames before its first sample is mixed:
    half a buffer on average, less half a poll (the hand-over is seen up to one poll
    late); 8 ms at 1024 frames / 48 kHz and 5 ms polls. With no server to ask (ALSA
    directly, SDL's dummy or disk drivers) one SDL buffer (``buffer / frequency``, 21 ms)
    is assumed, as before. Error: per chunk, where in its SDL buffer the chunk began
    (+-11 ms around the mean lead) and the poll (0-5 ms, more when the GIL is busy);
    the server's report moves by a device write between readings, so the median of the
    last second is used. Because every chunk boundary (0.25 s) re-anchors on sample counts,
    the error does not accumulate over a 30-minute clip: drift between the
    sound card's and the system's clocks is corrected four times a second. A clip's
    first chunk starts as far in as it will be heard after the first picture went up
    (``AudioTrack._start_with_picture``), so that picture is not held waiting for it.
"""

from __future__ import annotations

import math
from collections import deque
from collections.abc import Callable

from kiosk.media.output_latency import usable

SLEW_S = 0.15  # the clip clock closes its gap to the sound over this long
SNAP_S = 0.05  # a gap to the sound this big is taken at once
SMOOTH_CHUNKS = 8  # hand-overs the clock is smoothed over (2 s of sound)


class Stuck:
    """What a sound position reads while the output has stopped moving for now."""

    def __repr__(self) -> str:
        return "STUCK"


STUCK = Stuck()


class AvClock:
    """The clip clock in seconds from the clip's start: the audio position while there
    is one, else monotonic time continuing from where the sound left off.

    ``audio_position`` returns seconds of sound heard, or None once there is no sound
    clock (none at all, ended, failed): from then on the monotonic clock runs on from
    the last audio position. ``STUCK`` (the output stopped moving for now) runs it on
    the same way until the sound moves again; the clock then follows the sound again
    (waiting for it, when it is behind). Pure: both sources are injected.
    """

    def __init__(self, monotonic: Callable[[], float],
                 audio_position: Callable[[], float | Stuck | None] | None = None) -> None:
        self._mono = monotonic
        self._audio = audio_position
        self._base_s = 0.0  # clip time at the anchor
        self._anchor = monotonic()
        self._paused = False
        self._last_s = 0.0
        self._synced_at: float | None = None  # when the sound was last followed

    @property
    def on_audio(self) -> bool:
        return self._audio is not None

    @property
    def paused(self) -> bool:
        return self._paused

    def now(self) -> float:
        if self._paused:
            return self._last_s
        t = self._mono()
        value = None
        if self._audio is not None:
            pos = self._audio()
            if isinstance(pos, float | int) and math.isfinite(pos):
                value = self._follow(pos, t)
                self._base_s, self._anchor = value, t  # where a fallback would continue
            elif pos is not STUCK:
                self._audio = None  # the sound is gone for good: continue on our own
            # STUCK: on our own for now; the sound is followed again once it moves
        if value is None:
            value = self._base_s + (t - self._anchor)
        self._last_s = max(self._last_s, value)
        return self._last_s

    def _follow(self, pos: float, t: float) -> float:
        """The sound's position, approached over SLEW_S rather than stepped to: each
        reading of the sound moves by a few milliseconds at its chunk hand-overs, and at
        60 fps on a 60 Hz screen a step that size pushed a picture past its refresh
        (1080p60 dropped 0.5-2.3 %, every drop at a hand-over). A gap over SNAP_S (the
        start, a seek, a stall) is taken at once."""
        if self._synced_at is None:
            self._synced_at = t
            return pos
        ahead = self._base_s + (t - self._anchor)  # where the clock runs on by itself
        if abs(pos - ahead) > SNAP_S:
            return pos
        share = min(1.0, max(0.0, t - self._synced_at) / SLEW_S)
        self._synced_at = t
        return ahead + (pos - ahead) * share

    def pause(self) -> None:
        if not self._paused:
            self.now()
            self._paused = True

    def resume(self) -> None:
        if self._paused:
            self._paused = False
            self._base_s, self._anchor = self._last_s, self._mono()


class PlayClock:
    """Seconds of sound heard, from chunk hand-overs seen on the channel (pure).

    ``queued(token, frames)`` when a chunk goes to the mixer (in order); ``observe(now,
    token)`` on every poll with the chunk the channel is playing (None: idle);
    ``skip(frames)`` before the first chunk: the sound starts that far in.
    """

    def __init__(self, rate: int, latency_s: float = 0.0, mix_lead_s: float = 0.0,
                 seen_early_s: float = 0.0) -> None:
        self.rate = rate
        # How much earlier than it is mixed a hand-over can be seen: up to one SDL buffer,
        # by where in it the chunk begins (the spread the clock smooths).
        self.seen_early_s = seen_early_s
        self._offsets: deque[float] = deque(maxlen=SMOOTH_CHUNKS)
        self.assumed_s = latency_s  # used while the output reports no latency
        self.latency_s = latency_s
        # Added to a reported latency: how much earlier than its first sample is mixed a
        # chunk's hand-over is seen, on average (see "The audio clock").
        self.mix_lead_s = mix_lead_s
        self._chunks: dict[object, tuple[int, int]] = {}  # token -> (first frame, frames)
        self._total = 0
        self._current: object | None = None
        self._base = 0  # first frame of the current chunk, or frames done when idle
        self._frames = 0
        self._anchor: float | None = None  # when the current chunk began
        self._paused_at: float | None = None
        self._last_s = 0.0

    def skip(self, frames: int) -> None:
        """The first chunk starts ``frames`` into the clip's sound."""
        self._total += frames
        self._base = self._total

    def queued(self, token: object, frames: int) -> None:
        self._chunks[token] = (self._total, frames)
        self._total += frames

    @property
    def frames_queued(self) -> int:
        return self._total

    def observe(self, now: float, token: object | None) -> None:
        if token == self._current:
            return
        if self._current is not None:
            self._chunks.pop(self._current, None)
        if token is None:  # idle: the chunk that was playing is done
            self._base, self._frames, self._anchor = self._base + self._frames, 0, None
            self._offsets.clear()  # what plays next starts a timeline of its own
        else:
            self._base, self._frames = self._chunks.get(token, (self._base, 0))
            self._anchor = self._smoothed(now)
        self._current = token

    def _smoothed(self, seen: float) -> float:
        """When the chunk that began now began, from the last chunks' hand-overs against
        their sample counts: sound plays at a steady rate, so each says where sample 0
        was, give or take where in its SDL buffer the chunk began (0 to one buffer
        early, stepping through the buffer chunk by chunk) and the poll. Their mean keeps
        the average the latency figures are set for, without each chunk's jitter. A
        hand-over later than the others by more than that (a gap in the sound) starts
        afresh."""
        start_s = self._base / self.rate
        offset = seen - start_s
        if not self.seen_early_s:
            return seen
        if self._offsets and offset > max(self._offsets) + self.seen_early_s + 0.01:
            self._offsets.clear()
        self._offsets.append(offset)
        return sum(self._offsets) / len(self._offsets) + start_s

    def set_latency(self, reported_s: float | None) -> None:
        """The output's reported latency (plus the mixing lead); None or an absurd
        figure (negative, not a number, over 2 s) falls back on the assumed one."""
        self.latency_s = (reported_s + self.mix_lead_s
                          if reported_s is not None and usable(reported_s)
                          else self.assumed_s)

    def pause(self, now: float) -> None:
        if self._paused_at is None:
            self._paused_at = now

    def resume(self, now: float) -> None:
        if self._paused_at is not None:
            if self._anchor is not None:
                self._anchor += now - self._paused_at
            shift = now - self._paused_at
            self._offsets = deque((o + shift for o in self._offsets), maxlen=SMOOTH_CHUNKS)
            self._paused_at = None

    def quiet_s(self, now: float, margin_s: float) -> float:
        """How long from ``now`` no hand-over can be seen: the chunk playing ends at
        its anchor plus its length, and is seen up to one SDL buffer (``seen_early_s``)
        earlier; ``margin_s`` more is kept for the poll and the jitter. 0 while the clock
        has nothing playing to go by (it must be watched closely: a start, an end)."""
        if self._paused_at is not None or self._anchor is None or not self._frames:
            return 0.0
        ends = self._anchor + self._frames / self.rate
        return max(0.0, ends - self.seen_early_s - margin_s - now)

    def stalled(self, now: float, grace_s: float) -> bool:
        """The chunk playing should have ended ``grace_s`` ago and the channel has not
        moved on: the sound output is stuck (a hung sound server or driver)."""
        if self._paused_at is not None or self._anchor is None:
            return False
        return now - self._anchor > self._frames / self.rate + self.latency_s + grace_s

    def position(self, now: float) -> float:
        if self._paused_at is not None:
            now = self._paused_at
        pos = self._base / self.rate
        if self._anchor is not None:
            pos += min(max(now - self._anchor, 0.0), self._frames / self.rate)
            pos -= self.latency_s
        self._last_s = max(self._last_s, pos, 0.0)
        return self._last_s
