"""Opening hours: when the venue is open; and how exhibit dates are read from manifests
(which exhibits run on a given day is decided in `kiosk/show/exhibit_dates.py`).

Pure. The only place the kiosk uses wall-clock time; callers pass a naive local
``datetime`` in (durations everywhere else are monotonic). Daylight-saving changes are
just other wall times: "is it open at 02:30" is answered for whatever 02:30 the clock
shows, and a clock set forwards or back is answered for the new time.

Rules
    A day's ranges belong to the day they start on: ``fri: 18:00-02:00`` is open from
    Friday 18:00 to Saturday 02:00, whatever Saturday's own hours say. A closed date
    cancels the ranges that start on it (the night before still runs past midnight).
    Ranges are half-open: open at 09:00, closed at 18:00 sharp. ``24:00`` ends a range at
    midnight; ``00:00-24:00`` is the whole day. Without ``opening_hours`` the kiosk is
    always open (closed dates still close it).

Settings (``config/kiosk.yaml``)::

    opening_hours:
      daily: 10:00-18:00          # every day not named below
      fri: 10:00-13:00, 14:00-22:00
      sat: 18:00-02:00            # past midnight
      sun: closed
    closed_dates: [2025-12-25, 2025-12-31..2026-01-02]

Exhibit manifests: ``from: 2025-06-01`` and ``until: 2025-06-30`` (both days included).
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from kiosk.errors import did_you_mean
from kiosk.show import fields as f
from kiosk.show.fields import Context, Field, Invalid
from kiosk.show.marked_yaml import Map, Node, Scalar, Seq

log = logging.getLogger("kiosk.operations.hours")

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_MIN = 24 * 60
MAX_SEARCH_DAYS = 1024  # next_change looks this far ahead (closed dates may span a year)
MAX_CLOSED_SPAN_DAYS = 366
CLOCK_JUMP_S = 60.0


@dataclass(frozen=True, order=True)
class TimeRange:
    """Open from ``start_min`` to ``end_min`` minutes after the day's midnight; an end at or
    before the start closes on the next day."""

    start_min: int
    end_min: int

    @property
    def length_min(self) -> int:
        return self.end_min - self.start_min if self.end_min > self.start_min else \
            self.end_min + DAY_MIN - self.start_min

    def __str__(self) -> str:
        return f"{_hhmm(self.start_min)}-{_hhmm(self.end_min)}"


ALL_DAY = (TimeRange(0, DAY_MIN),)
DayHours = tuple[TimeRange, ...]


@dataclass(frozen=True)
class WeeklyHours:
    """Ranges for each weekday, Monday first; an empty day is closed."""

    days: tuple[DayHours, ...] = (ALL_DAY,) * 7

    def __post_init__(self) -> None:
        if len(self.days) != 7:
            raise ValueError("WeeklyHours needs 7 days")


ALWAYS_OPEN = WeeklyHours()


@dataclass(frozen=True)
class Schedule:
    week: WeeklyHours = ALWAYS_OPEN
    closed_dates: frozenset[date] = frozenset()


def schedule_from(opening_hours: WeeklyHours | None,
                  closed_dates: Iterable[date] = ()) -> Schedule:
    """The schedule from the two settings (``None`` hours: always open)."""
    return Schedule(opening_hours or ALWAYS_OPEN, frozenset(closed_dates))


# -- answers -----------------------------------------------------------------------------


def _sessions(schedule: Schedule, day: date) -> list[tuple[datetime, datetime]]:
    """The open periods that start on ``day``."""
    if day in schedule.closed_dates:
        return []
    midnight = datetime.combine(day, time())
    out = []
    for r in schedule.week.days[day.weekday()]:
        start = midnight + timedelta(minutes=r.start_min)
        out.append((start, start + timedelta(minutes=r.length_min)))
    return out


def is_open(schedule: Schedule, wall: datetime) -> bool:
    """Whether the venue is open at the wall-clock time ``wall`` (naive, local)."""
    today = wall.date()
    for day in (today - timedelta(days=1), today):
        for start, end in _sessions(schedule, day):
            if start <= wall < end:
                return True
    return False


def _merged(schedule: Schedule, first: date, days: int) -> list[tuple[datetime, datetime]]:
    spans = sorted(s for i in range(days)
                   for s in _sessions(schedule, first + timedelta(days=i)))
    out: list[tuple[datetime, datetime]] = []
    for start, end in spans:
        if out and start <= out[-1][1]:  # touching or overlapping: no change between
            out[-1] = (out[-1][0], max(out[-1][1], end))
        else:
            out.append((start, end))
    return out


def next_change(schedule: Schedule, wall: datetime) -> datetime | None:
    """The next wall time the venue opens (when closed now) or closes (when open now);
    None when that does not happen within ``MAX_SEARCH_DAYS`` (always open, never open)."""
    open_now = is_open(schedule, wall)
    first = wall.date() - timedelta(days=1)
    span = 8
    while span <= MAX_SEARCH_DAYS:
        # Periods of later days start at or after the horizon, so anything decided before
        # it is final.
        horizon = datetime.combine(first + timedelta(days=span), time())
        for start, end in _merged(schedule, first, span):
            if open_now and start <= wall < end:
                if end < horizon:
                    return end
                break
            if not open_now and start > wall:
                return start
        span *= 2
    return None


# -- following the wall clock --------------------------------------------------------------


@dataclass(frozen=True)
class OpeningUpdate:
    is_open: bool
    changed: bool  # differs from the last observation (True on the first one)
    clock_jump_s: float | None = None  # wall time moved this much more than monotonic time


class OpeningState:
    """Open/closed as successive (wall, monotonic) observations see it.

    The answer always follows the wall clock as it is now; a jump of the wall clock
    (an NTP correction after days offline, a DST change, an operator setting the time)
    is detected by comparing its step with the monotonic one, logged, and otherwise just
    followed: nothing is stretched or shifted to make up for it.
    """

    def __init__(self, schedule: Schedule, jump_s: float = CLOCK_JUMP_S) -> None:
        self.schedule = schedule
        self.jump_s = jump_s
        self._open: bool | None = None
        self._last: tuple[datetime, float] | None = None

    @property
    def is_open(self) -> bool | None:
        return self._open

    def observe(self, wall: datetime, mono_s: float) -> OpeningUpdate:
        jump = None
        if self._last is not None:
            last_wall, last_mono = self._last
            skew = (wall - last_wall).total_seconds() - (mono_s - last_mono)
            if abs(skew) > self.jump_s:
                jump = skew
                log.warning("the wall clock jumped %+.0f s (now %s); opening hours follow "
                            "the new time", skew, wall.isoformat(timespec="seconds"))
        self._last = (wall, mono_s)
        now_open = is_open(self.schedule, wall)
        changed = now_open != self._open
        if changed:
            until = next_change(self.schedule, wall)
            log.info("%s%s", "open" if now_open else "closed",
                     f" until {until.isoformat(sep=' ', timespec='minutes')}" if until else "")
        self._open = now_open
        return OpeningUpdate(now_open, changed, jump)


# -- parsers for config/kiosk.yaml and manifests -------------------------------------------

_DAY_NAMES = {
    **{d: (i,) for i, d in enumerate(DAYS)},
    **{name: (i,) for i, name in enumerate(
        ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"))},
}
_GROUPS = {"daily": tuple(range(7)), "weekdays": tuple(range(5)), "weekends": (5, 6),
           "weekend": (5, 6)}
_KEYS = {**_DAY_NAMES, **_GROUPS}
_CLOSED_WORDS = ("closed", "off", "no", "none", "-")
_ALL_DAY_WORDS = ("open", "all day", "24h", "always")
_CLOCK = re.compile(r"(\d{1,2})[:.](\d{2})")
_RANGE = re.compile(r"\s*(\S+?)\s*(?:-|–|—|\bto\b)\s*(\S+)\s*")
_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
_DATE_SPAN = re.compile(r"\.\.|\s+to\s+")


def _hhmm(minutes: int) -> str:
    return f"{minutes // 60:02}:{minutes % 60:02}"


def _clock_minutes(ctx: Context, node: Node, raw: str) -> int:
    m = _CLOCK.fullmatch(raw)
    if not m:
        raise ctx.fail(node, f"`{raw}` is not a time of day", "write it like `09:30` or `18:00`")
    hours, minutes = int(m.group(1)), int(m.group(2))
    if minutes > 59 or hours > 24 or (hours == 24 and minutes):
        raise ctx.fail(node, f"`{raw}` is not a time of day", "use 00:00 to 24:00")
    return hours * 60 + minutes


def _one_range(ctx: Context, node: Node, raw: str) -> TimeRange:
    m = _RANGE.fullmatch(raw)
    if not m:
        raise ctx.fail(node, f"`{raw}` is not a time range",
                       "write it like `09:00-18:00`, or `closed`")
    start = _clock_minutes(ctx, node, m.group(1))
    end = _clock_minutes(ctx, node, m.group(2))
    if start == DAY_MIN:
        raise ctx.fail(node, f"`{raw}` starts at 24:00", "start it at `00:00`")
    if start == end:
        raise ctx.fail(node, f"`{raw}` opens and closes at the same time",
                       "write `00:00-24:00` for the whole day, or `closed`")
    return TimeRange(start, end)


def day_hours(ctx: Context, node: Node) -> DayHours:
    """``09:00-18:00``, ``10:00-13:00, 14:00-20:00``, ``18:00-02:00``, ``closed``, ``open``,
    or a list of ranges."""
    if isinstance(node, Seq):
        texts = [(n, f.scalar(ctx, n, "a time range")) for n in node.items]
    else:
        raw = f.scalar(ctx, node, "opening hours")
        low = raw.lower()
        if low in _CLOSED_WORDS:
            return ()
        if low in _ALL_DAY_WORDS:
            return ALL_DAY
        texts = [(node, raw)]
    ranges: list[TimeRange] = []
    bad = False
    for item, text in texts:
        for part in text.split(","):
            if not part.strip():
                continue
            try:
                ranges.append(_one_range(ctx, item, part.strip()))
            except Invalid:
                bad = True
    if bad:
        raise Invalid("hours")
    ranges.sort()
    for a, b in itertools.pairwise(ranges):
        if b.start_min < a.start_min + a.length_min:
            ctx.warning(node, f"`{a}` and `{b}` overlap", "the kiosk is open through both")
    return tuple(ranges)


def opening_hours(ctx: Context, node: Node) -> WeeklyHours | None:
    """The ``opening_hours`` setting: a map of days (``mon`` .. ``sun``, ``daily``,
    ``weekdays``, ``weekends``) to hours; a day named nowhere is closed. A single value
    (``09:00-18:00``, ``always``) applies to every day. A day written wrong leaves the
    whole setting at its default (always open): a kiosk dark by mistake is worse."""
    if isinstance(node, Scalar):
        hours = day_hours(ctx, node)
        if hours == ALL_DAY:
            return None
        if not hours:
            ctx.warning(node, "the kiosk is closed every day", "name the days it is open")
        return WeeklyHours((hours,) * 7)
    if not isinstance(node, Map):
        raise ctx.fail(node, "`opening_hours` must be days with their hours",
                       "write lines like `mon: 09:00-18:00` below `opening_hours:`")
    days: list[DayHours | None] = [None] * 7
    rank = [9] * 7  # a named day beats weekdays/weekends, which beat daily
    bad = False
    for name, (key, value) in node.entries.items():
        targets = _KEYS.get(name.lower())
        if targets is None:
            ctx.error(key, f"`{name}` is not a day", did_you_mean(name.lower(), _KEYS))
            bad = True
            continue
        try:
            hours = day_hours(ctx, value)
        except Invalid:
            bad = True
            continue
        level = 0 if name.lower() in _DAY_NAMES else 2 if name.lower() == "daily" else 1
        for i in targets:
            if level <= rank[i]:
                days[i], rank[i] = hours, level
    if bad:
        raise Invalid("opening_hours")
    week = tuple(d or () for d in days)
    if not any(week):
        ctx.warning(node, "the kiosk is closed every day", "name the days it is open")
    return WeeklyHours(week)


def _iso_date(ctx: Context, node: Node, raw: str) -> date:
    if _ISO_DATE.fullmatch(raw):
        try:
            return date.fromisoformat(raw)
        except ValueError:
            pass
    raise ctx.fail(node, f"`{raw}` is not a date", "write it like `2025-12-25` (year-month-day)")


def exhibit_date(ctx: Context, node: Node) -> date:
    """An exhibit's ``from`` or ``until``: ``2025-06-01``."""
    return _iso_date(ctx, node, f.scalar(ctx, node, "a date"))


