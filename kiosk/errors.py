"""Problems found in curator-written files, told the way a curator can act on them.

Every message has one shape, ``path:line:col: error: message (hint)``, with line and
column counting from 1. The same text goes to `validate`, the log and the status file.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]


@dataclass(frozen=True, order=True)
class Problem:
    path: str
    line: int
    col: int
    severity: Severity
    message: str
    hint: str = ""
    # An error `validate` must fail on that the player can still play around (an unknown
    # key is ignored): the player logs it as a warning.
    playable: bool = False
    # What a warning is about ("translation", "font", "subtitle", "fit"...), so `validate`'s
    # summary can count them by kind; empty for the manifest's own checks.
    kind: str = ""

    def __str__(self) -> str:
        text = f"{self.path}:{self.line}:{self.col}: {self.severity}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


class KioskError(Exception):
    """Base of the kiosk's own errors."""


class ManifestError(KioskError):
    """A file cannot be read at all; carries the positioned problem that says why."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


class MediaError(KioskError):
    """A photo, clip or sound that cannot be played; ``reason`` is short and meant for
    the operator (it goes to the log and the status file's `skipped` list)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class UsageError(KioskError):
    """A command line that cannot be carried out (exit code 2)."""


def did_you_mean(word: str, choices: Iterable[str]) -> str:
    """A hint naming the closest choice, or listing them all when none is close."""
    options = sorted(set(choices))
    close = difflib.get_close_matches(word.lower(), options, n=1, cutoff=0.6)
    if close:
        return f"did you mean `{close[0]}`?"
    return "expected one of: " + ", ".join(f"`{o}`" for o in options)


def count(n: int, noun: str) -> str:
    """``1 error``, ``2 errors``."""
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"
