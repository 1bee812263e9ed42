"""Keys that landed under the wrong parent, said in the curator's terms.

YAML reads structure from indentation, so one line indented two spaces too far or too
little still reads, just as something else: `source:` under `caption:` becomes a language
of the caption, `items:` under `defaults:` a default, `photo:` at the left edge a field
of the exhibit. Instead of "unknown key" or "not a language code", these checks say where
the key landed and where it likely belongs (the column to move it to).
"""

from __future__ import annotations

from collections.abc import Mapping

from kiosk.show.fields import Context
from kiosk.show.marked_yaml import Map, Node, Scalar, Seq

TEXT_MAP_FIELDS = ("title", "caption", "source", "date", "credit", "card", "body", "subtitles")


def without(node: Map, names: set[str]) -> Map:
    """The same lines without some keys (the stray ones, already reported)."""
    if not names:
        return node
    copy = Map(node.line, node.col)
    copy.entries = {k: v for k, v in node.entries.items() if k not in names}
    return copy


def misplaced_in_texts(ctx: Context, node: Map, fields: Mapping[str, object], what: str) -> Map:
    """An item's fields indented under one of its texts (`caption:`) or `subtitles:`.
    Reported; the returned item has those texts without the stray keys."""
    replaced: dict[str, tuple[Scalar, Node]] = {}
    for name, (key, value) in node.entries.items():
        if name not in TEXT_MAP_FIELDS or not isinstance(value, Map):
            continue
        stray = {k for k in value.entries if k in fields and k != name}
        for stray_name in sorted(stray, key=lambda k: value.entries[k][0].line):
            stray_key = value.entries[stray_name][0]
            reads_as = (f"a language of the {name}" if name != "subtitles"
                        else "a language's subtitles")
            ctx.error(stray_key, f"`{stray_name}:` is indented under `{name}:` (line "
                                 f"{key.line}), so it reads as {reads_as}",
                      f"it is a field of {what}: move it left to column {key.col}, lined up "
                      f"with `{name}:`", playable=True)
        if stray:
            replaced[name] = (key, without(value, stray))
    if not replaced:
        return node
    copy = Map(node.line, node.col)
    copy.entries = {k: replaced.get(k, v) for k, v in node.entries.items()}
    return copy


def misplaced_outer(ctx: Context, node: Map, fields: Mapping[str, object],
                    outer: Mapping[str, object], here: str, owner: Scalar | None,
                    outer_col: int) -> tuple[Map, set[str]]:
    """Keys of the exhibit indented into `defaults:` or into an item. Reported; returns the
    map without them and their names."""
    stray = {k for k in node.entries if k not in fields and k in outer}
    for name in sorted(stray, key=lambda k: node.entries[k][0].line):
        key = node.entries[name][0]
        where = f"under `{owner.value}:` (line {owner.line})" if owner else here
        value = node.entries[name][1]
        if f"pan_{name}" in fields and isinstance(value, Scalar) and len(
                value.value.replace(",", " ").split()) == 4:
            # `from: 0 0 0.5 0.5`: a framing, not the exhibit's first day.
            ctx.error(key, f"`{name}:` is indented {where}, where it has no meaning",
                      f"did you mean `pan_{name}:`, the framing a pan starts on?",
                      playable=True)
            continue
        ctx.error(key, f"`{name}:` is indented {where}, where it has no meaning",
                  f"it belongs to the exhibit: move it left to column {outer_col}"
                  + (f", lined up with `{owner.value}:`" if owner else ""), playable=True)
    return without(node, stray), stray


def misplaced_items(ctx: Context, root: Map, known: Mapping[str, object],
                    item_kinds: Mapping[str, Mapping[str, object]]) -> set[str]:
    """At the exhibit's level: an item without its `-` (`photo:` at the left edge), or an
    item's field that slipped out of it (`caption:` at the left edge). Returns their names."""
    items = root.get("items")
    entries = items.items if isinstance(items, Seq) else []
    item_fields = {k for table in item_kinds.values() for k in table}
    found: set[str] = set()
    for name, (key, _) in root.entries.items():
        if name in known:
            continue
        if name in item_kinds:
            found.add(name)
            dash = (f" under `items:`, with the `-` lined up with the one on line {items.line}"
                    if isinstance(items, Seq) and entries else " under `items:`")
            ctx.error(key, f"this item has no `-`, so `{name}:` reads as a field of the "
                           "exhibit", f"write `- {name}: ...`{dash}", playable=True)
            continue
        above = [n for n in entries if isinstance(n, Map) and n.line < key.line]
        if name in item_fields and above:
            found.add(name)
            item = above[-1]
            first = next(iter(item.entries), "")
            ctx.error(key, f"`{name}:` is at column {key.col}, outside the item above "
                           f"(line {item.line}), so it reads as a field of the exhibit",
                      f"indent it to column {item.col}, lined up with `{first}:`",
                      playable=True)
    return found


def items_without_dashes(ctx: Context, node: Node, item_kinds: Mapping[str, object]) -> bool:
    """`items:` followed by `photo: a.jpg` lines with no `-` at all."""
    if not isinstance(node, Map):
        return False
    kinds = [key for name, (key, _) in node.entries.items() if name in item_kinds]
    if not kinds:
        return False
    ctx.error(kinds[0], "this item has no `-`, so `items:` holds no list of items",
              f"write `- {kinds[0].value}: ...`: each item under `items:` starts with `- `, "
              "and its other keys line up after the `- `")
    return True