def check_exhibit_dates(ctx: Context, node: Node, exhibit_from: date | None,
                        exhibit_until: date | None) -> None:
    """``until`` before ``from``: the exhibit would never run."""
    if exhibit_from is not None and exhibit_until is not None and exhibit_until < exhibit_from:
        raise ctx.fail(node, f"`until` ({exhibit_until}) is before `from` ({exhibit_from})",
                       "the exhibit would never be shown; swap the dates")


def closed_dates(ctx: Context, node: Node) -> frozenset[date]:
    """``[2025-12-25, 2025-12-31..2026-01-02]``: whole days the kiosk stays closed."""
    out: set[date] = set()
    bad = False
    for item in f.seq_of(ctx, node, "`closed_dates`"):
        try:
            raw = f.scalar(ctx, item, "a date")
            parts = _DATE_SPAN.split(raw, maxsplit=1)
            start = _iso_date(ctx, item, parts[0].strip())
            end = _iso_date(ctx, item, parts[1].strip()) if len(parts) == 2 else start
            if end < start:
                raise ctx.fail(item, f"`{raw}` ends before it starts",
                               "write the earlier day first")
            if (end - start).days >= MAX_CLOSED_SPAN_DAYS:
                raise ctx.fail(item, f"`{raw}` is longer than a year",
                               "a kiosk closed that long can be switched off")
            out.update(start + timedelta(days=i) for i in range((end - start).days + 1))
        except Invalid:
            bad = True
    if bad:
        raise Invalid("closed_dates")
    return frozenset(out)


