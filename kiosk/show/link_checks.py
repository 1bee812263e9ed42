"""`validate` for links: a QR code that cannot be scanned from 1 m on this screen is a
warning before the event, not a visitor holding up a phone in vain."""

from __future__ import annotations

from kiosk.errors import Problem
from kiosk.show.loader import ShowResult
from kiosk.show.media_checks import DEFAULT_SCREEN
from kiosk.show.settings import Settings


def check_links(show: ShowResult, settings: Settings) -> list[Problem]:
    from kiosk.render.qr import needed_cm

    screen = settings.screen.size or DEFAULT_SCREEN
    diagonal = settings.screen.diagonal_in
    problems: list[Problem] = []
    seen: set[tuple[str, int, int]] = set()
    for exhibit in show.show.exhibits:
        for step in exhibit.steps:
            where = step.where
            if not step.link or (where.path, where.line, where.col) in seen:
                continue
            seen.add((where.path, where.line, where.col))
            try:
                need, room = needed_cm(step.link, screen, diagonal)
            except ValueError:
                need, room = float("inf"), 0.0
            if need > room:
                problems.append(Problem(
                    where.path, where.line, where.col, "warning",
                    f"the link is too long to scan from 1 m: its QR code needs {need:.0f} cm, "
                    f"and a corner of this {diagonal:g}-inch screen has {room:.0f} cm",
                    "use a shorter address, such as a short page on your own site", kind="link"))
    return problems
