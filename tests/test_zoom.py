"""Zooming into a clipping: the words stay under the fingers, the view stays on the paper,
and the full-resolution picture lives on its own thread and leaves when asked."""

from __future__ import annotations

import threading
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.media.images import ImageError, load_full
from kiosk.media.zoom import (
    Zoom,
    ZoomResult,
    ZoomWorker,
    clamp,
    image_to_screen,
    max_scale_for,
    pan,
    screen_to_image,
    view,
    zoom_at,
)
from kiosk.visitor.layout import Rect
from tests.conftest import wait_for

SCREEN = (1920, 1080)
CLIPPING = (3000, 4000)  # a portrait page on a landscape screen

sizes = st.tuples(st.integers(50, 12000), st.integers(50, 12000))
screens = st.sampled_from([(1920, 1080), (1080, 1920), (1280, 720), (3840, 2160)])


def result_of(worker: ZoomWorker, timeout_s: float = 20.0) -> ZoomResult:
    """The worker's next finished view, waited for."""
    results: list[ZoomResult] = []

    def arrived() -> bool:
        result = worker.poll()
        if result is not None:
            results.append(result)
        return bool(results)

    wait_for(arrived, timeout_s)
    return results[0]


# ---------------------------------------------------------------------------- geometry


def test_scale_one_is_the_fitted_centred_view():
    crop, dest = view(Zoom(), CLIPPING, SCREEN)
    assert crop == (0, 0, 3000, 4000)
    assert dest == Rect(555, 0, 810, 1080)  # 3000 * 1080/4000 = 810 wide, centred
    assert clamp(Zoom(1.0, 0.1, 0.9), CLIPPING, SCREEN) == Zoom()


@settings(max_examples=300, deadline=None)
@given(image=sizes, screen=screens, scale=st.floats(1, 8), cx=st.floats(0, 1),
       cy=st.floats(0, 1), fx=st.floats(0, 1), fy=st.floats(0, 1),
       factor=st.floats(0.3, 4))
def test_zoom_at_keeps_the_point_under_the_finger(image, screen, scale, cx, cy, fx, fy,
                                                  factor):
    """Pinching over a headline must not slide the headline away from the fingers."""
    top = max_scale_for(image, screen)
    z = clamp(Zoom(scale, cx, cy), image, screen)
    finger = (fx * screen[0], fy * screen[1])
    before = screen_to_image(z, image, screen, finger)
    free = zoom_at(z, image, screen, finger, factor, clamped=False)
    assert 1.0 <= free.scale <= top
    after = screen_to_image(free, image, screen, finger)
    assert after == pytest.approx(before, abs=1e-6 * max(image))
    # Clamped, the point still stays put whenever clamping had nothing to correct.
    got = zoom_at(z, image, screen, finger, factor)
    assert got == clamp(free, image, screen)
    if got == free:
        assert screen_to_image(got, image, screen, finger) == pytest.approx(
            before, abs=1e-6 * max(image))


@settings(max_examples=300, deadline=None)
@given(image=sizes, screen=screens, scale=st.floats(0.2, 50), cx=st.floats(-2, 3),
       cy=st.floats(-2, 3), dx=st.floats(-5000, 5000), dy=st.floats(-5000, 5000))
def test_clamp_and_pan_keep_the_view_on_the_picture(image, screen, scale, cx, cy, dx, dy):
    for z in (clamp(Zoom(scale, cx, cy), image, screen),
              pan(clamp(Zoom(scale, cx, cy), image, screen), image, screen, dx, dy)):
        assert 1.0 <= z.scale <= max_scale_for(image, screen)
        (x0, y0, x1, y1), _ = view(z, image, screen)
        assert 0 <= x0 < x1 <= image[0] and 0 <= y0 < y1 <= image[1]
        left, top = image_to_screen(z, image, screen, (0, 0))
        right, bottom = image_to_screen(z, image, screen, image)
        for lo, hi, side in ((left, right, screen[0]), (top, bottom, screen[1])):
            if hi - lo >= side:  # the picture fills this axis: no gap at either edge
                assert lo <= 1e-6 and hi >= side - 1e-6
            else:  # it does not: centred
                assert (lo + hi) / 2 == pytest.approx(side / 2, abs=1e-6)


