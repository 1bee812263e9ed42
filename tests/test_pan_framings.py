"""A pan between the framings a curator writes (`pan_from`, `pan_to`), the edge a pan
keeps (`keep`), and what a bad line of either does.

Framings are checked as exact crop rectangles against the time (pure), frames by their
pixels through `render --at`, bad lines by their positioned messages.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pytest

from kiosk.cli import main
from kiosk.playback import motion as m
from kiosk.playback.player import moving_framing
from kiosk.show.loader import LoadOptions, load_show
from kiosk.show.model import Motion
from tests.conftest import ShowDir, colour_share

SCREEN = (1920, 1080)
RED, BLUE, GREEN, YELLOW = (40, 40, 200), (200, 60, 40), (40, 170, 40), (40, 210, 230)  # BGR


def _box(b: m.Box) -> tuple[float, float, float, float]:
    return b.x, b.y, b.w, b.h


# -- pure: the framings ------------------------------------------------------------------


def test_a_pan_starts_and_ends_on_the_framings_written():
    """Guards pans that ignored `pan_from`/`pan_to`: a curator could only give a focus."""
    motion = Motion("pan", start=(0.0, 0.0, 0.5, 0.5), end=(0.5, 0.5, 0.5, 0.5))
    image = (4000, 3000)
    # Each 2000x1500 box is widened about its centre to 16:9 (2666.67 x 1500), then moved
    # back inside the picture.
    w = 8000 / 3
    at = {t: _box(m.framing(motion, 20.0, t, image, SCREEN)) for t in (0.0, 10.0, 20.0)}
    assert at[0.0] == pytest.approx((0.0, 0.0, w, 1500.0))
    assert at[20.0] == pytest.approx((4000 - w, 1500.0, w, 1500.0))
    assert at[10.0] == pytest.approx((2000 - w / 2, 750.0, w, 1500.0))  # halfway, by time
    assert _box(m.framing(motion, 20.0, 25.0, image, SCREEN)) == at[20.0]  # holds the end
    closer = Motion("pan", zoom=3.0, start=motion.start, end=motion.end)
    assert m.framing(closer, 20.0, 7.0, image, SCREEN) == m.framing(motion, 20.0, 7.0,
                                                                     image, SCREEN)


def test_a_framing_of_another_shape_is_widened_about_its_centre_never_cut():
    """A tall box on a landscape screen shows all of it, and more around it; a box the
    picture cannot fill at the screen's shape is centred on the picture (bands)."""
    image = (4000, 3000)
    narrow = m.box_framing((0.4, 0.2, 0.1, 0.3), image, SCREEN)  # 400 x 900 px
    assert _box(narrow) == pytest.approx((1000.0, 600.0, 1600.0, 900.0))
    whole_height = m.box_framing((0.25, 0.0, 0.1, 1.0), image, SCREEN)
    assert _box(whole_height) == pytest.approx((-2000 / 3, 0.0, 16000 / 3, 3000.0))
    at_the_edge = m.box_framing((0.0, 0.0, 0.1, 1.0), image, SCREEN)  # the docs' example
    assert _box(at_the_edge) == _box(whole_height)
    wide = m.box_framing((0.0, 0.45, 1.0, 0.1), image, SCREEN)  # 4000 x 300: heightened
    assert _box(wide) == pytest.approx((0.0, 1500 - 1125, 4000.0, 2250.0))


def test_only_one_framing_written_the_other_follows_the_rules():
    image = (4000, 3000)
    start, end = m.pan_frames(image, SCREEN, None, 2.0, start_box=(0.5, 0.5, 0.5, 0.5))
    assert _box(start) == pytest.approx((4000 - 8000 / 3, 1500.0, 8000 / 3, 1500.0))
    assert _box(end) == pytest.approx((4000 - 8000 / 3 + 8000 / 6 - 2000 / 3, 1875.0,
                                       4000 / 3, 750.0))  # twice closer, on its centre
    widest, end = m.pan_frames(image, SCREEN, None, 2.0, end_box=(0.0, 0.0, 0.5, 0.5))
    assert _box(widest) == pytest.approx((0.0, 0.0, 4000.0, 2250.0))  # its top, by default
    assert _box(end) == pytest.approx((0.0, 0.0, 8000 / 3, 1500.0))


