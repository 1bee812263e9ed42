"""Live reload: swap in each exhibit whose edit is good, keep the last good of the rest.

Pure except for reading files through the manifest loader. ``ShowReloader`` remembers,
per manifest file, the last version that could play. A batch of changes from the watcher
re-reads only the manifests it touches (and those whose media changed); an edit that
leaves an exhibit unplayable (unreadable YAML, no item that can play) keeps the old
version on screen and reports the new version's positioned errors; a removed file takes
its exhibit out of the show. A folder that shows no manifest at all (gone, unreadable,
emptied by a copy) is not taken for every file removed: the whole show stays, with the
folder's problem, until manifests are back or the curator leaves ``EMPTY`` there.

The problems also go to ``_kiosk_errors.txt`` in the exhibits folder, where a curator who
edits over a share sees them beside the files; the file disappears when the show is clean.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from kiosk.errors import Problem
from kiosk.live.watcher import Changes
from kiosk.show.exhibits_folder import (
    ExhibitsFolder,
    folder_problems,
    is_manifest_name,
    look_at,
)
from kiosk.show.loader import LoadOptions, _order_key, display_path, load_exhibit
from kiosk.show.model import Exhibit, Photo, Show, Step, Video

log = logging.getLogger("kiosk.live.reloader")

ERRORS_FILE_NAME = "_kiosk_errors.txt"
ERRORS_HEADER = (
    "Problems the kiosk found in the exhibit files of this folder.\n"
    "This file is written by the kiosk after every change and disappears when the show is "
    "clean.\n"
    "Each line reads file:line:column: what is wrong (what to do). Exhibits not named here "
    "play as written.\n"
)
KEPT_NOTE = "the last good version keeps playing until this file is fixed"


@dataclass
class ReloadResult:
    show: Show
    problems: list[Problem]  # the whole show's current problems, not only this batch's
    changed_exhibits: list[Path]  # manifests whose exhibit entered, changed or left the show
    kept_last_good: list[Path]  # manifests whose broken edit left the old version playing
    errors_text: str | None  # for _kiosk_errors.txt; None when the show is clean
    changed_media: frozenset[Path] = frozenset()  # forget decoded copies of these
    reread: list[Path] = field(default_factory=list)  # manifests read again

    @property
    def show_changed(self) -> bool:
        return bool(self.changed_exhibits)


def _playable(exhibit: Exhibit | None) -> bool:
    return exhibit is not None and bool(exhibit.items)


def media_of(exhibit: Exhibit) -> frozenset[Path]:
    """Files an exhibit plays (photos, clips, subtitles) and the folders they lie in."""
    out: set[Path] = set()
    for step in exhibit.steps:
        if isinstance(step, Video):
            out.add(step.path)
            out.update(step.subtitles.values())
        elif isinstance(step, Photo):
            out.add(step.path)
    out.update({p.parent for p in out})
    return frozenset(out)


class ShowReloader:
    """Keeps the show's exhibits, one per manifest file, across live edits."""

    def __init__(self, options: LoadOptions) -> None:
        self.options = options
        self._good: dict[Path, Exhibit] = {}  # last version of each manifest that could play
        self._problems: dict[Path, list[Problem]] = {}  # from each manifest's latest read
        self._kept: set[Path] = set()  # broken now, playing their last good version
        self._media: dict[Path, frozenset[Path]] = {}
        self._known: set[Path] = set()  # manifests present at the last look
        self._folder = ExhibitsFolder(options.exhibits_dir)  # the last look at the folder
        # Set while the folder shows nothing by accident and the show stays as it was.
        self._held: Problem | None = None

    # -- public ----------------------------------------------------------------------------

    def load_all(self) -> ReloadResult:
        """Read every manifest (at start, or when the app wants a fresh look)."""
        folder = look_at(self.options.exhibits_dir)
        if self._hold(folder):
            return self._result([], [], frozenset(), [])
        self._held = None
        files = list(folder.manifests)
        return self._reread(files, self._known - set(files), frozenset())

    def apply(self, changes: Changes) -> ReloadResult:
        """Re-read what ``changes`` touch; everything else stays as it was."""
        manifests: set[Path] = set()
        media: set[Path] = set()
        for path in changes.paths:
            key = self._manifest_key(path)
            if key is not None:
                manifests.add(key)
            elif not self._in_folder(path):  # `EMPTY` and other files there: the look
                media.add(path)
        folder = look_at(self.options.exhibits_dir)
        if self._hold(folder):  # decoded copies of changed media are still forgotten
            return self._result([], [], frozenset(media), [])
        if self._held is not None:  # the folder is back: whatever changed while away
            self._held = None
            manifests |= set(folder.manifests)
        if media:
            manifests |= self._affected_by_media(media)
        listed = set(folder.manifests)
        removed = (manifests | self._known) - listed
        return self._reread(sorted(manifests & listed), removed, frozenset(media))

    def set_languages(self, offered: tuple[str, ...], default: str) -> bool:
        """The settings changed the languages: True when they differ from the ones the
        show was checked against (the caller then reads every manifest again)."""
        if (offered, default) == (self.options.languages, self.options.default_language):
            return False
        self.options = replace(self.options, languages=offered, default_language=default)
        return True

    def watched_paths(self) -> list[Path]:
        """Media files and their folders for the watcher (a folder's time changes when a
        photo is added to it, which a `sequence:` pattern may now match)."""
        out: set[Path] = set()
        for paths in self._media.values():
            out |= paths
        out.add(self.options.assets_dir)
        return sorted(out)

    @property
    def show(self) -> Show:
        exhibits = sorted(self._good.values(), key=_order_key)
        return Show(tuple(exhibits), default_language=self.options.default_language)

    # -- inside ----------------------------------------------------------------------------

    def _manifest_key(self, path: Path) -> Path | None:
        """The manifest's name as the loader gives it (exhibits_dir / name), or None."""
        if is_manifest_name(path.name) and self._in_folder(path):
            return self.options.exhibits_dir / path.name
        return None

    def _in_folder(self, path: Path) -> bool:
        folder = self.options.exhibits_dir
        return path.parent == folder or _same_dir(path.parent, folder)

    def _hold(self, folder: ExhibitsFolder) -> bool:
        """Whether the folder shows no manifest by accident (a share gone, a folder emptied
        during a copy) while a show plays: then nothing is re-read or removed, and the
        folder's problem says why the last good show stays."""
        self._folder = folder
        if not (folder.vanished and self._good):
            if self._held is not None and not folder.vanished:
                log.info("%s is back; the show follows the folder again",
                         display_path(folder.path, self.options))
            return False
        problem = self._folder_problems(playing=True)[0]
        if problem != self._held:
            log.warning("%s", problem)
        self._held = problem
        return True

    def _affected_by_media(self, media: set[Path]) -> set[Path]:
        """Manifests that play a changed file, or whose last read had errors (a photo they
        missed may just have arrived)."""
        out = {file for file, refs in self._media.items() if refs & media}
        out |= {file for file, found in self._problems.items()
                if any(p.is_error for p in found)}
        return out

    def _reread(self, files: Iterable[Path], removed: Iterable[Path],
                media: frozenset[Path]) -> ReloadResult:
        changed: list[Path] = []
        kept_now: list[Path] = []
        reread: list[Path] = []
        for file in sorted(removed):
            self._known.discard(file)
            self._problems.pop(file, None)
            self._media.pop(file, None)
            self._kept.discard(file)
            if self._good.pop(file, None) is not None:
                changed.append(file)
                log.info("%s was removed; its exhibit leaves the show",
                         display_path(file, self.options))
        for file in files:
            reread.append(file)
            self._known.add(file)
            exhibit, problems = self._read(file)
            old = self._good.get(file)
            if _playable(exhibit):
                assert exhibit is not None
                self._kept.discard(file)
                self._problems[file] = problems
                self._media[file] = media_of(exhibit)
                if exhibit != old:
                    self._good[file] = exhibit
                    changed.append(file)
            elif old is not None:
                self._kept.add(file)
                kept_now.append(file)
                shown = display_path(file, self.options)
                self._problems[file] = [*problems, Problem(shown, 1, 1, "warning", KEPT_NOTE)]
                log.warning("%s cannot play as edited; %s", shown, KEPT_NOTE)
            else:
                self._problems[file] = problems
                self._media.pop(file, None)
        return self._result(changed, kept_now, media, reread)

    def _result(self, changed: list[Path], kept_now: list[Path], media: frozenset[Path],
                reread: list[Path]) -> ReloadResult:
        problems = self._folder_problems()
        for file in sorted(self._problems):
            problems.extend(self._problems[file])
        kept = sorted(self._kept)
        text = errors_file_text(problems, [display_path(f, self.options) for f in kept])
        return ReloadResult(self.show, problems, changed, kept_now, text, media, reread)

    def _read(self, file: Path) -> tuple[Exhibit | None, list[Problem]]:
        try:
            exhibit, problems, _count = load_exhibit(file, self.options)
        except Exception as exc:  # a loader bug must not end a show that runs for days
            log.exception("reading %s failed", file)
            shown = display_path(file, self.options)
            return None, [Problem(shown, 1, 1, "error", f"the kiosk could not read it: {exc}")]
        return exhibit, problems

    def _folder_problems(self, playing: bool = False) -> list[Problem]:
        shown = display_path(self.options.exhibits_dir, self.options)
        return folder_problems(self._folder, shown, playing or self._held is not None)


