"""Where each text of a manifest is written: the exhibit's title, each item's label or
card, each photo of a sequence, found with their exact place in the file.

The spreadsheet tools read and change texts through this map, so an import can replace
just the characters of a changed value and leave every other byte of the file alone.
Items are numbered as curators count them: `3` is the third entry under `items:`, `3.2`
the second photo of a sequence written as a list, `0` the exhibit itself.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

from kiosk.errors import KioskError

LABEL_TEXTS = ("title", "caption", "source", "date", "credit")
CARD_TEXTS = ("card", "body")
TEXT_FIELDS = (*LABEL_TEXTS, *CARD_TEXTS)  # column order of the spreadsheet
ITEM_KINDS = ("photo", "sequence", "video", "card")
_MERGE = "tag:yaml.org,2002:merge"


class UnreadableManifest(KioskError):
    """The manifest is not valid YAML; `validate` says where."""


@dataclass
class Slot:
    """One text field of one entry: its key and value nodes, when written."""

    key: yaml.ScalarNode | None = None
    value: yaml.Node | None = None

    def texts(self, default_language: str) -> dict[str, str]:
        """The field's texts by language; a plain text counts as the default language's."""
        node = self.value
        if isinstance(node, yaml.ScalarNode):
            text = node.value.strip()
            return {default_language: text} if text and text != "~" else {}
        if isinstance(node, yaml.MappingNode):
            return {k.value: v.value.strip() for k, v in node.value
                    if isinstance(k, yaml.ScalarNode) and isinstance(v, yaml.ScalarNode)
                    and v.value.strip()}
        return {}


@dataclass
class Entry:
    """One row of the spreadsheet: the exhibit (item `0`), an item, or a sequence's photo."""

    item: str  # "0", "3", "3.2"
    kind: str  # "exhibit", "photo", "sequence", "video", "card"
    file: str  # the media file as written, or the card's kind; "" for the exhibit
    node: yaml.Node  # the entry's own `key: value` lines (or a bare file name)
    fields: tuple[str, ...]  # the text fields this kind of entry can have
    slots: dict[str, Slot] = field(default_factory=dict)


def _lookup(node: yaml.MappingNode, key: str) -> Slot:
    """A key of this mapping, or one it takes from `<<: *anchor` (merge keys)."""
    merged: list[yaml.MappingNode] = []
    for k, v in node.value:
        if isinstance(k, yaml.ScalarNode) and k.value == key and k.tag != _MERGE:
            return Slot(k, v)
        if k.tag == _MERGE:
            sources = v.value if isinstance(v, yaml.SequenceNode) else [v]
            merged += [s for s in sources if isinstance(s, yaml.MappingNode)]
    for source in merged:
        slot = _lookup(source, key)
        if slot.value is not None:
            return slot
    return Slot()


def _entry(item: str, node: yaml.Node, kind: str | None = None) -> Entry:
    if not isinstance(node, yaml.MappingNode):
        file = node.value if isinstance(node, yaml.ScalarNode) else ""
        return Entry(item, kind or "photo", str(file), node, LABEL_TEXTS)
    if kind is None:
        kind = next((k for k in ITEM_KINDS if _lookup(node, k).value is not None), "unknown")
    fields = CARD_TEXTS if kind == "card" else LABEL_TEXTS
    what = _lookup(node, kind).value
    file = what.value if isinstance(what, yaml.ScalarNode) and kind != "card" else ""
    if kind == "sequence" and isinstance(what, yaml.SequenceNode):
        file = "(list)"
    entry = Entry(item, kind, file, node, fields)
    entry.slots = {name: _lookup(node, name) for name in fields}
    return entry


def manifest_entries(text: str) -> list[Entry]:
    """Every entry of one manifest that can carry texts, in file order."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        raise UnreadableManifest(str(exc).split("\n")[0]) from None
    if not isinstance(root, yaml.MappingNode):
        raise UnreadableManifest("it has no `title:` and `items:`")
    exhibit = Entry("0", "exhibit", "", root, ("title",), {"title": _lookup(root, "title")})
    entries = [exhibit]
    items = _lookup(root, "items").value
    if not isinstance(items, yaml.SequenceNode):
        return entries
    for n, node in enumerate(items.value, 1):
        entry = _entry(str(n), node)
        entries.append(entry)
        photos = _lookup(node, "sequence").value if isinstance(node, yaml.MappingNode) else None
        if entry.kind == "sequence" and isinstance(photos, yaml.SequenceNode):
            for m, photo in enumerate(photos.value, 1):
                entries.append(_entry(f"{n}.{m}", photo, "photo"))
    return entries