def test_a_focus_is_never_cut_by_a_framing_written():
    image = (4000, 3000)
    focus = (0.7, 0.7, 0.2, 0.2)  # 800 x 600 px at (2800, 2100)
    start, end = m.pan_frames(image, SCREEN, focus, 1.25, start_box=(0.0, 0.0, 0.1, 0.1),
                              end_box=(0.0, 0.0, 0.1, 0.1))
    for box in (start, end):
        assert box.x <= 2800 and box.x + box.w >= 3600 - 1e-6
        assert box.y <= 2100 and box.y + box.h >= 2700 - 1e-6


@pytest.mark.parametrize("keep, start_y, end_y", [
    ("top", 0.0, 0.0), ("centre", 937.5, 1050.0), ("bottom", 1875.0, 2100.0)])
def test_keep_says_which_edge_of_a_portrait_a_pan_keeps(keep, start_y, end_y):
    """Guards a portrait whose subject is at its centre or its bottom: the pan kept the
    top, always. 2000x3000 on 16:9: widest 2000x1125, then 1.25 times closer."""
    start, end = m.pan_frames((2000, 3000), SCREEN, None, 1.25, keep)
    assert _box(start) == pytest.approx((0.0, start_y, 2000.0, 1125.0))
    assert _box(end) == pytest.approx((200.0, end_y, 1600.0, 900.0))


@pytest.mark.parametrize("keep, start_x, end_x", [
    ("left", 0.0, 0.0), ("centre", 1666.67, 1933.33), ("right", 3333.33, 3866.67)])
def test_keep_says_which_end_of_a_panorama_a_pan_keeps(keep, start_x, end_x):
    """Guards a panorama whose subject is at one end: the pan stayed on its middle.
    6000x1500 on 16:9: widest 2666.7x1500, then 1.25 times closer on the same end."""
    start, end = m.pan_frames((6000, 1500), SCREEN, None, 1.25, keep)
    assert _box(start) == pytest.approx((start_x, 0.0, 2666.67, 1500.0), abs=0.01)
    assert _box(end) == pytest.approx((end_x, 150.0, 2133.33, 1200.0), abs=0.01)


def _thirds(path: Path, w: int = 3600, h: int = 900) -> Path:
    image = np.empty((h, w, 3), np.uint8)
    image[:, : w // 3], image[:, w // 3: 2 * w // 3], image[:, 2 * w // 3:] = RED, GREEN, BLUE
    cv2.imwrite(str(path), image)
    return path


@pytest.mark.parametrize("keep, colour", [("left", RED), ("right", BLUE), ("centre", GREEN)])
def test_render_shows_the_end_of_a_panorama_keep_names(show_dir: ShowDir, keep, colour):
    _thirds(show_dir.exhibits / "wide.png")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: wide.png\n    motion: pan\n"
                                f"    keep: {keep}\n    transition: cut\n"
                                "    caption_position: hidden\n")
    # 3600x900 on 16:9: the widest framing is 1600 wide, the thirds 1200 each.
    first, last = show_dir.render(0.0)[:340], show_dir.render(9.9)[:340]
    assert colour_share(first, colour) >= (0.75 if keep != "centre" else 0.74)
    assert colour_share(last, colour) >= 0.75


# -- the manifest -----------------------------------------------------------------------


