"""Exhibits with dates: which of them belong to the show on a given day."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from kiosk.operations.hours import exhibit_active
from kiosk.show.model import Show


def active_show(show: Show, day: date) -> Show:
    """The show without the exhibits whose `from`/`until` dates leave out this day."""
    kept = tuple(e for e in show.exhibits if exhibit_active(e.active_from, e.active_until, day))
    return show if len(kept) == len(show.exhibits) else replace(show, exhibits=kept)
