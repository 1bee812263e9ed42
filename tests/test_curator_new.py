"""`new NAME --from FOLDER`: a curator's folder of scans becomes a first exhibit."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from kiosk.cli import main
from kiosk.curator.metadata import merge_languages, photo_facts
from kiosk.curator.yaml_text import inline, value_text
from kiosk.show.marked_yaml import Map, Scalar, parse
from kiosk.show.validate import validate
from tests.clips import make_clip
from tests.conftest import ShowDir
from tests.media_meta import BYLINE, CAPTION, HEADLINE, write_jpeg


def new(capsys, show_dir: ShowDir, *args: str) -> tuple[int, str, str]:
    code = main(["new", *args, "--exhibits", str(show_dir.exhibits)])
    out, err = capsys.readouterr()
    return code, out, err


def test_iptc_headline_caption_and_byline_prefill_the_label(tmp_path: Path):
    """Guards: a photo desk's IPTC caption (UTF-8, Cyrillic) lost or garbled."""
    path = write_jpeg(tmp_path / "a.jpg", iptc={HEADLINE: "Morning sail",
                                                 CAPTION: "Две яхты выходят в море",
                                                 BYLINE: "M. Haldane"})
    facts = photo_facts(path)
    assert facts is not None
    assert facts.title == {"": "Morning sail"}
    assert facts.caption == {"": "Две яхты выходят в море"}
    assert facts.credit == {"": "M. Haldane"}


def test_xmp_keeps_every_language_and_exif_gives_date_and_description(tmp_path: Path):
    """Guards: only one language of an XMP `dc:title` kept; EXIF capture date ignored."""
    xmp = write_jpeg(tmp_path / "x.jpg", xmp_title={"x-default": "Sunset", "en": "Sunset",
                                                    "ru": "Закат", "az": "Gün batımı"},
                     xmp_description={"x-default": "The tower at dusk"})
    facts = photo_facts(xmp)
    assert facts is not None
    assert facts.title == {"en": "Sunset", "ru": "Закат", "az": "Gün batımı"}
    assert facts.caption == {"": "The tower at dusk"}
    exif = write_jpeg(tmp_path / "e.jpg", taken="2019:05:14 10:22:03",
                      description="Boats in fog", artist="A. Trewin")
    facts = photo_facts(exif)
    assert facts is not None and facts.taken is not None
    assert facts.taken.isoformat() == "2019-05-14T10:22:03"
    assert facts.caption == {"": "Boats in fog"} and facts.credit == {"": "A. Trewin"}


def test_x_default_stands_for_the_default_language_only_when_it_adds_a_text():
    assert merge_languages({"": "Quay", "ru": "Набережная"}, "en") == {
        "en": "Quay", "ru": "Набережная"}
    assert merge_languages({"": "Quay", "en": "Quay", "ru": "Набережная"}, "en") == {
        "en": "Quay", "ru": "Набережная"}
    assert merge_languages({"": "Quay"}, "en") == {"": "Quay"}


def test_new_exhibit_in_curator_order_with_texts_and_todos(show_dir: ShowDir, tmp_path: Path,
                                                          capsys):
    """Guards: items in file-system or ASCII order (`10` before `2`), metadata ignored,
    and placeholders that `validate` does not point at."""
    scans = tmp_path / "scans"
    write_jpeg(scans / "scan10.jpg", description="Boats in fog")
    write_jpeg(scans / "scan2.jpg", iptc={HEADLINE: "Morning sail", CAPTION: "Два: яхты"})
    write_jpeg(scans / "late.jpg", taken="2020:01:02 08:00:00")
    write_jpeg(scans / "early.jpg", taken="2019:05:14 10:22:03",
               xmp_title={"en": "Sunset", "ru": "Закат"})
    make_clip(scans / "keeper.mp4", seconds=0.5, audio=None)
    (scans / "keeper.en.srt").write_text("1\n00:00:00,000 --> 00:00:00,400\nHello\n")
    (scans / "notes.docx").write_bytes(b"PK")
    (scans / "torn.jpg").write_bytes(b"\xff\xd8 not really")
    (scans / "extra").mkdir()
    code, out, err = new(capsys, show_dir, "harbour", "--from", str(scans))
    assert code == 0, err
    assert "left out notes.docx: not a photo or clip the kiosk plays" in out
    assert "left out torn.jpg: cannot be read as a photo" in out
    assert "left out extra/: a subfolder" in out
    text = (show_dir.exhibits / "harbour.yaml").read_text(encoding="utf-8")
    order = [line.split(": ", 1)[1].split("  #")[0] for line in text.splitlines()
             if line.startswith("  - ")]
    assert order == ["harbour/early.jpg", "harbour/late.jpg", "harbour/keeper.mp4",
                     "harbour/scan2.jpg", "harbour/scan10.jpg"]
    assert "      ru: Закат" in text and 'caption: "Два: яхты"' in text
    assert "      en: harbour/keeper.en.srt" in text
    for name in ("early.jpg", "late.jpg", "keeper.mp4", "keeper.en.srt", "scan2.jpg"):
        assert (show_dir.assets / "harbour" / name).is_file()
    report = validate(show_dir.exhibits, show_dir.assets, None)
    assert report.errors == 0, [str(p) for p in report.problems]
    todos = [p for p in report.problems if "still a placeholder" in p.message]
    lines = text.splitlines()
    assert len(todos) == 6  # early: caption; late, keeper: both; scan10: title
    for problem in todos:
        assert lines[problem.line - 1][problem.col - 1:] == "TODO"


