"""Photos that move by themselves: reading a tall clipping, pan and zoom, and pause.

Positions are checked against the clock (fake), frames by their pixels (render path),
bad manifests by their messages.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.cli import main
from kiosk.playback import motion as m
from kiosk.playback.player import moving_framing
from kiosk.playback.timeline import Timeline
from kiosk.show.loader import LoadOptions, load_show
from kiosk.show.model import Exhibit, Motion, Photo, Show, Transition, Where
from tests.conftest import ShowDir, colour_share

SCREEN = (1920, 1080)
TOP_BGR, BOTTOM_BGR = (30, 30, 160), (30, 140, 30)


def clipping(path: Path, w: int = 2000, h: int = 6000) -> Path:
    """A tall clipping: a red headline band on top, a green band at the bottom, numbered
    lines between them."""
    image = np.full((h, w, 3), 235, np.uint8)
    band = h // 20
    image[:band] = TOP_BGR
    image[-band:] = BOTTOM_BGR
    for y in range(band + 40, h - band, 60):
        cv2.putText(image, f"line {y}", (40, y), cv2.FONT_HERSHEY_SIMPLEX, 1.4, (20, 20, 20), 3)
    path.parent.mkdir(parents=True, exist_ok=True)
    cv2.imwrite(str(path), image)
    return path


# -- reading: pure -------------------------------------------------------------------------


def test_a_reading_dwells_at_both_ends_and_moves_at_an_even_pace():
    travel = 4000.0
    assert m.read_offset(0.0, 110.0, 5.0, travel) == 0.0
    assert m.read_offset(4.9, 110.0, 5.0, travel) == 0.0  # the headline can be read
    assert m.read_offset(55.0, 110.0, 5.0, travel) == pytest.approx(travel / 2)
    assert m.read_offset(105.0, 110.0, 5.0, travel) == pytest.approx(travel)
    assert m.read_offset(200.0, 110.0, 5.0, travel) == pytest.approx(travel)
    steps = [m.read_offset(t, 110.0, 5.0, travel) for t in (20.0, 30.0, 40.0)]
    assert steps[1] - steps[0] == pytest.approx(steps[2] - steps[1])


def test_the_duration_of_a_reading_follows_from_its_length():
    """Guards a tall clipping given the 8 s of a photo: far too fast to read."""
    short = m.read_duration((2000, 4000), SCREEN, "y", 0.02, 5.0)
    long = m.read_duration((2000, 8000), SCREEN, "y", 0.02, 5.0)
    travel = 1920 * 8000 / 2000 - 1080 + m.END_CLEARANCE * 1080
    assert long == pytest.approx(10.0 + travel / (0.02 * 1920))
    assert long > short > 8.0


def _step(motion: Motion, duration: float = 60.0) -> Photo:
    return Photo(Path("/x/clip.jpg"), duration, Transition("cut", 0.0), "width", _label(),
                 "bottom", Where("a.yaml", 1, 1), motion=motion)


def _label():
    from kiosk.show.model import Label

    return Label()


@pytest.mark.parametrize("kind", ["read", "pan"])
def test_position_follows_the_clock_even_when_frames_are_skipped(kind: str):
    """Guards motion that adds up per-frame steps: a loop that skips frames (a slow frame,
    a busy machine) would then fall behind or jump. Drawn position vs the clock: 0 px."""
    motion = Motion("read", axis="y", dwell_s=2.0) if kind == "read" else Motion(
        "pan", focus=(0.4, 0.2, 0.2, 0.2), zoom=1.5)
    step = _step(motion)
    image = (1920, 5760) if kind == "read" else (2400, 3600)
    show = Show((Exhibit(Path("a.yaml"), _text(), (step,)),))
    timeline = Timeline(show, 0.0)
    rng = np.random.default_rng(3)
    start = t = 0.25  # the step appears with the first frame
    timeline.tick(start, lambda s: "ready")
    drawn = 0
    while t < 59.0:
        t += (1 / 60) * int(rng.choice([1, 1, 1, 2, 5, 17]))  # frames skipped on purpose
        frame = timeline.tick(t, lambda s: "ready")
        box = moving_framing(frame.current, frame.step_elapsed_s, image, SCREEN)
        exact = m.framing(motion, 60.0, t - start, image, SCREEN)
        if kind == "read":
            unrounded = m.read_offset(t - start, 60.0, 2.0,
                                      5760 - 1080 + m.END_CLEARANCE * 1080)
            assert box.y == round(unrounded)  # at most half a pixel: the nearest whole one
        assert (box.x, box.y, box.w, box.h) == pytest.approx(
            (exact.x, exact.y, exact.w, exact.h), abs=1e-9)
        drawn += 1
    assert drawn > 500


def _text():
    from kiosk.show.model import Text

    return Text({"": "A"})


def test_pause_stops_every_motion_and_resume_goes_on_without_a_jump():
    """Guards WCAG 2.2.2: the pause button stopped the slideshow but not a scroll or pan."""
    for motion, image in ((Motion("read", axis="y", dwell_s=2.0), (1920, 5760)),
                          (Motion("pan", zoom=1.4), (2400, 3600))):
        show = Show((Exhibit(Path("a.yaml"), _text(), (_step(motion),)),))
        timeline = Timeline(show, 0.0)
        timeline.tick(0.0, lambda s: "ready")
        frame = timeline.tick(20.0, lambda s: "ready")
        before = moving_framing(frame.current, frame.step_elapsed_s, image, SCREEN)
        timeline.pause(20.0)
        for t in (25.0, 60.0, 300.0):
            frame = timeline.tick(t, lambda s: "ready")
            assert moving_framing(frame.current, frame.step_elapsed_s, image, SCREEN) == before
        timeline.resume(300.0)
        frame = timeline.tick(300.0 + 1 / 60, lambda s: "ready")
        after = moving_framing(frame.current, frame.step_elapsed_s, image, SCREEN)
        assert after != before
        assert abs(after.y - before.y) < 2 and abs(after.w - before.w) < 2  # no jump


# -- pan and zoom: pure -------------------------------------------------------------------


def test_a_portrait_on_a_landscape_screen_keeps_its_top():
    """Guards the complaint about other frames: heads cut off portrait photos."""
    start, end = m.pan_frames((2000, 3000), SCREEN, None, 1.3)
    assert start.y == 0 and end.y == 0
    assert start.w == pytest.approx(2000) and end.w == pytest.approx(2000 / 1.3)
    for box in (start, end):
        assert box.w / box.h == pytest.approx(SCREEN[0] / SCREEN[1])


@pytest.mark.parametrize("focus", [(0.1, 0.7, 0.2, 0.2), (0.0, 0.0, 1.0, 0.9),
                                   (0.8, 0.05, 0.2, 0.6), (0.45, 0.45, 0.1, 0.1)])
def test_the_focus_box_is_never_cropped(focus):
    image = (4000, 6000)
    start, end = m.pan_frames(image, SCREEN, focus, 2.0)
    fx, fy, fw, fh = focus[0] * 4000, focus[1] * 6000, focus[2] * 4000, focus[3] * 6000
    for i in range(21):
        box = m.pan_view(start, end, i / 20)
        assert box.x <= fx + 1e-6 and box.y <= fy + 1e-6
        assert box.x + box.w >= fx + fw - 1e-6 and box.y + box.h >= fy + fh - 1e-6
        assert box.w / box.h == pytest.approx(SCREEN[0] / SCREEN[1])


def test_a_pan_drifts_smoothly():
    start, end = m.pan_frames((4000, 3000), SCREEN, (0.6, 0.3, 0.1, 0.1), 1.5)
    views = [m.pan_view(start, end, p / 600) for p in range(601)]
    steps = [math.hypot(b.x - a.x, b.y - a.y) for a, b in itertools.pairwise(views)]
    assert max(steps) < 2 * min(steps) + 1e-9  # an even drift, no lurch


# -- the manifest ---------------------------------------------------------------------------


def _load(show_dir: ShowDir):
    return load_show(LoadOptions(show_dir.exhibits, show_dir.assets))


def test_a_tall_clipping_reads_by_itself_with_a_computed_duration(show_dir: ShowDir):
    clipping(show_dir.exhibits / "clip.jpg")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: clip.jpg\n"
                                "  - photo: clip.jpg\n    duration: 40s\n")
    result = _load(show_dir)
    assert result.problems == []
    auto, given = result.show.exhibits[0].steps
    assert auto.motion is not None and auto.motion.kind == "read" and auto.fit == "width"
    assert auto.duration_s == pytest.approx(
        round(m.read_duration((2000, 6000), SCREEN, "y", 0.02, 5.0), 1))
    assert given.duration_s == 40.0


def test_validate_reports_the_computed_duration(show_dir: ShowDir, capsys):
    clipping(show_dir.exhibits / "clip.jpg")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: clip.jpg\n")
    code = main(["validate", "--exhibits", str(show_dir.exhibits)])
    out = capsys.readouterr().out
    assert code == 0
    assert "a.yaml:3:5: note: clip.jpg read by scrolling down, 137.5 s on screen" in out


@pytest.mark.parametrize("line, message", [
    ("focus: 0.8 0.1 0.4 0.4", "reaches outside the picture"),
    ("focus: 0.2 0.1 0 0.4", "has no size"),
    ("focus: 0.2 0.1 -0.3 0.4", "has no size"),
    ("focus: 0.2 0.1 wide", "is not four numbers"),
    ("zoom: 0", "must be a number from 1 to 4"),
    ("motion: spin", "is not a motion"),
])
def test_bad_motion_fields_are_positioned_and_the_photo_stays_still(show_dir: ShowDir, capsys,
                                                                     line: str, message: str):
    show_dir.manifest("a.yaml", f"title: A\nitems:\n  - photo: photos/p0.jpg\n    {line}\n")
    code = main(["validate", "--exhibits", str(show_dir.exhibits),
                 "--assets", str(show_dir.assets)])
    out = capsys.readouterr().out
    assert code == 1 and "Traceback" not in out
    assert f"a.yaml:4:{line.index(':') + 7}: error: " in out and message in out, out
    (photo,) = _load(show_dir).show.exhibits[0].steps
    assert photo.motion is None  # still on screen, not left out


def test_a_scroll_on_a_tiny_image_is_a_warning_and_a_still_photo(show_dir: ShowDir):
    clipping(show_dir.exhibits / "tiny.png", 120, 600)  # 16 times up to fill 1920 px
    clipping(show_dir.exhibits / "short.png", 1600, 900)  # fits whole: nothing to scroll
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: tiny.png\n    motion: read\n"
                                "  - photo: short.png\n    motion: read\n")
    result = _load(show_dir)
    messages = [str(p) for p in result.problems]
    assert any(":4:13: warning: `motion: read` on a picture only 120 px across" in s
               for s in messages), messages
    assert any(":6:13: warning: `motion: read`, but the picture (1600x900) fits the screen"
               in s for s in messages), messages
    assert all(s.motion is None for s in result.show.exhibits[0].steps)


def test_pan_on_a_clip_is_a_warning_and_the_clip_plays(show_dir: ShowDir):
    (show_dir.exhibits / "v.mp4").write_bytes(b"")  # the loader does not open clips
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - video: v.mp4\n    motion: pan\n"
                                "    focus: 0.1 0.1 0.2 0.2\n")
    result = _load(show_dir)
    warnings = [str(p) for p in result.problems if not p.is_error]
    assert any(":4:13: warning: a clip does not pan, zoom or scroll" in s for s in warnings)
    assert len(result.show.exhibits[0].steps) == 1


# -- frames ---------------------------------------------------------------------------------


def test_a_2000x6000_clipping_scrolls_from_its_top_to_its_bottom(show_dir: ShowDir):
    """Guards the unreadable strip: the clipping was shown whole, 180 px wide at 1080p;
    now it fills the width and both its first and last lines pass through the screen."""
    clipping(show_dir.exhibits / "clip.jpg")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: clip.jpg\n"
                                "    caption_position: hidden\n")
    (step,) = _load(show_dir).show.exhibits[0].steps
    first, middle, last = (show_dir.render(t) for t in (0.0, step.duration_s / 2,
                                                            step.duration_s - 0.5))
    assert colour_share(first[:20], TOP_BGR) > 0.95  # the headline, across the whole width
    assert colour_share(first, BOTTOM_BGR) == 0
    assert colour_share(middle, TOP_BGR) == 0 and colour_share(middle, BOTTOM_BGR) == 0
    assert colour_share(last, BOTTOM_BGR) > 0.05 and colour_share(last, TOP_BGR) == 0
    assert np.all(last[-12:-4] < 8)  # the background after its end (above the time line)
    # Fitted to the width: the text is as large as the width allows, not a strip.
    assert colour_share(middle[:, :40], (235, 235, 235)) > 0.5


def test_a_pan_moves_between_frames_and_keeps_the_top(show_dir: ShowDir):
    image = np.zeros((3000, 2000, 3), np.uint8)
    image[:, :] = (200, 200, 200)
    image[:150] = TOP_BGR  # the top edge of a portrait: where the faces are
    cv2.imwrite(str(show_dir.exhibits / "p.png"), image)
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: p.png\n    motion: pan\n"
                                "    duration: 20s\n    caption_position: hidden\n")
    start, end = show_dir.render(0.0), show_dir.render(19.9)
    assert colour_share(start[:5], TOP_BGR) > 0.95 and colour_share(end[:5], TOP_BGR) > 0.95
    band_start = int(np.sum(_share_rows(start)))
    band_end = int(np.sum(_share_rows(end)))
    assert band_end > band_start  # closer at the end: the band is taller on screen


def test_a_pan_photo_fading_into_itself_fades_from_its_end_to_its_start(show_dir: ShowDir):
    """A one-photo loop fades the photo out at its end framing while it comes back in at
    its start: both framings show, mixed. One surface held both, so the fade showed
    the end framing alone and the picture then jumped to the start."""
    image = np.full((3000, 2000, 3), 200, np.uint8)
    for y in range(0, 3000, 100):
        image[y:y + 20] = 40  # stripes: any move shows
    cv2.imwrite(str(show_dir.exhibits / "p.png"), image)
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: p.png\n    motion: pan\n"
                                "    duration: 20s\n    caption_position: hidden\n"
                                "    transition: crossfade 2s\n")
    end, again, mid = (show_dir.render(t).astype(int) for t in (19.9, 1.0, 21.0))
    assert np.abs(end - again).mean() > 20  # the two framings differ
    assert np.abs(mid - (end + again) / 2).mean() < 3  # halfway through the fade: both


def _share_rows(frame: np.ndarray) -> np.ndarray:
    return np.all(np.abs(frame[:, 320].astype(int) - TOP_BGR) < 30, axis=1)


def test_a_pan_frame_made_ahead_is_the_frame_drawn_in_place():
    """Guards the thread that resamples a pan's next frame: what it hands over must be
    the very frame the render thread would draw for that framing, and a framing it was
    not made for must not take it (a pause, a skipped frame)."""
    import pygame

    from kiosk.media.motion_frames import MotionFrames
    from kiosk.render.moving import resample
    from kiosk.render.surfaces import pixels
    from tests.conftest import wait_for

    rng = np.random.default_rng(1)
    image = rng.integers(0, 255, (900, 1200, 4), dtype=np.uint8)
    box = m.Box(100.25, 50.5, 960.3, 540.17)
    expected = np.empty((270, 480, 4), np.uint8)
    resample(expected, image, box, (0, 0, 0))
    frames = MotionFrames()
    frames.start()
    try:
        frames.request("p", image, [box], (480, 270), (0, 0, 0))
        layer = pygame.Surface((480, 270), 0, 32)
        wait_for(lambda: frames.made == 1)
        moved = m.Box(box.x + 0.5, box.y, box.w, box.h)  # half a screen pixel away
        assert frames.swap("p", moved, layer) is None and frames.swap("q", box, layer) is None
        got = frames.swap("p", box, layer)
        assert got is not None and np.array_equal(pixels(got), expected)
    finally:
        assert frames.stop()


def test_a_third_moving_photo_takes_an_old_surface_and_shows_none_of_it():
    """Guards the moving layers passed on from step to step (a new 8 MB surface per step
    was fresh memory faulted in on the render thread): the photo drawn on a surface the
    first one left shows its own picture and background bands, nothing of the first, and
    the screen is drawn again though the surface is the one last drawn there."""
    import pygame

    from kiosk.render.compositor import Compositor, Look
    from kiosk.render.surfaces import pixels
    from kiosk.render.text import TextRenderer
    from kiosk.show.settings import default_fonts

    pygame.font.init()
    fonts = default_fonts()
    size = (320, 180)
    look = Look(background=(0, 128, 0))
    compositor = Compositor(size, TextRenderer(fonts.text, fonts.heading), look)
    screen = pygame.Surface(size, 0, 32)
    red = np.zeros((180, 320, 4), np.uint8)
    red[:] = (0, 0, 255, 255)
    blue = np.zeros((180, 90, 4), np.uint8)  # narrower than the screen: bands beside it
    blue[:] = (255, 0, 0, 255)
    full, narrow = m.Box(0, 0, 320, 180), m.Box(-115, 0, 320, 180)
    steps = [Photo(Path(f"/x/{n}.jpg"), 10.0, Transition("cut", 0.0), "width", _label(),
                   "bottom", Where("a.yaml", n, 1), motion=Motion("pan"))
             for n in (1, 2, 3)]
    first, v1 = compositor.moving_layer(steps[0], red, full)
    compositor.draw(screen, first, versions=(v1, 0))
    compositor.moving_layer(steps[1], red, full)  # made, not drawn (a fade's next step)
    third, v3 = compositor.moving_layer(steps[2], blue, narrow)
    assert third is first and v3 != v1
    compositor.draw(screen, third, versions=(v3, 0))
    shown = pixels(screen)
    assert tuple(shown[90, 160][:3]) == (255, 0, 0)  # the blue photo in the middle
    band = tuple(int(c) for c in shown[90, 10][:3])
    assert band == tuple(look.background[::-1])  # its band, not the red photo left there


def test_a_window_running_past_the_picture_shows_background_bands_around_it():
    """Guards the bands a reading's last frames and a narrow clipping show: painted as
    whole pixels now (the four bytes broadcast took 7 ms a frame at 1080p), they must
    still be the background exactly where the picture runs out, and the picture where
    it does not."""
    from kiosk.render.moving import resample

    picture = np.random.default_rng(4).integers(0, 255, (300, 200, 4), dtype=np.uint8)
    view = np.zeros((180, 320, 4), np.uint8)
    resample(view, picture, m.Box(-60, 200, 320, 180), (10, 20, 30))  # left, right, below
    expected = np.empty_like(view)
    expected[:] = (30, 20, 10, 255)
    expected[:100, 60:260] = picture[200:300]
    assert np.array_equal(view, expected)


def test_another_language_keeps_the_moving_photos_surfaces_and_draws_anew():
    """Guards a visitor switching language during a pan or a reading: `forget` dropped
    the moving photo's surface and the next frame made a new one on the render thread
    (fresh memory: 5-12 ms). It is kept and drawn on again, at a new version."""
    import pygame

    from kiosk.render.compositor import Compositor, Look
    from kiosk.render.text import TextRenderer
    from kiosk.show.settings import default_fonts

    pygame.font.init()
    fonts = default_fonts()
    compositor = Compositor((320, 180), TextRenderer(fonts.text, fonts.heading), Look())
    compositor.reserve_moving()
    image = np.zeros((180, 320, 4), np.uint8)
    step = Photo(Path("/x/1.jpg"), 10.0, Transition("cut", 0.0), "width", _label(),
                 "bottom", Where("a.yaml", 1, 1), motion=Motion("pan"))
    layer, version = compositor.moving_layer(step, image, m.Box(0, 0, 320, 180))
    compositor.set_language("ru")
    compositor.forget()
    again, later = compositor.moving_layer(step, image, m.Box(0, 0, 320, 180))
    assert again is layer and later != version


def _clipping_player(show_dir: ShowDir, eager: bool):
    """A player of one tall clipping read by itself, at 640x360; with its step."""
    import pygame

    from kiosk.playback.player import SyncImages, make_player
    from kiosk.show.settings import Settings, default_fonts

    pygame.font.init()
    clipping(show_dir.exhibits / "clip.jpg")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: clip.jpg\n")
    show = _load(show_dir).show
    size = (640, 360)
    player = make_player(show, Settings(fonts=default_fonts()), size,
                         SyncImages(size, 10**8, (0, 0, 0)), 0.0, eager=eager)
    return player, show.exhibits[0].steps[0]


def test_a_finger_moves_a_clipping_being_read_and_it_reads_on_from_there(show_dir: ShowDir):
    """Guards a reading the visitor cannot take over: a drag did nothing unless zoomed."""
    player, step = _clipping_player(show_dir, eager=True)
    size = player.compositor.size
    image = player.images.image(step)
    image_size = (image.shape[1], image.shape[0])
    frame = player.update(40.0)
    before = moving_framing(step, frame.step_elapsed_s, image_size, size)
    player.scroll(step, 0.0, -150.0, 40.0)  # the finger moves up 150 px: further along
    frame = player.update(40.0)
    after = moving_framing(step, frame.step_elapsed_s, image_size, size)
    assert after.y - before.y == pytest.approx(150, abs=1)
    frame = player.update(50.0)  # and it reads on by itself from there
    assert moving_framing(step, frame.step_elapsed_s, image_size, size).y > after.y
    player.stop()


def test_a_finger_on_the_first_clipping_while_the_show_settles_takes_it_over(
        show_dir: ShowDir):
    """The show's first moving picture stays at its start while photos are decoded
    (kiosk/playback/start_hold.py); a visitor's drag takes it over at once, instead of
    being undone at the next frame."""
    from tests.conftest import wait_for

    player, step = _clipping_player(show_dir, eager=False)
    player.images.decoding = lambda: True  # type: ignore[method-assign]
    try:
        size = player.compositor.size
        image = player.images.image(step)
        image_size = (image.shape[1], image.shape[0])
        wait_for(lambda: player.update(0.0).current is not None)
        frame = player.update(1.0)
        assert frame.step_elapsed_s == 0.0  # held at its start
        before = moving_framing(step, frame.step_elapsed_s, image_size, size)
        player.scroll(step, 0.0, -150.0, 1.0)
        for now in (1.0 + 1 / 60, 2.0):
            frame = player.update(now)
            after = moving_framing(step, frame.step_elapsed_s, image_size, size)
            assert after.y - before.y >= 149
    finally:
        player.stop()


def test_drags_and_vertical_swipes_scroll_a_clipping_being_read():
    from kiosk.visitor import gestures as g
    from kiosk.visitor import rules as v

    visitor = v.Visitor("en", ("en",), 60.0)
    visitor.mode = "interactive"
    c = v.Context(now=1.0, size=SCREEN, reading=True)
    assert visitor.handle(g.Drag(0.0, -0.1, 1.0), c) == [v.Scroll(0.0, -108.0)]
    (scroll,) = visitor.handle(g.Swipe("up", 0.2, 2.0, 1.0), c)
    assert isinstance(scroll, v.Scroll) and scroll.dy_px < 0
    assert visitor.handle(g.Drag(0.0, -0.1, 1.0), v.Context(now=1.0, size=SCREEN)) == []
