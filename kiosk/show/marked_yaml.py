"""Read a curator's YAML into a tree of nodes that remember where they were written.

Why not ``yaml.safe_load``: it guesses types (``no`` becomes ``False``, ``1994-05-12`` a
date, ``1:30`` the number 90), silently keeps the last of two equal keys, and forgets
positions. Here every scalar stays the text the curator typed, each field parses its own
type later, and every node carries its line and column.

The tree is built from PyYAML's pure-Python event stream (iterative, so deep nesting
cannot overflow the C stack), with bounds on file size, nesting depth and alias expansion
checked while reading, before anything walks the result.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Protocol

import yaml

from kiosk.errors import ManifestError, Problem

MAX_FILE_BYTES = 1024 * 1024
MAX_DEPTH = 64
MAX_NODES = 200_000  # counted with aliases expanded: stops "billion laughs" early

_ALLOWED_TAGS = {
    None,
    "!",
    "tag:yaml.org,2002:str",
    "tag:yaml.org,2002:map",
    "tag:yaml.org,2002:seq",
}


class _Mark(Protocol):
    """A position PyYAML reports: its pure-Python and its C parser each have a Mark class."""

    line: int  # from 0
    column: int  # from 0


@dataclass(eq=False)
class Node:
    line: int  # from 1
    col: int  # from 1
    size: int = field(default=1, init=False)  # nodes below and including this one


@dataclass(eq=False)
class Scalar(Node):
    value: str = ""
    quoted: bool = False

    @property
    def is_empty(self) -> bool:
        """``key:`` with nothing after it, or ``~``: the curator wrote no value."""
        return not self.quoted and self.value in ("", "~")


@dataclass(eq=False)
class Seq(Node):
    items: list[Node] = field(default_factory=list)


@dataclass(eq=False)
class Map(Node):
    # Keys in file order; duplicates are reported and the later value wins.
    entries: dict[str, tuple[Scalar, Node]] = field(default_factory=dict)

    def get(self, key: str) -> Node | None:
        entry = self.entries.get(key)
        return entry[1] if entry else None


def kind_name(node: Node) -> str:
    if isinstance(node, Map):
        return "`key: value` lines"
    if isinstance(node, Seq):
        return "a list (`- ` lines)"
    return "a text value"


@dataclass
class Document:
    root: Node | None  # None for an empty file (or one with only comments)
    problems: list[Problem]  # problems that still let the file be read (duplicate keys)


def decode_text(data: bytes, path: str) -> str:
    """Bytes to text: UTF-8 (with or without BOM) or UTF-16 with a BOM."""
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    elif data.startswith((b"\xff\xfe", b"\xfe\xff")):
        try:
            return data.decode("utf-16")
        except UnicodeDecodeError:
            raise ManifestError(
                Problem(path, 1, 1, "error", "the file says it is UTF-16 but is not valid UTF-16",
                        "save it again as UTF-8")
            ) from None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        good = data[: exc.start].decode("utf-8", errors="replace")
        line = good.count("\n") + 1
        col = len(good) - (good.rfind("\n") + 1) + 1
        raise ManifestError(
            Problem(path, line, col, "error",
                    f"this is not UTF-8 text (byte 0x{data[exc.start]:02x})",
                    "save the file as UTF-8 in your editor")
        ) from None


def read_file(path: str, data: bytes | None = None) -> Document:
    """Read and parse one YAML file; raises ManifestError with a position when it cannot."""
    if data is None:
        try:
            with open(path, "rb") as fh:
                data = fh.read(MAX_FILE_BYTES + 1)
        except OSError as exc:
            raise ManifestError(
                Problem(path, 1, 1, "error", f"cannot read the file: {exc.strerror or exc}")
            ) from None
    if len(data) > MAX_FILE_BYTES:
        raise ManifestError(
            Problem(path, 1, 1, "error",
                    f"the file is larger than {MAX_FILE_BYTES // 1024} KiB",
                    "a manifest is short text; is this the right file?")
        )
    return parse(decode_text(data, path), path)


def parse(text: str, path: str) -> Document:
    return _Composer(text, path).run()


class _Composer:
    def __init__(self, text: str, path: str) -> None:
        self.text = text
        self.path = path
        self.lines = text.split("\n")
        self.problems: list[Problem] = []
        self.anchors: dict[str, Node] = {}
        self.open: list[tuple[Node, str | None]] = []  # containers being built, with anchors
        self.pending_key: list[Scalar | None] = []  # per open Map: key waiting for its value
        self.total = 0
        self.root: Node | None = None
        self.documents = 0
        self.split_maps: set[int] = set()  # ids of maps already told "this item has no `-`"

    # -- positions -----------------------------------------------------------------
    def _pos(self, mark: _Mark | None) -> tuple[int, int]:
        """A 1-based position that lies inside the file, even for end-of-stream marks."""
        if mark is None:
            return 1, 1
        line = min(max(mark.line, 0), max(len(self.lines) - 1, 0))
        col = mark.column if line == mark.line else len(self.lines[line])
        col = min(max(col, 0), len(self.lines[line]))
        # An end-of-file mark past the last newline points at the end of the last text line.
        while line > 0 and not self.lines[line].strip() and mark.line >= len(self.lines) - 1:
            line -= 1
            col = len(self.lines[line])
        return line + 1, col + 1

    def _fail(self, mark: _Mark | None, message: str, hint: str = "") -> ManifestError:
        line, col = self._pos(mark)
        return ManifestError(Problem(self.path, line, col, "error", message, hint))

    # -- main loop -----------------------------------------------------------------
    def run(self) -> Document:
        try:
            for event in yaml.parse(self.text, Loader=yaml.SafeLoader):
                self._event(event)
        except yaml.reader.ReaderError as exc:
            line, col = _index_to_pos(self.text, exc.position)
            code = _codepoint(exc.character)
            raise ManifestError(
                Problem(self.path, line, col, "error",
                        f"the file contains a control character (U+{code:04X})",
                        "remove it; a manifest is plain text")
            ) from None
        except yaml.MarkedYAMLError as exc:
            raise self._explain(exc) from None
        except yaml.YAMLError as exc:  # unmarked errors are rare; still give a position
            raise self._fail(None, f"the file is not valid YAML: {exc}") from None
        except RecursionError:
            raise self._fail(None, "the file nests too deeply") from None
        return Document(self.root, self.problems)

    def _event(self, ev: yaml.Event) -> None:
        if isinstance(ev, yaml.DocumentStartEvent):
            self.documents += 1
            if self.documents > 1:
                raise self._fail(ev.start_mark, "the file holds a second YAML document (`---`)",
                                 "put one exhibit in each file, or remove the `---` line")
            return
        if isinstance(ev, (yaml.StreamStartEvent, yaml.StreamEndEvent, yaml.DocumentEndEvent)):
            return
        if isinstance(ev, yaml.AliasEvent):
            node = self.anchors.get(ev.anchor) if ev.anchor is not None else None
            if node is None:
                raise self._fail(ev.start_mark, f"`*{ev.anchor}` refers to no `&{ev.anchor}` above",
                                 "define the anchor before using it")
            if any(node is open_node for open_node, _ in self.open):
                raise self._fail(ev.start_mark, f"`*{ev.anchor}` refers to itself",
                                 "an alias cannot sit inside the value it names")
            self._attach(node, ev.start_mark)
            return
        if isinstance(ev, (yaml.ScalarEvent, yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            self._check_tag(ev)
        line, col = self._pos(ev.start_mark)
        if isinstance(ev, yaml.ScalarEvent):
            node = Scalar(line, col, value=ev.value, quoted=ev.style in ("'", '"'))
            self._remember(ev.anchor, node)
            self._attach(node, ev.start_mark)
        elif isinstance(ev, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(self.open) >= MAX_DEPTH:
                raise self._fail(ev.start_mark, f"the file nests deeper than {MAX_DEPTH} levels",
                                 "a manifest needs only a few levels of indentation")
            container: Node = Seq(line, col) if isinstance(ev, yaml.SequenceStartEvent) else Map(
                line, col)
            self._remember(ev.anchor, container)  # now, so `*self` inside it is caught
            self.open.append((container, ev.anchor))
            self.pending_key.append(None)
        elif isinstance(ev, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            container, _ = self.open.pop()
            self.pending_key.pop()
            if isinstance(container, Map):
                self._merge_keys(container)
            self._attach(container, ev.start_mark)

    def _check_tag(self, ev: yaml.ScalarEvent | yaml.CollectionStartEvent) -> None:
        tag = ev.tag
        if tag in _ALLOWED_TAGS:
            return
        shown = tag.replace("tag:yaml.org,2002:", "!!") if tag else tag
        raise self._fail(ev.start_mark, f"the tag `{shown}` is not allowed in a manifest",
                         "remove it; write the value as plain text")

    def _remember(self, anchor: str | None, node: Node) -> None:
        if anchor is not None:
            self.anchors[anchor] = node

    def _attach(self, node: Node, mark: _Mark | None) -> None:
        self.total += node.size
        if self.total > MAX_NODES:
            raise self._fail(mark, "aliases (`*name`) here expand to far too much data",
                             "use each anchor a few times at most")
        if not self.open:
            self.root = node
            return
        parent, _ = self.open[-1]
        parent.size += node.size
        if isinstance(parent, Seq):
            parent.items.append(node)
            return
        assert isinstance(parent, Map)
        key = self.pending_key[-1]
        if key is None:
            if not isinstance(node, Scalar):
                raise self._fail(mark, "a key must be a plain word, not a list or "
                                       "`key: value` lines", "write `name: value`")
            self.pending_key[-1] = node
            return
        self.pending_key[-1] = None
        previous = parent.entries.get(key.value)
        if previous is not None:
            self._repeated(parent, key, previous[0])
            del parent.entries[key.value]  # re-insert so the later one keeps its place
        parent.entries[key.value] = (key, node)

    def _repeated(self, parent: Map, key: Scalar, first: Scalar) -> None:
        """A key given twice. When it is the key that began an entry of a list (`- photo:`),
        the curator started a new entry and forgot its `-`: say that, and not the repeats
        of the other keys that follow."""
        if id(parent) in self.split_maps:
            return
        in_list = len(self.open) >= 2 and isinstance(self.open[-2][0], Seq)
        if in_list and next(iter(parent.entries)) == key.value:
            self.split_maps.add(id(parent))
            self.problems.append(Problem(
                self.path, key.line, key.col, "error",
                f"this item has no `-`, so its `{key.value}:` reads as a second "
                f"`{key.value}:` of the item above (line {first.line})",
                f"write `- {key.value}: ...` with the `-` lined up with the one on line "
                f"{first.line}"))
            return
        self.problems.append(Problem(
            self.path, key.line, key.col, "error",
            f"`{key.value}` is given twice here (first at line {first.line})",
            "remove one of them; the later one is used"))

    def _merge_keys(self, mapping: Map) -> None:
        """YAML merge keys (`<<: *defaults`): copy keys not already written here."""
        entry = mapping.entries.get("<<")
        if entry is None or entry[0].quoted:
            return
        key, value = entry
        sources = value.items if isinstance(value, Seq) else [value]
        if not all(isinstance(s, Map) for s in sources):
            raise ManifestError(
                Problem(self.path, key.line, key.col, "error",
                        "`<<` must name a block of `key: value` lines, as in "
                        "`<<: *defaults`")
            )
        del mapping.entries["<<"]
        for source in sources:
            assert isinstance(source, Map)
            for name, pair in source.entries.items():
                mapping.entries.setdefault(name, pair)

    # -- PyYAML's messages, said for people -----------------------------------------
    def _explain(self, exc: yaml.MarkedYAMLError) -> ManifestError:
        problem = (exc.problem or "").strip()
        context = (exc.context or "").strip()
        at = exc.problem_mark
        if "\t" in problem or "'\\t'" in problem:
            return self._fail(at, "a tab character is used for indentation",
                              "YAML indents with spaces; replace the tab with spaces")
        if "quoted scalar" in context:
            return self._fail(exc.context_mark, "this quote is never closed",
                              "add the closing quote on the same value")
        if "flow node" in context and "<stream end>" in problem:
            opened = _unclosed_bracket(self.text)
            if opened is not None:
                line, col = _index_to_pos(self.text, opened)
                char = self.text[opened]
                return ManifestError(Problem(self.path, line, col, "error",
                                             f"this `{char}` is never closed",
                                             f"add `{']' if char == '[' else '}'}` at the end"))
        if "flow sequence" in context:
            return self._fail(exc.context_mark, "this `[` is never closed",
                              "add `]` at the end of the list, or remove the `[`")
        if "flow mapping" in context:
            return self._fail(exc.context_mark, "this `{` is never closed",
                              "add `}` at the end, or remove the `{`")
        if "mapping values are not allowed" in problem:
            return self._key_under_text(at) or self._fail(
                at, "unexpected `:` here",
                "check the indentation of this line, or put text that contains `: ` in quotes")
        if "expected <block end>" in problem or "block mapping" in context or (
            "block collection" in context
        ):
            return self._missing_dash(exc) or self._fail(
                at, "this line is not indented like its neighbours",
                "line it up with the lines of the same level, using spaces")
        if "could not find expected ':'" in problem:
            return self._fail(exc.context_mark or at, "a line here lacks `:` after its key",
                              "write `key: value`")
        if "found undefined alias" in problem or "alias" in context:
            return self._fail(at, "an alias here (`*name`) is not valid",
                              "define `&name` first, or quote the text if `*` is meant")
        if "cannot start any token" in problem:
            char = problem.split("'")[1] if "'" in problem else "?"
            return self._fail(at, f"`{char}` cannot start a value here",
                              "put the value in quotes")
        return self._fail(at or exc.context_mark, "the layout of the file cannot be read here",
                          "check the indentation, dashes and quotes on this line and the "
                          "one above")

    # -- indentation mistakes, said in the curator's terms -----------------------------
    def _line(self, index: int) -> str:
        return self.lines[index] if 0 <= index < len(self.lines) else ""

    def _owner_line(self, index: int, indent: int) -> int | None:
        """The nearest line above `index` indented less than `indent` (comments skipped)."""
        for i in range(index - 1, -1, -1):
            text = self._line(i)
            stripped = text.strip()
            if not stripped or stripped.startswith("#"):
                continue
            if len(text) - len(text.lstrip(" ")) < indent:
                return i
        return None

    def _missing_dash(self, exc: yaml.MarkedYAMLError) -> ManifestError | None:
        """`photo: b.jpg` where a list entry (`- photo: b.jpg`) belongs."""
        at, start = exc.problem_mark, exc.context_mark
        if at is None or start is None or "block collection" not in (exc.context or ""):
            return None
        text = self._line(at.line)
        dash = self._line(start.line)
        key = _key_at_start(text)
        if (key is None or not dash[start.column:].startswith("-") or at.column != start.column
                or _key_at_start(dash) is None):  # the entries above are `- key: value` items
            return None
        return self._fail(at, f"this item has no `-`, so `{key}:` does not start a new item",
                          f"write `- {key}: ...` with the `-` lined up with the one on line "
                          f"{start.line + 1}")

    def _key_under_text(self, at: _Mark | None) -> ManifestError | None:
        """`source:` indented under `caption: text`: it reads as more of the caption."""
        if at is None:
            return None
        text = self._line(at.line)
        key = _key_at_start(text)
        indent = len(text) - len(text.lstrip(" "))
        if key is None or at.column != indent + len(key):
            return None  # the `:` is inside a text, not after a key at the start
        owner = self._owner_line(at.line, indent)
        owner_key = _key_at_start(self._line(owner)) if owner is not None else None
        if owner is None or owner_key is None:
            return None
        owner_text = self._line(owner)
        col = len(owner_text) - len(owner_text.lstrip(" -")) + 1
        return ManifestError(Problem(
            self.path, at.line + 1, indent + 1, "error",
            f"`{key}:` is indented under `{owner_key}:` (line {owner + 1}), so it reads as "
            "more of that text",
            f"if `{key}` is a field of its own, line it up with `{owner_key}:` at column {col}"))


def _key_at_start(line: str) -> str | None:
    """`source` for a line like `    source: Gazette` or `  - photo: a.jpg`."""
    m = re.match(r"\s*(?:-\s+)?([A-Za-z_][\w-]*)\s*:(\s|$)", line)
    return m.group(1) if m else None


def _index_to_pos(text: str, index: int) -> tuple[int, int]:
    before = text[:index]
    return before.count("\n") + 1, index - (before.rfind("\n") + 1) + 1


def _codepoint(character: int | str) -> int:
    return character if isinstance(character, int) else ord(character)


def _unclosed_bracket(text: str) -> int | None:
    """Index of the innermost `[` or `{` left open (quotes and comments skipped)."""
    stack: list[int] = []
    quote = ""
    i = 0
    while i < len(text):
        ch = text[i]
        if quote:
            if ch == quote:
                quote = ""
        elif ch in "'\"" and (i == 0 or text[i - 1] in " [{,:"):
            quote = ch
        elif ch == "#" and (i == 0 or text[i - 1] in " \t\n"):
            while i < len(text) and text[i] != "\n":
                i += 1
        elif ch in "[{":
            stack.append(i)
        elif ch in "]}" and stack:
            stack.pop()
        i += 1
    return stack[-1] if stack else None
