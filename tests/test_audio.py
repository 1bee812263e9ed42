"""Clip sound: decode and resample, chunks and fades, the clocks, and the mixer feeder.

The clocks are pure and run on fake time. The track itself plays through SDL's dummy audio
driver, which consumes sound in real time, so those tests use sub-second clips.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np
import pygame
import pytest
from hypothesis import given
from hypothesis import strategies as st

import kiosk.media.audio as audio
from kiosk.media.audio import (
    AudioTrack,
    chunk_pcm,
    decode_pcm,
    fade,
    init_mixer,
    mixer_format,
)
from kiosk.media.sound_clock import STUCK, AvClock, PlayClock
from tests.clips import make_clip
from tests.conftest import wait_for

RATE = 48000


@pytest.fixture(scope="module")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("sound")
    garbage = d / "garbage.mp4"
    garbage.write_bytes(b"\x00\x01junk" * 1000)
    return {
        "stereo": make_clip(d / "stereo.mp4", seconds=1.0, audio=("stereo", 44100)),
        "mono22": make_clip(d / "mono22.mp4", seconds=1.0, audio=("mono", 22050)),
        "surround": make_clip(d / "surround.mp4", seconds=1.0, audio=("5.1", 48000)),
        "silent": make_clip(d / "silent.mp4", seconds=0.4, audio=None),
        "garbage": garbage,
    }


@pytest.fixture(scope="module")
def mixer() -> Iterator[tuple[int, int]]:
    was = pygame.mixer.get_init()
    assert init_mixer(RATE, -16, 2, 1024), "the dummy audio driver should open"
    fmt = mixer_format()
    assert fmt == (RATE, 2)
    yield fmt
    # Closing the mixer under a running audio thread crashes the process (a test that
    # started a track and left it running): fail that test's module instead.
    running = [t for t in threading.enumerate() if t.name == "kiosk-audio" and t.is_alive()]
    assert not running, f"{len(running)} audio thread(s) left running"
    if not was:
        pygame.mixer.quit()


@pytest.fixture
def open_track(mixer) -> Iterator[Callable[..., AudioTrack]]:
    tracks: list[AudioTrack] = []

    def make(*args: object, **kwargs: object) -> AudioTrack:
        t = AudioTrack(*args, **kwargs)  # type: ignore[arg-type]
        tracks.append(t)
        return t.start()

    yield make
    for t in tracks:
        assert t.stop(timeout_s=3), "audio thread did not stop"


def _tone_hz(pcm: np.ndarray, rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(pcm[:, 0].astype(np.float64)))
    return float(np.argmax(spectrum) * rate / len(pcm))


# ------------------------------------------------------------------ decode


@pytest.mark.parametrize("name", ["stereo", "mono22", "surround"])
@pytest.mark.parametrize("channels", [2, 1])
def test_decode_resamples_to_the_mixer_format(clips: dict[str, Path], name: str,
                                              channels: int) -> None:
    """Mono, 22.05 kHz and 5.1 sources all come out as 48 kHz 16-bit mixer frames."""
    blocks = list(decode_pcm(clips[name], RATE, channels))
    pcm = np.concatenate(blocks)
    assert pcm.dtype == np.int16 and pcm.shape[1] == channels
    assert len(pcm) == pytest.approx(1.0 * RATE, rel=0.03)
    assert _tone_hz(pcm, RATE) == pytest.approx(440, abs=5)
    assert np.abs(pcm[RATE // 4 : RATE // 2]).max() > 3000  # loud, not silence


def test_decode_trims_to_start_and_end(clips: dict[str, Path]) -> None:
    pcm = np.concatenate(list(decode_pcm(clips["stereo"], RATE, 2, start_s=0.3, end_s=0.7)))
    assert len(pcm) == pytest.approx(0.4 * RATE, abs=RATE * 0.005)


def test_decode_of_a_file_without_sound_yields_nothing(clips: dict[str, Path]) -> None:
    seen = []
    assert list(decode_pcm(clips["silent"], RATE, 2, on_open=seen.append)) == []
    assert seen == [False]


def test_decode_of_garbage_raises_audio_error(clips: dict[str, Path]) -> None:
    with pytest.raises(audio.AudioError):
        list(decode_pcm(clips["garbage"], RATE, 2))


# ------------------------------------------------------------------ chunks and fades


def test_fade_ramps_both_ends() -> None:
    pcm = np.full((100, 2), 10000, np.int16)
    out = fade(pcm, 10, 10)
    assert out[0, 0] == 0 and out[-1, 0] == 0
    assert (np.diff(out[:10, 0].astype(int)) > 0).all()
    assert (np.diff(out[-10:, 0].astype(int)) < 0).all()
    assert (out[10:90] == 10000).all()
    assert (pcm == 10000).all()  # the input is untouched


@given(st.lists(st.integers(0, 700), max_size=12), st.integers(1, 500), st.integers(0, 50))
def test_chunks_keep_every_sample_in_fixed_sizes(sizes: list[int], chunk: int,
                                                 fade_n: int) -> None:
    blocks = [np.full((n, 2), 1000, np.int16) for n in sizes]
    out = list(chunk_pcm(blocks, chunk, fade_n))
    assert sum(len(c) for c in out) == sum(sizes)
    assert all(len(c) == chunk for c in out[:-1])
    if out and fade_n:
        assert out[0][0, 0] == 0 and out[-1][-1, 0] == 0  # faded in and out


def test_a_chunk_shorter_than_the_fade_joins_the_one_before() -> None:
    out = list(chunk_pcm([np.full((105, 1), 1000, np.int16)], 50, 10))
    assert [len(c) for c in out] == [50, 55]
    assert out[-1][-1, 0] == 0


# ------------------------------------------------------------------ chunk hand-over


class PygameLikeChannel:
    """A mixer channel with pygame's slots: ``sound`` and ``queue``. At a chunk's end
    pygame's callback moves the queued sound into the sound slot under the GIL and only
    then starts it, so for a moment the channel reads not busy with nothing queued."""

    def __init__(self) -> None:
        self.sound: object | None = None
        self.queued: object | None = None
        self.busy = False
        self.started: list[object] = []  # every sound that began, in order

    def play(self, sound: object) -> None:
        self.sound, self.queued, self.busy = sound, None, True
        self.started.append(sound)

    def queue(self, sound: object) -> None:
        if self.sound is None:
            self.play(sound)
        else:
            self.queued = sound

    def set_volume(self, volume: float) -> None:
        pass

    def get_sound(self) -> object | None:
        return self.sound

    def get_queue(self) -> object | None:
        return self.queued

    def get_busy(self) -> bool:
        return self.busy

    def chunk_ends_mid_callback(self) -> None:
        """The moment inside pygame's callback: queue moved to the sound slot, not
        started yet."""
        self.sound, self.queued, self.busy = self.queued, None, False

    def callback_done(self) -> None:
        if self.sound is not None:
            self.busy = True
            self.started.append(self.sound)


class TimedChannel(PygameLikeChannel):
    """A channel that plays its chunks in fake time: ``advance(now)`` ends the chunk
    playing when its frames are done and starts the queued one where it ended."""

    def __init__(self, rate: int) -> None:
        super().__init__()
        self.rate = rate
        self.until = 0.0  # when the chunk playing ends
        self.paused_at: float | None = None
        self.now = 0.0

    def play(self, sound: object) -> None:
        super().play(sound)
        self.until = self.now + self._seconds(sound)

    def pause(self) -> None:
        self.paused_at = self.now

    def unpause(self) -> None:
        if self.paused_at is not None:
            self.until += self.now - self.paused_at
            self.paused_at = None

    def advance(self, now: float) -> None:
        self.now = now
        while self.sound is not None and self.paused_at is None and now >= self.until:
            start = self.until
            self.chunk_ends_mid_callback()
            self.callback_done()
            self.until = start + self._seconds(self.sound) if self.sound else start

    def _seconds(self, sound: object) -> float:
        return sound[1] / self.rate if isinstance(sound, tuple) else 0.0  # (index, frames)


def fake_sink(monkeypatch: pytest.MonkeyPatch, channel: PygameLikeChannel) -> audio._MixerSink:
    """The track's mixer sink on a fake channel; a chunk's sound is (index, frames)."""
    sink = object.__new__(audio._MixerSink)
    sink.channel_id, sink.channel, sink._sounds = 0, channel, {}
    monkeypatch.setattr(sink, "_sound", lambda index, pcm: sink._sounds.setdefault(
        index, (index, len(pcm))))
    return sink


def test_a_chunk_handed_over_by_the_mixer_is_never_replaced(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The feeder polls right inside the mixer's hand-over from chunk 0 to chunk 1: it
    must queue chunk 2 behind chunk 1, not start chunk 2 over it (which skipped a
    quarter second of the clip's sound)."""
    monkeypatch.setattr(audio, "mixer_format", lambda: (1000, 2))
    track = AudioTrack("clip.mp4", mixer_rate=1000, mixer_channels=2)
    track._ready.extend(np.full((250, 2), k, np.int16) for k in range(4))
    channel = PygameLikeChannel()
    sink = fake_sink(monkeypatch, channel)

    track._feed(sink)  # starts chunk 0
    track._feed(sink)  # queues chunk 1
    channel.chunk_ends_mid_callback()
    track._feed(sink)
    channel.callback_done()
    track._feed(sink)
    assert [index for index, _ in channel.started] == [0, 1]
    assert channel.sound == (1, 250) and channel.queued == (2, 250)
    assert set(sink._sounds) == {1, 2}  # chunk 0 finished and was let go


