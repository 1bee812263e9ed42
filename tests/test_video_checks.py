"""`validate` on video items: clips that open, trims inside the clip, subtitles that read."""

from __future__ import annotations

import os
import re

import pytest

from kiosk.cli import main
from kiosk.media.video import VideoError, probe_video
from kiosk.show.fields import format_seconds
from kiosk.show.media_checks import clock
from tests.clips import make_clip
from tests.conftest import ShowDir

GOOD_SRT = "1\n00:00:00,000 --> 00:00:01,500\nThe lamp was lit in 1871.\n"


@pytest.fixture
def show(show_dir: ShowDir, monkeypatch) -> ShowDir:
    # Messages name files relative to the current folder, as a curator runs validate.
    monkeypatch.chdir(show_dir.root)
    show_dir.settings("languages: {offered: [en, ru], default: en}\n")
    return show_dir


def validate(show: ShowDir, capsys) -> tuple[int, list[str]]:
    code = main(["validate", "--exhibits", str(show.exhibits), "--config", str(show.config)])
    return code, capsys.readouterr().out.splitlines()


def test_probe_reads_length_rate_and_sound(tmp_path):
    info = probe_video(make_clip(tmp_path / "a.mp4", 64, 48, 2.0))
    assert info.duration_s == pytest.approx(2.0, abs=0.05)
    assert info.fps == 25 and info.has_audio and (info.width, info.height) == (64, 48)
    assert not probe_video(make_clip(tmp_path / "b.mp4", 64, 48, 2.0, audio=None)).has_audio