_RANGE_PATTERN = r"(\d{1,2}[:.]\d{2}\s*(-|–|to)\s*\d{1,2}[:.]\d{2})"
DAY_HOURS_SCHEMA = {
    "anyOf": [
        {"type": "string",
         "pattern": rf"^\s*({_RANGE_PATTERN}(\s*,\s*{_RANGE_PATTERN})*|closed|off|open|always"
                    r"|all day|24h)\s*$"},
        {"type": "array", "items": {"type": "string"}},
    ],
    "examples": ["09:00-18:00", "10:00-13:00, 14:00-20:00", "18:00-02:00", "closed"],
}
OPENING_HOURS_SCHEMA = {
    "anyOf": [
        DAY_HOURS_SCHEMA,
        {"type": "object", "propertyNames": {"enum": sorted(_KEYS)},
         "additionalProperties": DAY_HOURS_SCHEMA},
    ],
    "description": "When the kiosk shows: days (mon..sun, daily, weekdays, weekends) to hours",
}
DATE_SCHEMA = {"type": "string", "pattern": r"^\d{4}-\d{2}-\d{2}$", "examples": ["2025-06-01"]}
CLOSED_DATES_SCHEMA = {
    "type": "array",
    "items": {"type": "string",
              "pattern": r"^\d{4}-\d{2}-\d{2}(\s*(\.\.|to)\s*\d{4}-\d{2}-\d{2})?$"},
    "description": "Days the kiosk stays closed: dates or ranges like 2025-12-31..2026-01-02",
}

OPENING_HOURS_FIELD = Field(opening_hours, OPENING_HOURS_SCHEMA,
                            "when the kiosk shows: `mon: 09:00-18:00`, `sat: 18:00-02:00`, "
                            "`sun: closed`, `daily: ...`; unnamed days are closed")
CLOSED_DATES_FIELD = Field(closed_dates, CLOSED_DATES_SCHEMA,
                           "days the kiosk stays closed: `[2025-12-25, "
                           "2025-12-31..2026-01-02]`")
EXHIBIT_DATE_FIELDS: dict[str, Field] = {
    "from": Field(exhibit_date, {**DATE_SCHEMA, "description": "First day it is shown"},
                  "the first day it is shown: `2025-06-01`"),
    "until": Field(exhibit_date, {**DATE_SCHEMA, "description": "Last day it is shown"},
                   "the last day it is shown, included: `2025-06-30`"),
}
