"""The exhibits folder itself: which files in it are manifests, and what one look found.

One rule for the loader, `validate`, the watcher and the live reloader. A folder that
cannot be listed, or that lists no manifest, is told apart from a show emptied on purpose:
only a folder holding a file named ``EMPTY`` (or ``EMPTY.txt``, any case) and no manifest
is an empty show. Anything else without manifests (a share unmounted, the folder deleted
and recreated during a copy) is an accident, and a running kiosk keeps its last good show.

Pure apart from one ``os.scandir`` in ``look_at``; the problems are plain values.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import Problem

MANIFEST_SUFFIXES = (".yaml", ".yml")
EMPTY_MARKERS = ("empty", "empty.txt")  # compared in lower case
MARKER = "EMPTY"  # as the docs and messages name it

KEPT = "the last good show keeps playing"
ON_PURPOSE = f"to empty the show on purpose, leave a file named `{MARKER}` in the folder"


def is_manifest_name(name: str) -> bool:
    """Names read as manifests: `*.yaml`, `*.yml`; hidden (`.`) and set-aside (`_`) files,
    editor temp files and `_kiosk_errors.txt` are not."""
    return name.lower().endswith(MANIFEST_SUFFIXES) and not name.startswith((".", "_"))


def is_empty_marker(name: str) -> bool:
    """``EMPTY`` or ``EMPTY.txt`` (any case): the curator empties the show on purpose."""
    return name.lower() in EMPTY_MARKERS


@dataclass(frozen=True)
class ExhibitsFolder:
    """One look at the exhibits folder."""

    path: Path
    manifests: tuple[Path, ...] = ()  # sorted by name
    missing: bool = False  # the folder does not exist
    unreadable: str = ""  # why it could not be listed (an unmounted share, permissions)
    marker: bool = False  # it holds `EMPTY`

    @property
    def listed(self) -> bool:
        return not self.missing and not self.unreadable

    @property
    def empty_on_purpose(self) -> bool:
        return self.listed and self.marker and not self.manifests

    @property
    def vanished(self) -> bool:
        """No manifest to be seen, and no word from the curator that this is meant."""
        return not self.manifests and not self.empty_on_purpose


def look_at(folder: Path) -> ExhibitsFolder:
    """List the folder once. A manifest that is a symbolic link counts even when it leads
    nowhere (a loop, a deleted target), so the loader can say so at its name."""
    try:
        with os.scandir(folder) as it:
            entries = list(it)
        names = sorted(e.name for e in entries if _is_manifest(e))
        marker = any(is_empty_marker(e.name) and _is_file(e) for e in entries)
    except FileNotFoundError:
        return ExhibitsFolder(folder, missing=True)
    except OSError as exc:
        return ExhibitsFolder(folder, unreadable=exc.strerror or str(exc))
    return ExhibitsFolder(folder, tuple(folder / n for n in names), marker=marker)


def _is_manifest(entry: os.DirEntry[str]) -> bool:
    return is_manifest_name(entry.name) and (_is_file(entry) or entry.is_symlink())


def _is_file(entry: os.DirEntry[str]) -> bool:
    try:
        return entry.is_file()
    except OSError:
        return False


def folder_problems(look: ExhibitsFolder, shown: str, playing: bool = False) -> list[Problem]:
    """The folder's own problems at ``shown:1:1``. ``playing``: a running kiosk has a last
    good show, which stays on screen instead of the folder's (missing) contents."""
    if look.missing:
        # The path as given: a wrong --exhibits is the likely cause at start.
        where = shown if playing else str(look.path)
        if playing:
            return [_error(where, f"the exhibits folder is gone; {KEPT}",
                           f"put the folder back or mount the share again; {ON_PURPOSE}")]
        return [_error(where, "the exhibits folder does not exist",
                       "pass the right folder with --exhibits")]
    if look.unreadable:
        what = f"the exhibits folder cannot be read ({look.unreadable})"
        if playing:
            return [_error(shown, f"{what}; {KEPT}",
                           "check the share is mounted and the kiosk's user may read it")]
        return [_error(shown, what, "check the kiosk's user may read it")]
    if look.empty_on_purpose:
        return [Problem(shown, 1, 1, "warning",
                        f"the show is empty on purpose: the folder holds `{MARKER}` and no "
                        "manifest", f"delete `{MARKER}` and add manifests to play again")]
    if not look.manifests:
        if playing:
            return [_error(shown, f"the exhibits folder holds no `.yaml` manifest now; {KEPT}",
                           f"put the manifests back; {ON_PURPOSE}")]
        return [_error(shown, "the exhibits folder holds no `.yaml` manifest",
                       "add a file such as `exhibits/01-welcome.yaml`")]
    if look.marker:
        return [Problem(shown, 1, 1, "warning",
                        f"`{MARKER}` is ignored while the folder holds manifests",
                        f"delete `{MARKER}`: it empties the show only when no manifest is left")]
    return []


def _error(where: str, message: str, hint: str) -> Problem:
    return Problem(where, 1, 1, "error", message, hint)
