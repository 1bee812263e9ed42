"""Writing one text as YAML the way a curator would type it: plain when that is safe,
quoted when it must be, a `|` block for several lines.

The manifest reader keeps every value as the text typed, so plain is safe unless YAML
would read the text as something else (a comment, a key, a list, a quote, an alias).
"""

from __future__ import annotations

_SPECIAL_START = set("-?:,[]{}#&*!|>'\"%@`")
_YAML_BREAKS = {"\x85", "\u2028", "\u2029", "\ufeff"}


def is_plain_safe(text: str) -> bool:
    return bool(text) and (
        text == text.strip()
        and text[0] not in _SPECIAL_START
        and ": " not in text
        and " #" not in text
        and not text.endswith(":")
        and text != "~"
        and all(ch.isprintable() and ch not in _YAML_BREAKS for ch in text)
    )


def double_quoted(text: str) -> str:
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == '"':
            out.append('\\"')
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif not ch.isprintable() or ch in _YAML_BREAKS:
            code = ord(ch)
            out.append(f"\\u{code:04x}" if code <= 0xFFFF else f"\\U{code:08x}")
        else:
            out.append(ch)
    return '"' + "".join(out) + '"'


def inline(text: str) -> str:
    """The text as a value on the same line as its key."""
    return text if is_plain_safe(text) else double_quoted(text)


def block_lines(text: str) -> list[str] | None:
    """The lines of a `|` block for this text, or None when a block cannot hold it
    exactly (a first line that starts with a space, characters YAML would not keep)."""
    lines = text.split("\n")
    if not text.strip() or lines[0][:1] in (" ", "\t"):
        return None
    if any(not (ch.isprintable() or ch in "\t\n") or ch in _YAML_BREAKS for ch in text):
        return None
    if any(line != line.rstrip(" \t") for line in lines):
        return None
    return lines


def value_text(text: str, indent: int) -> str:
    """What follows `key:` for this text: ` value` or ` |` and lines indented by `indent`."""
    if "\n" in text:
        lines = block_lines(text.rstrip("\n"))
        if lines is not None:
            pad = " " * indent
            return " |\n" + "\n".join(pad + line if line else "" for line in lines)
    return " " + inline(text)
