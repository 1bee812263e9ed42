"""The loop's pace: a steady rate from exact deadlines, without drift.

pygame's ``Clock.tick(60)`` waits whole milliseconds towards ``1000 // 60 = 16`` ms, so
the loop ran at 62.5 Hz: against a 60 fps clip that is one repeated frame every 0.4 s,
and any late frame then skips one. ``Pacer`` keeps deadlines at exact multiples of the
period, so the average rate is the asked one; a frame that comes late is not followed by
a rush to catch up (one more than a period late starts the count again from now).

``wait`` returns the frame's time: its deadline on the grid, not the moment the sleep
happened to end (or a late frame started). Everything that moves is drawn for that time,
so successive frames are exactly one period apart in the show's time: a pan's frames made
ahead for the coming deadlines are the frames then asked for, and a frame that starts a
few milliseconds late still shows where the show should be at its deadline.
``wait`` can return a little ahead of the deadline (``ahead_s``) and ``until`` sleeps
the rest: the loop draws the frame in that lead and presents it at its deadline. A draw
held up for a few milliseconds (a busy core, a pan frame still being made) then moves no
present; drawn from the deadline, it pushed its present later, and a present more than
half a period after its due time was a dropped frame.
Pure apart from the injected clock and sleep.
"""

from __future__ import annotations

import time
from collections.abc import Callable

# A frame is drawn this long before its deadline and presented at it: a draw held up by a
# busy core (or a pan frame still being made) for less then costs no refresh.
DRAW_LEAD_S = 0.007


def draw_lead_s(hz: float) -> float:
    """How long before its deadline a frame is drawn at ``hz``: ``DRAW_LEAD_S``, and
    under half a period on a fast display, so a present (3-9 ms under X) fits too."""
    return min(DRAW_LEAD_S, 0.45 / hz)


class Pacer:
    def __init__(self, clock: Callable[[], float] = time.monotonic,
                 sleep: Callable[[float], None] = time.sleep) -> None:
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None  # when the next frame may start
        self._period: float | None = None

    def wait(self, hz: float, ahead_s: float = 0.0) -> float:
        """Return ``ahead_s`` before the next frame's deadline for a loop running at
        ``hz`` (the time to draw it), with the frame's time (its deadline; now when the
        grid starts again)."""
        period = 1.0 / hz
        now = self._clock()
        # The first frame, or a new rate, counts from now.
        target = self._next if self._next is not None and period == self._period else (
            now + period)
        if now >= target + period:
            target = now  # a whole frame late: go on at once, then keep the pace from here
        else:
            self.until(target - ahead_s)
        self._next = target + period
        self._period = period
        return target

    def until(self, moment: float) -> None:
        """Sleep until ``moment`` (a frame drawn ahead goes up at its deadline); at once
        when it has passed."""
        now = self._clock()
        if now < moment:
            self._sleep(moment - now)