def test_pan_follows_the_finger():
    z = Zoom(4.0, 0.5, 0.5)
    moved = pan(z, CLIPPING, SCREEN, 100, -50)
    before = image_to_screen(z, CLIPPING, SCREEN, (1500, 2000))
    after = image_to_screen(moved, CLIPPING, SCREEN, (1500, 2000))
    assert after == pytest.approx((before[0] + 100, before[1] - 50))


def test_view_crop_maps_onto_its_destination():
    z = clamp(Zoom(3.0, 0.3, 0.7), CLIPPING, SCREEN)
    (x0, y0, x1, y1), dest = view(z, CLIPPING, SCREEN)
    # The crop's corners land on the destination's corners (within a rounding pixel)...
    assert image_to_screen(z, CLIPPING, SCREEN, (x0, y0)) == pytest.approx((dest.x, dest.y),
                                                                           abs=0.51)
    assert image_to_screen(z, CLIPPING, SCREEN, (x1, y1)) == pytest.approx(
        (dest.right, dest.bottom), abs=0.51)
    # ...and the destination covers the screen, overshooting by less than a source pixel.
    s = 3.0 * 1080 / 4000
    assert -s - 1 < dest.x <= 0 and -s - 1 < dest.y <= 0
    assert SCREEN[0] <= dest.right < SCREEN[0] + s + 1
    assert SCREEN[1] <= dest.bottom < SCREEN[1] + s + 1


def test_max_scale_reaches_twice_one_to_one():
    assert max_scale_for((6000, 4000), SCREEN) == pytest.approx(2 * 4000 / 1080)
    assert max_scale_for((800, 600), SCREEN) == 2.0  # small pictures still zoom 2x


# ------------------------------------------------------------------------------ worker


