"""Work made ahead on threads so a moving photo never waits on the render thread: a pan's
frames several refreshes ahead, the next pan's first frames, and labels."""

from __future__ import annotations

import itertools

import numpy as np
import pygame
import pytest

from kiosk.job_thread import JobThread
from kiosk.media.motion_frames import EARLY, MotionFrames
from kiosk.playback import motion as m
from kiosk.playback.player import HOLD_S, SyncImages, make_player, moving_framing
from kiosk.render.moving import bands, resample
from kiosk.render.surfaces import pixels
from kiosk.show.settings import Settings, default_fonts
from tests.conftest import ShowDir, wait_for

SIZE = (480, 270)


def _image() -> np.ndarray:
    return np.random.default_rng(3).integers(0, 255, (900, 1200, 4), dtype=np.uint8)


def _boxes(n: int) -> list[m.Box]:
    return [m.Box(100.0 + 7.3 * k, 50.0 + 3.1 * k, 960.0 - 2 * k, 540.0 - 1.1 * k)
            for k in range(n)]


def test_a_frame_after_a_skipped_one_is_already_made():
    """Guards the run of dropped frames: with only the next frame made ahead, a late
    frame (the one after it asked for, not the next) found nothing made, and the render
    thread resampled it itself and came late again."""
    image = _image()
    frames = MotionFrames()
    frames.start()
    try:
        boxes = _boxes(3)
        frames.request("p", image, boxes, SIZE, (0, 0, 0))
        wait_for(lambda: frames.made == 3)
        layer = pygame.Surface(SIZE, 0, 32)
        # The frame for boxes[0] is skipped (the loop came late): boxes[1] is there.
        got = frames.swap("p", boxes[1], layer)
        assert got is not None
        expected = np.empty((SIZE[1], SIZE[0], 4), np.uint8)
        resample(expected, image, boxes[1], (0, 0, 0))
        assert np.array_equal(pixels(got), expected)
        # Asked again from there, what is made already is not made twice.
        frames.request("p", image, _boxes(4)[2:], SIZE, (0, 0, 0))
        wait_for(lambda: frames.made == 4)
        assert frames.swap("p", _boxes(4)[3], got) is not None
        assert frames.made == 4
    finally:
        assert frames.stop()


def test_a_pan_frame_is_handed_over_whole_and_the_old_layer_made_into_again():
    """Guards a pan frame's work on the render thread: each frame made ahead was copied
    into the photo's layer (8 MiB at 1080p, 0.7 ms and up to 10 ms on a busy 2-core
    machine, the longest part of a pan frame). The made surface is the layer now; the
    one it replaces is what the next frame is made into, so nothing is allocated or
    copied per frame."""
    image = _image()
    frames = MotionFrames()
    frames.start()
    try:
        boxes = _boxes(2)
        frames.request("p", image, boxes[:1], SIZE, (0, 0, 0))
        wait_for(lambda: frames.made == 1)
        shown = pygame.Surface(SIZE, 0, 32)
        first = frames.swap("p", boxes[0], shown)
        assert first is not None and first is not shown
        frames.request("p", image, boxes[1:], SIZE, (0, 0, 0))
        wait_for(lambda: frames.made == 2)
        second = frames.swap("p", boxes[1], first)
        assert second is shown  # the layer handed back, made into again
        expected = np.empty((SIZE[1], SIZE[0], 4), np.uint8)
        resample(expected, image, boxes[1], (0, 0, 0))
        assert np.array_equal(pixels(second), expected)
        # Nothing made for a framing: the caller keeps its layer and draws it.
        assert frames.swap("p", boxes[0], second) is None
    finally:
        assert frames.stop()