def _same_dir(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        pass
    try:
        return a.resolve() == b.resolve()
    except (OSError, RuntimeError):  # RuntimeError: a symbolic link loop (Python < 3.13)
        return False


# -- what is on screen -------------------------------------------------------------------


def _content(step: Step) -> tuple[object, ...]:
    """A step's fields that show on screen: where it was written is not one of them."""
    return tuple(getattr(step, f.name) for f in fields(step) if f.name != "where")


def current_item_changed(old_show: Show, new_show: Show, exhibit_file: Path, step_key: str,
                         step_index: int | None = None) -> bool:
    """Whether the step on screen (by exhibit file and step key, as the timeline keeps its
    place) was edited (a corrected caption, another duration) or removed, so the app swaps
    it at once instead of at the item's end. ``step_index`` picks among repeats of a key."""
    old_ex = next((e for e in old_show.exhibits if e.file == exhibit_file), None)
    new_ex = next((e for e in new_show.exhibits if e.file == exhibit_file), None)
    if old_ex is None or new_ex is None:
        return True
    old_hits = [i for i, s in enumerate(old_ex.steps) if s.key == step_key]
    new_hits = [i for i, s in enumerate(new_ex.steps) if s.key == step_key]
    if not old_hits or not new_hits:
        return True
    near = step_index if step_index is not None else old_hits[0]
    old_i = min(old_hits, key=lambda i: abs(i - near))
    new_i = min(new_hits, key=lambda i: abs(i - old_i))
    return _content(old_ex.steps[old_i]) != _content(new_ex.steps[new_i])


# -- _kiosk_errors.txt ---------------------------------------------------------------------


def errors_file_text(problems: Iterable[Problem], kept_last_good: Iterable[str] = ()
                     ) -> str | None:
    """The errors file's text: a header, then one positioned error per line; None when the
    show has no error (warnings stay in the log and in `validate`)."""
    lines = [_one_line(str(p)) for p in problems if p.is_error]
    kept = [f"{name}: {KEPT_NOTE}" for name in kept_last_good]
    if not lines and not kept:
        return None
    return ERRORS_HEADER + "\n" + "".join(line + "\n" for line in [*lines, *kept])


def _one_line(text: str) -> str:
    return " ".join(text.split())


def write_errors_file(folder: Path, text: str | None) -> bool:
    """Write (atomically) or remove ``folder/_kiosk_errors.txt``. Never raises: a read-only
    folder or a full disk is logged and the show goes on. True when the file is as asked."""
    path = folder / ERRORS_FILE_NAME
    if text is None:
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        except OSError as exc:
            log.warning("cannot remove %s: %s", path, exc.strerror or exc)
            return False
        return True
    data = text.encode("utf-8")
    try:
        if path.read_bytes() == data:
            return True  # unchanged: do not touch the share (or wake its watchers)
    except OSError:
        pass
    tmp = folder / f".{ERRORS_FILE_NAME}.{os.getpid()}.tmp"
    try:
        with open(tmp, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("cannot write %s: %s", path, exc.strerror or exc)
        try:
            tmp.unlink()
        except OSError:
            pass
        return False
    return True
