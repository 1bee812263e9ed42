"""Hardware decoding falls back to software for real: the clip plays every picture once,
in order, one log line says which decoder failed and why, and the status shows the
decoder in use.

This machine (and CI) has no GPU and no V4L2 M2M device, so the hardware paths here
are real attempts that fail. Where a decoder must open and then fail, or work, a
software FFmpeg decoder stands in for the hardware one through the same code path (a
decoder of its own, fed the container's packets, as `h264_v4l2m2m` is).
"""

from __future__ import annotations

import glob
import logging
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from kiosk.media import video_source
from kiosk.media.decoders import Attempt, Machine, Plan
from kiosk.media.video import VideoReader
from kiosk.media.video_source import AvSource, HardwareDecoding, probe_machine
from tests.clips import make_clip, numbers_played
from tests.conftest import ShowDir

FRAMES = 12  # 0.48 s at 25 fps


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_clip(tmp_path_factory.mktemp("hw") / "c.mp4", 160, 120, FRAMES / 25,
                     audio=None)


def reader_with(clip: Path, hardware: HardwareDecoding, start_s: float = 0.0) -> VideoReader:
    return VideoReader(clip, (160, 120), start_s=start_s, planar=True,
                       open_source=lambda p: AvSource(p, hardware=hardware))


def fallback_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if "falling back to software" in r.getMessage()
            or "decode in software" in r.getMessage()]


def stand_in(monkeypatch: pytest.MonkeyPatch, decoder: str, wrap: Any = None) -> None:
    """Plans `decoder` as if it were a V4L2 M2M one; ``wrap`` replaces its context."""
    monkeypatch.setattr(video_source, "plan_decoders", lambda *a, **k: Plan(
        (Attempt("v4l2m2m", decoder=decoder), Attempt("software"))))
    if wrap is not None:
        opened = AvSource._open_hardware

        def open_wrapped(self: AvSource, attempt: Attempt) -> None:
            opened(self, attempt)
            self._ctx = wrap(self._ctx)

        monkeypatch.setattr(AvSource, "_open_hardware", open_wrapped)


def test_v4l2m2m_without_a_device_plays_the_clip_in_software_and_says_why(
        clip: Path, caplog: pytest.LogCaptureFixture):
    """Guards a black screen where the setting names hardware the machine lacks: with
    `video.decoder: v4l2m2m` on this machine (FFmpeg has h264_v4l2m2m, no /dev/video
    exists) the decoder is really opened, fails, one warning says so, and the clip
    plays every picture in software."""
    assert not glob.glob("/dev/video*"), "this test is for a machine without V4L2 devices"
    assert "h264_v4l2m2m" in probe_machine().decoders
    caplog.set_level(logging.INFO)
    reader = reader_with(clip, HardwareDecoding("v4l2m2m"))
    assert numbers_played(reader) == list(range(FRAMES))
    assert reader.decoder == "software"
    assert reader.decoder_fallback.startswith("h264_v4l2m2m failed: no /dev/video device")
    line, = fallback_lines(caplog)
    assert line.levelno == logging.WARNING and line.exc_info is None
    assert line.getMessage().startswith("c.mp4: hardware decoder h264_v4l2m2m failed on h264")
    assert "no /dev/video device" in line.getMessage()


def test_auto_on_a_machine_without_hardware_decodes_in_software_quietly(
        clip: Path, caplog: pytest.LogCaptureFixture):
    """The default on this machine (no GPU, no V4L2 device): software, no warning."""
    assert not glob.glob("/dev/video*") and not glob.glob("/dev/dri/renderD*")
    caplog.set_level(logging.INFO)
    reader = reader_with(clip, HardwareDecoding("auto"))
    assert numbers_played(reader) == list(range(FRAMES))
    assert reader.decoder == "software" and reader.decoder_fallback == ""
    assert fallback_lines(caplog) == [] and not [
        r for r in caplog.records if r.levelno >= logging.WARNING]


def test_vaapi_that_cannot_open_its_device_falls_back(clip: Path,
                                                      caplog: pytest.LogCaptureFixture):
    """A VA-API device that cannot be opened (here: its render node is missing) is a
    logged fallback, not a clip skipped or a traceback."""
    machine = Machine(hw_devices=frozenset({"vaapi"}), render_nodes=("/dev/dri/renderD199",))
    caplog.set_level(logging.INFO)
    reader = reader_with(clip, HardwareDecoding("auto", machine))
    assert numbers_played(reader) == list(range(FRAMES))
    assert reader.decoder == "software"
    assert reader.decoder_fallback.startswith("vaapi failed: ")
    line, = fallback_lines(caplog)
    assert "hardware decoder vaapi failed" in line.getMessage() and line.exc_info is None


