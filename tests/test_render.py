"""Frames as a visitor sees them, checked by their pixels (render path, no screen)."""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np
import pygame
import pytest
from PIL import Image

from kiosk.cli import main
from tests.conftest import ShowDir, write_image

SIZE = (640, 360)


def render(show_dir: ShowDir, at: float, name: str = "f.png", size=SIZE) -> np.ndarray:
    out = show_dir.root / name
    code = main(["render", "--exhibits", str(show_dir.exhibits), "--at", str(at),
                 "--out", str(out), "--size", f"{size[0]}x{size[1]}"])
    assert code == 0
    return cv2.imread(str(out))[:, :, ::-1]  # RGB


def solid(show_dir: ShowDir, name: str, color, size=(1280, 720)) -> None:
    write_image(show_dir.assets / name, *size, color=tuple(reversed(color)))  # BGR on disk


@pytest.fixture
def two_colours(show_dir: ShowDir) -> ShowDir:
    solid(show_dir, "red.png", (220, 0, 0))
    solid(show_dir, "blue.png", (0, 0, 220))
    show_dir.manifest("a.yaml", "title: A\ndefaults: {duration: 4s, transition: crossfade 2s}\n"
                                "items:\n  - photo: red.png\n  - photo: blue.png\n")
    return show_dir