def _quadrants(path: Path, w: int = 1600, h: int = 1200) -> Path:
    image = np.empty((h, w, 3), np.uint8)
    image[: h // 2, : w // 2] = RED
    image[: h // 2, w // 2:] = BLUE
    image[h // 2:, : w // 2] = GREEN
    image[h // 2:, w // 2:] = YELLOW
    cv2.imwrite(str(path), image)
    return path


def _load(show_dir: ShowDir):
    return load_show(LoadOptions(show_dir.exhibits, show_dir.assets))


def test_framings_and_keep_are_read_from_items_and_exhibit_defaults(show_dir: ShowDir):
    _quadrants(show_dir.exhibits / "q.png")
    cv2.imwrite(str(show_dir.exhibits / "tall.png"), np.full((3000, 2000, 3), 90, np.uint8))
    show_dir.manifest("a.yaml", "title: A\ndefaults:\n  keep: bottom\n"
                                "  pan_from: 10% 10% 50% 50%\nitems:\n"
                                "  - photo: q.png\n    pan_to: 0.5 0.5 0.5 0.5\n"
                                "  - photo: tall.png\n    motion: pan\n    keep: center\n")
    result = _load(show_dir)
    assert result.problems == []
    framed, portrait = result.show.exhibits[0].steps
    assert framed.motion == Motion("pan", zoom=1.25, keep="bottom", start=(0.1, 0.1, 0.5, 0.5),
                                   end=(0.5, 0.5, 0.5, 0.5))  # framings ask for a pan
    assert portrait.motion is not None and portrait.motion.keep == "centre"


def test_a_framing_written_on_a_tall_clipping_pans_it_instead_of_reading_it(
        show_dir: ShowDir):
    cv2.imwrite(str(show_dir.exhibits / "column.png"), np.full((6000, 2000, 3), 200, np.uint8))
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: column.png\n"
                                "  - photo: column.png\n    pan_to: 0 0 1 0.2\n")
    read, panned = _load(show_dir).show.exhibits[0].steps
    assert read.motion is not None and read.motion.kind == "read"
    assert panned.motion is not None and panned.motion.kind == "pan" and panned.fit == "pan"


def test_render_draws_the_pan_from_its_first_framing_to_its_last(show_dir: ShowDir):
    """Guards `render --at` drawing a pan that ignores the framings written: the top-left
    quadrant fills the first frame, the bottom-right one the last, and a frame between is
    exactly the framing its time gives, resampled."""
    _quadrants(show_dir.exhibits / "q.png")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: q.png\n    duration: 10s\n"
                                "    transition: cut\n    caption_position: hidden\n"
                                "    pan_from: 0 0 0.5 0.5\n    pan_to: 0.5 0.5 0.5 0.5\n")
    first, last = show_dir.render(0.0)[:340], show_dir.render(9.99)[:340]
    # 800x600 widened to 1066.7x600: three quarters of the width is the quadrant itself.
    assert colour_share(first, RED) == pytest.approx(0.75, abs=0.01)
    assert colour_share(first, BLUE) == pytest.approx(0.25, abs=0.01)
    assert colour_share(last, YELLOW) == pytest.approx(0.75, abs=0.01)
    assert colour_share(last, GREEN) == pytest.approx(0.25, abs=0.01)

    from kiosk.playback.player import SyncImages
    from kiosk.render.moving import resample

    (step,) = _load(show_dir).show.exhibits[0].steps
    image = SyncImages((640, 360), 10**8, (0, 0, 0)).image(step)
    assert image is not None
    box = moving_framing(step, 3.7, (image.shape[1], image.shape[0]), (640, 360))
    expected = np.empty((360, 640, 4), np.uint8)
    resample(expected, image, box, (0, 0, 0))
    drawn = show_dir.render(3.7)
    assert np.array_equal(drawn[:340], expected[:340, :, :3])


# -- bad lines ------------------------------------------------------------------------------


@pytest.mark.parametrize("line, message, hint", [
    ("pan_from: 0.8 0.1 0.4 0.4", "the `pan_from` box `0.8 0.1 0.4 0.4` reaches outside the "
     "picture", "did you mean `pan_from: 0.8 0.1 0.2 0.4`"),
    ("pan_to: 10 10 50 50", "reaches outside the picture",
     "did you mean percentages? write `pan_to: 10% 10% 50% 50%`"),
    ("pan_to: -0.1 0 0.5 0.5", "reaches outside the picture", "x and y are where the box"),
    ("pan_from: 0.2 0.1 0 0.4", "the `pan_from` box `0.2 0.1 0 0.4` has no size", ""),
    ("pan_to: 0.2 0.1 -0.3 0.4", "has no size", ""),
    ("pan_from: 0.1 0.1 0.5", "`pan_from: 0.1 0.1 0.5` has 3 numbers where four are needed",
     "write `pan_from: x y w h`"),
    ("pan_to: 0.1 0.1 0.5 0.5 0.2", "has 5 numbers where four are needed", ""),
    ("pan_from: top left", "is not four numbers", ""),
    ("keep: middel", "`keep: middel` is not an edge a pan can keep", "expected one of"),
    ("keep: botom", "is not an edge a pan can keep", "did you mean `bottom`?"),
])
def test_bad_framings_and_edges_are_positioned_and_the_photo_stays_still(
        show_dir: ShowDir, capsys, line: str, message: str, hint: str):
    """Guards a bad framing becoming a traceback or a jump to a wrong place: the line is
    named with a fix, and the photo is shown still (on screen, not left out)."""
    show_dir.manifest("a.yaml", f"title: A\nitems:\n  - photo: photos/p0.jpg\n    {line}\n")
    code = main(["validate", "--exhibits", str(show_dir.exhibits),
                 "--assets", str(show_dir.assets)])
    out = capsys.readouterr().out
    assert code == 1 and "Traceback" not in out
    assert f"a.yaml:4:{line.index(':') + 7}: error: " in out and message in out, out
    assert hint in out
    (photo,) = _load(show_dir).show.exhibits[0].steps
    assert photo.motion is None
    frame = show_dir.render(2.0)
    assert colour_share(frame[:300], (0, 80, 200)) > 0.95  # the still photo fills the screen


def test_every_bad_line_is_reported_in_one_pass(show_dir: ShowDir, capsys):
    """Guards a validate that stops at the first bad line: the curator fixes one, runs it
    again, and finds the next."""
    (show_dir.exhibits / "v.mp4").write_bytes(b"")
    cv2.imwrite(str(show_dir.exhibits / "tall.png"), np.full((3000, 1000, 3), 90, np.uint8))
    show_dir.manifest("a.yaml", "title: A\nitems:\n"
                                "  - photo: photos/p0.jpg\n    pan_from: 0.9 0 0.5 0.5\n"
                                "    keep: side\n"
                                "  - photo: photos/p1.jpg\n    motion: read\n"
                                "    pan_to: 0.1 0.1 0.2 0.2\n"
                                "  - photo: photos/p2.jpg\n    motion: none\n"
                                "    pan_from: 0 0 1 1\n    keep: top\n"
                                "  - photo: photos/p3.jpg\n    keep: centre\n"
                                "  - video: v.mp4\n    pan_from: 0 0 0.5 0.5\n"
                                "  - photo: tall.png\n    keep: bottom\n"
                                "  - sequence: photos/*.jpg\n    motion: none\n"
                                "    keep: top\n")
    main(["validate", "--exhibits", str(show_dir.exhibits), "--assets", str(show_dir.assets)])
    out = capsys.readouterr().out
    expected = [
        "a.yaml:4:15: error: the `pan_from` box",
        "a.yaml:5:11: error: `keep: side` is not an edge",
        "a.yaml:8:13: error: `pan_to` is for `motion: pan`, but this photo is `motion: read`",
        "a.yaml:11:15: warning: `pan_from` shapes a pan, but this photo is `motion: none`",
        "a.yaml:12:11: warning: `keep` shapes a pan, but this photo is `motion: none`",
        "a.yaml:14:11: warning: `keep` shapes a pan, but this photo is still",
        "a.yaml:16:15: warning: a clip does not pan, zoom or scroll",
        "a.yaml:18:11: warning: `keep` shapes a pan, but this photo is read by scrolling",
    ]
    for text in expected:
        assert text in out, (text, out)
    # A sequence's line is told once, not once per photo.
    assert out.count("a.yaml:21:11: warning: `keep` shapes a pan") == 1, out
    assert "write `start:` and `end:` times" in out  # a clip's own start and end
    steps = _load(show_dir).show.exhibits[0].steps
    assert [s.motion for s in steps[:4]] == [None] * 4


def test_an_edge_the_picture_cannot_keep_is_a_positioned_warning(show_dir: ShowDir, capsys):
    """`keep: top` on a panorama, `keep: right` on a portrait: the line does nothing, and
    the curator is told which edges would."""
    _thirds(show_dir.exhibits / "wide.png")
    cv2.imwrite(str(show_dir.exhibits / "tall.png"), np.full((3000, 2000, 3), 90, np.uint8))
    show_dir.manifest("a.yaml", "title: A\nitems:\n"
                                "  - photo: wide.png\n    motion: pan\n    keep: top\n"
                                "  - photo: tall.png\n    motion: pan\n    keep: right\n"
                                "  - photo: wide.png\n    motion: pan\n    keep: left\n")
    main(["validate", "--exhibits", str(show_dir.exhibits), "--assets", str(show_dir.assets)])
    out = capsys.readouterr().out
    assert ("a.yaml:5:11: warning: `keep: top` is for a picture taller than the screen; this "
            "one (3600x900) is wider than the screen, so it is framed about its centre") in out
    assert "write `keep: left` or `keep: right`, or remove the line" in out
    assert ("a.yaml:8:11: warning: `keep: right` is for a picture wider than the screen; "
            "this one (2000x3000) is taller than the screen, so its top is kept") in out
    assert "write `keep: top` or `keep: bottom`, or remove the line" in out
    assert "a.yaml:11" not in out, out  # a panorama can keep its left end


@pytest.mark.parametrize("line, hint", [
    ("from: 0 0 0.5 0.5", "did you mean `pan_from:`"),
    ("to: 0.5 0.5 0.5 0.5", "did you mean `pan_to`?"),
])
def test_from_and_to_written_for_a_framing_point_to_pan_from_and_pan_to(
        show_dir: ShowDir, capsys, line: str, hint: str):
    """Guards `from:` in an item being taken for the exhibit's first day (a hint to move
    it left, to where it would hide the exhibit until a date)."""
    show_dir.manifest("a.yaml", f"title: A\nitems:\n  - photo: photos/p0.jpg\n    {line}\n")
    code = main(["validate", "--exhibits", str(show_dir.exhibits),
                 "--assets", str(show_dir.assets)])
    out = capsys.readouterr().out
    assert code == 1 and "a.yaml:4:5: error: " in out and hint in out, out
    assert "move it left" not in out


def test_a_framing_closer_than_zoom_may_go_is_a_warning(show_dir: ShowDir):
    """Guards a tiny framing shown as a blur without a word: the picture is kept at about
    the screen's size, so a pan to a tenth of it is ten times enlarged."""
    show_dir.manifest("a.yaml", "title: A\nitems:\n"
                                "  - photo: photos/p0.jpg\n    pan_to: 0.4 0.4 0.1 0.1\n"
                                "  - photo: photos/p1.jpg\n    pan_from: 0 0 0.25 0.25\n")
    result = _load(show_dir)
    messages = [str(p) for p in result.problems]
    assert len(messages) == 1, messages
    assert (":4:13: warning: the `pan_to` box is 10.0 times closer than the widest framing; "
            "beyond 4 times") in messages[0], messages
    assert all(s.motion is not None for s in result.show.exhibits[0].steps)  # it pans


def test_validate_says_a_pan_goes_between_its_framings(show_dir: ShowDir, capsys):
    """Guards the curator's note: a pan given both framings was said to zoom 1.25x
    closer, a zoom it does not use."""
    _quadrants(show_dir.exhibits / "q.jpg")
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: q.jpg\n    motion: pan\n"
                      "    pan_from: 0 0 0.5 0.5\n    pan_to: 0.5 0.5 0.5 0.5\n"
                      "    duration: 10s\n")
    assert main(["validate", "--exhibits", str(show_dir.exhibits)]) == 0
    out = capsys.readouterr().out
    assert ("a.yaml:3:5: note: q.jpg pans from its pan_from framing to its pan_to framing, "
            "10 s on screen") in out
