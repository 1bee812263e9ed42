"""Video: probe, frame choice, the reader thread, bad files and stalls.

Clips are tiny H.264 files written with PyAV (tests/clips.py); each frame's number is
readable from its pixels, so order, trims and drops are checked on real decodes. Every wait
has a deadline: a hanging decoder fails the test instead of hanging the suite.
"""

from __future__ import annotations

import itertools
import math
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.media.frame_pool import FramePool
from kiosk.media.images import fit_size
from kiosk.media.video import (
    PTS_TOLERANCE_S,
    STALLED,
    VideoError,
    VideoInfo,
    VideoReader,
    clean_pts,
    fit_frame,
    pick_frame,
    probe_video,
)
from tests.clips import frame_number, make_clip, truncate
from tests.conftest import wait_for

FPS = 25
FRAME_S = 1 / FPS


@pytest.fixture(scope="session")
def clips(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    d = tmp_path_factory.mktemp("clips")
    out = {
        "av": make_clip(d / "av.mp4", seconds=2.0),
        "silent": make_clip(d / "silent.mp4", seconds=1.0, audio=None),
        "rot90": make_clip(d / "rot90.mp4", seconds=0.4, audio=None, rotation_cw=90),
        "odd": make_clip(d / "odd.mp4", 161, 97, seconds=0.6, audio=None),
        "audio_only": make_clip(d / "audio_only.mp4", seconds=0.5, video=False),
        "long_fs": make_clip(d / "long_fs.mp4", seconds=3.0, audio=None, faststart=True),
    }
    out["truncated"] = truncate(out["av"], d / "truncated.mp4")  # moov is at the end
    out["cut_middle"] = truncate(out["long_fs"], d / "cut_middle.mp4", 0.5)
    garbage = d / "garbage.mp4"
    garbage.write_bytes(np.random.default_rng(1).integers(0, 256, 20_000, np.uint8).tobytes())
    out["garbage"] = garbage
    empty = d / "empty.mp4"
    empty.write_bytes(b"")
    out["empty"] = empty
    return out


@pytest.fixture
def open_reader() -> Iterator[Callable[..., VideoReader]]:
    """Start readers that are always stopped (and joined) after the test."""
    readers: list[VideoReader] = []

    def make(*args: object, **kwargs: object) -> VideoReader:
        r = VideoReader(*args, **kwargs)  # type: ignore[arg-type]
        readers.append(r)
        return r.start()

    yield make
    for r in readers:
        assert r.stop(timeout_s=5), "reader thread did not stop"


def play_all(reader: VideoReader, step_s: float = FRAME_S / 2,
             timeout_s: float = 5.0) -> list[tuple[float, int, tuple[int, ...]]]:
    """Every frame, in order, by advancing a fake clip clock in half-frame steps and
    asking only when a frame is queued (so none is dropped for lateness)."""
    out = []
    clock = 0.0
    deadline = time.monotonic() + timeout_s
    while not reader.ended:
        assert time.monotonic() < deadline, "clip did not end in time"
        if reader.queued == 0:
            if reader.decoding_done:
                clock += step_s  # let the clock run past the last frame
                assert reader.frame_at(clock) is None
            else:  # the decoder thread is still at work
                wait_for(lambda: reader.queued > 0 or reader.decoding_done, timeout_s)
            continue
        got = reader.frame_at(clock)
        if got is None:
            clock += step_s
        else:
            pts, frame = got
            out.append((pts, frame_number(frame), frame.shape))
    return out


# ------------------------------------------------------------------ pick_frame


def _pick_spec(queue: list[float], clock: float) -> tuple[int | None, int]:
    """Straight from the definition: the longest run of due frames at the head."""
    due = 0
    while due < len(queue) and queue[due] <= clock + PTS_TOLERANCE_S:
        due += 1
    return (None, 0) if due == 0 else (due - 1, due - 1)


def test_pick_frame_exhaustive_small_queues() -> None:
    """Every sorted queue of up to 5 frames on a 40 ms grid, against every clock nearby."""
    grid = [i * 0.04 for i in range(7)]
    clocks = [c + d for c in grid for d in (-0.01, -0.001, 0.0, 0.001, 0.01)] + [-1.0, 99.0]
    for n in range(6):
        for queue in itertools.combinations(grid, n):
            for clock in clocks:
                assert pick_frame(list(queue), clock) == _pick_spec(list(queue), clock), (
                    queue, clock)


@given(st.lists(st.floats(-5, 50, allow_nan=False), max_size=12),
       st.floats(-5, 60, allow_nan=False))
def test_pick_frame_never_shows_a_future_frame(queue: list[float], clock: float) -> None:
    index, drop = pick_frame(queue, clock)
    if index is None:
        assert drop == 0
        assert not queue or queue[0] > clock + PTS_TOLERANCE_S
    else:
        assert drop == index  # only frames before the shown one are dropped
        assert all(p <= clock + PTS_TOLERANCE_S for p in queue[: index + 1])
        assert index + 1 == len(queue) or queue[index + 1] > clock + PTS_TOLERANCE_S


def test_pick_frame_edges() -> None:
    assert pick_frame([], 1.0) == (None, 0)
    assert pick_frame([0.0, 0.04], math.nan) == (None, 0)
    assert pick_frame([0.0, 0.04], math.inf) == (None, 0)
    assert pick_frame([0.04], 0.039) == (0, 0)  # within tolerance of the clock
    assert pick_frame([0.0, 0.04, 0.08], 0.079) == (2, 2)
    # A broken, backwards timestamp waits behind the frame before it: never out of order.
    assert pick_frame([0.0, 0.5, 0.1], 0.2) == (0, 0)


def _cadence(margin_s: float) -> tuple[int, int]:
    """A 60 fps clip on a 60 Hz screen whose clock sits on a frame boundary and wobbles
    by 2.5 ms either way (a sound clock re-anchored at chunk hand-overs): the frames
    dropped and the refreshes that got no new frame, over 5 s."""
    period = 1 / 60
    queue = [k * period for k in range(400)]
    dropped = repeated = 0
    for n in range(1, 300):
        clock = n * period - PTS_TOLERANCE_S + (0.0025 if n % 3 else -0.0025)
        index, drop = pick_frame(queue[:6], clock, margin_s=margin_s)
        if index is None:
            repeated += 1
            continue
        dropped += drop
        del queue[: index + 1]
    return dropped, repeated


def test_a_margin_keeps_one_frame_a_refresh_against_a_wobbling_clock() -> None:
    dropped, repeated = _cadence(margin_s=0.25 / 60)
    assert dropped == 0 and repeated <= 1  # it settles inside the margin at once
    no_margin = _cadence(margin_s=0.0)
    assert no_margin[0] >= 90 and no_margin[1] >= 90  # every third refresh, twice


@given(st.lists(st.floats(-5, 50, allow_nan=False), max_size=12),
       st.floats(-5, 60, allow_nan=False), st.floats(0, 0.01))
def test_a_margin_never_shows_a_frame_early_and_drops_only_that_far_past_due(
        queue: list[float], clock: float, margin: float) -> None:
    index, drop = pick_frame(queue, clock, margin_s=margin)
    if index is None:
        assert drop == 0
    else:
        assert drop == index
        assert queue[0] <= clock + PTS_TOLERANCE_S
        assert all(p <= clock + PTS_TOLERANCE_S - margin for p in queue[1: index + 1])


def test_clean_pts() -> None:
    assert clean_pts(None, 0.0, FRAME_S) == 0.0
    assert clean_pts(None, -0.02, FRAME_S) == 0.0
    assert clean_pts(None, math.nan, FRAME_S) == 0.0
    assert clean_pts(0.0, 0.04, FRAME_S) == 0.04
    assert clean_pts(0.04, 0.04, FRAME_S) == pytest.approx(0.08)  # repeated
    assert clean_pts(0.08, 0.02, FRAME_S) == pytest.approx(0.12)  # backwards
    assert clean_pts(0.08, 1e9, FRAME_S) == pytest.approx(0.12)  # wild jump
    assert clean_pts(0.08, math.nan, FRAME_S) == pytest.approx(0.12)
    assert clean_pts(0.08, 5.0, FRAME_S) == 5.0  # a real gap is kept


@pytest.mark.parametrize("fit", ["contain", "cover"])
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_fit_frame_sizes(fit: str, rotation: int) -> None:
    frame = np.zeros((97, 161, 3), np.uint8)
    out = fit_frame(frame, 640, 360, fit, rotation)  # type: ignore[arg-type]
    shown_w, shown_h = (97, 161) if rotation in (90, 270) else (161, 97)
    if fit == "cover":
        assert out.shape == (360, 640, 4)
    else:
        assert out.shape[1::-1] == fit_size(shown_w, shown_h, 640, 360, "contain")
    assert out.dtype == np.uint8 and out.flags.c_contiguous
    assert (out[..., 3] == 255).all()


@pytest.mark.parametrize("fit", ["contain", "cover"])
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
def test_fit_frame_into_pooled_buffers_gives_the_same_picture(fit: str, rotation: int) -> None:
    frame = np.random.default_rng(rotation).integers(0, 256, (97, 161, 3), np.uint8)
    pool = FramePool(4)
    for _ in range(3):  # reused buffers hold the last frame's pixels: all overwritten
        pooled = fit_frame(frame, 640, 360, fit, rotation, pool)  # type: ignore[arg-type]
        assert np.array_equal(pooled, fit_frame(frame, 640, 360, fit, rotation))  # type: ignore[arg-type]
        assert pooled.flags.c_contiguous
        del pooled
    assert pool.allocated <= 3 and pool.overflow == 0


def test_the_pool_never_hands_out_a_buffer_someone_holds() -> None:
    pool = FramePool(2)
    a, b = pool.take((4, 4, 4)), pool.take((4, 4, 4))
    assert not np.shares_memory(a, b)
    corner = a[:1, :1]  # a view keeps its buffer as held as the frame itself
    del a
    c = pool.take((4, 4, 4))  # both pooled buffers are held: an array of its own
    assert not np.shares_memory(c, corner) and not np.shares_memory(c, b)
    assert pool.overflow == 1
    del corner, c
    d = pool.take((8, 4, 4))  # free again, and grown for a larger frame
    assert d.shape == (8, 4, 4) and not np.shares_memory(d, b)
    assert pool.allocated == 3 and pool.held_bytes == 64 + 128


def test_a_pooled_reader_never_overwrites_a_frame_still_held(clips: dict[str, Path],
                                                            open_reader) -> None:
    """Frames kept by the caller (as a layer would, or a slow draw) stay intact while
    the reader decodes on; the pool gives new arrays when all of its buffers are held."""
    pool = FramePool(3)
    reader = open_reader(clips["silent"], (160, 120), "contain", pool=pool)
    held: list[tuple[int, np.ndarray]] = []
    clock = 0.0
    deadline = time.monotonic() + 5.0
    while not reader.ended:
        assert time.monotonic() < deadline, "clip did not end in time"
        got = reader.frame_at(clock)
        if got is not None:
            held.append((frame_number(got[1]), got[1]))
        elif reader.queued == 0 and not reader.decoding_done:
            wait_for(lambda: reader.queued > 0 or reader.decoding_done)
        else:
            clock += FRAME_S / 2
    assert [n for n, _ in held] == list(range(25))
    assert [frame_number(frame) for _, frame in held] == list(range(25))
    assert pool.allocated == 3 and pool.overflow >= 20


def test_a_pooled_reader_reuses_its_buffers(clips: dict[str, Path], open_reader) -> None:
    pool = FramePool(16)
    reader = open_reader(clips["silent"], (160, 120), "contain", queue_frames=4, pool=pool)
    assert [n for _, n, _ in play_all(reader)] == list(range(25))
    # The queue, the frame shown, the one being fitted and its YUV scratch: not one
    # buffer per frame.
    assert pool.allocated <= 4 + 3 and pool.overflow == 0


# ------------------------------------------------------------------ probe


def test_probe_reads_the_clip(clips: dict[str, Path]) -> None:
    info = probe_video(clips["av"])
    assert (info.width, info.height, info.rotation) == (160, 120, 0)
    assert info.fps == pytest.approx(25)
    assert info.duration_s == pytest.approx(2.0, abs=0.1)
    assert info.has_audio and info.audio_channels == 2 and info.audio_rate == 44100
    silent = probe_video(clips["silent"])
    assert not silent.has_audio and silent.audio_channels == 0
    odd = probe_video(clips["odd"])
    assert (odd.width, odd.height) == (161, 97)


def test_probe_swaps_sides_of_a_rotated_clip(clips: dict[str, Path]) -> None:
    """Guards against phone videos shown sideways: a 160x120 clip with a 90° display
    matrix is 120x160 on screen."""
    info = probe_video(clips["rot90"])
    assert info.rotation == 90
    assert (info.raw_width, info.raw_height) == (160, 120)
    assert (info.width, info.height) == (120, 160)


@pytest.mark.parametrize(("name", "words"), [
    ("truncated", "truncated"),
    ("garbage", "not a video"),
    ("audio_only", "no video stream"),
    ("empty", "empty"),
])
def test_probe_refuses_bad_files(clips: dict[str, Path], name: str, words: str) -> None:
    t0 = time.monotonic()
    with pytest.raises(VideoError) as e:
        probe_video(clips[name])
    assert words in e.value.reason
    assert time.monotonic() - t0 < 2.0


def test_probe_missing_file(tmp_path: Path) -> None:
    with pytest.raises(VideoError, match="not found"):
        probe_video(tmp_path / "nope.mp4")


def test_probe_refuses_absurd_frame_rates(clips: dict[str, Path],
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    import kiosk.media.video as video

    monkeypatch.setattr(video, "MAX_FPS", 10.0)
    with pytest.raises(VideoError, match="frame rate 25 fps"):
        probe_video(clips["silent"])
    monkeypatch.setattr(video, "MAX_DURATION_S", 0.5)
    monkeypatch.setattr(video, "MAX_FPS", 240.0)
    with pytest.raises(VideoError, match="duration"):
        probe_video(clips["silent"])


# ------------------------------------------------------------------ reader


def test_reader_plays_every_frame_in_order(clips: dict[str, Path], open_reader) -> None:
    reader = open_reader(clips["silent"], (160, 120), "contain")
    frames = play_all(reader)
    assert [n for _, n, _ in frames] == list(range(25))
    assert [p for p, _, _ in frames] == pytest.approx([i * FRAME_S for i in range(25)],
                                                      abs=1e-3)
    assert all(shape == (120, 160, 4) for _, _, shape in frames)
    assert reader.error is None
    assert reader.stats.decoded == 25 and reader.stats.dropped == 0


def test_reader_trims_start_and_end(clips: dict[str, Path], open_reader) -> None:
    """Start 0.5 s into the clip (between frames 12 and 13) and stop at 1.5 s: the frame on
    screen at 0.5 s is shown at clip time 0, then the rest at their own times."""
    reader = open_reader(clips["av"], (160, 120), "contain", start_s=0.5, end_s=1.5)
    assert reader.start_s == 0.5
    frames = play_all(reader)
    numbers = [n for _, n, _ in frames]
    assert numbers == list(range(12, 38))  # 12 covers 0.48-0.52; 37 covers 1.48-1.52
    pts = [p for p, _, _ in frames]
    assert pts[0] == 0.0
    assert pts[1:] == pytest.approx([n * FRAME_S - 0.5 for n in numbers[1:]], abs=1e-3)
    assert reader.error is None


def test_reader_start_on_a_frame_boundary(clips: dict[str, Path], open_reader) -> None:
    reader = open_reader(clips["silent"], (160, 120), start_s=0.2)
    frames = play_all(reader)
    assert frames[0][:2] == (pytest.approx(0.0, abs=1e-3), 5)
    assert [n for _, n, _ in frames] == list(range(5, 25))


def test_frame_at_drops_late_frames(clips: dict[str, Path], open_reader) -> None:
    """Guards against choppy, slowed-down video: a late render thread skips to the newest
    due frame instead of showing the backlog."""
    reader = open_reader(clips["silent"], (160, 120), queue_frames=6)
    wait_for(lambda: reader.queued == 6)
    assert reader.first_frame_ready
    assert reader.frame_at(-1.0) is None  # nothing due yet
    pts, frame = reader.frame_at(0.13)  # frames 0..3 are due: show 3
    assert (round(pts, 2), frame_number(frame)) == (0.12, 3)
    assert reader.stats.dropped == 3 and reader.stats.shown == 1
    assert reader.frame_at(0.13) is None  # nothing new: keep showing frame 3
    wait_for(lambda: reader.queued == 6)  # the reader refilled behind us
    pts, frame = reader.frame_at(10.0)
    assert frame_number(frame) == 9
    assert reader.stats.dropped == 3 + 5


def test_reader_end_waits_for_the_last_frame_to_be_shown(clips: dict[str, Path],
                                                        open_reader) -> None:
    reader = open_reader(clips["silent"], (160, 120), end_s=0.2)
    wait_for(lambda: reader.queued == 5)
    assert not reader.ended
    assert reader.frame_at(0.17)[1] is not None  # frame 4 (0.16-0.20) goes on screen
    assert not reader.ended  # still on screen until 0.20
    reader.frame_at(0.2)
    wait_for(lambda: reader.ended)  # once the reader has also seen the end of the trim
    assert reader.error is None


def test_reader_contain_and_cover(clips: dict[str, Path], open_reader) -> None:
    contain = open_reader(clips["odd"], (1920, 1080), "contain")
    cover = open_reader(clips["odd"], (1920, 1080), "cover")
    wait_for(lambda: contain.first_frame_ready and cover.first_frame_ready)
    w, h = fit_size(161, 97, 1920, 1080, "contain")
    assert contain.frame_at(0.0)[1].shape == (h, w, 4)
    assert cover.frame_at(0.0)[1].shape == (1080, 1920, 4)


def test_reader_turns_a_rotated_clip_upright(clips: dict[str, Path], open_reader) -> None:
    """The clip is stored landscape with a white square top-left and says "turn 90°
    clockwise": the picture comes out portrait with the square top-right."""
    reader = open_reader(clips["rot90"], (320, 320), "contain")
    wait_for(lambda: reader.first_frame_ready)
    _, frame = reader.frame_at(0.0)
    h, w = frame.shape[:2]
    assert (w, h) == (240, 320)
    corner = frame[: h // 8, :, :3].mean(axis=(0, 2))
    assert corner[-w // 8 :].mean() > 200  # top-right: the square
    assert corner[: w // 8].mean() < 200  # top-left: the picture


def test_opencv_would_rotate_it_the_same_way(clips: dict[str, Path]) -> None:
    """Our rotation agrees with OpenCV's own auto-rotation (which the reader turns off)."""
    cap = cv2.VideoCapture(str(clips["rot90"]), cv2.CAP_FFMPEG)
    try:
        assert cap.get(cv2.CAP_PROP_ORIENTATION_META) % 360 == 90
        ok, auto = cap.read()
    finally:
        cap.release()
    assert ok
    ours = fit_frame(np.ascontiguousarray(np.rot90(auto, 1)), 120, 160, "contain", 90)
    assert np.abs(ours[..., :3].astype(int) - auto.astype(int)).mean() < 2


@pytest.mark.parametrize(("name", "words"), [
    ("truncated", "truncated"),
    ("garbage", "not a video"),
    ("audio_only", "no video stream"),
])
def test_reader_reports_bad_files_quickly(clips: dict[str, Path], open_reader,
                                          name: str, words: str) -> None:
    """Guards against one unexpected file stopping the show."""
    reader = open_reader(clips[name], (160, 120))
    wait_for(lambda: reader.ended, timeout_s=3)
    assert words in (reader.error or "")
    assert not reader.first_frame_ready
    assert reader.frame_at(0.0) is None


def test_reader_reports_a_file_cut_in_the_middle(clips: dict[str, Path], open_reader) -> None:
    """The index is intact (moov at the front) but the data stops half-way: the frames
    there are shown, then the clip ends early with a reason."""
    reader = open_reader(clips["cut_middle"], (160, 120))
    frames = play_all(reader)
    assert 10 < len(frames) < 75
    assert "truncated or corrupt" in (reader.error or "")


class _FakeSource:
    """A decoder that serves numbered BGR frames, blocking before frame ``block_at``."""

    def __init__(self, n: int = 10, block_at: int | None = None,
                 pts_ms: list[float] | None = None) -> None:
        self.n, self.block_at, self.i = n, block_at, 0
        self.pts_ms = pts_ms
        self.release_event = threading.Event()
        self.blocked = threading.Event()  # set once a read is held up at block_at
        self.released = False

    def read(self) -> tuple[float, np.ndarray] | None:
        if self.block_at is not None and self.i == self.block_at:
            self.blocked.set()
            self.release_event.wait(10)  # a dead network share
        if self.i >= self.n:
            return None
        img = np.zeros((8, 8, 3), np.uint8)
        img[:] = self.i
        pts_ms = self.pts_ms[self.i] if self.pts_ms else self.i * 40.0
        self.i += 1
        return pts_ms / 1000.0, img

    def seek(self, seconds: float) -> None:
        pass

    def close(self) -> None:
        self.released = True


def _fake_info(n: int) -> Callable[[str], VideoInfo]:
    return lambda path: VideoInfo(8, 8, 25.0, n / 25, False, 0, 0, 0, 8, 8, n / 25)


def test_stalled_decoder_is_reported_by_its_deadline(open_reader) -> None:
    """Guards against a frozen screen: a read that never returns becomes "decoder
    stalled" once stall_timeout_s passes on the (fake) clock, and the clip ends."""
    now = [100.0]
    cap = _FakeSource(n=10, block_at=3)
    reader = open_reader("fake.mp4", (8, 8), stall_timeout_s=5.0, probe=_fake_info(10),
                         open_source=lambda p: cap, clock=lambda: now[0])
    wait_for(lambda: reader.queued == 3)
    wait_for(cap.blocked.is_set)  # the reader is now blocked in read()
    now[0] += 4.9
    assert reader.error is None and not reader.ended
    now[0] += 0.2
    assert reader.error == "decoder stalled"
    for clock in (0.0, 0.04, 0.08, 0.12):  # the frames before the stall still play
        reader.frame_at(clock)
    assert reader.ended
    cap.release_event.set()  # the read returns at last: the thread leaves at once
    assert reader.stop(timeout_s=2)
    assert cap.released
    assert reader.error == "decoder stalled"


def test_a_slow_first_read_is_waited_out_longer_than_a_stall(open_reader) -> None:
    """Guards against a clip skipped at boot: before its first picture a read may wait on
    a cold disk for FIRST_READ_TIMEOUT_S; only past that is it a stall."""
    now = [100.0]
    cap = _FakeSource(n=10, block_at=0)
    reader = open_reader("fake.mp4", (8, 8), stall_timeout_s=5.0, first_read_timeout_s=15.0,
                         probe=_fake_info(10), open_source=lambda p: cap,
                         clock=lambda: now[0])
    wait_for(cap.blocked.is_set)  # the reader is now blocked in its first read()
    now[0] += 14.9
    assert reader.error is None  # three times the stall limit: still waited for
    cap.release_event.set()  # the disk answers: the clip plays
    wait_for(lambda: reader.first_frame_ready)
    assert reader.error is None
    stuck = _FakeSource(n=10, block_at=0)
    late = open_reader("fake.mp4", (8, 8), stall_timeout_s=5.0, first_read_timeout_s=15.0,
                       probe=_fake_info(10), open_source=lambda p: stuck,
                       clock=lambda: now[0])
    wait_for(stuck.blocked.is_set)
    now[0] += 15.1
    assert late.error == STALLED
    stuck.release_event.set()


def test_a_full_queue_is_not_a_stall(open_reader) -> None:
    """A paused clip stops taking frames; the waiting reader is not stalled."""
    now = [0.0]
    reader = open_reader("fake.mp4", (8, 8), queue_frames=2, stall_timeout_s=1.0,
                         probe=_fake_info(10), open_source=lambda p: _FakeSource(),
                         clock=lambda: now[0])
    wait_for(lambda: reader.queued == 2)
    now[0] += 60
    assert reader.error is None and not reader.ended


def test_broken_timestamps_do_not_freeze_the_clip(open_reader) -> None:
    pts_ms = [0, 40, 40, 20, 9e9, 200, 240]
    reader = open_reader("fake.mp4", (8, 8), probe=_fake_info(7),
                         open_source=lambda p: _FakeSource(7, pts_ms=pts_ms))
    frames = play_all(reader)
    assert [round(p, 2) for p, _, _ in frames] == [0.0, 0.04, 0.08, 0.12, 0.16, 0.2, 0.24]


def test_stop_joins_a_reader_waiting_on_a_full_queue(clips: dict[str, Path]) -> None:
    reader = VideoReader(clips["silent"], (160, 120), queue_frames=2).start()
    wait_for(lambda: reader.queued == 2)
    t0 = time.monotonic()
    assert reader.stop(timeout_s=2)
    assert time.monotonic() - t0 < 0.5
    assert not reader.thread.is_alive()
    assert reader.stop()  # idempotent


def test_reader_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError):
        VideoReader("x.mp4", (0, 10))
    with pytest.raises(ValueError):
        VideoReader("x.mp4", (10, 10), start_s=2, end_s=1)
    with pytest.raises(ValueError):
        VideoReader("x.mp4", (10, 10), fit="stretch")  # type: ignore[arg-type]


def test_pyav_never_calls_back_into_python_from_decoder_threads(clips: dict[str, Path],
                                                                open_reader) -> None:
    """Guards a reader that never stops: with a PyAV log level set, FFmpeg's frame
    threads take the GIL to log a damaged packet while the reader thread waits for them
    holding it. The log callback stays off, and a damaged file read many times over ends
    every time."""
    import av.logging

    for _ in range(8):
        reader = open_reader(clips["cut_middle"], (160, 120), queue_frames=100)
        wait_for(lambda r=reader: r.decoding_done, timeout_s=10)
        assert "truncated or corrupt" in (reader.error or "")
        assert reader.stop(timeout_s=5)
    assert av.logging.get_level() is None
