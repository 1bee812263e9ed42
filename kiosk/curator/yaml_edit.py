"""Changing one text of a manifest in place: only the characters of that value change.

A re-dump (even by a round-trip YAML library) re-indents, re-wraps and re-quotes what the
curator wrote; splicing the new value into the original text by its position keeps every
comment, blank line, quote and indentation of the rest of the file byte for byte. New
texts are written as a curator would: plain when safe, a `|` block for several lines.
"""

from __future__ import annotations

from dataclasses import dataclass

import yaml

from kiosk.curator.yaml_text import block_lines, double_quoted, inline, is_plain_safe, value_text
from kiosk.errors import KioskError

_FLOW_INDICATORS = set(",[]{}")


class CannotEdit(KioskError):
    """This value is written in a way an import cannot safely change; the message says how
    to make it editable."""


@dataclass(frozen=True)
class Splice:
    start: int
    end: int
    text: str


def apply(text: str, splices: list[Splice]) -> str:
    for s in sorted(splices, key=lambda s: s.start, reverse=True):
        text = text[:s.start] + s.text + text[s.end:]
    return text


def newline_of(text: str) -> str:
    return "\r\n" if "\r\n" in text else "\n"


def _flow_value(text: str) -> str:
    if is_plain_safe(text) and not _FLOW_INDICATORS & set(text):
        return text
    return double_quoted(text)


def _rest_of_line(text: str, index: int) -> str:
    end = text.find("\n", index)
    return text[index:] if end < 0 else text[index:end]


def _block_body_end(text: str, node: yaml.ScalarNode) -> int:
    """Where the content lines of a `|`/`>` block end (trailing blank lines excluded)."""
    end = node.end_mark.index
    while end > node.start_mark.index:
        prev = text.rfind("\n", node.start_mark.index, end - 1)
        if prev < 0 or text[prev + 1:end].strip():
            break
        end = prev + 1
    return end


def _block_indent(text: str, node: yaml.ScalarNode, fallback: int) -> int:
    body = text[text.index("\n", node.start_mark.index) + 1:node.end_mark.index]
    for line in body.split("\n"):
        if line.strip():
            return len(line) - len(line.lstrip(" "))
    return fallback


def replace_scalar(text: str, key: yaml.ScalarNode, node: yaml.ScalarNode, new: str,
                   in_flow: bool) -> Splice:
    """The value after `key:` becomes `new`, in the value's own style where it can."""
    start, end = node.start_mark.index, node.end_mark.index
    nl = newline_of(text)
    indent = key.start_mark.column + 2
    if node.style in ("|", ">"):
        header = _rest_of_line(text, start)
        body_end = _block_body_end(text, node)
        lines = block_lines(new)
        if lines is None:
            return Splice(start, body_end, double_quoted(new) + nl)
        if node.style == ">" and len(lines) > 1:
            header = "|" + header[1:]
        pad = " " * _block_indent(text, node, indent)
        body = nl.join(pad + line if line else "" for line in lines)
        return Splice(start, body_end, header + nl + body + nl)
    if in_flow:
        if "\n" in new:
            return Splice(start, end, double_quoted(new))
        return Splice(start, end, _flow_value(new))
    if "\n" in new:
        after = _rest_of_line(text, end).strip()
        lines = block_lines(new)
        if lines is None or after:  # a comment after the value would fall into the block
            return Splice(start, end, double_quoted(new))
        return Splice(start, end, value_text(new, indent).lstrip(" ").replace("\n", nl))
    if node.style == "'":
        return Splice(start, end, "'" + new.replace("'", "''") + "'")
    if node.style == '"':
        return Splice(start, end, double_quoted(new))
    return Splice(start, end, inline(new))


def _line_end_after(text: str, node: yaml.Node) -> int:
    """The index just past the line where `node` ends: where a sibling line can go."""
    while isinstance(node, (yaml.MappingNode, yaml.SequenceNode)) and node.value \
            and not node.flow_style:
        last = node.value[-1]
        node = last[1] if isinstance(node, yaml.MappingNode) else last
    if isinstance(node, yaml.ScalarNode) and node.style in ("|", ">"):
        return _block_body_end(text, node)
    end = text.find("\n", node.end_mark.index)
    return len(text) if end < 0 else end + 1


def add_language(text: str, mapping: yaml.MappingNode, lang: str, new: str) -> Splice:
    """A new `lang: text` line at the end of a field's languages."""
    if mapping.flow_style:
        close = mapping.end_mark.index - 1
        sep = ", " if mapping.value else ""
        return Splice(close, close, f"{sep}{lang}: {_flow_value(new)}")
    first_key = mapping.value[0][0]
    at = _line_end_after(text, mapping)
    nl = newline_of(text)
    lead = "" if at == 0 or text[at - 1] == "\n" else nl
    col = first_key.start_mark.column
    line = " " * col + lang + ":" + value_text(new, col + 2).replace("\n", nl) + nl
    return Splice(at, at, lead + line)


def plain_to_languages(text: str, key: yaml.ScalarNode, node: yaml.ScalarNode,
                       texts: dict[str, str]) -> Splice:
    """`caption: text` becomes `caption:` with one line per language (the old text first)."""
    nl = newline_of(text)
    colon = text.index(":", key.end_mark.index)
    end = _block_body_end(text, node) if node.style in ("|", ">") else node.end_mark.index
    pad = " " * (key.start_mark.column + 2)
    lines = [pad + lang + ":" + value_text(value, len(pad) + 2).replace("\n", nl)
             for lang, value in texts.items()]
    tail = nl if node.style in ("|", ">") else ""
    return Splice(colon + 1, end, nl + nl.join(lines) + tail)


def add_field(text: str, entry: yaml.Node, name: str, texts: dict[str, str],
              default_language: str, *, at_start: bool = False) -> Splice:
    """A new `name:` field for an entry that has none; at the top for the exhibit."""
    if not isinstance(entry, yaml.MappingNode) or entry.flow_style or not entry.value:
        raise CannotEdit("it is written on one line; write it as `- photo: file` with its "
                         "fields on the lines below, then import again")
    nl = newline_of(text)
    first_key = entry.value[0][0]
    col = first_key.start_mark.column
    pad = " " * col
    if set(texts) == {default_language}:
        block = pad + name + ":" + value_text(texts[default_language], col + 2).replace(
            "\n", nl) + nl
    else:
        block = pad + name + ":" + nl + "".join(
            pad + "  " + lang + ":" + value_text(value, col + 4).replace("\n", nl) + nl
            for lang, value in texts.items())
    if at_start:
        at = first_key.start_mark.index - col
        return Splice(at, at, block)
    at = _line_end_after(text, entry)
    lead = "" if at == 0 or text[at - 1] == "\n" else nl
    return Splice(at, at, lead + block)
