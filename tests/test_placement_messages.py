"""Indentation mistakes curators make, told as what to change: the missing `-`, the key
that landed under the wrong parent. Each manifest here is a mistake seen when the demo
show was written by hand."""

from __future__ import annotations

import pytest

from kiosk.show.loader import LoadOptions, load_show
from tests.conftest import ShowDir


def problems(show_dir: ShowDir, text: str) -> list[tuple[int, int, str, str]]:
    show_dir.manifest("a.yaml", text)
    result = load_show(LoadOptions(show_dir.exhibits, show_dir.assets, ("en",), "en",
                                   show_dir.root))
    return sorted((p.line, p.col, p.message, p.hint) for p in result.errors)


def test_missing_dash_before_photo_at_the_dash_column(show_dir: ShowDir):
    """Guards: "not indented like its neighbours" for a missing `-`; re-indenting the line
    (the advice) does not fix it."""
    got = problems(show_dir, """title: A
items:
  - photo: photos/p0.jpg
    title: First
  photo: photos/p1.jpg
    title: Second
""")
    assert got == [(5, 3, "this item has no `-`, so `photo:` does not start a new item",
                    "write `- photo: ...` with the `-` lined up with the one on line 3")]


def test_missing_dash_with_keys_lined_up_is_one_error_not_a_list_of_repeats(
        show_dir: ShowDir):
    """Guards: "`photo` is given twice in this mapping", then the same for every key."""
    got = problems(show_dir, """title: A
items:
  - photo: photos/p0.jpg
    title: First
    photo: photos/p1.jpg
    title: Second
""")
    assert got == [(5, 5, "this item has no `-`, so its `photo:` reads as a second `photo:` "
                          "of the item above (line 3)",
                    "write `- photo: ...` with the `-` lined up with the one on line 3")]


@pytest.mark.parametrize("indent", ["", "  "])
def test_missing_dash_at_the_left_edge(show_dir: ShowDir, indent: str):
    """Guards: "unknown key `photo` in the exhibit (expected one of: `defaults`, ...)"."""
    got = problems(show_dir, f"""title: A
items:
{indent}- photo: photos/p0.jpg
{indent}  title: First

photo: photos/p1.jpg
""")
    assert got == [(6, 1, "this item has no `-`, so `photo:` reads as a field of the exhibit",
                    "write `- photo: ...` under `items:`, with the `-` lined up with the one "
                    "on line 3")]


def test_no_dashes_at_all(show_dir: ShowDir):
    """Guards: "`items` must be a list (`- ` lines), not a mapping"."""
    got = problems(show_dir, "title: A\nitems:\n  photo: photos/p0.jpg\n  title: First\n")
    assert got[0][:3] == (3, 3, "this item has no `-`, so `items:` holds no list of items")
    assert got[0][3].startswith("write `- photo: ...`")


def test_source_indented_under_a_caption_in_languages(show_dir: ShowDir):
    """Guards: "`source` is not a language code", with no word about indentation."""
    text = """title: A
items:
  - photo: photos/p0.jpg
    caption:
      en: Boats return at dawn.
      source: The Lighthouse Gazette
"""
    got = problems(show_dir, text)
    assert got == [(6, 7, "`source:` is indented under `caption:` (line 4), so it reads as "
                          "a language of the caption",
                    "it is a field of this photo: move it left to column 5, lined up with "
                    "`caption:`")]
    show_dir.manifest("a.yaml", text)
    result = load_show(LoadOptions(show_dir.exhibits, show_dir.assets, ("en",), "en"))
    photo = result.show.exhibits[0].items[0]
    assert photo.label.caption.values == {"en": "Boats return at dawn."}  # still plays


def test_source_indented_under_a_caption_written_on_its_line(show_dir: ShowDir):
    """Guards: "unexpected `:` here", pointing at the colon."""
    got = problems(show_dir, """title: A
items:
  - photo: photos/p0.jpg
    caption: Boats return at dawn.
      source: The Lighthouse Gazette
""")
    assert got == [(5, 7, "`source:` is indented under `caption:` (line 4), so it reads as "
                          "more of that text",
                    "if `source` is a field of its own, line it up with `caption:` at "
                    "column 5")]


def test_items_indented_under_defaults(show_dir: ShowDir):
    """Guards: "unknown key `items` in `defaults`" plus "the exhibit has no `items`"."""
    got = problems(show_dir, """title: A
defaults:
  duration: 5s
  items:
    - photo: photos/p0.jpg
""")
    assert got == [(4, 3, "`items:` is indented under `defaults:` (line 2), where it has no "
                          "meaning",
                    "it belongs to the exhibit: move it left to column 1, lined up with "
                    "`defaults:`")]


def test_item_field_at_the_left_edge_and_exhibit_key_inside_an_item(show_dir: ShowDir):
    """Guards: "unknown key `caption` in the exhibit" / "unknown key `defaults` in a photo
    item", which say nothing of where the line should go."""
    got = problems(show_dir, """title: A
items:
  - photo: photos/p0.jpg
    defaults:
      duration: 5s
  - photo: photos/p1.jpg
caption: The second photo.
""")
    assert got == [
        (4, 5, "`defaults:` is indented inside the item on line 3, where it has no meaning",
         "it belongs to the exhibit: move it left to column 1"),
        (7, 1, "`caption:` is at column 1, outside the item above (line 6), so it reads as a "
               "field of the exhibit", "indent it to column 5, lined up with `photo:`"),
    ]


@pytest.mark.parametrize("text", [
    "title: A\nitems:\n  - photo: [photos/p0.jpg]\n",
    "title: A\nitems:\n  - [photos/p0.jpg]\n",
    "title: A\nitems:\n  - photo: photos/p0.jpg\n    caption: [a, b]\n",
    "- a\n- b\n",
    "title: A\ndefaults: [a]\nitems:\n  - card: x\n",
    "title: A\nitems: {card: x}\n",
    "title: A\nitems:\n  - photo: photos/p0.jpg\n    <<: [a]\n",
    "title: A\nitems:\n  - photo: photos/p0.jpg\n  ? [a]\n  : b\n",
    "title: A\nitems:\n  - photo: photos/p0.jpg\n   title: x\n",
    "title: A\nitems: %\n",
])
def test_messages_avoid_yaml_jargon(show_dir: ShowDir, text: str):
    """Guards: "mapping", "scalar" and parser states in messages meant for curators."""
    got = problems(show_dir, text)
    assert got
    for _, _, message, hint in got:
        words = (message + " " + hint).lower()
        for jargon in ("mapping", "scalar", "block end", "<block", "<stream", "flow", "node",
                       "token"):
            assert jargon not in words, (jargon, message)
