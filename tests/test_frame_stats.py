"""The dropped-frame count the status file and the frame-times benchmark report."""

from __future__ import annotations

from kiosk.playback.frame_stats import FrameStats

P = 1 / 60


def test_a_late_animated_frame_is_dropped_and_a_still_gap_is_not() -> None:
    stats = FrameStats(P)
    stats.presented(0.0, True)
    stats.presented(P, True)
    stats.presented(3 * P, True)  # a refresh missed while moving
    assert stats.dropped == 1
    stats.presented(3 * P + 5.0, False)  # a still photo is not presented each refresh
    assert stats.dropped == 1


def test_a_frame_on_time_with_nothing_new_is_not_a_dropped_frame() -> None:
    """Guards the reading figure: a clipping scrolled slower than a pixel a frame changes
    every other refresh, and the refreshes between (on time, nothing to present) were
    counted as dropped frames, half of every reading."""
    stats = FrameStats(P)
    for n in range(0, 120, 2):
        stats.presented(n * P, True)
        stats.unchanged((n + 1) * P, True)
    assert stats.dropped == 0 and stats.frames == 60
    stats.unchanged(125 * P, True)  # the loop itself came late: still a dropped frame
    assert stats.dropped == 1
