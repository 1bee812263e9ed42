"""Fitting clip frames from the decoder's YUV planes: the same picture as the BGR path,
without ever holding a full-size picture of the source."""

from __future__ import annotations

import threading
import tracemalloc
from pathlib import Path

import av
import numpy as np
import pytest

from kiosk.media.frame_pool import FramePool
from kiosk.media.video import VideoReader
from kiosk.media.video_fit import (
    FrameFitter,
    Yuv420,
    as_bgra,
    fit_frame,
    fit_yuv420,
    yuv420_planes,
)
from tests.clips import frame_number, make_clip, numbers_played
from tests.conftest import wait_for


def _scene(w: int, h: int) -> np.ndarray:
    """Smooth colour ramps with a white block top-left: chroma subsampling loses nothing
    that matters, so both paths must agree closely everywhere."""
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    img = np.dstack([255 * x / w, 255 * y / h, 70 + 60 * np.sin(x / 40.0)])
    img = np.clip(img, 0, 255).astype(np.uint8)
    img[: h // 4, : w // 4] = 255
    return img


def _yuv_frame(bgr: np.ndarray) -> av.VideoFrame:
    return av.VideoFrame.from_ndarray(bgr, format="bgr24").reformat(format="yuv420p")


@pytest.mark.parametrize("fit", ["contain", "cover"])
@pytest.mark.parametrize("rotation", [0, 90, 180, 270])
@pytest.mark.parametrize(("src", "target"), [((640, 360), (1280, 720)),  # scaled up
                                             ((1280, 720), (333, 201)),  # down, odd sides
                                             ((800, 600), (400, 300)),  # exact halves
                                             ((320, 240), (320, 240))])  # as it is
def test_planar_fit_matches_the_bgr_fit(fit: str, rotation: int, src: tuple[int, int],
                                        target: tuple[int, int]) -> None:
    """Guards against a sideways, shifted, stretched or colour-swapped clip from the
    fast path: it gives the picture the full-size BGR path gives, at the same size."""
    bgr = _scene(*src)
    frame = _yuv_frame(bgr)
    planes = yuv420_planes(frame)
    assert planes is not None
    pool = FramePool(8)
    fast = fit_yuv420(planes, *target, fit, rotation, pool)  # type: ignore[arg-type]
    slow = fit_frame(frame.to_ndarray(format="bgr24"), *target, fit, rotation)  # type: ignore[arg-type]
    assert fast.shape == slow.shape
    assert (fast[..., 3] == 255).all()
    diff = np.abs(fast[..., :3].astype(int) - slow[..., :3].astype(int))
    assert diff.mean() < 4, diff.mean()
    # The white block ends up in the same corner on both paths.
    h, w = fast.shape[:2]
    corners = [fast[:h // 10, :w // 10], fast[:h // 10, -w // 10:],
               fast[-h // 10:, :w // 10], fast[-h // 10:, -w // 10:]]
    white = [c[..., :3].mean() > 230 for c in corners]
    slow_corners = [slow[:h // 10, :w // 10], slow[:h // 10, -w // 10:],
                    slow[-h // 10:, :w // 10], slow[-h // 10:, -w // 10:]]
    assert white == [c[..., :3].mean() > 230 for c in slow_corners]
    if fit == "contain":  # (a portrait crop of a landscape scene cuts the block off)
        assert sum(white) == 1


def test_other_pixel_formats_take_the_bgr_path() -> None:
    """Full-range (JPEG) YUV and 4:4:4 are not what cvtColor's I420 table is for: the
    fitter converts them with libswscale instead of showing washed-out colours."""
    bgr = _scene(320, 240)
    fitter = FrameFitter(160, 120, "contain", 0, None)
    for fmt in ("yuvj420p", "yuv444p"):
        frame = av.VideoFrame.from_ndarray(bgr, format="bgr24").reformat(format=fmt)
        assert yuv420_planes(frame) is None
        out = fitter(frame)
        assert out.shape == (120, 160, 4)
        expected = fit_frame(bgr, 160, 120, "contain")
        assert np.abs(out[..., :3].astype(int) - expected[..., :3].astype(int)).mean() < 4
    assert fitter.fast == 0
    assert fitter(_yuv_frame(bgr)).shape == (120, 160, 4) and fitter.fast == 1


def test_a_large_clip_never_makes_a_full_size_picture(tmp_path: Path) -> None:
    """Guards memory that follows the source: fitting a 1280x720 clip to 160x90, the
    reader thread never allocates an array the size of a source frame (the old reader
    made a full-size BGR copy of every frame), and the pool holds fitted frames only."""
    clip = make_clip(tmp_path / "big.mp4", 1280, 720, seconds=0.4, audio=None)
    full_bgr = 1280 * 720 * 3
    pool = FramePool(16)
    tracemalloc.start()
    try:
        reader = VideoReader(clip, (160, 90), "contain", pool=pool).start()
        numbers = []
        clock = 0.0
        while not reader.ended:
            got = reader.frame_at(clock)
            if got is not None:
                numbers.append(frame_number(got[1]))
            elif reader.queued == 0 and not reader.decoding_done:
                threading.Event().wait(0.002)  # a real decoder thread is working
            else:
                clock += 0.02
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        assert reader.stop(timeout_s=5)
    assert numbers == list(range(10))
    assert peak < full_bgr, peak
    assert pool.held_bytes <= pool.allocated * 160 * 90 * 4


def test_the_reader_fits_h264_from_its_planes(tmp_path: Path) -> None:
    """An ordinary 4:2:0 clip takes the planar path (the benchmark's figures rely on it)."""
    clip = make_clip(tmp_path / "c.mp4", 320, 240, seconds=0.2, audio=None)
    seen: list[FrameFitter] = []
    original = FrameFitter.__call__

    def spy(self: FrameFitter, picture: object) -> np.ndarray:
        seen.append(self)
        return original(self, picture)

    mp = pytest.MonkeyPatch()
    mp.setattr(FrameFitter, "__call__", spy)
    try:
        reader = VideoReader(clip, (160, 120)).start()
        wait_for(lambda: reader.decoding_done)
        assert reader.stop(timeout_s=5)
    finally:
        mp.undo()
    assert seen and seen[0].fast == len(seen) == 5


@pytest.mark.parametrize("target", [(320, 240), (333, 201)])
def test_planar_frames_draw_the_same_picture(target: tuple[int, int]) -> None:
    """Frames left as planes for the layer (1.5 bytes a pixel in the queue) draw the
    pixels the BGRA path makes, odd sizes included; a rotated clip stays BGRA."""
    frame = _yuv_frame(_scene(640, 480))
    planes = yuv420_planes(frame)
    assert planes is not None
    planar = fit_yuv420(planes, *target, "contain", 0, planar=True)
    assert isinstance(planar, Yuv420)
    assert planar.i420.nbytes <= (target[0] + 1) * (target[1] + 1) * 3 // 2
    bgra = fit_yuv420(planes, *target, "contain", 0)
    assert isinstance(bgra, np.ndarray)
    assert planar.shape == bgra.shape
    assert np.array_equal(as_bgra(planar), bgra)
    layer = np.zeros((target[1] + 10, target[0] + 10, 4), np.uint8)  # drawn into a view
    h, w = bgra.shape[:2]
    planar.into(layer[5 : 5 + h, 5 : 5 + w])
    assert np.array_equal(layer[5 : 5 + h, 5 : 5 + w], bgra) and not layer[:5].any()
    assert isinstance(fit_yuv420(planes, *target, "contain", 90, planar=True), np.ndarray)


def test_a_planar_reader_queues_small_frames(tmp_path: Path) -> None:
    """Guards memory that follows the source twice over: the clips' reader queues
    fitted planes, so its pooled buffers hold 1.5 bytes per screen pixel, not 4."""
    clip = make_clip(tmp_path / "c.mp4", 640, 480, seconds=0.4, audio=None)
    pool = FramePool(16)
    reader = VideoReader(clip, (320, 240), "contain", pool=pool, planar=True)

    def planar(picture: object) -> None:
        assert isinstance(picture, Yuv420)

    assert numbers_played(reader, planar) == list(range(10))
    assert 0 < pool.held_bytes <= pool.allocated * 320 * 240 * 3 // 2


@pytest.mark.parametrize("fit", ["contain", "cover"])
@pytest.mark.parametrize("rotation", [0, 90])
@pytest.mark.parametrize(("src", "target"), [((1270, 714), (333, 201)),  # padded rows, odd
                                             ((640, 360), (1280, 720)),  # scaled up
                                             ((320, 240), (320, 240))])  # as it is
def test_nv12_frames_take_the_planar_path(fit: str, rotation: int, src: tuple[int, int],
                                          target: tuple[int, int]) -> None:
    """Guards hardware-decoded clips (VA-API and V4L2 hand over NV12): they are fitted
    from their two planes like yuv420p, to the same picture, instead of being converted
    to a full-size BGR picture first (before, NV12 never took the planar path)."""
    bgr = _scene(*src)
    i420 = _yuv_frame(bgr)
    nv12 = i420.reformat(format="nv12")
    assert nv12.format.name == "nv12"
    planes = yuv420_planes(nv12)
    assert planes is not None and len(planes) == 2
    assert planes[1].shape == (src[1] // 2, src[0] // 2, 2)
    reference = yuv420_planes(i420)
    assert reference is not None
    got = fit_yuv420(planes, *target, fit, rotation)  # type: ignore[arg-type]
    want = fit_yuv420(reference, *target, fit, rotation)  # type: ignore[arg-type]
    assert isinstance(got, np.ndarray) and isinstance(want, np.ndarray)
    assert got.shape == want.shape
    assert np.abs(got.astype(int) - want.astype(int)).max() <= 2  # same samples, rounding
    slow = fit_frame(i420.to_ndarray(format="bgr24"), *target, fit, rotation)  # type: ignore[arg-type]
    assert np.abs(got[..., :3].astype(int) - slow[..., :3].astype(int)).mean() < 4
    fitter = FrameFitter(*target, fit, rotation, FramePool(8), planar=True)  # type: ignore[arg-type]
    fitted = fitter(nv12)
    assert fitter.fast == 1
    assert np.array_equal(as_bgra(fitted), got)
    if rotation == 0:
        assert isinstance(fitted, Yuv420) and fitted.nv12
        assert fitted.i420.nbytes <= (target[0] + 1) * (target[1] + 1) * 3 // 2


def test_a_reader_fed_nv12_frames_shows_every_frame(tmp_path: Path) -> None:
    """A clip whose decoder hands over NV12 (as hardware decoders do) plays every frame
    in order through the clips' planar path, with the right picture in each."""
    clip = make_clip(tmp_path / "c.mp4", 320, 240, seconds=0.4, audio=None)

    class Nv12Source:
        def __init__(self, path: str) -> None:
            self.container = av.open(path)
            self.frames = (f.reformat(format="nv12")
                           for f in self.container.decode(self.container.streams.video[0]))

        def seek(self, seconds: float) -> None:
            pass

        def read(self) -> tuple[float, object] | None:
            frame = next(self.frames, None)
            return None if frame is None else (float(frame.time), frame)

        def close(self) -> None:
            self.container.close()

    pool = FramePool(16)
    reader = VideoReader(clip, (160, 120), "contain", pool=pool, planar=True,
                         open_source=Nv12Source)

    def nv12(picture: object) -> None:
        assert isinstance(picture, Yuv420) and picture.nv12

    assert numbers_played(reader, nv12) == list(range(10))
