"""Which exhibits run on a given day: the `from`/`until` dates of their manifests.

Pure. The loop and `render` both take the show through ``active_show`` with the day the
picture is for, so a rendered frame leaves out the same exhibits the screen does.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

from kiosk.show.model import Show


def exhibit_active(exhibit_from: date | None, exhibit_until: date | None,
                   day: date | datetime) -> bool:
    """Whether an exhibit with these ``from``/``until`` dates (both included) runs on ``day``."""
    if isinstance(day, datetime):
        day = day.date()
    if exhibit_from is not None and day < exhibit_from:
        return False
    return not (exhibit_until is not None and day > exhibit_until)


def active_show(show: Show, day: date) -> Show:
    """The show without the exhibits whose `from`/`until` dates leave out this day."""
    kept = tuple(e for e in show.exhibits if exhibit_active(e.active_from, e.active_until, day))
    return show if len(kept) == len(show.exhibits) else replace(show, exhibits=kept)