@pytest.mark.parametrize("box", [
    m.Box(13.37, 101.21, 633.3, 355.98),  # sub-pixel, scaled: most pan frames
    m.Box(100.0, 40.0, 480.0, 271.0),  # whole pixels at one to one: a copy
    m.Box(-60.3, 700.7, 640.0, 360.0),  # running off the picture: background beside it
    m.Box(5000.0, 5000.0, 480.0, 271.0),  # wholly off it: background only
])
@pytest.mark.parametrize("count", [2, 4, 7])
def test_a_frame_made_in_bands_is_the_whole_frame_without_a_seam(box: m.Box, count: int):
    """Guards pan frames made in bands of rows (the thread yields its core between them):
    a band computed from its own framing rounded differently from the whole frame: about
    one pixel in eight came out a level off, and each band showed as a faint stripe."""
    image = _image()
    whole = np.zeros((271, 480, 4), np.uint8)
    resample(whole, image, box, (10, 20, 30))
    banded = np.zeros_like(whole)
    cut = bands(271, count)
    assert cut[0][0] == 0 and cut[-1][1] == 271 and len(cut) == count
    assert all(a == b for (_, a), (b, _) in itertools.pairwise(cut))  # no row left or twice
    for rows in cut:
        resample(banded, image, box, (10, 20, 30), rows)
    assert np.array_equal(banded, whole)


def test_the_pan_thread_gives_way_to_the_render_thread_between_bands():
    """Guards the render thread's wake-ups during a pan: made whole, a frame held both
    cores of a 2-core machine for 3 ms at a time, and the render thread, woken for a
    frame's deadline, waited for them to finish (benchmarks/frame_times.py --motion
    reports how long it waited). Each frame is made in bands with a yield between."""
    image = _image()
    yields: list[int] = []
    frames = MotionFrames(bands=4, yield_core=lambda: yields.append(frames.made))
    frames.start()
    try:
        boxes = _boxes(3)
        frames.request("p", image, boxes, SIZE, (0, 0, 0))
        wait_for(lambda: frames.made == 3)
        assert yields == [0, 0, 0, 1, 1, 1, 2, 2, 2]  # three a frame, between its bands
        got = frames.swap("p", boxes[2], pygame.Surface(SIZE, 0, 32))
        assert got is not None
        expected = np.empty((SIZE[1], SIZE[0], 4), np.uint8)
        resample(expected, image, boxes[2], (0, 0, 0))
        assert np.array_equal(pixels(got), expected)
    finally:
        assert frames.stop()


def test_a_moving_pan_never_waits_for_a_new_surface():
    """Guards the first seconds of a pan: each frame made ahead took a new 8 MiB surface
    until the pan had its frames in hand, and SDL clears a new surface while holding the
    GIL (3-7 ms of fresh memory on a 2-core machine), so the render thread woke 10-40 ms
    late. They are made before the show moves, and a pan then makes none."""
    image = _image()
    frames = MotionFrames()
    frames.reserve(SIZE)
    assert frames.allocated == frames.in_hand
    frames.start()
    try:
        boxes = _boxes(12)
        frames.prefetch("p", image, boxes[:EARLY], SIZE, (0, 0, 0))
        wait_for(lambda: frames.made_for("p") == EARLY)
        shown = frames.swap("p", boxes[0], pygame.Surface(SIZE, 0, 32))  # its first frame
        assert shown is not None
        for k in range(1, 9):  # the pan moves on, three refreshes asked ahead
            frames.request("p", image, boxes[k:k + 3], SIZE, (0, 0, 0))
            wait_for(lambda k=k: frames.made_for("p") >= min(3, 12 - k))
            shown = frames.swap("p", boxes[k], shown)
            assert shown is not None
        assert frames.allocated == frames.in_hand  # not one surface more
    finally:
        assert frames.stop()


