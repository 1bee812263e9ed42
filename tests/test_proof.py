"""`proof`: a PDF and an HTML page to approve, each slide exactly as `render` draws it."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from kiosk.cli import main
from kiosk.curator.proof import clip_moments, progress_line
from kiosk.show.model import Label, Transition, Video, Where
from tests.conftest import ROOT, ShowDir, write_image

SIZE = (320, 180)


def pdf_pages(path: Path) -> list[np.ndarray]:
    reader = PdfReader(str(path))
    return [np.asarray(page.images[0].image.convert("RGB")) for page in reader.pages]


def rendered(tmp_path: Path, *args: str, exhibits: str = str(ROOT / "exhibits")) -> np.ndarray:
    out = tmp_path / "r.png"
    assert main(["render", "--exhibits", exhibits, "--size", f"{SIZE[0]}x{SIZE[1]}",
                 "--out", str(out), *args]) == 0
    return np.asarray(Image.open(out).convert("RGB"))


def contains(page: np.ndarray, frame: np.ndarray) -> bool:
    """The frame sits in the page, full width, pixel for pixel."""
    h = frame.shape[0]
    return any(np.array_equal(page[y:y + h], frame) for y in range(page.shape[0] - h + 1)
               if np.array_equal(page[y], frame[0]))


def test_demo_proof_pages_are_the_rendered_slides(tmp_path: Path, capsys):
    """Guards: a proof that differs from the screen (JPEG-compressed, re-laid-out), or that
    leaves out a language or a slide."""
    out = tmp_path / "show.pdf"
    code = main(["proof", "--out", str(out), "--size", f"{SIZE[0]}x{SIZE[1]}",
                 "--lang", "en", "--lang", "ru"])
    printed = capsys.readouterr().out
    assert code == 0, printed
    pages = pdf_pages(out)
    steps = ["01-festival:1", *(f"01-festival:2.{n}" for n in range(1, 6)),
             "02-clippings:1", "02-clippings:2", "03-night:1", "04-credits:1"]
    assert len(pages) == 1 + len(steps) * 2  # contents, then each slide in en and ru
    for n, item in enumerate(steps):
        ru = pages[1 + 2 * n + 1]
        at = ["--at", "2"] if item == "03-night:1" else []  # the first Russian cue's middle
        assert contains(ru, rendered(tmp_path, "--item", item, "--lang", "ru", *at)), item
    html = out.with_suffix(".html").read_text(encoding="utf-8")
    assert "4 exhibits, 10 slides in 2 languages" in html
    assert html.count("<section") == len(steps) * 2
    assert "01-festival · item 2.3 (photo) · " in html and "exhibits/01-festival.yaml:" in html


def test_proof_lists_each_slides_warnings_and_the_loop_length(show_dir: ShowDir,
                                                              tmp_path: Path, capsys):
    """Guards: an approver not told which slide looks soft or lacks a translation."""
    write_image(show_dir.assets / "small.png", 200, 120)
    show_dir.manifest("a.yaml", """title: A
items:
  - photo: photos/p0.jpg
    caption: {en: Boats, fr: Bateaux}
    duration: 4s
  - photo: small.png
    caption: {en: Nets}
    duration: 4s
  - card: The end
    duration: 5s
