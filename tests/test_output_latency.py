"""The sound output's reported latency and the clip clock: the pure estimate and clock on
fake time, the probe thread on a fake server, and the feeder handing the figure on.

The probe against a real PulseAudio server is checked by tools/checks/pulse_latency.sh
(it needs the server's Debian packages); lip sync through it by benchmarks/av_drift.py.
"""

from __future__ import annotations

import logging
import math
import threading

import numpy as np
import pytest

import kiosk.media.audio as audio
from kiosk.media.audio import AudioTrack
from kiosk.media.output_latency import (
    LATENCY_ENV,
    LatencyEstimate,
    LatencyProbe,
    probe_wanted,
)
from kiosk.media.sound_clock import PlayClock
from tests.conftest import wait_for
from tests.test_audio import FakeTime, PygameLikeChannel, fake_sink


def playing_clock(latency_s: float = 0.021, mix_lead_s: float = 0.0) -> PlayClock:
    c = PlayClock(rate=1000, latency_s=latency_s, mix_lead_s=mix_lead_s)
    c.queued("a", 1000)
    c.observe(10.0, "a")
    return c


def test_a_reported_latency_holds_the_picture_back_by_it() -> None:
    """A sound server whose device holds 60 ms: the clock said the sound at 0.5 s was
    heard 39 ms before it was (it subtracted one 21 ms SDL buffer), so pictures ran
    ahead of the sound. With the report, it subtracts what the server says."""
    assumed, reported = playing_clock(), playing_clock()
    reported.set_latency(0.060)
    assert assumed.position(10.5) == pytest.approx(0.5 - 0.021)
    assert reported.position(10.5) == pytest.approx(0.5 - 0.060)


def test_the_mixing_lead_is_added_to_a_reported_latency_only() -> None:
    """A hand-over is seen, on average, half an SDL buffer before the chunk's first
    sample is mixed: that lead comes on top of the server's figure; the assumed buffer
    already stands for both."""
    c = playing_clock(mix_lead_s=0.008)
    assert c.position(10.5) == pytest.approx(0.5 - 0.021)
    c.set_latency(0.050)
    assert c.position(10.6) == pytest.approx(0.6 - 0.058)


@pytest.mark.parametrize("report", [None, -0.01, math.nan, math.inf, 2.5])
def test_a_missing_or_absurd_report_falls_back_on_the_assumed_buffer(
        report: float | None) -> None:
    """No server, a stream not found, or a figure no device has (negative, not a number,
    over 2 s): the clock keeps the assumed SDL buffer rather than jump by it."""
    c = playing_clock()
    c.set_latency(0.060)
    c.set_latency(report)
    assert c.latency_s == pytest.approx(0.021)
    assert c.position(10.5) == pytest.approx(0.5 - 0.021)


def test_the_estimate_is_the_median_of_the_last_second() -> None:
    """A device's fill moves by a write between readings (12-39 ms seen on one card):
    one reading would shake the picture; the median of the last second does not, and
    it follows a new device within that second."""
    e = LatencyEstimate(window_s=1.0)
    assert e.value(0.0) is None
    for i, reading in enumerate([0.050, 0.070, 0.055, 0.300, 0.060]):
        e.add(i * 0.1, reading)
    assert e.value(0.45) == pytest.approx(0.060)  # the 300 ms spike does not count
    for i in range(10):
        e.add(1.0 + i * 0.1, 0.120)  # a new device with a larger buffer
    assert e.value(1.95) == pytest.approx(0.120)


def test_the_estimate_goes_stale_without_sane_readings() -> None:
    e = LatencyEstimate(window_s=1.0)
    e.add(0.0, 0.050)
    for t, bad in [(0.5, None), (0.6, -1.0), (0.7, math.nan), (0.8, 3.0)]:
        e.add(t, bad)
    assert e.value(0.9) == pytest.approx(0.050)
    assert e.value(1.0) is None  # a second after the last sane one: fall back


def test_the_probe_is_not_started_for_sdl_file_and_null_drivers() -> None:
    assert probe_wanted({})
    assert probe_wanted({"SDL_AUDIODRIVER": "pulseaudio"})
    assert not probe_wanted({"SDL_AUDIODRIVER": "dummy"})
    assert not probe_wanted({"SDL_AUDIODRIVER": "disk"})
    assert not probe_wanted({"SDL_AUDIODRIVER": "pulseaudio", LATENCY_ENV: "assumed"})


class FakeServer:
    """A sound server the probe connects to: answers a latency, or fails."""

    def __init__(self, answers: list[float | Exception | None]) -> None:
        self.answers = answers
        self.connects = 0
        self.closed = 0
        self.asked = threading.Event()

    def connect(self) -> FakeServer:
        self.connects += 1
        return self

    def __call__(self) -> float | None:
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        self.asked.set()
        if isinstance(answer, Exception):
            raise answer
        return answer

    def close(self) -> None:
        self.closed += 1


def test_the_probe_reports_what_the_server_says_from_its_own_thread() -> None:
    server = FakeServer([0.05, 0.07, 0.06])
    now = FakeTime(100.0)
    probe = LatencyProbe(server.connect, every_s=0.001, clock=now).start()
    try:
        wait_for(lambda: probe.readings >= 3, timeout_s=10)
        assert probe.latency_s() == pytest.approx(0.06)
    finally:
        assert probe.stop()
    assert server.closed == 1


def test_a_lost_server_is_logged_once_retried_and_falls_back(
        caplog: pytest.LogCaptureFixture) -> None:
    """The server goes away (or libpulse is missing): one line in the log, the clock
    falls back once the readings are a second old, and the probe connects again."""
    server = FakeServer([0.05, ConnectionError("server gone"), ConnectionError("gone")])
    now = FakeTime(100.0)
    probe = LatencyProbe(server.connect, every_s=0.001, retry_s=0.001, clock=now)
    with caplog.at_level(logging.INFO, logger="kiosk.sound"):
        probe.start()
        try:
            wait_for(lambda: server.connects >= 3, timeout_s=10)
            assert probe.latency_s() == pytest.approx(0.05)
            now.t += 1.0
            assert probe.latency_s() is None
        finally:
            assert probe.stop()
    assert caplog.text.count("sound server latency not available") == 1


def test_the_feeder_hands_the_reported_latency_to_the_clip_clock(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """The audio thread reads the probe's figure at each poll, so a clip's clock holds
    the picture back by the output's real latency (and by the assumed buffer while the
    probe has nothing)."""
    monkeypatch.setattr(audio, "mixer_format", lambda: (1000, 2))
    monkeypatch.setattr(audio, "_buffer_frames", 20)
    now = FakeTime(50.0)
    reported: list[float | None] = [None]
    track = AudioTrack("clip.mp4", mixer_rate=1000, mixer_channels=2, clock=now,
                       poll_s=0.004, output_latency=lambda: reported[0])
    track._has_audio = True
    track._ready.extend(np.zeros((250, 2), np.int16) for _ in range(4))
    sink = fake_sink(monkeypatch, PygameLikeChannel())
    track._feed(sink)
    now.t += 0.1
    assert track.position_s() == pytest.approx(0.1 - 0.020)
    reported[0] = 0.070
    track._feed(sink)
    now.t += 0.1
    assert track.position_s() == pytest.approx(0.2 - 0.070 - (0.010 - 0.002))