def test_a_show_with_moving_photos_reserves_its_surfaces_before_it_moves(
        show_dir: ShowDir):
    """The player of a show with a pan reserves the surfaces its frames are made into,
    and any moving photo the two it is drawn on, when it is made; a still show holds
    none (64 MiB at 1080p for nothing)."""
    import cv2

    from kiosk.render.surfaces import pixels
    from tests.test_motion import _load

    cv2.imwrite(str(show_dir.exhibits / "p.jpg"), np.zeros((600, 900, 3), np.uint8))
    for motion, pan_frames, layers in (("pan", True, 2), ("read", False, 2),
                                       ("none", False, 0)):
        show_dir.manifest("a.yaml", f"title: A\nitems:\n  - photo: p.jpg\n"
                                    f"    motion: {motion}\n")
        player = make_player(_load(show_dir).show, Settings(fonts=default_fonts()), SIZE,
                             SyncImages(SIZE, 10**8, (0, 0, 0)), 0.0)
        try:
            assert player.ahead is not None
            assert player.ahead.allocated == (player.ahead.in_hand if pan_frames else 0)
            spares = list(player.compositor._moving_spares)
            assert len(spares) == layers
            if motion == "read":  # its first frame is drawn on one of them
                step = player.timeline.show.exhibits[0].steps[0]
                image = np.full((SIZE[1] * 3, SIZE[0], 4), 200, np.uint8)
                layer, _ = player.compositor.moving_layer(
                    step, image, m.Box(0, 0, SIZE[0], SIZE[1]))
                assert any(layer is s for s in spares)
                assert pixels(layer)[5, 5, 0] == 200
        finally:
            player.stop()


def test_the_next_pans_first_frames_wait_through_the_one_on_screen():
    """Guards a pan's start: its first frames were drawn on the render thread (with its
    label, 20-60 ms: a dropped frame at every new photo)."""
    image = _image()
    frames = MotionFrames()
    frames.start()
    try:
        first = _boxes(EARLY)
        frames.prefetch("next", image, first, SIZE, (0, 0, 0))
        wait_for(lambda: frames.made_for("next") == EARLY)
        # The pan on screen goes on asking for its own frames meanwhile.
        frames.request("now", image, _boxes(6)[3:], SIZE, (0, 0, 0))
        wait_for(lambda: frames.made_for("now") == 3)
        layer = frames.swap("next", first[0], pygame.Surface(SIZE, 0, 32))
        assert layer is not None  # its first frame, made long before
        frames.request("next", image, first[1:], SIZE, (0, 0, 0))
        following = frames.swap("next", first[1], layer)
        assert following is not None and following is not layer
        expected = np.empty((SIZE[1], SIZE[0], 4), np.uint8)
        resample(expected, image, first[1], (0, 0, 0))
        assert np.array_equal(pixels(following), expected)
    finally:
        assert frames.stop()


def test_a_job_thread_hands_back_results_and_outlives_a_failing_job():
    def work(n: int) -> int:
        if n == 2:
            raise ValueError("a bad job")
        return n * 10

    jobs: JobThread[int, int] = JobThread("test-jobs", work)
    jobs.start()
    try:
        for n in (1, 2, 3):
            jobs.put(n)
        got: list[int] = []
        wait_for(lambda: got.extend(jobs.results()) or len(got) == 2)
        assert got == [10, 30]
    finally:
        assert jobs.stop()


def _pan_player(show_dir: ShowDir, label: bool = True, second: bool = False):
    """A player of a show with a pan (and with ``second``, another pan after it)."""
    import cv2

    from tests.test_motion import _load

    pygame.font.init()
    picture = np.random.default_rng(5).integers(0, 255, (600, 900, 3), dtype=np.uint8)
    cv2.imwrite(str(show_dir.exhibits / "p.jpg"), picture)
    cv2.imwrite(str(show_dir.exhibits / "q.jpg"), picture[::-1])
    title = "    title: The harbour at dawn\n" if label else ""
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: p.jpg\n    motion: pan\n"
                      + title + ("  - photo: q.jpg\n    motion: pan\n" if second else ""))
    show = _load(show_dir).show
    player = make_player(show, Settings(fonts=default_fonts()), SIZE,
                         SyncImages(SIZE, 10**8, (0, 0, 0)), 0.0)
    return player, show.exhibits[0].steps[0]


