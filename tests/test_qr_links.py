"""`link:` drawn as a QR code that a visitor's phone can scan from 1 m, and `validate`
warning when a link is too long for that on the configured screen."""

from __future__ import annotations

import cv2
import pytest

from kiosk.cli import main
from kiosk.render.qr import plan, px_per_mm
from tests.conftest import ShowDir, write_image

SHORT = "https://example.org/archive/1994"
LONG = "https://example.org/" + "collections/harbour/" * 12


def decode(path) -> str:
    image = cv2.imread(str(path))
    h, w = image.shape[:2]
    corner = image[h // 2:, w // 2:]  # the code sits in the bottom-right corner
    return cv2.QRCodeDetectorAruco().detectAndDecode(corner)[0]


@pytest.fixture
def linked(show_dir: ShowDir) -> ShowDir:
    write_image(show_dir.assets / "sea.jpg", 1600, 900, color=(120, 90, 40))
    show_dir.manifest("a.yaml", f"""title: A
items:
  - photo: sea.jpg
    caption: Boats at dawn
    link: {SHORT}
  - card: Read more
    body: The archive is online.
    link: {LONG}
""")
    show_dir.settings("screen: {diagonal: 55in}\n")
    return show_dir


@pytest.mark.parametrize(("item", "link"), [("a:1", SHORT), ("a:2", LONG)])
def test_link_is_drawn_as_a_code_that_scans(linked: ShowDir, capsys, item: str, link: str):
    """Guards: `link:` accepted by the manifest but never shown to visitors."""
    out = linked.root / "f.png"
    assert main(["render", "--exhibits", str(linked.exhibits), "--config", str(linked.config),
                 "--item", item, "--size", "1920x1080", "--out", str(out)]) == 0
    assert decode(out) == link


@pytest.mark.parametrize("diagonal_in", [32.0, 55.0, 75.0])
def test_a_short_links_code_is_wide_enough_for_one_metre(diagonal_in: float):
    """Guards: a code sized in pixels only, too small to scan on a big screen's wall."""
    p = plan(SHORT, (1920, 1080), diagonal_in)
    assert p.scannable
    width_mm = p.side_px / px_per_mm((1920, 1080), diagonal_in)
    assert width_mm >= 1000 / 10  # a code reads from about ten times its width


def test_validate_warns_about_a_link_too_long_to_scan(linked: ShowDir, capsys):
    """Guards: a long tracking link discovered only when nobody's phone reads it."""
    code = main(["validate", "--exhibits", str(linked.exhibits), "--config",
                 str(linked.config)])
    out = capsys.readouterr().out
    assert code == 0  # a warning: it still plays, drawn smaller
    lines = [line for line in out.splitlines() if "too long to scan" in line]
    assert len(lines) == 1 and ":6:5: warning: the link is too long to scan from 1 m" in lines[0]
    assert "a corner of this 55-inch screen has" in lines[0]


def test_a_link_that_is_not_a_web_address_is_an_error(show_dir: ShowDir, capsys):
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n"
                                "    link: ftp://example.org/x\n")
    assert main(["validate", "--exhibits", str(show_dir.exhibits)]) == 1
    assert ":4:11: error: `ftp://example.org/x` is not a web address" in capsys.readouterr().out
