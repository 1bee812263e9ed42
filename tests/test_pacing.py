"""The loop's pace: exact average rate, no rush after a late frame, no drift."""

from __future__ import annotations

import itertools

import pytest

from kiosk.playback.pacing import DRAW_LEAD_S, Pacer, draw_lead_s


class FakeTime:
    def __init__(self) -> None:
        self.t = 100.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.t

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.t += seconds


def run(pacer: Pacer, time_: FakeTime, works: list[float], hz: float = 60.0) -> list[float]:
    """Frame start times for frames whose own work takes ``works`` seconds each."""
    starts = []
    for work in works:
        pacer.wait(hz)
        starts.append(time_.t)
        time_.t += work
    return starts


def test_the_average_rate_is_the_asked_one_not_whole_milliseconds() -> None:
    t = FakeTime()
    starts = run(Pacer(t.clock, t.sleep), t, [0.003] * 601)
    assert starts[-1] - starts[0] == pytest.approx(10.0, abs=1e-9)  # 600 frames of 1/60 s
    gaps = [b - a for a, b in itertools.pairwise(starts)]
    assert max(gaps) == pytest.approx(1 / 60) and min(gaps) == pytest.approx(1 / 60)


def test_a_late_frame_keeps_the_grid_and_a_very_late_one_starts_it_again() -> None:
    t = FakeTime()
    period = 1 / 60
    starts = run(Pacer(t.clock, t.sleep), t, [0.002, 0.025, 0.002, 0.002, 0.050, 0.002, 0.002])
    grid = starts[0]
    # 25 ms of work: the next frame starts at once (8 ms late), the one after is on the grid.
    assert starts[2] == pytest.approx(starts[1] + 0.025)
    assert starts[3] == pytest.approx(grid + 3 * period)
    # 50 ms of work (three periods): no burst of frames to catch up; the pace restarts.
    assert starts[5] == pytest.approx(starts[4] + 0.050)
    assert starts[6] == pytest.approx(starts[5] + period)


def test_a_new_rate_counts_from_now() -> None:
    t = FakeTime()
    pacer = Pacer(t.clock, t.sleep)
    run(pacer, t, [0.001] * 3)
    before = t.t
    pacer.wait(2.0)  # closed: two frames a second
    assert t.t - before == pytest.approx(0.5)
    pacer.wait(2.0)
    assert t.t - before == pytest.approx(1.0)


def test_each_frame_is_given_its_deadline_so_frames_are_exactly_a_period_apart() -> None:
    """Guards a pan's frames made ahead: they are made for the coming deadlines, and a
    frame timed by when its sleep happened to end (or when a late one started) asked for
    a framing a little off every time, so none of them was used and the render thread
    made each frame itself, coming late again."""
    t = FakeTime()
    pacer = Pacer(t.clock, t.sleep)
    period = 1 / 60
    times = []
    for work in [0.003, 0.004, 0.022, 0.003, 0.003]:  # the third frame runs 5 ms over
        times.append(pacer.wait(60))
        t.t += 0.0007  # the sleep ends a little after the deadline
        t.t += work
    gaps = [b - a for a, b in itertools.pairwise(times)]
    assert gaps == pytest.approx([period] * 4, abs=1e-12)
    # A whole period late: the grid starts again from the frame's real start.
    t.t += 0.040
    late = pacer.wait(60)
    assert late == pytest.approx(t.t)


def test_a_frame_drawn_ahead_goes_up_at_its_deadline_whatever_its_draw_took() -> None:
    """The loop wakes ``ahead_s`` before each deadline to draw, then presents at the
    deadline: a draw held up by a busy core for less than the lead moves no present, and
    presents stay exactly a period apart. Drawn from the deadline instead, each such
    draw pushed its present later, and a present more than half a period later than the
    one before was a dropped frame."""
    t = FakeTime()
    pacer = Pacer(t.clock, t.sleep)
    period, ahead = 1 / 60, draw_lead_s(60)
    assert ahead == DRAW_LEAD_S == 0.007
    woke, presented = [], []
    for draw in [0.002, 0.0065, 0.002, 0.001, 0.0069, 0.002]:  # two draws held up 4-5 ms
        deadline = pacer.wait(60, ahead)
        woke.append(deadline - t.t)
        t.t += draw
        pacer.until(deadline)
        presented.append(t.t)
        assert t.t == pytest.approx(deadline)
        t.t += 0.004  # the present
    assert woke == pytest.approx([ahead] * 6)
    gaps = [b - a for a, b in itertools.pairwise(presented)]
    assert gaps == pytest.approx([period] * 5, abs=1e-12)
    # A draw longer than the lead is presented as soon as it is done, and the grid holds.
    deadline = pacer.wait(60, ahead)
    t.t += 0.010
    pacer.until(deadline)
    assert t.t == pytest.approx(deadline + 0.003)
    t.t += 0.004
    assert pacer.wait(60, ahead) == pytest.approx(deadline + period)


def test_on_a_fast_display_the_lead_leaves_room_for_the_present() -> None:
    """At 144 Hz a period is 6.9 ms: a 7 ms lead would draw each frame before the one
    before it was presented."""
    assert draw_lead_s(144) < 0.5 / 144
    assert draw_lead_s(2) == DRAW_LEAD_S  # closed: two frames a second
