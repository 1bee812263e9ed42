"""Subtitle files: cues read with their times, markup dropped, broken cues named by line."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.media.subtitles import (
    Cue,
    SubtitleError,
    Subtitles,
    load_subtitles,
    parse_subtitles,
    try_load,
)

SRT = """1
00:00:01,000 --> 00:00:03,500
The lamp was first lit in 1871.

2
00:00:04,000 --> 00:00:06,000
<i>Keepers climbed</i> <b>the stairs</b>
{\\an8}every night.

3
00:00:06,000 --> 00:00:08,250
Its beam reached
<font color="#ffcc00">twenty miles</font> out to sea.
"""

VTT = """WEBVTT
Kind: captions

NOTE invented narration

intro
00:01.000 --> 00:03.500 align:center line:90%
<v Narrator>The lamp was first lit in 1871.</v>

00:00:04.000 --> 00:00:06.000
Fish &amp; chips, <c.yellow>twice</c>
on <00:00:05.000>Fridays

STYLE
::cue { color: white }
"""


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode() if isinstance(text, str) else text)
    return path


def test_srt_cues_times_and_markup(tmp_path):
    subs = load_subtitles(write(tmp_path, "a.en.srt", SRT))
    assert [(c.start_s, c.end_s) for c in subs.cues] == [(1, 3.5), (4, 6), (6, 8.25)]
    assert subs.cues[1].text == "Keepers climbed the stairs\nevery night."
    assert subs.cues[2].text == "Its beam reached\ntwenty miles out to sea."
    assert [c.line for c in subs.cues] == [2, 6, 11]
    assert subs.end_s == 8.25


def test_vtt_cues_voice_tags_entities_and_blocks_skipped(tmp_path):
    subs = load_subtitles(write(tmp_path, "a.ru.vtt", VTT))
    assert [(c.start_s, c.end_s, c.text) for c in subs.cues] == [
        (1.0, 3.5, "The lamp was first lit in 1871."),
        (4.0, 6.0, "Fish & chips, twice\non Fridays"),
    ]
    assert [c.line for c in subs.cues] == [7, 10]


def test_cue_at_start_inclusive_end_exclusive_gaps_none(tmp_path):
    subs = load_subtitles(write(tmp_path, "a.srt", SRT))
    assert subs.cue_at(0.999) is None
    assert subs.cue_at(1.0) == "The lamp was first lit in 1871."
    assert subs.cue_at(3.499) == "The lamp was first lit in 1871."
    assert subs.cue_at(3.5) is None  # the gap between cue 1 and 2
    assert subs.cue_at(3.9) is None
    # Back to back: at 6.0 the third cue has taken over from the second.
    assert subs.cue_at(5.999).startswith("Keepers")
    assert subs.cue_at(6.0).startswith("Its beam")
    assert subs.cue_at(8.25) is None
    assert subs.cue_at(-1) is None and subs.cue_at(1e9) is None


def test_overlapping_cues_show_together_earlier_first():
    subs = Subtitles(Path("x.srt"), (Cue(2, 6, "late"), Cue(0, 10, "long")))
    assert subs.cue_at(1) == "long"
    assert subs.cue_at(2) == "long\nlate"
    assert subs.cue_at(6) == "long"
    assert subs.cue_at(10) is None


def test_broken_srt_timing_named_at_its_line(tmp_path):
    broken = SRT.replace("00:00:04,000 --> 00:00:06,000", "00:00:04,000 -> 00:00:06,000")
    path = write(tmp_path, "a.srt", broken)
    with pytest.raises(SubtitleError) as caught:
        load_subtitles(path)
    assert caught.value.line == 6
    assert caught.value.path == path
    assert "00:00:04,000 -> 00:00:06,000" in caught.value.message
    # The player keeps the cues that read, and hears about the first problem once.
    subs, error = try_load(path)
    assert subs is not None and len(subs) == 2 and error is not None and error.line == 6


def test_broken_vtt_cue_and_orphan_text_named_at_their_lines(tmp_path):
    text = ("WEBVTT\n\n00:01.000 --> 00:02.000\nOne\n\n00:03.000 --> 00:0x.000\nTwo\n\n"
            "00:05.000 --> 00:06.000\nThree\n\nstray words\n")
    subs, errors = parse_subtitles(text, "a.vtt")
    assert [c.text for c in subs.cues] == ["One", "Three"]
    assert [(e.line, e.message.split(" `")[0]) for e in errors] == [
        (6, "cannot read the cue timing"), (12, "this text belongs to no cue")]


def test_cue_ending_before_it_starts_is_an_error():
    _, errors = parse_subtitles("1\n00:00:05,000 --> 00:00:02,000\nBackwards\n", "a.srt")
    assert [(e.line, e.message) for e in errors] == [(2, "this cue ends before it starts")]


def test_vtt_without_header_and_empty_files_fail_whole(tmp_path):
    with pytest.raises(SubtitleError, match="must start with `WEBVTT`") as caught:
        parse_subtitles("00:01.000 --> 00:02.000\nHi\n", "a.vtt")
    assert caught.value.line == 1
    with pytest.raises(SubtitleError, match="holds no subtitles"):
        parse_subtitles("\n\n", "a.srt")
    subs, error = try_load(tmp_path / "missing.srt")
    assert subs is None and error is not None and "cannot be read" in error.message


def test_bom_and_crlf_keep_line_numbers(tmp_path):
    data = ("\ufeff" + SRT.replace("00:00:06,000 --> 00:00:08,250", "00:00:06,000 --> nope")
            ).replace("\n", "\r\n").encode()
    subs, errors = parse_subtitles(data, "a.srt")
    assert subs.cues[0].text == "The lamp was first lit in 1871."
    assert subs.cues[1].text == "Keepers climbed the stairs\nevery night."
    assert "\r" not in subs.cues[1].text
    assert [e.line for e in errors] == [11]
    vtt = ("\ufeff" + VTT).replace("\n", "\r\n").encode()
    assert len(parse_subtitles(vtt, "a.vtt")[0]) == 2


def test_not_utf8_is_read_as_cp1252_with_a_note():
    data = "1\n00:00:01,000 --> 00:00:02,000\nCafé Nöel\n".encode("cp1252")
    subs, errors = parse_subtitles(data, "a.srt")
    assert not errors and subs.cues[0].text == "Café Nöel"
    assert subs.notes and "Windows-1252" in subs.notes[0]
    assert not parse_subtitles(SRT.encode(), "a.srt")[0].notes


def _scan(cues: list[Cue], t: float) -> str | None:
    active = [c for c in sorted(cues, key=lambda c: (c.start_s, c.end_s))
              if c.start_s <= t < c.end_s]
    return "\n".join(c.text for c in active) if active else None


_times = st.integers(0, 2000).map(lambda ms: ms / 100)
_cues = st.lists(st.builds(lambda a, d, i: Cue(a, a + d, f"cue {i}"), _times,
                           st.integers(0, 300).map(lambda ms: ms / 100), st.integers(0, 99)),
                 max_size=12)


@given(_cues, st.lists(_times, max_size=20))
def test_cue_at_agrees_with_a_linear_scan(cues, probes):
    subs = Subtitles(Path("x.srt"), tuple(cues))
    bounds = [t for c in cues for t in (c.start_s, c.end_s)]
    for t in [*probes, *bounds, *(b - 0.005 for b in bounds)]:
        assert subs.cue_at(t) == _scan(cues, t), t


@given(st.lists(st.tuples(st.integers(0, 5000), st.integers(1, 3000)), max_size=10))
def test_srt_round_trip_agrees_with_a_linear_scan(spans):
    """Non-overlapping cues written as SRT read back with the same times, in order."""
    def stamp(ms: int) -> str:
        return f"{ms // 3_600_000:02}:{ms // 60_000 % 60:02}:{ms // 1000 % 60:02},{ms % 1000:03}"

    cues, at = [], 0
    for gap, length in spans:
        cues.append(Cue((at + gap) / 1000, (at + gap + length) / 1000, f"line {len(cues)}"))
        at += gap + length
    text = "".join(f"{i + 1}\n{stamp(round(c.start_s * 1000))} --> "
                   f"{stamp(round(c.end_s * 1000))}\n{c.text}\n\n" for i, c in enumerate(cues))
    if not cues:
        return
    subs, errors = parse_subtitles(text, "a.srt")
    assert not errors
    assert [(c.start_s, c.end_s, c.text) for c in subs.cues] == [
        (c.start_s, c.end_s, c.text) for c in cues]
    for c in cues:
        assert subs.cue_at(c.start_s) == _scan(cues, c.start_s)