@pytest.fixture(scope="module")
def big_png(tmp_path_factory) -> tuple[Path, np.ndarray]:
    """6000x4000 with detail everywhere, lossless so the decode equals the array."""
    h, w = 4000, 6000
    y, x = np.mgrid[0:h, 0:w].astype(np.uint32)
    image = np.empty((h, w, 3), np.uint8)
    image[..., 0] = (x * 7 + y * 3) & 255
    image[..., 1] = (x ^ y) & 255
    image[..., 2] = ((x // 10) * (y // 10)) & 255
    path = tmp_path_factory.mktemp("zoom") / "clipping.png"
    ok = cv2.imwrite(str(path), image, [cv2.IMWRITE_PNG_COMPRESSION, 1])
    assert ok
    return path, image


def test_load_full_keeps_every_pixel(big_png):
    path, image = big_png
    assert np.array_equal(load_full(path), image)
    with pytest.raises(ImageError, match="over the 10 MP limit"):
        load_full(path, max_pixels=10_000_000)


def test_load_full_turns_phone_photos_upright(tmp_path):
    from PIL import Image

    stored = np.zeros((40, 60, 3), np.uint8)
    stored[:, :30] = (0, 0, 255)  # left half red (BGR)
    path = tmp_path / "rotated.jpg"
    im = Image.fromarray(stored[..., ::-1])
    exif = im.getexif()
    exif[0x0112] = 6  # stored sideways: rotate 90° clockwise to show
    im.save(path, exif=exif, quality=95)
    upright = load_full(path)
    assert upright.shape == (60, 40, 3)
    assert upright[5, 20, 2] > 200 and upright[55, 20, 2] < 60  # red on top


@pytest.mark.parametrize("zoom", [Zoom(), Zoom(2.5, 0.2, 0.3), Zoom(7.4, 0.81, 0.66)],
                         ids=["fitted", "shrinking", "enlarging"])
def test_worker_crop_matches_a_direct_crop_and_resize(big_png, zoom):
    path, image = big_png
    with ZoomWorker() as worker:
        worker.open(path)
        rid = worker.request(zoom, SCREEN)
        result = result_of(worker)
    assert result.request_id == rid and result.zoom == zoom
    z = clamp(zoom, (6000, 4000), SCREEN)
    (x0, y0, x1, y1), dest = view(z, (6000, 4000), SCREEN)
    part = image[y0:y1, x0:x1]
    shrink = dest.w <= part.shape[1]
    expected = cv2.resize(part, (dest.w, dest.h),
                          interpolation=cv2.INTER_AREA if shrink else cv2.INTER_CUBIC)
    # Clip to the screen as the worker does.
    cx0, cy0 = max(0, -dest.x), max(0, -dest.y)
    expected = expected[cy0:cy0 + result.dest.h, cx0:cx0 + result.dest.w]
    assert result.array.shape == (result.dest.h, result.dest.w, 4)
    assert result.array.flags.c_contiguous
    assert result.dest.x >= 0 and result.dest.right <= SCREEN[0]
    assert result.dest.y >= 0 and result.dest.bottom <= SCREEN[1]
    assert np.array_equal(result.array[..., :3], expected)
    assert (result.array[..., 3] == 255).all()


def test_latest_request_wins_and_stale_ones_are_skipped(tmp_path):
    started, release = threading.Event(), threading.Event()

    def slow_load(path, max_pixels, background):
        started.set()
        release.wait(5)
        return np.full((400, 600, 3), 128, np.uint8)

    with ZoomWorker(load=slow_load) as worker:
        worker.open(tmp_path / "any.png")
        assert started.wait(5)
        ids = [worker.request(Zoom(1.0 + i / 10), (320, 240)) for i in range(5)]
        release.set()
        result = result_of(worker)
        assert result.request_id == ids[-1]
        assert worker.skipped == 4 and worker.rendered == 1
        wait_for(lambda: worker.idle, 20)  # nothing else was left to draw
        assert worker.poll() is None


def test_missing_file_reports_an_error_and_never_raises(tmp_path):
    with ZoomWorker() as worker:
        worker.open(tmp_path / "nope.jpg")
        worker.request(Zoom(2.0), SCREEN)
        wait_for(lambda: worker.error is not None, 20)
        assert worker.error == "file not found"
        assert worker.poll() is None and not worker.ready and worker.bytes_held == 0
        assert worker.thread.is_alive()  # still serving the next clipping


def test_a_crashing_decoder_does_not_kill_the_thread(tmp_path):
    def broken(*args):
        raise RuntimeError("boom")

    with ZoomWorker(load=broken) as worker:
        worker.open(tmp_path / "x.png")
        wait_for(lambda: worker.error is not None, 20)
        assert "RuntimeError" in worker.error
        assert worker.thread.is_alive()


def test_close_frees_the_picture(big_png):
    path, _ = big_png
    with ZoomWorker() as worker:
        worker.open(path)
        wait_for(lambda: worker.ready, 20)
        assert worker.image_size == (6000, 4000)
        assert worker.bytes_held == 6000 * 4000 * 3
        worker.request(Zoom(2.0), SCREEN)
        wait_for(lambda: worker.bytes_held > 6000 * 4000 * 3, 20)  # + the unpolled crop
        worker.close()
        assert worker.bytes_held == 0 and worker.image_size is None
        assert worker.poll() is None


def test_close_during_decode_drops_the_late_picture(tmp_path):
    started, release = threading.Event(), threading.Event()

    def slow_load(path, max_pixels, background):
        started.set()
        release.wait(5)
        return np.zeros((100, 100, 3), np.uint8)

    with ZoomWorker(load=slow_load) as worker:
        worker.open(tmp_path / "a.png")
        assert started.wait(5)
        worker.close()
        release.set()
        wait_for(lambda: worker.idle, 20)  # the late picture came back and was dropped
        assert not worker.ready and worker.bytes_held == 0


def test_stop_joins_the_thread():
    worker = ZoomWorker().start()
    thread = worker.thread
    assert thread is not None and thread.is_alive() and not thread.daemon
    assert worker.stop(timeout_s=2.0)
    assert not thread.is_alive() and worker.join(0)
    assert worker.stop()  # idempotent
    with pytest.raises(RuntimeError):
        worker.start()
