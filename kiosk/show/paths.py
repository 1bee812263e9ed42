"""Where a show lies on disk: its exhibits, its assets and its settings file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ShowPaths:
    exhibits: Path
    assets: Path
    config: Path | None  # None: built-in defaults
