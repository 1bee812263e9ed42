"""The manifest loader: what plays, what is left out, and what the curator is told."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from kiosk.show.loader import LoadOptions, load_show
from kiosk.show.model import Photo, Sequence, TextCard, Video
from tests.conftest import ShowDir, write_image


def load(d: ShowDir, languages=("en", "ru"), default="en"):
    return load_show(LoadOptions(d.exhibits, d.assets, languages, default, d.root))


def lines(result, severity=None):
    return [str(p) for p in result.problems if severity in (None, p.severity)]


GOOD = """\
title:
  en: Harbour
  ru: Гавань
order: 2
defaults:
  duration: 6s
  transition: slide
  fit: cover
items:
  - card: Welcome
    body: |
      An evening of photographs.

      Please touch the screen.
  - photo: photos/p0.jpg
    title: {en: The pier, ru: Пирс}
    caption: {en: Morning, ru: Утро}
    date: 1994-05-12
    source: The Gazette
    credit: Archive
    link: https://example.org/pier
    duration: 1:30
  - sequence: photos/*.jpg
    caption: {en: All of them, ru: Все}
    duration: 2.5s
  - sequence:
      - photos/p1.jpg
      - photo: photos/p2.jpg
        caption: {en: Override, ru: Иначе}
        fit: contain
    caption: {en: Shared, ru: Общее}
    credit: Crew
"""


def test_a_full_exhibit_reads_as_written(show_dir: ShowDir):
    show_dir.manifest("harbour.yaml", GOOD)
    result = load(show_dir)
    assert lines(result) == []
    (exhibit,) = result.show.exhibits
    assert exhibit.title.get("ru", "en") == "Гавань" and exhibit.order == 2
    card, photo, seq, seq2 = exhibit.items
    assert isinstance(card, TextCard) and card.duration_s == 6.0
    assert card.body.get("en", "en").startswith("An evening")
    assert card.transition.kind == "slide" and card.transition.duration_s == 0.8
    assert isinstance(photo, Photo) and photo.duration_s == 90.0 and photo.fit == "cover"
    assert photo.label.date.get("en", "en") == "1994-05-12"  # stays the text typed
    assert photo.link == "https://example.org/pier"
    assert photo.path == (show_dir.assets / "photos" / "p0.jpg").resolve()
    assert isinstance(seq, Sequence)
    assert [p.path.name for p in seq.photos] == ["p0.jpg", "p1.jpg", "p2.jpg", "p3.jpg"]
    assert all(p.duration_s == 2.5 and p.label.caption.get("ru", "en") == "Все"
               for p in seq.photos)
    assert isinstance(seq2, Sequence)
    first, second = seq2.photos
    assert first.label.caption.get("en", "en") == "Shared"
    assert second.label.caption.get("en", "en") == "Override"
    assert second.label.credit.get("en", "en") == "Crew"  # shared fields still apply
    assert (first.fit, second.fit) == ("cover", "contain")
    assert len(exhibit.steps) == 1 + 1 + 4 + 2


def test_exhibits_play_by_order_then_file_name(show_dir: ShowDir):
    body = "items:\n  - photo: photos/p0.jpg\n"
    show_dir.manifest("b.yaml", "title: B\n" + body)
    show_dir.manifest("a.yaml", "title: A\n" + body)
    show_dir.manifest("z.yaml", "title: Z\norder: 1\n" + body)
    show_dir.manifest("y.yml", "title: Y\norder: -5\n" + body)
    show_dir.manifest(".hidden.yaml", "title: H\n" + body)
    show_dir.manifest("notes.txt", "not a manifest")
    names = [e.name for e in load(show_dir).show.exhibits]
    assert names == ["y.yml", "z.yaml", "a.yaml", "b.yaml"]


def test_video_item_fields(show_dir: ShowDir):
    (show_dir.assets / "clips").mkdir()
    (show_dir.assets / "clips" / "talk.mp4").write_bytes(b"\0" * 10)
    (show_dir.assets / "clips" / "talk.en.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHi\n")
    show_dir.manifest("v.yaml", """\
title: V
items:
  - video: clips/talk.mp4
    start: 5s
    end: 1:10
    volume: 80%
    mute: no
    subtitles:
      en: clips/talk.en.srt
""")
    result = load(show_dir)
    assert lines(result, "error") == []
    (video,) = result.show.exhibits[0].items
    assert isinstance(video, Video)
    assert (video.start_s, video.end_s, video.volume, video.mute) == (5.0, 70.0, 0.8, False)
    assert video.duration_s is None  # plays to its end
    assert video.subtitles["en"].name == "talk.en.srt"


@pytest.mark.parametrize(
    ("value", "words"),
    [("-3s", "negative"), ("0s", "out of range"), ("nan", "not a duration"),
     (".inf", "not a duration"), ("1e30", "not a duration"), ("forever", "not a duration"),
     ("25h", "out of range"), ("''", "not a duration")],
)
def test_bad_durations_drop_only_their_item(show_dir: ShowDir, value, words):
    """A bad duration drops that item, not the exhibit; the message says how to write it."""
    show_dir.manifest("a.yaml", f"title: A\nitems:\n  - photo: photos/p0.jpg\n"
                                f"    duration: {value}\n  - photo: photos/p1.jpg\n")
    result = load(show_dir)
    (problem,) = result.errors
    assert (problem.path, problem.line, problem.col) == ("exhibits/a.yaml", 4, 15)
    assert words in problem.message and problem.hint
    assert [s.path.name for s in result.show.exhibits[0].steps] == ["p1.jpg"]


@pytest.mark.parametrize(("value", "seconds"), [("8s", 8), ("1.5s", 1.5), ("2m", 120),
                                                 ("1m30s", 90), ("1:30", 90), ("8", 8),
                                                 ("500ms", 0.5), ("1h", 3600)])
def test_duration_forms(show_dir: ShowDir, value, seconds):
    show_dir.manifest("a.yaml", f"items:\n  - photo: photos/p0.jpg\n    duration: {value}\n")
    assert load(show_dir).show.exhibits[0].steps[0].duration_s == seconds


def test_unknown_keys_everywhere_get_did_you_mean(show_dir: ShowDir):
    show_dir.manifest("a.yaml", """\
titel: A
defaults:
  duraton: 5s
items:
  - photo: photos/p0.jpg
    captoin: hello
  - sequence:
      - photo: photos/p1.jpg
        credti: me
""")
    result = load(show_dir)
    errors = {(p.line, p.col): (p.message, p.hint, p.playable) for p in result.errors}
    assert errors[(1, 1)][1] == "did you mean `title`?"
    assert errors[(3, 3)][1] == "did you mean `duration`?"
    assert errors[(6, 5)][1] == "did you mean `caption`?"
    assert errors[(9, 9)][1] == "did you mean `credit`?"
    assert all(playable for _, _, playable in errors.values())  # the player ignores them
    assert len(result.show.exhibits[0].steps) == 2


def test_unknown_item_kind_and_wrong_types(show_dir: ShowDir):
    show_dir.manifest("a.yaml", """\
title: A
items:
  - foto: photos/p0.jpg
  - photo: [photos/p0.jpg]
  - photo: photos/p0.jpg
    caption: [a, b]
  - photo: photos/p0.jpg
    video: clip.mp4
  - just text
  - photo: photos/p1.jpg
""")
    result = load(show_dir)
    got = [(p.line, p.col, p.message) for p in result.errors]
    assert got[0][:2] == (3, 5) and "`foto` is not a kind of item" in got[0][2]
    assert result.errors[0].hint == "did you mean `photo`?"
    assert got[1][:2] == (4, 12) and "single value" in got[1][2]
    assert got[2][:2] == (6, 14) and "one `language: text` line per language" in got[2][2]
    assert got[3][:2] == (7, 5) and "one kind" in got[3][2]
    assert got[4][:2] == (9, 5) and "must be `key: value` lines" in got[4][2]
    assert [s.path.name for s in result.show.exhibits[0].steps] == ["p1.jpg"]


def test_bad_paths(show_dir: ShowDir, tmp_path: Path):
    (show_dir.assets / "folder").mkdir()
    outside = tmp_path.parent / "outside.jpg"
    write_image(outside)
    os.symlink(outside, show_dir.assets / "link.jpg")
    show_dir.manifest("a.yaml", """\
title: A
items:
  - photo: photos/p9.jpg
  - photo: folder
  - photo: ../../etc/passwd
  - photo: /etc/passwd
  - photo: "photos/p0.jpg\\0"
  - photo: link.jpg
  - photo: photos/P0.JPG
  - photo: photos/p0.jpg
""")
    result = load(show_dir)
    got = {p.line: (p.message, p.hint) for p in result.errors}
    assert got[3][0] == "file not found: `photos/p9.jpg`"
    assert got[3][1].startswith("did you mean `photos/p")
    assert "is a folder" in got[4][0]
    assert "outside" in got[5][0] or "not found" in got[5][0]
    assert "absolute path" in got[6][0]
    assert "NUL" in got[7][0]
    assert "outside the exhibits and assets" in got[8][0]  # after following the symlink
    assert "did you mean `photos/p0.jpg`" in got[9][1] or "not found" in got[9][0]
    assert [s.path.name for s in result.show.exhibits[0].steps] == ["p0.jpg"]


def test_photo_in_a_video_field_and_back(show_dir: ShowDir):
    (show_dir.assets / "clip.mp4").write_bytes(b"x")
    show_dir.manifest("a.yaml", "items:\n  - video: photos/p0.jpg\n  - photo: clip.mp4\n")
    hints = [p.hint for p in load(show_dir).errors]
    assert hints[:2] == ["this is a photo: use `photo:` for it",
                         "this is a video: use `video:` for it"]


def test_invalid_yaml_leaves_out_that_exhibit_only(show_dir: ShowDir):
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n")
    show_dir.manifest("b.yaml", "title: 'B\nitems: [\n")
    show_dir.manifest("c.yaml", "")
    show_dir.manifest("d.yaml", "- photo: photos/p0.jpg\n")
    show_dir.manifest("e.yaml", "just words\n")
    result = load(show_dir)
    assert [e.name for e in result.show.exhibits] == ["a.yaml"]
    got = {p.path: (p.line, p.col, p.message) for p in result.errors}
    assert got["exhibits/b.yaml"][:2] == (1, 8)
    assert got["exhibits/c.yaml"] == (1, 1, "the file is empty")
    assert "not a list" in got["exhibits/d.yaml"][2]
    assert "not a single value" in got["exhibits/e.yaml"][2]


def test_norwegian_language_key_is_not_false(show_dir: ShowDir):
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - card:\n      en: Hello\n      no: Hei\n")
    result = load(show_dir, languages=("en", "no"))
    card = result.show.exhibits[0].items[0]
    assert isinstance(card, TextCard)
    assert card.title.get("no", "en") == "Hei"


def test_translation_warnings_and_fallback(show_dir: ShowDir):
    show_dir.manifest("a.yaml", """\
title: A
items:
  - photo: photos/p0.jpg
    caption: {en: Morning}
  - photo: photos/p1.jpg
    caption: {ru: Утро}
  - photo: photos/p2.jpg
    caption: {en: x, ru: y, de: z}
""")
    result = load(show_dir, languages=("en", "ru"))
    assert lines(result, "error") == []
    warnings = {p.line: p.message for p in result.warnings}
    assert "no translation for `ru`" in warnings[3]
    assert "no `en` text" in warnings[5]
    assert "`de`" in warnings[7] and "cannot choose" in warnings[7]
    second = result.show.exhibits[0].steps[1]
    assert second.label.caption.get("en", "en") == "Утро"  # fallback shows something


def test_missing_caption_warns_when_others_have_one(show_dir: ShowDir):
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n    caption: Hi\n"
                                "  - photo: photos/p1.jpg\n")
    (warning,) = load(show_dir, languages=("en",)).warnings
    assert (warning.line, warning.col) == (5, 5) and "no caption" in warning.message


def test_empty_sequence_glob_and_folder_sequence(show_dir: ShowDir):
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - sequence: nothing/*.jpg\n"
                                "  - sequence: photos\n")
    result = load(show_dir)
    (error,) = result.errors
    assert (error.line, error.col) == (3, 15) and "matches no files" in error.message
    assert len(result.show.exhibits[0].steps) == 4


def test_natural_order_in_a_glob(show_dir: ShowDir):
    for n in (10, 2, 1):
        write_image(show_dir.assets / "scans" / f"page{n}.png")
    show_dir.manifest("a.yaml", "items:\n  - sequence: scans/*.png\n")
    steps = load(show_dir).show.exhibits[0].steps
    assert [s.path.name for s in steps] == ["page1.png", "page2.png", "page10.png"]


def test_transitions_and_enums(show_dir: ShowDir):
    show_dir.manifest("a.yaml", """\
items:
  - photo: photos/p0.jpg
    transition: crossfade 1.5s
  - photo: photos/p1.jpg
    transition: dissolve
  - photo: photos/p2.jpg
    fit: stretch
  - photo: photos/p3.jpg
    transition: cut
""")
    result = load(show_dir)
    errors = [(p.line, p.message, p.hint) for p in result.errors]
    assert errors[0][0] == 5 and "not a transition" in errors[0][1]
    assert "`crossfade`" in errors[0][2]
    assert errors[1][0] == 7 and "`contain`" in errors[1][2] and "`cover`" in errors[1][2]
    steps = result.show.exhibits[0].steps
    assert steps[0].transition.duration_s == 1.5
    assert steps[1].transition.kind == "cut" and steps[1].transition.duration_s == 0


def test_no_items_and_no_title(show_dir: ShowDir):
    show_dir.manifest("a.yaml", "title: A\n")
    show_dir.manifest("b.yaml", "items:\n  - photo: photos/p0.jpg\n")
    result = load(show_dir)
    assert [p.message for p in result.errors] == ["the exhibit has no `items`"]
    (warning,) = result.warnings
    assert "no `title`" in warning.message and "`b`" in warning.hint
    assert result.show.exhibits[0].title.get("en", "en") == "b"


def test_bad_link(show_dir: ShowDir):
    show_dir.manifest("a.yaml", "items:\n  - photo: photos/p0.jpg\n    link: example.org\n"
                                "  - photo: photos/p1.jpg\n")
    (error,) = load(show_dir).errors
    assert (error.line, error.col) == (3, 11) and "https://" in error.hint


def test_a_link_that_breaks_the_url_parser_is_an_error(show_dir: ShowDir):
    """urlparse raises on `https://[x`; found by the fuzz test."""
    show_dir.manifest("a.yaml", "items:\n  - photo: photos/p0.jpg\n    link: 'https://[x'\n"
                                "  - photo: photos/p1.jpg\n")
    (error,) = load(show_dir).errors
    assert (error.line, error.col) == (3, 11) and "not a web address" in error.message


# -- the exhibits folder -------------------------------------------------------------


def test_a_manifest_that_is_a_symlink_loop_is_a_positioned_error(show_dir: ShowDir):
    """Guards issue 14: a looped link was dropped without a word, so the curator saw an
    exhibit missing from the show and nothing in `validate` or `_kiosk_errors.txt`."""
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n")
    os.symlink("x.yaml", show_dir.exhibits / "x.yaml")
    result = load(show_dir)
    assert lines(result, "error") == [
        "exhibits/x.yaml:1:1: error: `x.yaml` is a symbolic link that leads back to itself "
        "(a loop) (replace it with the manifest file itself)"]
    assert [e.name for e in result.show.exhibits] == ["a.yaml"]
    assert show_dir.exhibits / "x.yaml" in result.files


def test_a_manifest_link_to_a_deleted_file_names_its_target(show_dir: ShowDir):
    os.symlink("../drafts/gone.yaml", show_dir.exhibits / "b.yaml")
    (error,) = load(show_dir).errors
    assert (error.path, error.line, error.col) == ("exhibits/b.yaml", 1, 1)
    assert "`../drafts/gone.yaml`" in error.message and "No such file" in error.message


def test_a_manifest_that_is_a_working_symlink_plays(show_dir: ShowDir):
    """Links now count as manifests even when broken; one that works must still play."""
    real = show_dir.root / "drafts" / "a.yaml"
    real.parent.mkdir()
    real.write_text("title: A\nitems:\n  - photo: photos/p0.jpg\n")
    os.symlink(real, show_dir.exhibits / "a.yaml")
    result = load(show_dir)
    assert result.errors == [] and [e.name for e in result.show.exhibits] == ["a.yaml"]


def test_an_unreadable_folder_says_why_not_that_it_is_empty(show_dir: ShowDir):
    """A folder that cannot be listed (here a link that loops; a dropped share gives an
    I/O error) used to be reported as holding no manifest."""
    show_dir.exhibits.rmdir()
    os.symlink("exhibits", show_dir.exhibits)
    (error,) = load(show_dir).problems
    assert error.is_error and (error.path, error.line, error.col) == ("exhibits", 1, 1)
    assert "cannot be read (Too many levels of symbolic links)" in error.message


@pytest.mark.parametrize("marker", ["EMPTY", "EMPTY.txt", "empty"])
def test_the_empty_marker_makes_an_empty_show_valid(show_dir: ShowDir, marker: str):
    """The documented way to empty a show on purpose: no error, one warning that says so."""
    (show_dir.exhibits / marker).write_text("")
    result = load(show_dir)
    assert result.errors == [] and result.show.exhibits == ()
    (warning,) = result.warnings
    assert str(warning).startswith("exhibits:1:1: warning: the show is empty on purpose")


def test_the_empty_marker_beside_manifests_is_ignored_with_a_warning(show_dir: ShowDir):
    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n")
    (show_dir.exhibits / "EMPTY").write_text("")
    result = load(show_dir)
    assert [e.name for e in result.show.exhibits] == ["a.yaml"]
    (warning,) = result.warnings
    assert warning.path == "exhibits" and "`EMPTY` is ignored" in warning.message