def test_vaapi_from_an_ffmpeg_without_it_is_said_once(clip: Path,
                                                      caplog: pytest.LogCaptureFixture):
    """Guards a silent software fallback, and a log flooded once per clip: asking for
    VA-API from an FFmpeg built without it says so once, for every clip after too."""
    hardware = HardwareDecoding("vaapi", Machine(hw_devices=frozenset({"cuda", "drm"})))
    caplog.set_level(logging.INFO)
    for _ in range(2):
        reader = reader_with(clip, hardware)
        assert numbers_played(reader) == list(range(FRAMES))
        assert reader.decoder == "software"
        assert reader.decoder_fallback == "this FFmpeg was built without VA-API"
    line, = fallback_lines(caplog)
    assert line.getMessage() == ("video.decoder is vaapi, but this FFmpeg was built "
                                 "without VA-API: clips decode in software")


def test_a_decoder_that_failed_is_not_tried_again_for_the_next_clip(
        clip: Path, caplog: pytest.LogCaptureFixture):
    hardware = HardwareDecoding("v4l2m2m", Machine(decoders=frozenset({"h264_v4l2m2m"})))
    caplog.set_level(logging.INFO)
    first = reader_with(clip, hardware)
    numbers_played(first)
    second = reader_with(clip, hardware)
    assert numbers_played(second) == list(range(FRAMES))
    assert len(fallback_lines(caplog)) == 1
    assert second.decoder_fallback == "h264_v4l2m2m failed before on h264"


