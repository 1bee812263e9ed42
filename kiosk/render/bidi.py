"""Paragraph direction and embedding levels (UAX #9), and visual order of runs.

Levels come from python-bidi's Python implementation of the algorithm (its package's
default entry point only returns a reordered string, and layout needs the levels to
shape each directional run separately before reordering whole runs). Isolate controls
(U+2066..U+2069), which that implementation predates, are treated as neutral; a text that
still confuses it falls back to one level for the whole paragraph rather than raise.
"""

from __future__ import annotations

import logging
import unicodedata
from collections.abc import Sequence

__all__ = ["first_strong", "levels", "visual_order"]

log = logging.getLogger(__name__)

_RTL_CLASSES = frozenset(("R", "AL", "AN", "RLE", "RLO", "RLI"))
_ISOLATES = {"LRI": "ON", "RLI": "ON", "FSI": "ON", "PDI": "ON"}


def first_strong(text: str) -> str | None:
    """"ltr" or "rtl" by the first strong character (UAX #9 P2, P3), None if none."""
    for ch in text:
        kind = unicodedata.bidirectional(ch)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return None


def levels(text: str, direction: str | None = None) -> tuple[int, list[int]]:
    """(paragraph level, level per character) for one paragraph.

    ``direction`` "ltr"/"rtl" forces the paragraph level; None takes it from the text
    (left to right when it has no strong character).
    """
    if direction is None:
        direction = first_strong(text) or "ltr"
    base = 1 if direction == "rtl" else 0
    if base == 0 and not any(unicodedata.bidirectional(c) in _RTL_CLASSES for c in text):
        return 0, [0] * len(text)  # the common case: nothing to resolve
    try:
        return base, _resolve(text, base)
    except Exception:  # pragma: no cover - a defect in the algorithm must not stop a label
        log.warning("bidi resolution failed; drawing the paragraph in one direction",
                    exc_info=True)
        return base, [base] * len(text)


def _resolve(text: str, base: int) -> list[int]:
    from bidi import algorithm as uax9

    storage = uax9.get_empty_storage()
    storage["base_level"] = base
    storage["base_dir"] = ("L", "R")[base]
    uax9.get_embedding_levels(text, storage)
    for i, ch in enumerate(storage["chars"]):
        ch["i"] = i
        kind = _ISOLATES.get(ch["type"])
        if kind:
            ch["type"] = ch["orig"] = kind
    uax9.explicit_embed_and_overrides(storage)
    uax9.resolve_weak_types(storage, False)
    uax9.resolve_neutral_types(storage, False)
    uax9.resolve_implicit_levels(storage, False)
    out: list[int | None] = [None] * len(text)
    for ch in storage["chars"]:
        out[ch["i"]] = ch["level"]
    # Characters removed by X9 (embedding controls, BN) take their neighbour's level.
    last = base
    resolved: list[int] = []
    for level in out:
        last = last if level is None else level
        resolved.append(last)
    # L1: whitespace before a line's end or a segment separator returns to the base.
    i = len(text) - 1
    while i >= 0 and unicodedata.bidirectional(text[i]) in ("WS", "BN", "LRE", "RLE", "LRO",
                                                             "RLO", "PDF", "LRI", "RLI",
                                                             "FSI", "PDI"):
        resolved[i] = base
        i -= 1
    return resolved


def visual_order(run_levels: Sequence[int]) -> list[int]:
    """Indices of runs in the order they are drawn, left to right (UAX #9 L2)."""
    order = list(range(len(run_levels)))
    if not run_levels:
        return order
    highest = max(run_levels)
    odd = [lv for lv in run_levels if lv % 2]
    if not odd:
        return order
    for level in range(highest, min(odd) - 1, -1):
        i = 0
        while i < len(order):
            if run_levels[order[i]] >= level:
                j = i
                while j < len(order) and run_levels[order[j]] >= level:
                    j += 1
                order[i:j] = reversed(order[i:j])
                i = j
            else:
                i += 1
    return order
