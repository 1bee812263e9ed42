"""`validate`: check the whole show and its settings, and list every problem at once."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, TextIO

from kiosk.errors import Problem, count
from kiosk.show.loader import LoadOptions, ShowResult, load_show, shown_path
from kiosk.show.model import Photo, Show
from kiosk.show.settings import Settings, SettingsResult, load_settings

if TYPE_CHECKING:
    from kiosk.show.paths import ShowPaths

DEFAULT_SCREEN = (1920, 1080)  # assumed for size warnings when the settings say `auto`

MediaCheck = Callable[[ShowResult, Settings], Iterable[Problem]]


@dataclass
class Report:
    settings: SettingsResult
    show: ShowResult
    problems: list[Problem] = field(default_factory=list)

    @property
    def errors(self) -> int:
        return sum(p.is_error for p in self.problems)

    @property
    def warnings(self) -> int:
        return len(self.problems) - self.errors

    def summary(self) -> str:
        """``3 exhibits, 9 items, 0 errors, 5 warnings (3 translation, 2 subtitle)``: the
        kinds tell a curator where most of the work is before reading the list."""
        text = ", ".join((count(len(self.show.files), "exhibit"),
                          count(self.show.items, "item"),
                          count(self.errors, "error"), count(self.warnings, "warning")))
        kinds = Counter(p.kind or "manifest" for p in self.problems if not p.is_error)
        if kinds:
            text += " (" + ", ".join(f"{n} {kind}" for kind, n in
                                     sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0]))) + ")"
        return text


def load(exhibits: Path, assets: Path, config: Path | None,
         display_base: Path | None = None) -> tuple[SettingsResult, ShowResult]:
    """Settings, then the show read with the languages they offer. The player uses this too."""
    shown = shown_path(config, display_base) if config else None
    settings = load_settings(config, assets, shown)
    langs = settings.settings.languages
    options = LoadOptions(exhibits, assets, langs.offered, langs.default, display_base,
                          reading=settings.settings.reading,
                          screen=settings.settings.screen.size or DEFAULT_SCREEN)
    return settings, load_show(options)


def validate(exhibits: Path, assets: Path, config: Path | None,
             checks: Iterable[MediaCheck] = (), display_base: Path | None = None) -> Report:
    settings, show = load(exhibits, assets, config, display_base)
    report = Report(settings, show, [*(replace(p, kind=p.kind or "settings")
                                       for p in settings.problems), *show.problems])
    for check in checks:
        report.problems.extend(check(show, settings.settings))
    return report


def default_checks() -> list[MediaCheck]:
    """The checks that open files: media that decodes, fonts that draw every caption;
    links whose QR code scans at the screen's size; labels that fit it."""
    from kiosk.show.label_checks import check_label_fit
    from kiosk.show.link_checks import check_links
    from kiosk.show.media_checks import check_fonts, check_media, check_videos

    return [check_media, check_videos, check_fonts, check_links, check_label_fit]


def print_report(report: Report, out: TextIO) -> None:
    # Sorted by file and position so a curator can walk the list top to bottom.
    for problem in sorted(report.problems, key=lambda p: (p.path, p.line, p.col)):
        # A path or a text may hold what the terminal cannot print (a lone surrogate).
        print(str(problem).encode("utf-8", "backslashreplace").decode("utf-8"), file=out)
    for line in motion_notes(report.show.show):
        print(line, file=out)
    print(report.summary(), file=out)


def motion_notes(show: Show) -> list[str]:
    """One line per photo that moves by itself: how, and for how long (a reading's time
    follows from the picture's length unless the item gives a duration)."""
    out = []
    for exhibit in show.exhibits:
        for step in exhibit.steps:
            if not isinstance(step, Photo) or step.motion is None:
                continue
            motion = step.motion
            if motion.kind == "read":
                how = "read by scrolling " + ("down" if motion.axis == "y" else "across")
            elif motion.start is not None and motion.end is not None:
                how = "pans from its pan_from framing to its pan_to framing"
            else:
                how = f"pans and zooms {motion.zoom:g}x closer"
            out.append(f"{step.where}: note: {step.path.name} {how}, "
                       f"{step.duration_s:g} s on screen")
    return out


def validate_command(paths: ShowPaths) -> int:
    report = validate(paths.exhibits, paths.assets, paths.config,
                      default_checks(), Path.cwd())
    print_report(report, sys.stdout)
    return 1 if report.errors else 0