def test_a_pan_starts_with_its_label_and_first_frames_made_on_their_threads(
        show_dir: ShowDir):
    """Guards the show's first frames: a pan's label (7-30 ms) and first frames were
    drawn on the render thread as it appeared, dropping frames. It is held until they
    are made elsewhere, and its first frame then takes them."""
    player, step = _pan_player(show_dir)
    try:
        now = 0.0
        # The show's time stands still while the threads work: the hold is not what ends.
        wait_for(lambda: player.update(now).current is not None)
        key = player.compositor.label_key(step.label, step.caption_position, True)
        assert player.compositor.has_label(key, step.label)  # drawn on the label thread
        assert player.ahead is not None and player.ahead.made_for(step.key) >= EARLY
        used = player.ahead.used
        canvas = pygame.Surface(SIZE, 0, 32)
        frame = player.update(now)
        player.draw(canvas, frame)
        assert player.ahead.used == used + 1  # the first frame was the one made ahead
        # What the label thread drew is the label the render thread would draw.
        twin = player.compositor.twin()
        mine = twin.label_overlay(step.label, step.caption_position, busy=True)
        theirs = player.compositor.label_overlay(step.label, step.caption_position, busy=True)
        assert mine is not None and theirs is not None and mine[1] == theirs[1]
        assert pygame.image.tobytes(mine[0], "RGBA") == pygame.image.tobytes(theirs[0], "RGBA")
        image = player.images.image(step)
        box = moving_framing(step, frame.step_elapsed_s, (image.shape[1], image.shape[0]),
                             SIZE)
        assert box.w > 0
    finally:
        player.stop()


def test_a_pans_next_frames_are_asked_for_from_its_first_frame(show_dir: ShowDir):
    """Guards a pan's first frames: its frames were asked for only from its second frame
    on, so a pan that started one frame off its prediction found its third frame unmade
    and drew it on the render thread (4-6 ms: a dropped frame)."""
    player, step = _pan_player(show_dir)
    try:
        wait_for(lambda: player.update(0.0).current is not None)
        ahead = player.ahead
        assert ahead is not None
        canvas = pygame.Surface(SIZE, 0, 32)
        used = ahead.used
        player.draw(canvas, player.update(0.0))
        assert ahead.used == used + 1  # taken from the frames made ahead
        # The next refreshes' frames are being made already, beyond the first ones.
        wait_for(lambda: ahead.made_for(step.key) >= ahead.depth)
        for k in range(1, ahead.depth + 1):
            player.draw(canvas, player.update(k * player.frame_s))
            assert ahead.used == used + 1 + k  # none drawn on the render thread
    finally:
        player.stop()


def test_a_pan_whose_threads_do_not_answer_starts_anyway(show_dir: ShowDir):
    """The hold has a limit: a pan never waits more than HOLD_S for what is made ahead."""
    player, step = _pan_player(show_dir)
    player.ahead = None  # as if the pan frames could not be made ahead
    player._label_thread.stop()
    player._label_thread.put = lambda job: None  # type: ignore[method-assign]
    try:
        assert player.update(0.0).current is None  # held
        assert player.update(HOLD_S / 2).current is None
        assert player.update(HOLD_S + 0.02).current is step
    finally:
        player.stop()


@pytest.fixture(autouse=True)
def _display():
    import os

    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
    pygame.display.init()
    pygame.display.set_mode((1, 1))
    yield


def test_an_empty_label_is_asked_of_the_label_thread_once(show_dir: ShowDir):
    """A clip coming next with nothing to label: the label thread says so once and is
    not asked again. It was asked every frame for as long as the clip was next or on
    screen: a thread woken and a compositor made 60 times a second."""
    from tests.clips import make_clip
    from tests.test_motion import _load

    make_clip(show_dir.exhibits / "c.mp4", 64, 48, 1.0, audio=None)
    show_dir.manifest("a.yaml", "items:\n  - card: Before\n    duration: 1h\n"
                                "  - video: c.mp4\n    caption_position: bottom\n")
    player = make_player(_load(show_dir).show, Settings(fonts=default_fonts()), SIZE,
                         SyncImages(SIZE, 10**8, (0, 0, 0)), 0.0)
    asked: list[object] = []
    put = player._label_thread.put
    player._label_thread.put = lambda job: (asked.append(job), put(job))  # type: ignore
    try:
        for n in range(30):
            player.update(n / 60)
            player.prepare()
            wait_for(lambda n=n: player.update(n / 60) and not (
                player._labels_asked or player._layers_asked))  # the threads answered
    finally:
        player.stop()
    assert len(asked) == 1


