"""Whatever bytes a curator saves, the reader answers with a positioned problem, fast."""

from __future__ import annotations

import subprocess
import sys
import time

import pytest

from kiosk.errors import ManifestError
from kiosk.show.marked_yaml import MAX_FILE_BYTES, Map, Scalar, Seq, parse, read_file


def error_of(text: str | bytes) -> tuple[int, int, str, str]:
    data = text.encode() if isinstance(text, str) else text
    with pytest.raises(ManifestError) as info:
        read_file("ex.yaml", data)
    p = info.value.problem
    assert p.path == "ex.yaml" and p.severity == "error"
    return p.line, p.col, p.message, p.hint


@pytest.mark.parametrize(
    ("source", "line", "col", "words"),
    [
        ("title: x\nitems:\n  - photo: a.jpg\n   caption: b\n", 4, 4, "not indented like"),
        ("title: x\n  caption: b\n", 2, 3, "`caption:` is indented under `title:`"),
        ("title: Note: x\n", 1, 12, "unexpected `:`"),
        ("title: 'unclosed\nitems: []\n", 1, 8, "quote is never closed"),
        ('title: "unclosed\n', 1, 8, "quote is never closed"),
        ("items: [a.jpg, b.jpg\n", 1, 8, "`[` is never closed"),
        ("items: {photo: a.jpg\n", 1, 8, "`{` is never closed"),
        ("title: x\n\titems: []\n", 2, 1, "tab character"),
        ("- a\ntitle: b\n", 2, 1, "not indented like its neighbours"),
    ],
)
def test_syntax_errors_point_at_the_place_to_fix(source, line, col, words):
    """A curator is sent to the line to edit, in words, not to a parser's state."""
    got_line, got_col, message, hint = error_of(source)
    assert (got_line, got_col) == (line, col)
    assert words in message
    assert hint


def test_empty_and_comment_only_files_have_no_root():
    assert read_file("ex.yaml", b"").root is None
    assert read_file("ex.yaml", b"# nothing yet\n\n").root is None


def test_second_document_is_reported_where_it_starts():
    line, col, message, _ = error_of("title: a\n---\ntitle: b\n")
    assert (line, col) == (2, 1)
    assert "second YAML document" in message


def test_duplicate_key_is_reported_and_the_later_value_kept():
    """PyYAML silently keeps the last of two equal keys; a curator must hear of it."""
    doc = read_file("ex.yaml", b"title: first\ncaption: c\ntitle: second\n")
    assert [(p.line, p.col) for p in doc.problems] == [(3, 1)]
    assert "given twice" in doc.problems[0].message and "line 1" in doc.problems[0].message
    assert isinstance(doc.root, Map)
    value = doc.root.get("title")
    assert isinstance(value, Scalar) and value.value == "second"


@pytest.mark.parametrize("tag", ["!!python/object:os.system", "!!python/name:os.system",
                                 "!custom", "!!binary", "!!int"])
def test_tags_are_refused(tag):
    line, col, message, _ = error_of(f"title: {tag} x\n")
    assert (line, col) == (1, 8)
    assert "tag" in message


def test_scalars_stay_the_text_typed():
    """YAML 1.1 would turn these into False, True, a date and the number 90."""
    doc = parse("no: Hei\nyes: on\ndate: 1994-05-12\nduration: 1:30\nn: 012\nx: ~\n", "ex")
    assert isinstance(doc.root, Map)
    values = {k: v.value for k, (_, v) in doc.root.entries.items() if isinstance(v, Scalar)}
    assert values == {"no": "Hei", "yes": "on", "date": "1994-05-12", "duration": "1:30",
                      "n": "012", "x": "~"}
    assert doc.root.entries["x"][1].is_empty  # type: ignore[union-attr]


def test_billion_laughs_is_refused_quickly():
    """safe_load of this file is instant; walking the result took 7.7 s and 743 MB."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for prev, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 9) + "]")
    source = "\n".join(lines) + "\n"
    start = time.perf_counter()
    line, _, message, _ = error_of(source)
    assert time.perf_counter() - start < 2.0
    assert "expand to far too much data" in message
    assert 2 <= line <= 9


def test_recursive_alias_is_refused():
    line, col, message, _ = error_of("a: &a [*a]\n")
    assert (line, col) == (1, 8)
    assert "refers to itself" in message


def test_merge_key_copies_defaults_without_overriding():
    doc = parse("d: &d {duration: 5s, fit: cover}\nitem:\n  <<: *d\n  fit: contain\n", "ex")
    assert isinstance(doc.root, Map)
    item = doc.root.get("item")
    assert isinstance(item, Map)
    assert {k: v.value for k, (_, v) in item.entries.items()} == {  # type: ignore[union-attr]
        "fit": "contain", "duration": "5s"}


@pytest.mark.parametrize("opener", ["[", "{", "- "])
def test_deep_nesting_does_not_crash_the_interpreter(opener):
    """30,000 `[` crash the C loader with a segfault: run it in a child process."""
    code = (
        "import sys\n"
        "from kiosk.show.marked_yaml import read_file\n"
        "from kiosk.errors import ManifestError\n"
        f"data = ({opener!r} * 30000).encode()\n"
        "try:\n"
        "    read_file('deep.yaml', data)\n"
        "except ManifestError as e:\n"
        "    print(e)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60, cwd=str(__import__("tests.conftest").conftest.ROOT))
    assert out.returncode == 0, out.stderr
    assert "deep.yaml:" in out.stdout and "nests deeper" in out.stdout


def test_huge_file_is_refused_before_parsing():
    start = time.perf_counter()
    line, col, message, hint = error_of(b"title: x\n" + b"#" * (50 * 1024 * 1024))
    assert time.perf_counter() - start < 2.0
    assert (line, col) == (1, 1)
    assert "larger than" in message and "right file" in hint
    assert MAX_FILE_BYTES < 50 * 1024 * 1024


def test_invalid_utf8_is_positioned_at_the_bad_byte():
    line, col, message, hint = error_of(b"title: ok\ncaption: caf\xe9 au lait\n")
    assert (line, col) == (2, 13)
    assert "not UTF-8" in message and "UTF-8" in hint


def test_utf8_bom_and_utf16_are_accepted():
    for data in (b"\xef\xbb\xbftitle: Baku\n", "title: Baku\n".encode("utf-16")):
        doc = read_file("ex.yaml", data)
        assert isinstance(doc.root, Map)
        assert doc.root.get("title").value == "Baku"  # type: ignore[union-attr]


def test_control_character_is_positioned():
    line, col, message, _ = error_of("title: a\ncaption: b\x07c\n")
    assert (line, col) == (2, 11)
    assert "control character" in message


def test_structure_kinds():
    doc = parse("- a\n- b: c\n", "ex")
    assert isinstance(doc.root, Seq)
    assert [type(n).__name__ for n in doc.root.items] == ["Scalar", "Map"]
    assert (doc.root.items[1].line, doc.root.items[1].col) == (2, 3)
