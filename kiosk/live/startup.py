"""Settings and show as the player loads them: the same loader as `validate`, problems
logged with the same positioned text, and a reloader that remembers the last good
version of each exhibit for live edits."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from kiosk.errors import Problem
from kiosk.live.reloader import ReloadResult, ShowReloader
from kiosk.show.loader import LoadOptions
from kiosk.show.settings import SettingsResult, load_settings

log = logging.getLogger("kiosk")


def log_problems(problems: list[Problem]) -> None:
    """Errors the player can play around (an unknown key) are logged as warnings."""
    for problem in problems:
        if problem.is_error and not problem.playable:
            log.error("%s", problem)
        else:
            log.warning("%s", problem)


@dataclass
class Loaded:
    settings: SettingsResult
    reloader: ShowReloader
    show: ReloadResult


def load_for_playing(exhibits: Path, assets: Path, config: Path | None) -> Loaded:
    settings = load_settings(config, assets)
    langs = settings.settings.languages
    reloader = ShowReloader(LoadOptions(exhibits, assets, langs.offered, langs.default,
                                        reading=settings.settings.reading,
                                        screen=settings.settings.screen.size or (1920, 1080)))
    show = reloader.load_all()
    log_problems([*settings.problems, *show.problems])
    return Loaded(settings, reloader, show)