def test_the_first_pan_stays_still_while_photos_are_decoded_then_moves_from_its_start(
        show_dir: ShowDir):
    """Guards the show's first second: the first pan moved while the next 24 MP photos
    were decoded beside it, and lost frames in 13 of 24 start-ups. Its first picture
    stays up, still and not counted as moving, until nothing is decoded; then it moves
    from its start, a frame at a time, from the frames made ahead."""
    player, step = _pan_player(show_dir)
    decoding = [True]
    player.images.decoding = lambda: decoding[0]  # type: ignore[method-assign]
    ahead = player.ahead
    assert ahead is not None
    try:
        wait_for(lambda: player.update(0.0).current is not None)
        canvas = pygame.Surface(SIZE, 0, 32)
        period = player.frame_s
        player.draw(canvas, player.update(period))
        still = pixels(canvas).copy()
        for k in range(2, 30):  # half a second of decoding
            frame = player.update(k * period)
            assert frame.step_elapsed_s == 0.0 and frame.step_progress == 0.0
            assert not player.animating(frame)
            assert player.draw(canvas, frame) == []  # nothing new to present
        assert np.array_equal(pixels(canvas), still)
        wait_for(lambda: ahead.made_for(step.key) >= ahead.depth)
        decoding[0] = False
        used = ahead.used
        image = player.images.image(step)
        for k in range(1, 4):  # moving on from its first frame, one refresh a frame
            frame = player.update((29 + k) * period)
            assert frame.step_elapsed_s == pytest.approx(k * period)
            assert player.animating(frame)
            assert player.draw(canvas, frame) != []
            assert ahead.used == used + k  # made ahead, not on the render thread
            expected = np.empty((SIZE[1], SIZE[0], 4), np.uint8)
            resample(expected, image, moving_framing(
                step, k * period, (image.shape[1], image.shape[0]), SIZE), (0, 0, 0))
            top = SIZE[1] // 3  # above the label
            assert np.array_equal(pixels(canvas)[:top, :, :3], expected[:top, :, :3])
        decoding[0] = True  # decodes later in the show do not stop it
        assert player.update(33 * period).step_elapsed_s == pytest.approx(4 * period)
    finally:
        player.stop()


def test_the_show_opening_again_holds_its_first_pan_while_photos_are_decoded(
        show_dir: ShowDir):
    """At opening time the show starts again from its first step (after the closed
    hours, from wherever it was), and the photos around it are decoded again: its first
    pan stays at its start meanwhile, as at the kiosk's start. Not the step it left."""
    player, first = _pan_player(show_dir, second=True)
    decoding = [False]
    player.images.decoding = lambda: decoding[0]  # type: ignore[method-assign]
    second = player.timeline.show.exhibits[0].steps[1]
    try:
        wait_for(lambda: player.update(0.0).current is first)
        assert player.update(1.0).step_elapsed_s == pytest.approx(1.0)  # nothing to wait for
        player.timeline.jump(0, 1, 1.0)
        wait_for(lambda: player.update(1.0).current is second)
        for start in (2.0, 30.0):  # from the second step, then from the first itself
            decoding[0] = True
            player.restart(start)
            wait_for(lambda start=start: player.update(start).current is first)
            for k in range(1, 20):
                frame = player.update(start + k / 60)
                assert frame.current is first and frame.step_elapsed_s == 0.0
                # Only the crossfade into it, if one runs, counts as moving.
                assert player.animating(frame) == (frame.transition is not None)
            decoding[0] = False
            frame = player.update(start + 20 / 60)
            assert frame.step_elapsed_s == pytest.approx(1 / 60)
            assert player.animating(frame)
        # And the show goes on from there: the second pan after the first one's 8 s.
        wait_for(lambda: player.update(30.0 + 20 / 60 + 8.5).current is second)
    finally:
        player.stop()
