"""Captions readable over any photo: text keeps 4.5:1 contrast against the pixels behind
it (WCAG 2.2, 1.4.3), measured on rendered frames (issue 10, item 5)."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from kiosk.cli import main
from kiosk.render import contrast
from tests.conftest import ShowDir

SIZE = (960, 540)
LABEL = ("    title: The harbour at noon\n"
         "    caption: Boats come in with the tide, and the market opens on the quay.\n"
         "    credit: Photo Archive, 1931\n")


def photo(kind: str, h: int = 1080, w: int = 1920) -> np.ndarray:
    if kind == "white":
        return np.full((h, w, 3), 255, np.uint8)
    if kind == "black":
        return np.zeros((h, w, 3), np.uint8)
    if kind == "dark":
        return np.full((h, w, 3), (60, 40, 30), np.uint8)
    # Busy: bright and dark blocks, white specks and hard stripes, as a crowd or foliage.
    rng = np.random.default_rng(7)
    img = rng.integers(0, 256, (h // 24, w // 24, 3), dtype=np.uint8)
    img = cv2.resize(img, (w, h), interpolation=cv2.INTER_NEAREST)
    img[rng.random((h, w)) < 0.02] = 255
    img[:, ::40] = 255
    return img


def frame(show_dir: ShowDir, kind: str) -> np.ndarray:
    cv2.imwrite(str(show_dir.assets / f"{kind}.png"), photo(kind))
    show_dir.manifest("a.yaml", f"title: A\nitems:\n  - photo: {kind}.png\n" + LABEL)
    out = show_dir.root / f"{kind}-frame.png"
    assert main(["render", "--exhibits", str(show_dir.exhibits), "--at", "1", "--out",
                 str(out), "--size", f"{SIZE[0]}x{SIZE[1]}"]) == 0
    return cv2.imread(str(out))


def text_contrast(text_frame: np.ndarray, glyphs: np.ndarray) -> float:
    """The worst contrast between the label's text and the pixels right round its letters:
    the dimmest glyph core against the brightest pixel within 4 px of a glyph."""
    core = glyphs > 180
    near = cv2.dilate((glyphs > 40).astype(np.uint8), np.ones((9, 9), np.uint8)) > 0
    ring = near & ~(cv2.dilate((glyphs > 40).astype(np.uint8), np.ones((3, 3), np.uint8)) > 0)
    lum = contrast.luminance(text_frame)
    text = float(np.percentile(lum[core], 5))
    behind = float(lum[ring].max())
    return contrast.ratio(text, behind)


@pytest.mark.parametrize("kind", ["white", "busy"])
def test_label_text_keeps_4_5_to_1_over_a_white_and_a_busy_photo(show_dir: ShowDir, kind):
    """Guards: a soft band that faded in over the label's title, leaving white letters on
    a light grey where the photo was white or busy (3.2:1 over white, 4.0:1 over busy).
    A busy photo gets 7:1: its edges fight the letters more than a plain bright one."""
    glyphs = cv2.cvtColor(frame(show_dir, "black"), cv2.COLOR_BGR2GRAY)
    glyphs[: SIZE[1] // 2] = 0  # the label only,
    glyphs[-4:] = 0  # not the progress line
    assert (glyphs > 180).sum() > 1000  # the label is there
    assert text_contrast(frame(show_dir, kind), glyphs) >= (4.5 if kind == "white" else 7.0)


def test_the_band_stays_light_over_a_dark_photo(show_dir: ShowDir):
    """Guards: one fixed dark box whatever the photo: a dark photo needs little backing,
    and keeps more of its picture than a white one does."""
    y = SIZE[1] - 8  # below the text, inside the band
    dark = frame(show_dir, "dark")[y, SIZE[0] // 2].astype(float)
    white = frame(show_dir, "white")[y, SIZE[0] // 2].astype(float)
    kept_dark = dark.sum() / sum((60, 40, 30))
    kept_white = white.sum() / (3 * 255)
    assert kept_dark > 1 - contrast.LIGHTEST_BAND - 0.02
    assert kept_white < kept_dark - 0.25


def test_band_alpha_is_least_that_holds_4_5():
    """Guards: a backing chosen by eye rather than by the contrast it gives."""
    for light in [(255, 255, 255), (255, 40, 40), (128, 128, 128)]:
        a = contrast.band_alpha(light, (205, 208, 212), target=4.5)
        darkened = contrast.luminance_rgb(tuple(c * (1 - a) for c in light))
        assert contrast.ratio(contrast.luminance_rgb((205, 208, 212)), darkened) >= 4.5
        if a > contrast.LIGHTEST_BAND:
            looser = tuple(c * (1 - a + 0.01) for c in light)
            assert contrast.ratio(contrast.luminance_rgb((205, 208, 212)),
                                  contrast.luminance_rgb(looser)) < 4.5
    assert contrast.band_alpha((20, 20, 20), (255, 255, 255)) == contrast.LIGHTEST_BAND


def clip_frame(show_dir: ShowDir, monkeypatch, value: int) -> np.ndarray:
    from tests import clips

    monkeypatch.setattr(clips, "frame_image",
                        lambda i, w, h: np.full((h, w, 3), value, np.uint8))
    clips.make_clip(show_dir.assets / f"c{value}.mp4", 320, 180, 3.0, audio=None)
    (show_dir.assets / f"c{value}.en.srt").write_text(
        "1\n00:00:00,000 --> 00:00:03,000\nThe lamp was first lit in 1871.\n")
    show_dir.manifest("a.yaml", f"title: A\nitems:\n  - video: c{value}.mp4\n    mute: yes\n"
                                f"    subtitles: {{en: c{value}.en.srt}}\n")
    out = show_dir.root / f"clip{value}.png"
    assert main(["render", "--exhibits", str(show_dir.exhibits), "--at", "1.5", "--out",
                 str(out), "--size", f"{SIZE[0]}x{SIZE[1]}"]) == 0
    return cv2.imread(str(out))


def test_subtitles_keep_4_5_to_1_over_a_white_picture(show_dir: ShowDir, monkeypatch):
    """Guards: subtitles over a white scene (snow, a sunlit wall) on a backing too light
    for their white letters; the box's darkness now follows from the contrast rule (it
    held already at 7:1, and must not be lightened below 4.5:1)."""
    glyphs = cv2.cvtColor(clip_frame(show_dir, monkeypatch, 0), cv2.COLOR_BGR2GRAY)
    glyphs[: SIZE[1] // 2] = 0
    glyphs[-4:] = 0
    assert (glyphs > 180).sum() > 500  # the subtitle is there
    assert text_contrast(clip_frame(show_dir, monkeypatch, 255), glyphs) >= 4.5


def test_a_clips_label_is_backed_for_a_white_picture():
    """Guards: a clip's label, drawn once and laid over every frame, backed for the frame
    it was first drawn on rather than for the brightest frame that may come."""
    import pygame

    from kiosk.render.compositor import Compositor, Look
    from kiosk.render.surfaces import pixels
    from kiosk.render.text import TextRenderer
    from kiosk.show.model import Label, Text
    from kiosk.show.settings import default_fonts

    fonts = default_fonts()
    compositor = Compositor(SIZE, TextRenderer(fonts.text, fonts.heading), Look())
    label = Label(Text({"": "Snow on the pier"}), Text({"": "The harbour in winter."}),
                  credit=Text({"": "Town archive"}))
    shots = []
    for value in (0, 255):
        target = pygame.Surface(SIZE, 0, 32)
        target.fill((value, value, value))
        found = compositor.label_overlay(label, "bottom")
        assert found is not None
        target.blit(*found)
        shots.append(pixels(target)[:, :, :3].copy())
    glyphs = cv2.cvtColor(shots[0], cv2.COLOR_BGR2GRAY)
    glyphs[: SIZE[1] // 2] = 0
    assert (glyphs > 180).sum() > 500
    assert text_contrast(shots[1], glyphs) >= 4.5