def _stuck_track(monkeypatch: pytest.MonkeyPatch) -> tuple[AudioTrack, FakeTime,
                                                            PygameLikeChannel, object]:
    """A track whose chunk 0 plays and chunk 1 is queued, from t=50 s (1 kHz, 0.25 s
    chunks); the channel then moves only when the test moves it."""
    monkeypatch.setattr(audio, "mixer_format", lambda: (1000, 2))
    monkeypatch.setattr(audio, "_buffer_frames", 20)  # 20 ms of device buffer
    now = FakeTime(50.0)
    track = AudioTrack("clip.mp4", mixer_rate=1000, mixer_channels=2, clock=now)
    track._has_audio = True
    track._ready.extend(np.zeros((250, 2), np.int16) for _ in range(12))
    channel = PygameLikeChannel()
    sink = fake_sink(monkeypatch, channel)
    track._feed(sink)
    track._feed(sink)
    return track, now, channel, sink


def test_a_sound_output_that_stops_for_a_moment_is_waited_for_then_followed(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """Guards a server (or a machine) that hangs for a second: the clip lost its sound
    for the rest of its run (a 10-minute interview went on silent). The picture runs on
    while the output is stuck, then waits for the sound and follows it again."""
    track, now, channel, sink = _stuck_track(monkeypatch)
    clock = AvClock(now, track.position_s)
    latency = track._play_clock.latency_s
    now.t = 50.0 + 0.25 + latency + 0.6  # chunk 0 overdue past the grace: stuck
    with caplog.at_level(logging.WARNING):
        stuck_at = clock.now()
    assert track.position_s() is STUCK and track.error is None
    assert "waits for the sound when it moves again" in caplog.text
    now.t += 1.0
    assert clock.now() == pytest.approx(stuck_at + 1.0)  # the picture runs on
    # The output moves again: chunk 1 starts now, its sound far behind the picture.
    channel.sound, channel.queued = channel.queued, None
    track._feed(sink)
    assert track.position_s() == pytest.approx(0.25 - latency)
    held = clock.now()
    assert held == pytest.approx(stuck_at + 1.0)  # the picture waits for the sound ...
    for _ in range(8):  # ... which plays on, a chunk at a time ...
        now.t += 0.25
        channel.sound, channel.queued = channel.queued, None
        track._feed(sink)
        sound = track.position_s()
        assert isinstance(sound, float)
        assert clock.now() == pytest.approx(max(held, sound), abs=1e-3)
    assert sound > held and track.error is None  # ... and is followed again


def test_a_stuck_sound_output_lets_the_picture_run_on(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    """The channel never moves past its first chunk (a hung sound server): the clip's
    clock runs on by itself half a second after the chunk should have ended, so the
    picture does not freeze, and the sound is given up after OUTPUT_GIVE_UP_S."""
    track, now, _, _ = _stuck_track(monkeypatch)  # then the output hangs
    clock = AvClock(now, track.position_s)
    latency = track._play_clock.latency_s
    now.t += 0.2
    assert clock.now() == pytest.approx(0.2 - latency)
    now.t = 50.0 + 0.25 + latency + 0.4  # overdue, within the grace: the sound still leads
    assert clock.now() == pytest.approx(0.25 - latency)  # held at the chunk's end
    assert track.error is None
    now.t += 0.2
    with caplog.at_level(logging.WARNING):
        stuck_at = clock.now()
    assert stuck_at == pytest.approx(0.25 - latency + 0.2)  # on from the last reading
    assert track.error is None and track.position_s() is STUCK  # waited for, a while
    assert "the sound output stopped moving" in caplog.text
    now.t += 1.0
    assert clock.now() == pytest.approx(stuck_at + 1.0)  # the picture runs on
    now.t += audio.OUTPUT_GIVE_UP_S
    with caplog.at_level(logging.WARNING):
        assert clock.now() == pytest.approx(stuck_at + 1.0 + audio.OUTPUT_GIVE_UP_S)
    assert track.error == "the sound output stopped" and track.position_s() is None
    assert "the clip plays on without sound" in caplog.text


def test_a_slow_first_sound_read_is_waited_out_then_reads_stall_sooner(
        open_track, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards against a clip that plays silent after a cold boot: the first chunk may
    take FIRST_READ_TIMEOUT_S (15 s) to decode; after it, 5 s without a chunk is a stall."""
    gates = [threading.Event(), threading.Event()]
    waiting = [threading.Event(), threading.Event()]  # a read is held up at that gate

    def slow_pcm(path, rate, channels, start_s=0.0, end_s=None, stop=None, on_open=None,
                 **kwargs):
        on_open(True)
        for gate, held in zip(gates, waiting, strict=True):
            held.set()
            gate.wait(10)  # a cold disk, then a dead share
            for _ in range(3):
                yield np.zeros((RATE // 4, 2), np.int16)

    monkeypatch.setattr(audio, "decode_pcm", slow_pcm)
    now = FakeTime(100.0)
    track = open_track("clip.mp4", clock=now, chunk_s=0.25, max_chunks=4)
    wait_for(waiting[0].is_set)
    now.t += 14.9
    assert track.error is None  # three times the stall limit: still waited for
    gates[0].set()
    wait_for(waiting[1].is_set)  # the first chunks are out; a later read is held up
    assert track.ready
    now.t += 5.1
    assert track.error == "audio decoder stalled"
    gates[1].set()


def test_play_clock_stalls_only_past_the_chunk_and_its_grace() -> None:
    c = PlayClock(rate=1000, latency_s=0.02)
    assert not c.stalled(99.0, 0.5)  # nothing playing
    c.queued("a", 250)
    c.observe(10.0, "a")
    assert not c.stalled(10.0 + 0.25 + 0.02 + 0.49, 0.5)
    assert c.stalled(10.0 + 0.25 + 0.02 + 0.51, 0.5)
    c.pause(10.1)
    assert not c.stalled(20.0, 0.5)  # paused on purpose
    c.resume(20.0)
    c.observe(20.1, None)  # the chunk ended: idle is not stuck
    assert not c.stalled(30.0, 0.5)


# ------------------------------------------------------------------ clocks (pure)


class FakeTime:
    def __init__(self, t: float = 1000.0) -> None:
        self.t = t

    def __call__(self) -> float:
        return self.t


def test_play_clock_follows_chunk_hand_overs() -> None:
    c = PlayClock(rate=1000, latency_s=0.0)
    assert c.position(0.0) == 0.0
    c.queued("a", 250)
    c.queued("b", 250)
    c.observe(10.0, "a")
    assert c.position(10.1) == pytest.approx(0.1)
    assert c.position(10.4) == pytest.approx(0.25)  # clamped to chunk a: b not seen yet
    c.observe(10.26, "b")  # b started late (a poll's delay): no jump back
    assert c.position(10.26) == pytest.approx(0.25)
    assert c.position(10.36) == pytest.approx(0.35)
    c.observe(10.6, None)  # idle: everything queued was heard
    assert c.position(99.0) == pytest.approx(0.5)


def test_the_sound_thread_sleeps_between_hand_overs_and_watches_each_one_closely(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards the clip path's CPU: polled every 5 ms, the sound thread woke 200 times a
    second beside every clip (3.5 % of a core at 1080p30). It now sleeps while no
    hand-over can be seen, and polls as closely as before from one SDL buffer and a
    margin before the chunk's end (where the clock is set from), and while nothing
    plays yet (a start)."""
    c = PlayClock(rate=1000, seen_early_s=0.02)
    assert c.quiet_s(5.0, 0.025) == 0.0  # nothing playing: watch closely
    c.queued("a", 250)
    c.observe(10.0, "a")
    assert c.quiet_s(10.0, 0.025) == pytest.approx(0.25 - 0.02 - 0.025)
    assert c.quiet_s(10.21, 0.025) == 0.0  # near the hand-over: poll
    c.pause(10.05)
    assert c.quiet_s(10.06, 0.025) == 0.0

    rate, poll = 1000, 0.005
    monkeypatch.setattr(audio, "mixer_format", lambda: (rate, 2))
    monkeypatch.setattr(audio, "_buffer_frames", 20)
    now = FakeTime(50.0)
    track = AudioTrack("clip.mp4", mixer_rate=rate, mixer_channels=2, clock=now,
                       poll_s=poll, output_latency=lambda: 0.030)
    assert track._sleep_s() == poll  # before the sound starts
    track._play_clock.queued(0, 250)
    track._play_clock.observe(50.0, 0)
    assert track._sleep_s() == audio.MAX_SLEEP_S  # a quarter second of sound ahead
    now.t = 50.2
    quiet = 50.0 + 0.25 - 0.02 - audio.QUIET_MARGIN_S - poll - now.t
    assert track._sleep_s() == pytest.approx(quiet)
    now.t = 50.21
    assert track._sleep_s() == poll  # the hand-over is near
    track.pause()
    assert track._sleep_s() == audio.MAX_SLEEP_S  # resume wakes it


def test_play_clock_pauses_and_subtracts_the_device_buffer() -> None:
    c = PlayClock(rate=1000, latency_s=0.02)
    c.queued(1, 1000)
    c.observe(0.0, 1)
    assert c.position(0.01) == 0.0  # still inside the device buffer: never negative
    assert c.position(0.30) == pytest.approx(0.28)
    c.pause(0.30)
    assert c.position(5.0) == pytest.approx(0.28)
    c.resume(5.0)
    assert c.position(5.1) == pytest.approx(0.38)


def test_play_clock_re_anchors_each_chunk_so_drift_does_not_add_up() -> None:
    """The sound card runs 1% slow against the system clock for 100 chunks: the clock
    ends within one chunk's share of drift, not 100 chunks' worth."""
    c = PlayClock(rate=1000)
    t = 0.0
    for k in range(100):
        c.queued(k, 250)
        c.observe(t, k)
        t += 0.25 * 1.01
    assert c.position(t) == pytest.approx(25.0, abs=0.003)


def test_av_clock_uses_the_sound_then_continues_on_monotonic_time() -> None:
    now = FakeTime()
    pos: list[float | None] = [0.0]
    clock = AvClock(now, lambda: pos[0])
    assert clock.on_audio and clock.now() == 0.0
    now.t += 1.0
    pos[0] = 0.97  # the sound is a little behind the system clock: the sound wins
    assert clock.now() == pytest.approx(0.97)
    now.t += 0.5
    pos[0] = None  # the sound ended (shorter than the pictures)
    assert clock.now() == pytest.approx(1.47)
    assert not clock.on_audio
    pos[0] = 5.0  # a late report from the sound is ignored from now on
    now.t += 0.1
    assert clock.now() == pytest.approx(1.57)


def test_av_clock_without_sound_is_monotonic_and_pauses() -> None:
    now = FakeTime()
    clock = AvClock(now)
    now.t += 2.0
    assert clock.now() == pytest.approx(2.0)
    clock.pause()
    now.t += 10.0
    assert clock.now() == pytest.approx(2.0)
    clock.resume()
    now.t += 0.5
    assert clock.now() == pytest.approx(2.5)


def test_av_clock_pause_with_sound_and_never_backwards() -> None:
    now = FakeTime()
    pos: list[float | None] = [1.0]
    clock = AvClock(now, lambda: pos[0])
    assert clock.now() == 1.0
    clock.pause()
    pos[0] = 1.2  # whatever the sound says while paused, the clip stands still
    assert clock.now() == 1.0
    clock.resume()
    pos[0] = 0.9  # an estimate that steps back must not replay frames
    assert clock.now() == 1.0
    pos[0] = 1.3
    assert clock.now() == pytest.approx(1.3)


# ------------------------------------------------------------------ mixer edge


def test_init_mixer_without_a_device_returns_false_and_logs_once(
        monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture) -> None:
    def no_device(**kwargs: object) -> None:
        raise pygame.error("dsp: No such audio device")

    monkeypatch.setattr(pygame.mixer, "get_init", lambda: None)
    monkeypatch.setattr(pygame.mixer, "init", no_device)
    monkeypatch.setattr(audio, "_mixer_warned", False)
    with caplog.at_level(logging.WARNING, logger="kiosk.media.audio"):
        assert init_mixer() is False
        assert init_mixer() is False
    assert len([r for r in caplog.records if "no audio device" in r.message]) == 1


def test_without_a_mixer_the_clip_plays_on_the_monotonic_clock(
        clips: dict[str, Path], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(pygame.mixer, "get_init", lambda: None)
    track = AudioTrack(clips["stereo"]).start()
    try:
        wait_for(lambda: track.ended, 2)
        assert not track.has_audio and track.ready
        assert track.position_s() is None and track.error is None
    finally:
        assert track.stop()


class FakeMixer:
    """An AudioTrack fed by hand on a channel that plays in fake time: decode, fill and
    feed run on the test's thread, so every step is exact and nothing sleeps."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch, path: Path, **kwargs: object) -> None:
        monkeypatch.setattr(audio, "mixer_format", lambda: (RATE, 2))
        monkeypatch.setattr(audio, "_buffer_frames", 0)  # no device buffer: position = heard
        self.now = FakeTime(0.0)
        self.track = AudioTrack(path, clock=self.now, **kwargs)  # type: ignore[arg-type]
        track = self.track
        self.chunks = self.counted(chunk_pcm(
            decode_pcm(path, RATE, 2, track.start_s, track.end_s,
                       on_open=track._opened), track.chunk_frames, track.fade_frames))
        self.pulled = 0
        self.channel = TimedChannel(RATE)
        track._sink = fake_sink(monkeypatch, self.channel)

    def counted(self, chunks: Iterator[np.ndarray]) -> Iterator[np.ndarray]:
        for chunk in chunks:
            self.pulled += 1
            yield chunk

    def step(self, dt: float) -> bool:
        """dt seconds of fake time, then one round of the feeder; True at the end."""
        self.now.t += dt
        self.channel.advance(self.now.t)
        self.track._fill(self.chunks, one=True)
        return self.track._feed(self.track._sink)  # type: ignore[arg-type]


def test_track_plays_to_the_end_with_a_running_clock(clips: dict[str, Path],
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    mixer = FakeMixer(monkeypatch, clips["surround"], start_s=0.2, end_s=0.8, volume=0.5,
                      chunk_s=0.1, max_chunks=3)
    track, step = mixer.track, 0.01
    mixer.track._fill(mixer.chunks)
    assert track.has_audio and track.position_s() == 0.0
    positions = []
    while not mixer.step(step if positions else 0.0):
        assert mixer.now.t < 3, "sound did not end"
        positions.append((mixer.now.t, track.position_s()))
    assert mixer.now.t == pytest.approx(0.6, abs=step)  # 0.6 s of sound, then the end
    assert [p for _, p in positions] == sorted(p for _, p in positions)  # never backwards
    assert positions[-1][1] == pytest.approx(0.6, abs=step)
    # The clock is the sound heard: behind real time by at most one poll, never ahead.
    assert all(-step - 1e-9 <= p - t <= 1e-9 for t, p in positions)
    assert track.max_buffered <= 3  # never more than max_chunks chunks in memory
    assert track.gain == 0.5


def test_a_long_clip_keeps_only_a_few_chunks(clips: dict[str, Path],
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards against memory growth on a 30-minute interview: decoding waits for the
    mixer, holding at most max_chunks chunks however long the sound is."""
    mixer = FakeMixer(monkeypatch, clips["stereo"], chunk_s=0.05, max_chunks=3)
    mixer.track._fill(mixer.chunks)  # not playing yet: decoding stops at the bound
    assert mixer.pulled == 3 and mixer.track.buffered_chunks == 3
    for _ in range(50):  # half a second of sound, decoded as it is played
        mixer.step(0.01)
        assert mixer.track.buffered_chunks <= 3
    assert mixer.pulled > 10 and mixer.track.max_buffered == 3


def test_pause_freezes_the_sound_clock(clips: dict[str, Path],
                                       monkeypatch: pytest.MonkeyPatch) -> None:
    mixer = FakeMixer(monkeypatch, clips["mono22"])
    track = mixer.track
    while (track.position_s() or 0) <= 0.1:
        mixer.step(0.01)
    track.pause()
    frozen = track.position_s()
    for _ in range(20):  # 5 s paused
        assert not mixer.step(0.25)
    assert track.position_s() == frozen and not track.ended and track.error is None
    track.resume()
    for _ in range(10):
        mixer.step(0.01)
    assert track.position_s() == pytest.approx(frozen + 0.1, abs=0.011)


def test_stop_fades_out_and_frees_the_channel(clips: dict[str, Path], open_track) -> None:
    track = open_track(clips["stereo"], chunk_s=0.1)
    wait_for(lambda: track.ready)
    track.play()
    wait_for(lambda: (track.position_s() or 0) > 0.1)
    t0 = time.monotonic()
    assert track.stop(timeout_s=1)
    assert time.monotonic() - t0 < 0.3  # a 20 ms fade, not the rest of the clip
    assert not any(pygame.mixer.Channel(i).get_busy()
                   for i in range(pygame.mixer.get_num_channels()))
    assert not audio._claimed_channels
    assert track.position_s() is None


def test_no_audio_and_bad_files_end_quietly(clips: dict[str, Path], open_track) -> None:
    """Guards against a player crashing on an MP4 with no audio track."""
    silent = open_track(clips["silent"])
    bad = open_track(clips["garbage"])
    wait_for(lambda: silent.ended and bad.ended, 3)
    assert not silent.has_audio and silent.error is None and silent.position_s() is None
    assert bad.error and "cannot be opened" in bad.error
    assert bad.position_s() is None
    silent.play()  # harmless


def test_two_tracks_overlap_on_their_own_channels(clips: dict[str, Path], open_track) -> None:
    """A crossfade between two clips plays both sounds at once."""
    a = open_track(clips["stereo"], start_s=0.5)
    b = open_track(clips["mono22"])
    wait_for(lambda: a.ready and b.ready)
    a.play()
    b.play()
    wait_for(lambda: len(audio._claimed_channels) == 2, 1)
    wait_for(lambda: a.ended, 2)
    assert b.position_s() is not None or b.ended


def test_the_clip_clock_is_smoothed_over_the_chunks_hand_overs() -> None:
    """Guards lip sync beep by beep: each hand-over is seen up to one SDL buffer early
    (where in the buffer the chunk began) plus a poll late, and re-anchoring on each one
    gave the picture up to 30 ms of drift (benchmarks/av_drift.py). Sound plays at a
    steady rate, so the last chunks together say where it is."""
    rate, chunk, buffer = 48000, 12000, 1024
    rng = np.random.default_rng(7)
    raw = PlayClock(rate)
    smooth = PlayClock(rate, seen_early_s=buffer / rate)
    start = 100.0
    errors: dict[str, list[float]] = {"raw": [], "smooth": []}
    for k in range(40):
        for c in (raw, smooth):
            c.queued(k, chunk)
        mixed = start + k * chunk / rate  # when the chunk's first sample really begins
        early = ((k * chunk) % buffer) / rate  # where in its SDL buffer it fell
        seen = mixed - early + rng.uniform(0, 0.005)
        truth_at = mixed + 0.1
        for name, c in (("raw", raw), ("smooth", smooth)):
            c.observe(seen, k)
            errors[name].append(c.position(truth_at) - (k * chunk / rate + 0.1))

    def spread(name: str) -> float:  # about the mean, which the latency figure takes out
        settled = errors[name][8:]
        mean = sum(settled) / len(settled)
        return max(abs(e - mean) for e in settled)

    assert spread("raw") > 0.009
    assert spread("smooth") < 0.003
    # A gap in the sound (an underrun): the next chunk starts late and the clock follows.
    for c in (smooth,):
        c.queued("late", chunk)
        c.observe(start + 40 * chunk / rate + 0.3, "late")
        assert c.position(start + 40 * chunk / rate + 0.3 + 0.1) == pytest.approx(
            40 * chunk / rate + 0.1, abs=0.002)


def test_the_sound_starts_with_the_first_picture(monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards every clip start: the picture waited for the sound to be heard (30-70 ms
    of output latency), so the first picture stayed two refreshes too long at each
    clip start (benchmarks/clip_seams.py). The sound now starts as far in as it is
    heard late, so the clip clock runs from the first picture on, at the picture's
    pace, and the sound heard is the picture's."""
    rate, buffer, poll = 1000, 20, 0.004
    monkeypatch.setattr(audio, "mixer_format", lambda: (rate, 2))
    monkeypatch.setattr(audio, "_buffer_frames", buffer)
    monkeypatch.setattr(AudioTrack, "start", lambda self: self)  # fed by hand, here
    now = FakeTime(50.0)
    track = AudioTrack("clip.mp4", mixer_rate=rate, mixer_channels=2, clock=now,
                       poll_s=poll, output_latency=lambda: 0.030)
    track._has_audio = True
    track._ready.extend(np.full((250, 2), 1000, np.int16) for _ in range(4))
    channel = PygameLikeChannel()
    sink = fake_sink(monkeypatch, channel)
    track.play(at=50.008)  # the first picture goes up with the frame due at 50.008
    track._feed(sink)  # the sound starts at 50.0: heard 30 ms + the mixing lead later
    lead = buffer / rate / 2 - poll / 2  # SDL's next callback: half a buffer on average
    trimmed = round((50.0 + 0.030 + lead - 50.008) * rate)
    assert trimmed == 30
    assert channel.started[0] == (0, 250 - trimmed)
    for picture_s in (0.0, 0.016, 0.033, 0.1):
        assert track.position_s(50.008 + picture_s) == pytest.approx(picture_s, abs=1e-9)
    pcm = track._start_with_picture(np.full((250, 2), 1000, np.int16), 50.0)
    assert pcm[0, 0] == 0 and pcm[-1, 0] == 1000  # faded in again where it now starts

    late = AudioTrack("clip.mp4", mixer_rate=rate, mixer_channels=2, clock=now,
                      poll_s=poll, output_latency=lambda: 0.5)  # a sound server far behind
    late._has_audio = True
    late._ready.extend(np.zeros((250, 2), np.int16) for _ in range(4))
    late_channel = PygameLikeChannel()
    late.play(at=50.0)
    late._feed(fake_sink(monkeypatch, late_channel))
    assert late_channel.started[0] == (0, 250 - round(audio.MAX_START_TRIM_S * rate))
    assert late.position_s(50.4) == 0.0  # the rest of the wait is the picture's


def test_the_clip_clock_approaches_a_small_step_of_the_sound_and_takes_a_big_one() -> None:
    """Guards 60 fps clips on a 60 Hz screen: the sound's position moves by a few
    milliseconds at each chunk hand-over, and a clock stepping with it pushed a picture
    past its refresh (1080p60 dropped frames, each at a hand-over, 0.25 s apart)."""
    now = FakeTime()
    pos = [0.0]
    clock = AvClock(now, lambda: pos[0])
    assert clock.now() == 0.0
    frame = 1 / 60
    readings = []
    for n in range(1, 31):
        now.t += frame
        pos[0] = n * frame + (0.006 if n >= 10 else 0.0)  # the sound steps 6 ms at frame 10
        readings.append(clock.now())
    steps = [b - a for a, b in itertools.pairwise(readings)]
    assert max(steps) < frame + 0.0012  # never more than a little over a frame at once
    assert readings[-1] == pytest.approx(30 * frame + 0.006, abs=0.001)  # and caught up
    now.t += frame
    pos[0] = 31 * frame + 0.5  # a seek or a stall: taken at once
    assert clock.now() == pytest.approx(31 * frame + 0.5)


def _adts(path: Path, rate: int, layout: str, seconds: float) -> bytes:
    import av

    with av.open(str(path), "w", format="adts") as c:
        stream = c.add_stream("aac", rate=rate, layout=layout)
        t = np.arange(int(rate * seconds)) / rate
        tone = (np.sin(2 * np.pi * 440 * t) * 0.3).astype(np.float32)
        frame = av.AudioFrame.from_ndarray(np.tile(tone, (1 if layout == "mono" else 2, 1)),
                                           format="fltp", layout=layout)
        frame.sample_rate = rate
        for packet in [*stream.encode(frame), *stream.encode(None)]:
            c.mux(packet)
    return path.read_bytes()


def test_sound_that_changes_rate_and_channels_mid_way_plays_on(tmp_path: Path) -> None:
    """Guards a damaged or joined clip: its sound went from mono 22.05 kHz to stereo
    48 kHz half-way, the resampler refused the new frames, and the sound thread died
    with a traceback in the log (seen in CI on a clip damaged after its middle). Both
    halves now play, each converted to the mixer's format."""
    joined = tmp_path / "joined.aac"
    joined.write_bytes(_adts(tmp_path / "a.aac", 22050, "mono", 1.0)
                       + _adts(tmp_path / "b.aac", 48000, "stereo", 1.0))
    pcm = np.concatenate(list(decode_pcm(joined, 48000, 2)))
    assert pcm.shape[1] == 2
    assert 1.9 * 48000 <= len(pcm) <= 2.2 * 48000  # both seconds, not the first alone
    second_half = pcm[int(1.2 * 48000):int(1.8 * 48000)]
    assert np.abs(second_half.astype(np.int32)).max() > 5000  # the tone, not silence