def test_a_decoder_that_opens_but_fails_on_its_first_packets_hands_over(
        clip: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """Guards a clip that never starts when the hardware accepts the stream and then
    cannot decode it (an unsupported profile): here an HEVC decoder fed H.264."""
    stand_in(monkeypatch, "hevc")
    caplog.set_level(logging.INFO)
    reader = reader_with(clip, HardwareDecoding("v4l2m2m", Machine()))
    assert numbers_played(reader) == list(range(FRAMES))
    assert reader.decoder == "software" and reader.decoder_fallback.startswith("hevc failed")
    assert len(fallback_lines(caplog)) == 1


class FailsAfter:
    """A decoder context that gives up after ``pictures`` pictures (a device that
    errors mid-way through the clip's start)."""

    def __init__(self, ctx: Any, pictures: int) -> None:
        self.ctx, self.left = ctx, pictures

    def decode(self, packet: Any) -> list[Any]:
        if self.left <= 0:
            raise RuntimeError("device error")
        frames = self.ctx.decode(packet)
        self.left -= len(frames)
        return frames

    def flush_buffers(self) -> None:
        self.ctx.flush_buffers()


def test_a_decoder_failing_after_its_first_pictures_shows_none_twice(
        clip: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """Guards a stutter at a fallback: the pictures the hardware decoder already gave
    are not shown again by software, and none is left out."""
    stand_in(monkeypatch, "h264", lambda ctx: FailsAfter(ctx, 3))
    caplog.set_level(logging.INFO)
    reader = reader_with(clip, HardwareDecoding("v4l2m2m", Machine()))
    assert numbers_played(reader) == list(range(FRAMES))
    assert reader.decoder == "software"
    assert reader.decoder_fallback == "h264 failed: device error"


def test_a_fallback_after_a_seek_resumes_where_the_clip_starts(
        clip: Path, monkeypatch: pytest.MonkeyPatch):
    stand_in(monkeypatch, "h264", lambda ctx: FailsAfter(ctx, 7))
    reader = reader_with(clip, HardwareDecoding("v4l2m2m", Machine()), start_s=0.2)
    assert numbers_played(reader) == list(range(5, FRAMES))
    assert reader.decoder == "software"


class Silent(FailsAfter):
    def decode(self, packet: Any) -> list[Any]:
        self.ctx.decode(packet)
        return []


class WrongTimes(FailsAfter):
    def decode(self, packet: Any) -> list[Any]:
        frames = self.ctx.decode(packet)
        for frame in frames:
            frame.pts = frame.pts * 1000 + 10**9  # a time base mix-up
        return frames


@pytest.mark.parametrize(("wrap", "why"), [(Silent, "no picture"),
                                           (WrongTimes, "no usable timestamps")])
def test_a_decoder_with_no_pictures_or_wrong_times_is_not_trusted(
        clip: Path, monkeypatch: pytest.MonkeyPatch, wrap: type, why: str):
    """A decoder that swallows the clip, or whose timestamps are not the file's, would
    show a frozen or a black clip: the trial catches both and software takes over."""
    stand_in(monkeypatch, "h264", lambda ctx: wrap(ctx, 0))
    reader = reader_with(clip, HardwareDecoding("v4l2m2m", Machine()))
    assert numbers_played(reader) == list(range(FRAMES))
    assert reader.decoder == "software" and reader.decoder_fallback == f"h264 failed: {why}"


def test_a_decoder_of_its_own_that_works_keeps_the_clip(clip: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    """The V4L2 M2M path (a decoder of its own, fed the container's packets, flushed on
    a seek) plays the clip itself when its decoder works: no needless fallback."""
    stand_in(monkeypatch, "h264")
    reader = reader_with(clip, HardwareDecoding("v4l2m2m", Machine()))
    assert numbers_played(reader) == list(range(FRAMES))
    assert reader.decoder == "h264" and reader.decoder_fallback == ""
    reader = reader_with(clip, HardwareDecoding("v4l2m2m", Machine()), start_s=0.2)
    assert numbers_played(reader) == list(range(5, FRAMES))
    assert reader.decoder == "h264"


@pytest.fixture
def running_clip(show_dir: ShowDir) -> Iterator[Any]:
    from kiosk.app import App, RunOptions
    from kiosk.playback.clock import FakeClock
    from kiosk.show.paths import ShowPaths

    make_clip(show_dir.assets / "clip.mp4", 160, 120, 3.0, fps=25, audio=None)
    show_dir.manifest("a.yaml", "items:\n  - video: clip.mp4\n    transition: cut\n")
    show_dir.settings("video:\n  decoder: v4l2m2m\n")
    app = App(ShowPaths(show_dir.exhibits, show_dir.assets, show_dir.config),
              RunOptions(windowed=True, size=(320, 240)), clock=FakeClock(100.0))
    app.setup()
    try:
        yield app
    finally:
        app.teardown()


def test_the_status_shows_the_decoder_of_the_clip_on_screen(
        running_clip: Any, caplog: pytest.LogCaptureFixture):
    """An operator can see from afar which decoder a clip uses, and why not hardware:
    the running kiosk's status says `software` and the failed hardware decoder."""
    app = running_clip
    caplog.set_level(logging.INFO)
    assert app.snapshot(app.clock.now())["clip_decoder"] is None  # no clip on screen yet
    decoder = None
    for _ in range(2000):
        app.clock.advance(1 / 60)
        app.frame_once(app.clock.now())
        decoder = app.snapshot(app.clock.now())["clip_decoder"]
        if decoder is not None:
            break
        threading.Event().wait(0.005)  # the clip opens on its reader thread
    assert decoder is not None, "the clip never played"
    assert decoder["clip"] == "clip.mp4" and decoder["decoder"] == "software"
    assert decoder["setting"] == "v4l2m2m"
    assert decoder["fallback"].startswith("h264_v4l2m2m failed: no /dev/video device")
    assert any("playing clip.mp4" in r.getMessage() and "(software decoding)" in r.getMessage()
               for r in caplog.records)
    assert len(fallback_lines(caplog)) == 1


def test_a_machine_that_cannot_be_asked_decodes_in_software(
        clip: Path, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch):
    """Guards a clip lost to the hardware check itself: if asking FFmpeg or /dev fails,
    one warning, and clips play in software."""
    def broken() -> Machine:
        raise OSError("no /dev")

    monkeypatch.setattr(video_source, "probe_machine", broken)
    caplog.set_level(logging.INFO)
    reader = reader_with(clip, HardwareDecoding("auto"))
    assert numbers_played(reader) == list(range(FRAMES))
    assert reader.decoder == "software"
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == [
        "cannot tell which hardware decoders this machine has (no /dev): clips decode in "
        "software"]


def test_a_finished_clip_lets_its_decoder_go_and_still_says_which_it_was(clip: Path):
    """Guards memory at the end of every clip: the reader kept its source for the status,
    so the decoder's frame buffers outlived the clip (peak RSS +40 MiB at 1080p as the
    show moved on)."""
    import gc
    import weakref

    sources: list[weakref.ref[AvSource]] = []

    def open_source(path: Path) -> AvSource:
        source = AvSource(path, hardware=HardwareDecoding("software"))
        sources.append(weakref.ref(source))
        return source

    reader = VideoReader(clip, (160, 120), planar=True, open_source=open_source)
    assert numbers_played(reader)
    gc.collect()
    assert sources and sources[0]() is None
    assert reader.decoder == "software"
