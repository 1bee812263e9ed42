"""Opening hours: midnight edges, closed dates, clock jumps, and the curator's spelling."""

from __future__ import annotations

import logging
from datetime import date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from kiosk.operations.hours import (
    ALL_DAY,
    EXHIBIT_DATE_FIELDS,
    OpeningState,
    Schedule,
    TimeRange,
    WeeklyHours,
    check_exhibit_dates,
    closed_dates,
    day_hours,
    is_open,
    next_change,
    opening_hours,
    schedule_from,
)
from kiosk.show.exhibit_dates import exhibit_active
from kiosk.show.fields import Context, Invalid
from kiosk.show.marked_yaml import parse

# 2025-06-02 is a Monday.
MON, TUE, WED, THU, FRI, SAT, SUN = (date(2025, 6, d) for d in range(2, 9))


def at(day: date, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return datetime(day.year, day.month, day.day, hh, mm, ss)


def read(yaml_text: str, parser):
    """Parse ``key: value`` YAML and run ``parser`` on the value; (value, problems)."""
    ctx = Context("config/kiosk.yaml")
    root = parse(yaml_text, "config/kiosk.yaml").root
    node = next(iter(root.entries.values()))[1]
    try:
        return parser(ctx, node), ctx.problems
    except Invalid:
        return Invalid, ctx.problems


def schedule(yaml_text: str, closed: str | None = None) -> Schedule:
    hours, problems = read(yaml_text, opening_hours)
    assert hours is not Invalid, [str(p) for p in problems]
    dates = frozenset()
    if closed:
        dates, problems = read(closed, closed_dates)
        assert dates is not Invalid, [str(p) for p in problems]
    return schedule_from(hours, dates)


VENUE = schedule("""\
opening_hours:
  daily: 09:00-18:00
  fri: 10:00-13:00, 14:00-20:00
  sat: 18:00-02:00
  sun: closed
""")


# -- is_open ---------------------------------------------------------------------------


@pytest.mark.parametrize(("when", "expected"), [
    (at(MON, 8, 59, 59), False),
    (at(MON, 9), True),  # opens on the minute
    (at(MON, 17, 59, 59), True),
    (at(MON, 18), False),  # closed at 18:00 sharp
    (at(FRI, 12, 59), True),
    (at(FRI, 13, 30), False),  # the lunch break
    (at(FRI, 14), True),
    (at(FRI, 19, 59), True),
    (at(SAT, 9), False),  # Saturday's own hours replace daily
    (at(SAT, 17, 59), False),
    (at(SAT, 18), True),
    (at(SAT, 23, 59, 59), True),
    (at(SUN, 0), True),  # Saturday night runs past midnight into a closed Sunday
    (at(SUN, 1, 59, 59), True),
    (at(SUN, 2), False),
    (at(SUN, 12), False),
])
def test_is_open(when, expected):
    assert is_open(VENUE, when) is expected


def test_a_closed_date_cancels_the_ranges_that_start_on_it_not_the_night_before():
    s = schedule("opening_hours:\n  daily: 18:00-02:00\n",
                 "closed_dates: [2025-06-04]")  # Wednesday
    assert is_open(s, at(WED, 1))  # Tuesday's night still runs
    assert not is_open(s, at(WED, 19))
    assert not is_open(s, at(THU, 1))  # Wednesday had no night
    assert is_open(s, at(THU, 18))


def test_closed_dates_close_an_always_open_kiosk():
    s = schedule_from(None, {WED})
    assert is_open(s, at(TUE, 23, 59))
    assert not is_open(s, at(WED, 0))
    assert not is_open(s, at(WED, 23, 59))
    assert is_open(s, at(THU, 0))


def test_whole_day_and_midnight_end():
    s = schedule("opening_hours:\n  mon: 00:00-24:00\n  tue: 20:00-24:00\n")
    assert is_open(s, at(MON, 0)) and is_open(s, at(MON, 23, 59, 59))
    assert not is_open(s, at(TUE, 0))
    assert is_open(s, at(TUE, 23, 59, 59))
    assert not is_open(s, at(WED, 0))


def test_dst_like_wall_times_are_answered_as_they_read():
    """Spring forward skips 02:00-03:00; fall back repeats 02:00-03:00. Whatever the wall
    clock shows is answered for that wall time, with no hour stretched or lost."""
    s = schedule("opening_hours:\n  daily: 01:00-02:30\n")
    assert is_open(s, at(SUN, 1, 59))
    assert is_open(s, at(SUN, 2, 15))  # the repeated hour, either time round
    assert not is_open(s, at(SUN, 3, 0))  # after a spring-forward skip from 01:59
    assert next_change(s, at(SUN, 1, 59)) == at(SUN, 2, 30)


# -- next_change -----------------------------------------------------------------------


@pytest.mark.parametrize(("when", "expected"), [
    (at(MON, 3), at(MON, 9)),
    (at(MON, 9), at(MON, 18)),
    (at(MON, 18), at(TUE, 9)),
    (at(FRI, 11), at(FRI, 13)),
    (at(FRI, 13), at(FRI, 14)),
    (at(FRI, 20), at(SAT, 18)),
    (at(SAT, 20), at(SUN, 2)),  # closes after midnight
    (at(SUN, 2), at(date(2025, 6, 9), 9)),  # Sunday closed: Monday morning
])
def test_next_change(when, expected):
    assert next_change(VENUE, when) == expected


def test_next_change_skips_closed_dates():
    s = schedule("opening_hours: 09:00-18:00\n", "closed_dates: [2025-06-03..2025-06-05]")
    assert next_change(s, at(MON, 18)) == at(FRI, 9)


def test_ranges_that_touch_across_midnight_are_one_opening():
    s = schedule("opening_hours:\n  mon: 20:00-24:00\n  tue: 00:00-03:00\n")
    assert next_change(s, at(MON, 21)) == at(TUE, 3)


def test_next_change_is_none_when_nothing_changes():
    assert next_change(schedule_from(None), at(MON, 12)) is None
    assert next_change(schedule_from(WeeklyHours(((),) * 7)), at(MON, 12)) is None


def test_a_long_closure_is_found_beyond_a_week():
    s = schedule("opening_hours: 09:00-18:00\n", "closed_dates: [2025-06-03..2025-08-31]")
    assert next_change(s, at(MON, 18)) == at(date(2025, 9, 1), 9)


WEEKS = st.lists(
    st.lists(st.tuples(st.integers(0, 95), st.integers(1, 96)).filter(lambda r: r[0] != r[1]),
             max_size=3),
    min_size=7, max_size=7)


@given(WEEKS, st.datetimes(min_value=datetime(2024, 1, 1), max_value=datetime(2026, 1, 1)),
       st.sets(st.dates(min_value=date(2024, 1, 1), max_value=date(2026, 2, 1)), max_size=20))
def test_next_change_is_the_first_moment_the_answer_flips(week, when, closed):
    """Quarter-hour grid: the state holds until next_change and flips there."""
    hours = WeeklyHours(tuple(tuple(TimeRange(a * 15, b * 15 if b < 96 else 1440)
                                    for a, b in day) for day in week))
    s = Schedule(hours, frozenset(closed))
    when = when.replace(second=0, microsecond=0)
    change = next_change(s, when)
    state = is_open(s, when)
    if change is None:
        return
    assert change > when
    assert is_open(s, change) is not state
    assert is_open(s, change - timedelta(minutes=1)) is state
    t = when + timedelta(minutes=-when.minute % 15)
    for _ in range(3000):  # nothing flips before it (checked on the 15-minute grid)
        if t >= change:
            break
        assert is_open(s, t) is state
        t += timedelta(minutes=15)


# -- exhibit dates ---------------------------------------------------------------------


def test_exhibit_active_includes_both_days():
    assert exhibit_active(None, None, MON)
    assert not exhibit_active(TUE, None, MON)
    assert exhibit_active(TUE, THU, TUE) and exhibit_active(TUE, THU, THU)
    assert not exhibit_active(TUE, THU, FRI)
    assert exhibit_active(None, MON, at(MON, 23, 59))


def test_exhibit_date_fields_parse_and_point_at_mistakes():
    value, problems = read("from: 2025-06-01\n", EXHIBIT_DATE_FIELDS["from"].parse)
    assert value == date(2025, 6, 1) and problems == []
    value, problems = read("until: 2025-02-30\n", EXHIBIT_DATE_FIELDS["until"].parse)
    assert value is Invalid
    assert str(problems[0]).startswith("config/kiosk.yaml:1:8: error: `2025-02-30` is not a date")
    ctx = Context("exhibits/a.yaml")
    node = parse("until: 2025-06-01\n", "a").root
    with pytest.raises(Invalid):
        check_exhibit_dates(ctx, node, THU, MON)
    assert "before `from`" in ctx.problems[0].message


# -- parsers ---------------------------------------------------------------------------


@pytest.mark.parametrize(("text", "expected"), [
    ("09:00-18:00", (TimeRange(540, 1080),)),
    ("9:00 - 18:00", (TimeRange(540, 1080),)),
    ("10:00-13:00, 14:00-20:00", (TimeRange(600, 780), TimeRange(840, 1200))),
    ("14:00-20:00, 10:00-13:00", (TimeRange(600, 780), TimeRange(840, 1200))),
    ("18:00-02:00", (TimeRange(1080, 120),)),
    ("[10:00-13:00, 14:00-20:00]", (TimeRange(600, 780), TimeRange(840, 1200))),
    ("closed", ()),
    ("open", ALL_DAY),
    ("00:00-24:00", ALL_DAY),
])
def test_day_hours(text, expected):
    value, problems = read(f"mon: {text}\n", day_hours)
    assert value == expected and problems == []


@pytest.mark.parametrize(("text", "message"), [
    ("9-18", "`9` is not a time of day"),
    ("from 9", "`from 9` is not a time range"),
    ("09:00-25:00", "`25:00` is not a time of day"),
    ("09:60-18:00", "`09:60` is not a time of day"),
    ("09:00-09:00", "opens and closes at the same time"),
    ("24:00-02:00", "starts at 24:00"),
])
def test_day_hours_mistakes_are_positioned(text, message):
    value, problems = read(f"mon: {text}\n", day_hours)
    assert value is Invalid
    assert problems[0].line == 1 and problems[0].col == 6
    assert message in problems[0].message


def test_overlapping_ranges_warn():
    value, problems = read("mon: 10:00-14:00, 13:00-18:00\n", day_hours)
    assert value is not Invalid
    assert [p.severity for p in problems] == ["warning"]


def test_opening_hours_precedence_and_unnamed_days():
    hours, problems = read("opening_hours:\n  weekdays: 09:00-17:00\n  daily: 10:00-16:00\n"
                           "  wednesday: closed\n", opening_hours)
    assert problems == []
    assert hours.days[0] == (TimeRange(540, 1020),)
    assert hours.days[2] == ()
    assert hours.days[5] == (TimeRange(600, 960),)
    hours, _ = read("opening_hours:\n  mon: 09:00-17:00\n", opening_hours)
    assert hours.days[1:] == ((),) * 6  # unnamed days are closed


def test_opening_hours_single_value_and_always():
    hours, _ = read("opening_hours: 09:00-17:00\n", opening_hours)
    assert hours.days == ((TimeRange(540, 1020),),) * 7
    hours, problems = read("opening_hours: always\n", opening_hours)
    assert hours is None and problems == []


def test_opening_hours_with_a_typo_falls_back_whole_and_says_where():
    value, problems = read("opening_hours:\n  mon: 09:00-18:00\n  tues: 09:00-18:00\n"
                           "  wed: 9 to 6\n", opening_hours)
    assert value is Invalid
    lines = [str(p) for p in problems]
    assert lines[0].startswith("config/kiosk.yaml:3:3: error: `tues` is not a day")
    assert "did you mean `tue`" in lines[0]
    assert lines[1].startswith("config/kiosk.yaml:4:8: error:")


def test_a_week_that_never_opens_warns():
    _, problems = read("opening_hours:\n  mon: closed\n", opening_hours)
    assert "closed every day" in problems[0].message


def test_closed_dates_with_ranges_and_mistakes():
    value, problems = read("closed_dates: [2025-12-25, 2025-12-31..2026-01-02, "
                           "2026-02-01 to 2026-02-02]\n", closed_dates)
    assert problems == []
    assert value == {date(2025, 12, 25), date(2025, 12, 31), date(2026, 1, 1),
                     date(2026, 1, 2), date(2026, 2, 1), date(2026, 2, 2)}
    value, problems = read("closed_dates:\n  - 25.12.2025\n  - 2026-01-05..2026-01-01\n",
                           closed_dates)
    assert value is Invalid
    assert [(p.line, p.col) for p in problems] == [(2, 5), (3, 5)]
    assert "not a date" in problems[0].message and "ends before" in problems[1].message


# -- OpeningState ----------------------------------------------------------------------


def test_opening_state_reports_transitions_once():
    state = OpeningState(VENUE)
    seen = []
    mono = 0.0
    wall = at(MON, 8, 58)
    for _ in range(6):  # 08:58 .. 09:03, a minute apart
        update = state.observe(wall, mono)
        seen.append((update.is_open, update.changed))
        wall = wall.replace(minute=wall.minute + 1) if wall.minute < 59 else \
            wall.replace(hour=wall.hour + 1, minute=0)
        mono += 60
    assert seen == [(False, True), (False, False), (True, True), (True, False),
                    (True, False), (True, False)]


def test_opening_state_open_closed_open():
    state = OpeningState(VENUE)
    flips = [state.observe(w, m).changed for w, m in [
        (at(MON, 17, 59), 0.0), (at(MON, 18, 0), 60.0), (at(TUE, 8, 59), 53_940.0),
        (at(TUE, 9, 0), 54_000.0)]]
    assert flips == [True, True, False, True]
    assert state.is_open


def test_opening_state_detects_a_wall_clock_jump_and_follows_the_new_time(caplog):
    """An NTP correction after days offline moves the wall clock by an hour: log it and
    answer for the new time; the monotonic side is not touched."""
    caplog.set_level(logging.WARNING, logger="kiosk.operations.hours")
    state = OpeningState(VENUE)
    assert state.observe(at(MON, 8, 30), 100.0).is_open is False
    update = state.observe(at(MON, 9, 30, 1), 101.0)  # one second later, an hour on
    assert update.clock_jump_s == pytest.approx(3600.0)
    assert update.is_open and update.changed
    back = state.observe(at(MON, 8, 30, 2), 102.0)  # and back again
    assert back.clock_jump_s == pytest.approx(-3600.0)
    assert not back.is_open and back.changed
    assert "jumped +3600 s" in caplog.text and "jumped -3600 s" in caplog.text


def test_small_drift_is_not_a_jump():
    state = OpeningState(VENUE)
    state.observe(at(MON, 10), 0.0)
    assert state.observe(at(MON, 10, 1, 30), 60.0).clock_jump_s is None  # 30 s of skew