def test_crossfade_midpoint_mixes_both_images(two_colours: ShowDir):
    start = render(two_colours, 1.0)
    middle = render(two_colours, 5.0)  # blue's 2 s crossfade began at 4 s
    end = render(two_colours, 7.0)
    centre = (SIZE[1] // 2, SIZE[0] // 2)
    assert tuple(start[centre]) == pytest.approx((220, 0, 0), abs=3)
    assert tuple(middle[centre]) == pytest.approx((110, 0, 110), abs=4)
    assert tuple(end[centre]) == pytest.approx((0, 0, 220), abs=3)


def test_render_is_deterministic(two_colours: ShowDir):
    assert np.array_equal(render(two_colours, 5.3, "a.png"), render(two_colours, 5.3, "b.png"))


def test_show_loops(two_colours: ShowDir):
    """Loop length 8 s: red at 3 s and again at 11 s (its crossfade in ended at 10 s)."""
    assert np.array_equal(render(two_colours, 3.0, "a.png"), render(two_colours, 11.0, "b.png"))


def test_letterbox_bars_are_the_background(show_dir: ShowDir):
    solid(show_dir, "square.png", (0, 200, 0), (500, 500))
    show_dir.manifest("a.yaml", "items:\n  - photo: square.png\n    caption_position: hidden\n")
    frame = render(show_dir, 1.0)
    h, w = SIZE[1], SIZE[0]
    side = (w - h) // 2
    bars = frame[:-4]  # the progress line runs along the bottom edge
    assert (bars[:, : side - 2] < 3).all() and (bars[:, w - side + 2:] < 3).all()
    assert tuple(frame[h // 2, w // 2]) == pytest.approx((0, 200, 0), abs=3)


def test_cover_fills_the_screen(show_dir: ShowDir):
    solid(show_dir, "square.png", (0, 200, 0), (500, 500))
    show_dir.manifest("a.yaml", "items:\n  - photo: square.png\n    fit: cover\n"
                                "    caption_position: hidden\n")
    frame = render(show_dir, 1.0)
    assert (np.abs(frame[:-4].astype(int) - (0, 200, 0)) <= 3).all()  # bottom: progress line


def test_exif_rotated_photo_comes_out_upright(show_dir: ShowDir):
    """A phone photo stored sideways with EXIF orientation 6 is shown upright."""
    upright = np.zeros((400, 300, 3), np.uint8)
    upright[:200] = (255, 0, 0)  # top red
    upright[200:] = (0, 0, 255)  # bottom blue
    stored = np.rot90(upright, 1)  # what the camera wrote (rotated 90° anticlockwise)
    image = Image.fromarray(np.ascontiguousarray(stored))
    exif = image.getexif()
    exif[0x0112] = 6
    image.save(show_dir.assets / "phone.jpg", exif=exif, quality=95)
    show_dir.manifest("a.yaml", "items:\n  - photo: phone.jpg\n    caption_position: hidden\n")
    frame = render(show_dir, 1.0)
    top, bottom = frame[40, SIZE[0] // 2], frame[SIZE[1] - 40, SIZE[0] // 2]
    assert top[0] > 200 and top[2] < 60, top
    assert bottom[2] > 200 and bottom[0] < 60, bottom


def test_caption_band_is_legible_on_a_white_photo(show_dir: ShowDir):
    """White text on a white photo would vanish: the band darkens what lies beneath."""
    solid(show_dir, "white.png", (255, 255, 255))
    show_dir.manifest("a.yaml", "items:\n  - photo: white.png\n    fit: cover\n"
                                "    title: Пирс — The pier — Körpü\n    caption: Səhər limanda\n")
    frame = render(show_dir, 1.0).astype(int)
    band = frame[int(SIZE[1] * 0.7):SIZE[1] - 6, : SIZE[0] // 2].sum(axis=2)
    top = frame[: SIZE[1] // 3].sum(axis=2)
    assert (top > 740).all()  # the photo itself stays white above the label
    dark, bright = (band < 450).mean(), (band > 700).mean()
    assert dark > 0.5 and bright > 0.005  # a dark band, with light text on it


def test_text_stays_inside_the_safe_area(show_dir: ShowDir):
    """A long card text wraps inside the screen's safe margins instead of running off."""
    long = " ".join(["Überlieferung"] * 60)
    show_dir.manifest("a.yaml", f"items:\n  - card: {long}\n    body: {long}\n")
    frame = render(show_dir, 3.0).astype(int)
    h, w = SIZE[1], SIZE[0]
    background_rows = frame[:, :1].astype(int)  # the card's gradient, per row
    ink = np.abs(frame - background_rows).sum(axis=2) > 60
    ys, xs = np.nonzero(ink[:-6])  # the progress line runs along the very bottom
    assert xs.size > 0
    assert xs.min() >= w * 0.05 and xs.max() <= w * 0.95
    assert ys.min() >= h * 0.05 and ys.max() <= h * 0.95


def test_bad_photo_is_skipped_in_render(show_dir: ShowDir):
    (show_dir.assets / "broken.png").write_bytes(b"\x89PNG\r\n\x1a\nnot really")
    solid(show_dir, "green.png", (0, 200, 0))
    show_dir.manifest("a.yaml", "items:\n  - photo: broken.png\n  - photo: green.png\n"
                                "    caption_position: hidden\n")
    frame = render(show_dir, 1.0)
    assert tuple(frame[SIZE[1] // 2, SIZE[0] // 2]) == pytest.approx((0, 200, 0), abs=3)


def test_nothing_playable_shows_a_calm_card(show_dir: ShowDir):
    (show_dir.assets / "broken.jpg").write_bytes(b"\xff\xd8\xff nope")
    show_dir.manifest("a.yaml", "items:\n  - photo: broken.jpg\n")
    frame = render(show_dir, 1.0).astype(int)
    assert frame.std() > 3  # text on the card, not a flat black screen
    assert frame.mean() > 15


def test_render_without_any_display(show_dir: ShowDir, tmp_path: Path):
    """`render` needs no screen: it is how a curator previews on a headless machine."""
    import subprocess
    import sys

    from tests.conftest import ROOT

    solid(show_dir, "red.png", (220, 0, 0))
    show_dir.manifest("a.yaml", "items:\n  - photo: red.png\n")
    out = tmp_path / "x.png"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, str(ROOT / "run_kiosk.py"), "render",
                           "--exhibits", str(show_dir.exhibits), "--at", "2",
                           "--out", str(out)], capture_output=True, text=True, env=env,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    assert pygame.image.load(str(out)).get_size() == (1920, 1080)


# -- clips -------------------------------------------------------------------------------


def test_render_inside_a_clip_shows_the_frame_due_then(show_dir: ShowDir):
    """`render --at` draws the clip's picture due at that moment (the drawing StillClips
    shares with the loop's clips), letterboxed on the background."""
    from tests.clips import frame_number, make_clip

    make_clip(show_dir.assets / "clip.mp4", 160, 120, seconds=2.0, fps=25, audio=None)
    show_dir.manifest("a.yaml", "items:\n  - video: clip.mp4\n    transition: cut\n")
    frame = render(show_dir, 1.0)
    # 4:3 in 16:9: 480x360 in the middle, background bars on both sides.
    assert frame[:, :70].max() < 10 and frame[:, -70:].max() < 10
    assert abs(frame_number(frame[:, 80:560, ::-1]) - 25) <= 2


def test_still_clips_start_no_thread():
    """Guards: StillClips inherited Clips and started its stopping thread (and a frame
    pool) for `render`, which decodes each frame it draws at once."""
    import threading

    from kiosk.playback.clips import StillClips
    from kiosk.render.compositor import Compositor, Look
    from kiosk.render.text import TextRenderer
    from kiosk.show.settings import default_fonts

    pygame.font.init()
    fonts = default_fonts()
    compositor = Compositor(SIZE, TextRenderer(fonts.text, fonts.heading), Look())
    before = set(threading.enumerate())
    still = StillClips(SIZE, compositor)
    try:
        assert set(threading.enumerate()) == before
    finally:
        assert still.stop()


# -- exhibit dates -----------------------------------------------------------------------


def test_render_on_a_date_leaves_out_an_exhibit_dated_for_later(show_dir: ShowDir):
    """Guards: `render --at` played every exhibit whatever its dates, so its frame could
    differ from the loop's on the same day (the loop filters with `active_show`)."""
    from datetime import date

    from kiosk.live.startup import load_for_playing
    from kiosk.show.exhibit_dates import active_show

    solid(show_dir, "red.png", (220, 0, 0))
    solid(show_dir, "blue.png", (0, 0, 220))
    show_dir.manifest("a.yaml", "title: Summer\norder: 1\nfrom: 2026-07-01\n"
                                "items:\n  - photo: red.png\n    caption_position: hidden\n")
    show_dir.manifest("b.yaml", "title: Always\norder: 2\n"
                                "items:\n  - photo: blue.png\n    caption_position: hidden\n")

    def centre(day: str) -> tuple[int, ...]:
        out = show_dir.root / f"{day}.png"
        assert main(["render", "--exhibits", str(show_dir.exhibits), "--at", "1",
                     "--date", day, "--out", str(out), "--size", "320x180"]) == 0
        return tuple(cv2.imread(str(out))[90, 160, ::-1])

    assert centre("2026-06-30") == pytest.approx((0, 0, 220), abs=3)  # summer not yet
    assert centre("2026-07-01") == pytest.approx((220, 0, 0), abs=3)
    # The loop's filter on the same day keeps the same exhibits.
    show = load_for_playing(show_dir.exhibits, show_dir.assets, None).reloader.show
    assert [e.name for e in active_show(show, date(2026, 6, 30)).exhibits] == ["b.yaml"]


def test_a_bad_render_date_is_a_usage_error(show_dir: ShowDir, capsys):
    show_dir.manifest("a.yaml", "items:\n  - card: Hello\n")
    with pytest.raises(SystemExit) as exit_:  # argparse's own exit, as for any bad flag
        main(["render", "--exhibits", str(show_dir.exhibits), "--at", "1",
              "--date", "2026-13-01", "--out", str(show_dir.root / "x.png")])
    assert exit_.value.code == 2 and "is not a date like" in capsys.readouterr().err