def test_new_refuses_to_overwrite(show_dir: ShowDir, tmp_path: Path, capsys):
    """Guards: a second `new` with the same name wiping a curator's edited exhibit."""
    write_jpeg(tmp_path / "scans" / "a.jpg")
    assert new(capsys, show_dir, "harbour", "--from", str(tmp_path / "scans"))[0] == 0
    manifest = show_dir.exhibits / "harbour.yaml"
    manifest.write_text("# edited\n" + manifest.read_text())
    code, _, err = new(capsys, show_dir, "harbour", "--from", str(tmp_path / "scans"))
    assert code == 1 and "already exists" in err
    assert manifest.read_text().startswith("# edited\n")
    manifest.unlink()
    code, _, err = new(capsys, show_dir, "harbour", "--from", str(tmp_path / "scans"))
    assert code == 1 and "already holds files" in err and not manifest.exists()


def test_folder_with_nothing_usable_is_a_clear_message(show_dir: ShowDir, tmp_path: Path,
                                                        capsys):
    """Guards: an empty exhibit written, or a traceback, for a folder of documents."""
    docs = tmp_path / "docs"
    docs.mkdir()
    (docs / "captions.docx").write_bytes(b"PK")
    (docs / "broken.jpg").write_bytes(b"not a jpeg")
    code, out, err = new(capsys, show_dir, "harbour", "--from", str(docs))
    assert code == 1 and out == ""
    assert "holds no photo or clip the kiosk can play (it holds 2 other files)" in err
    assert "Traceback" not in err
    assert not (show_dir.exhibits / "harbour.yaml").exists()
    assert not (show_dir.assets / "harbour").exists()


def test_a_name_that_would_hide_the_exhibit_is_refused(show_dir: ShowDir, tmp_path: Path,
                                                       capsys):
    """Guards: `_draft` (ignored by the show) or `../x` (outside exhibits/) accepted."""
    write_jpeg(tmp_path / "scans" / "a.jpg")
    for name in ("_draft", "../x", ".hidden"):
        code, _, err = new(capsys, show_dir, name, "--from", str(tmp_path / "scans"))
        assert code == 1 and "cannot name an exhibit" in err


@given(st.text(max_size=40))
def test_any_text_written_inline_reads_back_unchanged(text: str):
    """Guards: a caption with `: `, `#`, quotes or a leading `-` breaking the new file."""
    document = parse(f"caption: {inline(text)}\n", "t.yaml")
    assert isinstance(document.root, Map)
    value = document.root.get("caption")
    assert isinstance(value, Scalar) and value.value == text


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                        max_size=20), min_size=2, max_size=4))
def test_several_lines_read_back_unchanged(lines: list[str]):
    text = "\n".join(lines).strip("\n")
    document = parse("a:\n  caption:" + value_text(text, 4) + "\n  b: x\n", "t.yaml")
    assert isinstance(document.root, Map)
    inner = document.root.get("a")
    assert isinstance(inner, Map)
    value = inner.get("caption")
    assert isinstance(value, Scalar) and value.value.rstrip("\n") == text.rstrip("\n")