""")
    show_dir.settings("languages: {offered: [en, fr], default: en}\n")
    out = tmp_path / "a.pdf"
    code = main(["proof", "--out", str(out), "--exhibits", str(show_dir.exhibits),
                 "--config", str(show_dir.config), "--size", f"{SIZE[0]}x{SIZE[1]}"])
    assert code == 0, capsys.readouterr()
    html = out.with_suffix(".html").read_text(encoding="utf-8")
    assert "1 exhibit, 3 slides in 2 languages; one loop takes 13s" in html
    sections = html.split("<section")[1:]
    assert len(sections) == 6 and len(pdf_pages(out)) == 7
    small = [s for s in sections if "item 2 (photo)" in s]
    assert len(small) == 2
    for section in small:
        assert "`small.png` is 200x120, smaller than the" in section
        assert "`caption` has no translation for `fr`" in section
    assert all("no warnings" in s for s in sections if "item 1 (photo)" in s)


def test_proof_names_text_that_does_not_fit(show_dir: ShowDir, tmp_path: Path, capsys):
    """Guards: an approver shown a slide whose caption the screen cuts with "…", with no
    word of it beside the slide."""
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n"
                                "    caption: " + "harbour " * 150 + "\n"
                                "  - photo: photos/p1.jpg\n    caption: Nets\n")
    show_dir.settings("languages: {offered: [en], default: en}\n")
    out = tmp_path / "a.pdf"
    assert main(["proof", "--out", str(out), "--exhibits", str(show_dir.exhibits),
                 "--config", str(show_dir.config), "--size", f"{SIZE[0]}x{SIZE[1]}"]) == 0, \
        capsys.readouterr()
    sections = out.with_suffix(".html").read_text(encoding="utf-8").split("<section")[1:]
    long, short = sections
    assert "line 4: warning: the `en` caption does not fit the label" in long
    assert "does not fit" not in short and "no warnings" in short


def test_unknown_language_and_wrong_suffix_are_usage_errors(tmp_path: Path, capsys):
    assert main(["proof", "--out", str(tmp_path / "a.pdf"), "--lang", "de"]) == 2
    assert "`de` is not offered to visitors" in capsys.readouterr().err
    assert main(["proof", "--out", str(tmp_path / "a.png")]) == 2
    assert not (tmp_path / "a.pdf").exists()


def _video(start_s: float = 0.0, duration_s: float | None = 12.0, subtitles=None) -> Video:
    return Video(Path("c.mp4"), Transition("cut", 0.0), "contain", Label(), "bottom",
                 Where("a.yaml", 1, 1), start_s=start_s, duration_s=duration_s,
                 subtitles=subtitles or {})


def test_clip_frames_sit_in_the_middle_of_their_language_subtitles():
    """Guards: a clip's strip taken at moments with no subtitle on screen."""
    cues = {Path("c.ru.vtt"): [(0.6, 3.4), (3.8, 6.6), (7.0, 9.6), (10.0, 11.0), (11.2, 11.8)],
            Path("c.en.srt"): [(1.0, 2.0)]}
    video = _video(subtitles={"ru": Path("c.ru.vtt"), "en": Path("c.en.srt")})
    ru = clip_moments(video, "ru", "en", lambda p: cues[p])
    assert len(ru) == 4 and ru[0] == pytest.approx(2.0) and ru[-1] == pytest.approx(11.5)
    assert clip_moments(video, "az", "en", lambda p: cues[p]) == [pytest.approx(1.5)]
    trimmed = _video(start_s=3.0, duration_s=5.0, subtitles={"ru": Path("c.ru.vtt")})
    # Trimmed to 3 s..8 s of the file: only the cue at 3.8-6.6 s has its middle inside.
    assert clip_moments(trimmed, "ru", "en", lambda p: cues[p]) == [pytest.approx(5.2 - 3.0)]
    assert clip_moments(_video(), "en", "en", lambda p: []) == [1.5, 4.5, 7.5, 10.5]


def test_progress_bar_on_a_terminal(show_dir: ShowDir, tmp_path: Path):
    """Guards: minutes of silence while a long proof is drawn."""
    from kiosk.cli import build_parser, show_paths
    from kiosk.curator.proof import proof_command

    assert progress_line(3, 12, "slides", width=8) == "proof [##------] 3/12 slides"
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n"
                                "  - photo: photos/p1.jpg\n")

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    err = Terminal()
    args = build_parser().parse_args(["proof", "--out", "x.pdf", "--exhibits",
                                      str(show_dir.exhibits)])
    code = proof_command(show_paths(args, ROOT), tmp_path / "x.pdf", SIZE, ["en"], err=err)
    assert code == 0
    assert "\rproof [###############---------------] 1/2 slides" in err.getvalue()
    assert "\rproof [##############################] 2/2 slides\n" in err.getvalue()