def test_probe_refuses_garbage_and_truncation(tmp_path):
    junk = tmp_path / "junk.mp4"
    junk.write_bytes(os.urandom(4096))
    with pytest.raises(VideoError, match="not a video"):
        probe_video(junk)
    # The index at the end (the default): a cut file has no index and does not open.
    data = make_clip(tmp_path / "c.mp4", 64, 48, 2.0).read_bytes()
    (tmp_path / "cut.mp4").write_bytes(data[: len(data) // 2])
    with pytest.raises(VideoError):
        probe_video(tmp_path / "cut.mp4")
    # The index at the front: a cut file opens, but its pictures stop early.
    data = make_clip(tmp_path / "f.mp4", 64, 48, 4.0, faststart=True).read_bytes()
    (tmp_path / "cutf.mp4").write_bytes(data[: len(data) // 2])
    info = probe_video(tmp_path / "cutf.mp4", check_end=True)
    assert info.duration_s == pytest.approx(4.0, abs=0.05)
    assert info.picture_ends_s is not None and info.picture_ends_s < 3.0


@pytest.mark.parametrize(("seconds", "text"), [(12.0, "12s"), (1.04, "1s"), (0.25, "0.2s"),
                                               (105.0, "1m45s"), (120.0, "2m"),
                                               (130.45, "2m10.4s"), (0, "0s")])
def test_clock(seconds, text):
    assert clock(seconds) == text


@pytest.mark.parametrize(("seconds", "text"), [(0.05, "0.05s"), (1.04, "1.04s"), (5, "5s"),
                                               (90.5, "1m30.5s"), (3600, "60m")])
def test_limits_keep_their_decimals(seconds, text):
    """One formatter for clip positions and limits: a limit is not rounded to tenths."""
    assert format_seconds(seconds) == text


def test_clean_clip_passes(show, capsys):
    make_clip(show.assets / "video" / "clip.mp4", 64, 48, 2.0)
    (show.assets / "video" / "clip.en.srt").write_text(GOOD_SRT)
    (show.assets / "video" / "clip.ru.vtt").write_text(
        "WEBVTT\n\n00:00.000 --> 00:01.500\nМаяк зажгли в 1871 году.\n")
    show.manifest("a.yaml", "title: A\nitems:\n  - video: video/clip.mp4\n    start: 0.5s\n"
                            "    end: 2s\n    subtitles:\n      en: video/clip.en.srt\n"
                            "      ru: video/clip.ru.vtt\n")
    code, out = validate(show, capsys)
    assert out == ["1 exhibit, 1 item, 0 errors, 0 warnings"]
    assert code == 0


def test_each_video_problem_at_its_place(show, capsys):
    make_clip(show.assets / "clip.mp4", 64, 48, 2.0)
    make_clip(show.assets / "silent.mp4", 64, 48, 1.0, audio=None)
    (show.assets / "junk.mp4").write_bytes(b"\x00\x01not a video at all" * 100)
    data = make_clip(show.assets / "whole.mp4", 64, 48, 2.0).read_bytes()
    (show.assets / "cut.mp4").write_bytes(data[: len(data) // 3])
    (show.assets / "clip.en.srt").write_text(
        GOOD_SRT + "\n2\n00:00:01,000 -> 00:00:01,500\nA broken arrow\n")
    (show.assets / "clip.fr.srt").write_text(GOOD_SRT)
    show.manifest("a.yaml", """title: A
items:
  - video: clip.mp4
    end: 2m10s
    subtitles:
      en: clip.en.srt
      fr: clip.fr.srt
  - video: silent.mp4
  - video: silent.mp4
    mute: yes
  - video: junk.mp4
  - video: cut.mp4
""")
    code, out = validate(show, capsys)
    expected = [
        "assets/clip.en.srt:6:1: error: cannot read the cue `00:00:01,000 -> 00:00:01,500` "
        "(each cue is a number, a line like `00:00:01,000 --> 00:00:04,000`, its text, "
        "then a blank line)",
        "exhibits/a.yaml:3:5: error: `end` (2m10s) is past the end of the clip (2s) "
        "(remove `end` to play to the end of the clip)",
        "exhibits/a.yaml:3:5: warning: the `fr` subtitles will never show: `fr` is not among "
        "the offered languages (en, ru) (add `fr` to `languages: offered` in the settings, "
        "or remove these subtitles)",
        "exhibits/a.yaml:8:5: warning: `silent.mp4` has no sound track; it plays silently "
        "(add `mute: yes` to the item if that is intended)",
        "exhibits/a.yaml:11:5: error: `junk.mp4` cannot be played: not a video file "
        "(replace the file, or remove the item)",
        "exhibits/a.yaml:12:5: error: `cut.mp4` cannot be played: file is truncated (its "
        "index, the moov box, is missing) (replace the file, or remove the item)",
        "1 exhibit, 5 items, 4 errors, 2 warnings (1 media, 1 subtitle)",
    ]
    assert out == expected
    assert code == 1


def test_trim_cut_short_clip_and_late_or_miscoded_subtitles(show, capsys):
    """Guards against subtitles timed from the trim instead of the clip file going unnoticed."""
    make_clip(show.assets / "clip.mp4", 64, 48, 2.0)
    data = make_clip(show.assets / "whole.mp4", 64, 48, 4.0, faststart=True).read_bytes()
    (show.assets / "cut.mp4").write_bytes(data[: len(data) // 2])
    (show.assets / "late.srt").write_text(GOOD_SRT + "\n2\n00:00:01,500 --> 00:00:03,000\nLate\n")
    (show.assets / "old.srt").write_bytes("1\n00:00:00,000 --> 00:00:01,000\nCafé\n"
                                          .encode("cp1252"))
    show.manifest("a.yaml", """title: A
items:
  - video: clip.mp4
    start: 5s
  - video: clip.mp4
    end: 1.2s
    subtitles: {en: late.srt, ru: old.srt}
  - video: clip.mp4
    end: 1.2s
    subtitles: {en: late.srt}
  - video: cut.mp4
""")
    code, out = validate(show, capsys)
    # Where the picture of the cut file stops depends on the encoder's bitrate.
    out = [re.sub(r"stops at [\d.]+s of", "stops at Ns of", line) for line in out]
    assert out == [
        "assets/late.srt:6:1: warning: this cue starts at 1.5s, after the item's `end` (1.2s) "
        "(cue times count from the start of the clip file, not from `start`)",
        "assets/old.srt:1:1: warning: the file is not UTF-8; it was read as Windows-1252, so "
        "some letters may show wrong (save the file as UTF-8)",
        "exhibits/a.yaml:3:5: error: `start` (5s) is past the end of the clip (2s) "
        "(start before 2s, or remove `start`)",
        "exhibits/a.yaml:11:5: error: `cut.mp4` is cut short: its picture stops at Ns of 4s "
        "(copy the file again from its source)",
        "1 exhibit, 4 items, 2 errors, 2 warnings (2 subtitle)",
    ]
    assert code == 1


def test_subtitles_readable_in_their_language(show: ShowDir, capsys):
    """Guards: subtitles that flash by too fast, run to three lines or a 60-character line,
    or hold a Chinese line a Chinese reader cannot finish, all passing `validate` silently.
    The same rate of reading is fine in English and too fast in Chinese and Japanese."""
    make_clip(show.assets / "clip.mp4", 64, 48, 12.0)
    (show.assets / "c.en.srt").write_text(
        "1\n00:00:00,000 --> 00:00:02,000\nThe lamp was lit in 1871.\n\n"  # 12.5/s: fine
        "2\n00:00:02,000 --> 00:00:02,500\nGone.\n\n"
        "3\n00:00:03,000 --> 00:00:11,000\nOne\ntwo\nthree\n\n"
        "4\n00:00:11,000 --> 00:00:12,000\n"
        "A keeper and his family lived on the rock for thirty years\n")
    (show.assets / "c.zh.srt").write_text(
        "1\n00:00:00,000 --> 00:00:02,000\n灯塔于一八七一年首次点亮\n\n"  # 12 in 2 s: 6/s
        "2\n00:00:02,000 --> 00:00:03,000\n守塔人一家在岩石上生活\n")  # 11 in 1 s
    (show.assets / "c.ja.vtt").write_text(
        "WEBVTT\n\n00:00.000 --> 00:03.000\n灯台守の家族が三十年間この岩で暮らした\n")
    show.settings("languages: {offered: [en, zh, ja], default: en}\n")
    show.manifest("a.yaml", "title: A\nitems:\n  - video: clip.mp4\n"
                            "    subtitles: {en: c.en.srt, zh: c.zh.srt, ja: c.ja.vtt}\n")
    code, out = validate(show, capsys)
    assert code == 0
    hint = " (split it into shorter cues, or give it more time)"
    assert out == [
        "assets/c.en.srt:6:1: warning: this `en` cue is hard to read: on screen 0.50s "
        "(at least 0.83s)" + hint,
        "assets/c.en.srt:10:1: warning: this `en` cue is hard to read: 3 lines (at most 2); "
        "on screen 8.0s (at most 7s)" + hint,
        "assets/c.en.srt:16:1: warning: this `en` cue is hard to read: a line of 58 "
        "characters (at most 42); 58.0 characters a second to read (at most 17)" + hint,
        "assets/c.ja.vtt:3:1: warning: this `ja` cue is hard to read: a line of 19 characters "
        "(at most 16); 6.3 characters a second to read (at most 4)" + hint,
        "assets/c.zh.srt:6:1: warning: this `zh` cue is hard to read: 11.0 characters a "
        "second to read (at most 9)" + hint,
        "1 exhibit, 1 item, 0 errors, 5 warnings (5 subtitle)",
    ]


def test_rules_per_language_and_characters_as_read():
    """Guards: Korean held to Latin line lengths, and combining marks or joined emoji
    counted as several characters."""
    from kiosk.media.subtitle_rules import characters, rules_for

    assert (rules_for("en").chars_per_s, rules_for("en").line_chars) == (17, 42)
    assert (rules_for("zh-Hant").chars_per_s, rules_for("zh-Hant").line_chars) == (9, 16)
    assert (rules_for("ja").chars_per_s, rules_for("ko").line_chars) == (4, 16)
    assert (rules_for("ar").chars_per_s, rules_for("ru").line_chars) == (17, 42)
    assert characters("Ba\u0301ku\n👨‍👩‍👧") == 5
