"""The playback state machine, driven by a fake clock: what a visitor would see on screen.

Timing rule under test: a step's duration counts from the start of its incoming
transition, so one loop lasts exactly the sum of the steps' durations.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.playback.timeline import Frame, Timeline
from kiosk.show.model import (
    NO_TEXT,
    Exhibit,
    Label,
    Photo,
    Sequence,
    Show,
    Step,
    Text,
    TextCard,
    Transition,
    Video,
    Where,
)

CUT = Transition("cut", 0.0)
FADE = Transition("crossfade", 1.0)
T0 = 1000.0  # monotonic clocks do not start at zero


def photo(name: str, d: float = 8.0, tr: Transition = CUT) -> Photo:
    return Photo(path=Path(f"/ex/{name}.jpg"), duration_s=d, transition=tr, fit="contain",
                 label=Label(), caption_position="bottom", where=Where("t.yaml", 1, 1))


def video(name: str, d: float | None = None, tr: Transition = CUT) -> Video:
    return Video(path=Path(f"/ex/{name}.mp4"), transition=tr, fit="contain", label=Label(),
                 caption_position="bottom", where=Where("t.yaml", 2, 1), duration_s=d)


def card(name: str, d: float = 5.0, tr: Transition = CUT) -> TextCard:
    return TextCard(title=Text({"": name}), body=NO_TEXT, duration_s=d, transition=tr,
                    where=Where(f"{name}.yaml", 3, 1))


def exhibit(name: str, *items) -> Exhibit:
    return Exhibit(file=Path(f"/ex/{name}.yaml"), title=Text({"": name}), items=items)


def ready(step: Step) -> str:
    return "ready"


class Readiness:
    """The decoder's answers: ready unless told otherwise per step key."""

    def __init__(self, **by_name: str) -> None:
        self.state: dict[str, str] = {}
        for name, answer in by_name.items():
            self.set(name, answer)

    def set(self, name: str, answer: str) -> None:
        self.state[name] = answer

    def __call__(self, step: Step) -> str:
        return self.state.get(step_name(step), "ready")


def step_name(step: Step) -> str:
    """A photo's or clip's file name without suffix; ``card:<title>`` for a card."""
    if isinstance(step, TextCard):
        return f"card:{step.title.get('', '')}"
    return Path(step.key).stem


def names(frame: Frame) -> tuple[str | None, str | None]:
    def n(step):
        return None if step is None else step_name(step)
    return n(frame.current), n(frame.previous)


ABC = Show((exhibit("A", photo("a1", 4), photo("a2", 4)), exhibit("B", photo("b1", 4))))


# -- order and loop ------------------------------------------------------------------------


def test_steps_play_in_order_and_the_show_loops_counting_loops():
    tl = Timeline(ABC, T0)
    seen = []
    for k in range(7):
        f = tl.tick(T0 + 4 * k, ready)
        seen.append((f.current_pos, f.exhibit_name, f.loop_count))
    assert seen == [
        ((0, 0), "A.yaml", 0), ((0, 1), "A.yaml", 0), ((1, 0), "B.yaml", 0),
        ((0, 0), "A.yaml", 1), ((0, 1), "A.yaml", 1), ((1, 0), "B.yaml", 1),
        ((0, 0), "A.yaml", 2),
    ]


def test_a_sequence_steps_through_each_of_its_photos():
    seq = Sequence((photo("s1", 3), photo("s2", 3), photo("s3", 3)), Where("s.yaml", 4, 1))
    tl = Timeline(Show((exhibit("S", card("intro", 2), seq),)), T0)
    got = [(names(tl.tick(T0 + t, ready))[0], tl.tick(T0 + t, ready).item_index)
           for t in (0, 2, 5, 8)]
    assert got == [("card:intro", 0), ("s1", 1), ("s2", 2), ("s3", 3)]


def test_empty_show_says_no_content_and_never_raises():
    tl = Timeline(Show(()), T0)
    tl.next(T0)
    tl.previous(T0)
    tl.jump(3, 3, T0)
    f = tl.tick(T0 + 1, ready)
    assert f.no_content and f.current is None and not f.waiting
    assert tl.prefetch() == [] and tl.next_change_s(T0) is None


# -- navigation ----------------------------------------------------------------------------


def test_next_and_previous_cross_exhibit_boundaries_and_wrap_both_ways():
    tl = Timeline(ABC, T0)
    tl.tick(T0, ready)
    tl.next(T0 + 1)
    assert tl.tick(T0 + 1, ready).current_pos == (0, 1)
    tl.next(T0 + 2)
    assert tl.tick(T0 + 2, ready).current_pos == (1, 0)  # into the next exhibit
    tl.next(T0 + 3)
    f = tl.tick(T0 + 3, ready)
    assert (f.current_pos, f.loop_count, f.direction) == ((0, 0), 1, 1)  # wrapped forward
    tl.previous(T0 + 3.5)
    f = tl.tick(T0 + 3.5, ready)
    assert (f.current_pos, f.direction) == ((1, 0), -1)  # wrapped backward
    tl.previous(T0 + 3.6)
    assert tl.tick(T0 + 3.6, ready).current_pos == (1, 0)  # a third of a second apart...
    assert tl.tick(T0 + 3.84, ready).current_pos == (0, 1)  # back into the earlier exhibit


def test_a_storm_of_taps_never_changes_the_picture_more_than_three_times_a_second():
    """Guards WCAG 2.3.1: twenty taps in a second were twenty cuts, a flashing screen.
    The last command still wins: the show ends up where the taps sent it."""
    from kiosk.playback.timeline import MIN_CHANGE_S

    tl = Timeline(ABC, T0)
    tl.tick(T0, ready)
    tl.set_auto_advance(False, T0)  # a visitor's taps, not the schedule, move it
    starts = []
    run = tl.tick(T0, ready).run_id
    for i in range(1, 121):  # 2 s of frames at 60 Hz, a tap on every third one at first
        t = T0 + 10 + i / 60
        if i % 3 == 0 and i <= 60:
            tl.next(t)
        f = tl.tick(t, ready)
        if f.run_id != run:
            run = f.run_id
            starts.append(t)
    assert len(starts) >= 3
    assert all(b - a >= MIN_CHANGE_S - 1e-9 for a, b in itertools.pairwise(starts))
    assert f.current_pos == (1, 0)  # 20 steps on from (0, 0) in a show of 3


def test_a_command_restarts_the_step_clock_from_the_command():
    tl = Timeline(ABC, T0)
    tl.tick(T0, ready)
    tl.next(T0 + 1.5)
    f = tl.tick(T0 + 2, ready)
    assert f.current_pos == (0, 1) and f.step_elapsed_s == pytest.approx(0.5)
    assert tl.tick(T0 + 5.49, ready).current_pos == (0, 1)
    assert tl.tick(T0 + 5.5, ready).current_pos == (1, 0)


def test_jump_goes_to_a_position_and_clamps_stale_indices():
    tl = Timeline(ABC, T0)
    tl.tick(T0, ready)
    tl.jump(1, 0, T0 + 1)
    assert tl.tick(T0 + 1, ready).current_pos == (1, 0)
    tl.jump(0, 99, T0 + 2)
    assert tl.tick(T0 + 2, ready).current_pos == (0, 1)
    tl.jump(-5, -5, T0 + 3)
    assert tl.tick(T0 + 3, ready).current_pos == (0, 0)


def test_starting_over_goes_to_the_first_step_from_its_start_even_when_on_it():
    """Opening time: the show from its beginning. Closed on its first step, a jump there
    changed nothing and its clock ran on from the day before: it was due at once."""
    tl = Timeline(ABC, T0)
    tl.tick(T0, ready)
    tl.jump(1, 0, T0 + 1)
    assert tl.tick(T0 + 1, ready).current_pos == (1, 0)
    tl.start_over(T0 + 2)
    frame = tl.tick(T0 + 2, ready)
    assert frame.current_pos == (0, 0) and frame.step_elapsed_s == 0.0
    tl.start_over(T0 + 50_000)  # closed on it overnight
    frame = tl.tick(T0 + 50_000, ready)
    assert frame.current_pos == (0, 0) and frame.step_elapsed_s == 0.0
    assert tl.tick(T0 + 50_001, ready).current_pos == (0, 0)  # shown for its time


def test_starting_over_on_a_first_clip_plays_it_again_from_its_start():
    """Closed on its first item, a clip: at opening it is a new run, so the player opens
    it again from its start, and the old run's late end does not move the show on."""
    v = video("interview")
    tl = Timeline(Show((exhibit("A", v, photo("b")),)), T0)
    before = tl.tick(T0, ready)
    tl.start_over(T0 + 50_000)
    frame = tl.tick(T0 + 50_000, ready)
    assert frame.current_pos == (0, 0) and frame.step_elapsed_s == 0.0
    assert frame.run_id != before.run_id
    tl.ended(v.key, T0 + 50_001, run_id=before.run_id)  # the clip closed last night
    assert tl.tick(T0 + 50_002, ready).current_pos == (0, 0)
    tl.ended(v.key, T0 + 50_090, run_id=frame.run_id)  # played to its end today
    assert tl.tick(T0 + 50_090, ready).current_pos == (0, 1)


def test_100_quick_nexts_go_straight_to_the_last_target_with_one_transition():
    """Guards against a backlog: each tap queuing its own fade after the previous one."""
    steps = [photo(f"p{i}", 8, FADE) for i in range(7)]
    tl = Timeline(Show((exhibit("A", *steps[:3]), exhibit("B", *steps[3:]))), T0)
    tl.tick(T0, ready)
    for k in range(100):
        tl.next(T0 + 1 + k * 0.001)
    f = tl.tick(T0 + 1.1, ready)
    assert f.current is steps[100 % 7]
    assert f.previous is steps[0] and f.transition is FADE  # one fade, from where we were
    assert f.loop_count == 100 // 7
    assert f.pending_target is None
    f = tl.tick(T0 + 2.2, ready)
    assert f.current is steps[100 % 7] and f.transition is None and f.previous is None


def test_100_quick_nexts_onto_a_pending_step_hold_then_go_there_once():
    steps = [photo(f"p{i}", 8, FADE) for i in range(7)]
    tl = Timeline(Show((exhibit("A", *steps),)), T0)
    r = Readiness(p2="pending")  # 100 % 7 == 2
    tl.tick(T0, r)
    for k in range(100):
        tl.next(T0 + 1 + k * 0.001)
    f = tl.tick(T0 + 1.5, r)
    assert f.current is steps[0] and f.pending_target is steps[2]
    assert f.pending_target_pos == (0, 2) and f.transition is None
    r.set("p2", "ready")
    f = tl.tick(T0 + 3, r)
    assert (f.current, f.previous, f.progress) == (steps[2], steps[0], 0.0)


def test_a_command_during_a_transition_finishes_it_and_starts_the_next_from_its_target():
    steps = [photo(f"p{i}", 8, FADE) for i in range(4)]
    tl = Timeline(Show((exhibit("A", *steps),)), T0)
    tl.tick(T0, ready)
    tl.next(T0 + 1)
    f = tl.tick(T0 + 1.5, ready)
    assert (f.current, f.previous, f.progress) == (steps[1], steps[0], 0.5)
    tl.next(T0 + 1.5)
    f = tl.tick(T0 + 1.5, ready)
    assert (f.current, f.previous, f.progress) == (steps[2], steps[1], 0.0)


# -- transitions ---------------------------------------------------------------------------


def test_crossfade_progress_is_half_at_its_midpoint_and_counts_in_the_steps_time():
    a, b = photo("a", 8, FADE), photo("b", 8, FADE)
    tl = Timeline(Show((exhibit("A", a, b),)), T0)
    f = tl.tick(T0, ready)
    assert f.current is a and f.transition is None and f.progress == 1.0  # first: no fade
    f = tl.tick(T0 + 8.5, ready)
    assert (f.current, f.previous, f.transition, f.progress) == (b, a, FADE, 0.5)
    assert f.step_elapsed_s == pytest.approx(0.5)
    f = tl.tick(T0 + 9, ready)
    assert (f.previous, f.transition, f.progress) == (None, None, 1.0)
    assert tl.tick(T0 + 15.99, ready).current is b
    assert tl.tick(T0 + 16, ready).current is a  # b's 8 s include its 1 s fade


def test_a_cut_or_zero_length_transition_completes_at_once():
    a, b, c = photo("a", 2), photo("b", 2, Transition("crossfade", 0.0)), photo("c", 2)
    tl = Timeline(Show((exhibit("A", a, b, c),)), T0)
    tl.tick(T0, ready)
    for t, step in ((2, b), (4, c)):
        f = tl.tick(T0 + t, ready)
        assert (f.current, f.previous, f.transition, f.progress) == (step, None, None, 1.0)


def test_slide_backwards_says_so():
    tl = Timeline(Show((exhibit("A", photo("a", 8, Transition("slide", 0.5)),
                                photo("b", 8, Transition("slide", 0.5))),)), T0)
    tl.tick(T0, ready)
    tl.previous(T0 + 1)
    f = tl.tick(T0 + 1.25, ready)
    assert f.transition.kind == "slide" and f.direction == -1 and f.progress == 0.5


# -- pause -------------------------------------------------------------------------------


def test_pause_and_resume_keep_the_remaining_time():
    tl = Timeline(ABC, T0)
    tl.tick(T0, ready)
    tl.tick(T0 + 3, ready)
    tl.pause(T0 + 3)
    f = tl.tick(T0 + 33, ready)
    assert f.paused and f.current_pos == (0, 0) and f.step_elapsed_s == pytest.approx(3)
    assert tl.next_change_s(T0 + 33) is None
    tl.resume(T0 + 33)
    assert tl.next_change_s(T0 + 33) == pytest.approx(1)
    f = tl.tick(T0 + 33.99, ready)
    assert f.current_pos == (0, 0) and not f.paused
    assert tl.tick(T0 + 34, ready).current_pos == (0, 1)


def test_navigating_while_paused_shows_the_new_step_paused_at_its_start():
    tl = Timeline(ABC, T0)
    tl.tick(T0, ready)
    tl.pause(T0 + 1)
    tl.next(T0 + 2)
    f = tl.tick(T0 + 50, ready)
    assert f.current_pos == (0, 1) and f.paused and f.step_elapsed_s == 0
    tl.resume(T0 + 60)
    assert tl.tick(T0 + 63.9, ready).current_pos == (0, 1)
    assert tl.tick(T0 + 64, ready).current_pos == (1, 0)


# -- readiness -----------------------------------------------------------------------------


def test_the_first_step_waits_until_ready_then_shows_without_transition():
    a = photo("a", 8, FADE)
    tl = Timeline(Show((exhibit("A", a, photo("b")),)), T0)
    r = Readiness(a="pending")
    f = tl.tick(T0, r)
    assert f.waiting and f.current is None and f.pending_target is a and not f.no_content
    r.set("a", "ready")
    f = tl.tick(T0 + 2, r)
    assert (f.current, f.transition, f.waiting, f.step_elapsed_s) == (a, None, False, 0)
    assert tl.tick(T0 + 9.9, r).current is a  # its time starts when it appears


def test_a_pending_next_step_holds_the_current_one_then_fades_when_ready():
    """Guards against the black gap between items when a decode is late."""
    a, b = photo("a", 8, FADE), photo("b", 8, FADE)
    tl = Timeline(Show((exhibit("A", a, b),)), T0)
    r = Readiness(b="pending")
    tl.tick(T0, r)
    for t in (8, 9, 12):
        f = tl.tick(T0 + t, r)
        assert (f.current, f.previous, f.transition) == (a, None, None)
        assert f.finished and f.step_progress == 1.0 and f.pending_target is b
    assert tl.next_change_s(T0 + 12) == 0.0  # keep polling the decoder
    r.set("b", "ready")
    f = tl.tick(T0 + 12.5, r)
    assert (f.current, f.previous, f.progress, f.step_elapsed_s) == (b, a, 0.0, 0.0)
    assert tl.tick(T0 + 13, r).progress == 0.5
    assert tl.tick(T0 + 20.49, r).current is b
    assert tl.tick(T0 + 20.5, r).current is a  # b got its full 8 s


def test_failed_steps_are_skipped():
    tl = Timeline(ABC, T0)
    r = Readiness(a2="failed")
    tl.tick(T0, r)
    assert tl.tick(T0 + 4, r).current_pos == (1, 0)
    tl.previous(T0 + 5)
    assert tl.tick(T0 + 5, r).current_pos == (0, 0)  # backwards too


def test_a_current_step_that_fails_is_left_at_once():
    tl = Timeline(ABC, T0)
    r = Readiness()
    tl.tick(T0, r)
    r.set("a1", "failed")
    assert tl.tick(T0 + 1, r).current_pos == (0, 1)


def test_all_steps_failed_says_no_content_and_recovers():
    tl = Timeline(ABC, T0)
    r = Readiness(a1="failed", a2="failed", b1="failed")
    f = tl.tick(T0, r)
    assert f.no_content and f.current is None and not f.waiting
    r.set("b1", "ready")
    f = tl.tick(T0 + 1, r)
    assert f.current_pos == (1, 0) and not f.no_content and f.transition is None


def test_everything_failing_while_showing_says_no_content():
    tl = Timeline(ABC, T0)
    r = Readiness()
    tl.tick(T0, r)
    for name in ("a1", "a2", "b1"):
        r.set(name, "failed")
    f = tl.tick(T0 + 4, r)
    assert f.no_content and f.current is None


def test_a_single_step_show_restarts_itself():
    v = video("v", 10)
    tl = Timeline(Show((exhibit("A", v),)), T0)
    first = tl.tick(T0, ready).run_id
    f = tl.tick(T0 + 10, ready)
    assert f.current is v and f.loop_count == 1 and f.run_id == first + 1


# -- videos and interactive mode --------------------------------------------------------------


def test_a_video_without_duration_plays_until_the_player_says_it_ended():
    v, p = video("v"), photo("p", 8)
    tl = Timeline(Show((exhibit("A", v, p),)), T0)
    f = tl.tick(T0, ready)
    assert tl.next_change_s(T0) is None
    f = tl.tick(T0 + 1000, ready)
    assert f.current is v and f.step_progress == 0 and not f.finished
    tl.ended("/ex/other.mp4", T0 + 1000)  # not ours
    tl.ended(v.key, T0 + 1000.5, run_id=f.run_id + 7)  # an earlier run's report
    assert tl.tick(T0 + 1000.6, ready).current is v
    tl.ended(v.key, T0 + 1000.75, run_id=f.run_id)
    f = tl.tick(T0 + 1001, ready)
    assert f.current is p and f.step_elapsed_s == pytest.approx(0.25)


def test_a_video_with_a_duration_ends_by_itself_or_earlier_when_it_fails():
    v = video("v", 20)
    tl = Timeline(Show((exhibit("A", v, photo("p")),)), T0)
    tl.tick(T0, ready)
    assert tl.tick(T0 + 19.9, ready).current is v
    assert tl.tick(T0 + 20, ready).current_pos == (0, 1)
    tl.jump(0, 0, T0 + 21)
    tl.tick(T0 + 21, ready)
    tl.ended(v.key, T0 + 25)
    assert tl.tick(T0 + 25, ready).current_pos == (0, 1)


def test_auto_advance_off_holds_photos_and_ended_videos_until_a_command():
    v = video("v")
    tl = Timeline(Show((exhibit("A", photo("a", 8), v, photo("b", 8)),)), T0)
    tl.tick(T0, ready)
    tl.set_auto_advance(False, T0 + 1)
    f = tl.tick(T0 + 100, ready)
    assert f.current_pos == (0, 0) and f.finished and not f.auto_advance
    assert tl.next_change_s(T0 + 100) is None
    tl.next(T0 + 100)
    tl.tick(T0 + 100, ready)
    tl.ended(v.key, T0 + 130)
    f = tl.tick(T0 + 200, ready)
    assert f.current is v and f.finished and f.step_progress == 1.0
    tl.set_auto_advance(True, T0 + 300)
    f = tl.tick(T0 + 300.5, ready)
    assert f.current_pos == (0, 2) and f.step_elapsed_s == pytest.approx(0.5)


# -- live reload ---------------------------------------------------------------------------


def test_reload_keeps_the_step_by_exhibit_file_and_key_without_restarting_it():
    tl = Timeline(ABC, T0)
    tl.tick(T0, ready)
    tl.jump(0, 1, T0 + 1)
    before = tl.tick(T0 + 2, ready)
    new = Show((exhibit("NEW", photo("n1")),
                exhibit("A", photo("a0"), photo("a1", 4), photo("a2", 6)),
                exhibit("B", photo("b1", 4))))
    tl.replace_show(new, T0 + 2)
    f = tl.tick(T0 + 3, ready)
    assert f.current_pos == (1, 2) and f.run_id == before.run_id
    assert f.step_elapsed_s == pytest.approx(2)
    assert f.current is new.exhibits[1].steps[2]  # the new duration applies
    assert tl.tick(T0 + 6.9, ready).current_pos == (1, 2)
    assert tl.tick(T0 + 7, ready).current_pos == (2, 0)


def test_reload_that_removed_the_step_hands_over_to_the_clamped_position():
    tl = Timeline(ABC, T0)
    tl.tick(T0, ready)
    tl.jump(0, 1, T0 + 1)
    tl.tick(T0 + 1, ready)
    new = Show((exhibit("A", photo("a1", 4)), exhibit("B", photo("b1", 4))))
    r = Readiness(a1="pending")
    tl.replace_show(new, T0 + 2)
    f = tl.tick(T0 + 2, r)
    assert names(f)[0] == "a2" and f.current_pos is None  # held, not blank
    assert f.exhibit_name == "A.yaml" and f.pending_target_pos == (0, 0)
    r.set("a1", "ready")
    assert tl.tick(T0 + 3, r).current_pos == (0, 0)


def test_a_step_held_after_a_bad_reload_resumes_its_time_when_it_comes_back():
    """Guards against a restart of the current step when a curator's edit is undone."""
    tl = Timeline(ABC, T0)
    first = tl.tick(T0, ready)
    r = Readiness(b1="pending")
    tl.replace_show(Show((exhibit("B", photo("b1", 4)),)), T0 + 1)
    assert tl.tick(T0 + 1, r).current_pos is None
    tl.replace_show(ABC, T0 + 2)
    f = tl.tick(T0 + 2, r)
    assert (f.current_pos, f.run_id, f.pending_target) == ((0, 0), first.run_id, None)
    assert f.step_elapsed_s == pytest.approx(2)


def test_reload_while_waiting_for_the_first_step_keeps_aiming_at_it():
    tl = Timeline(ABC, T0)
    r = Readiness(a1="pending", a2="pending", b1="pending")
    tl.tick(T0, r)
    tl.next(T0 + 1)
    tl.next(T0 + 1)
    tl.replace_show(Show((exhibit("NEW", photo("n1")), *ABC.exhibits)), T0 + 2)
    f = tl.tick(T0 + 2, r)
    assert f.waiting and f.pending_target_pos == (2, 0)


def test_reload_that_removed_the_exhibit_clamps_to_a_valid_exhibit():
    tl = Timeline(ABC, T0)
    tl.tick(T0, ready)
    tl.jump(1, 0, T0 + 1)
    tl.tick(T0 + 1, ready)
    tl.replace_show(Show((exhibit("A", photo("a1"), photo("a2")),)), T0 + 2)
    assert tl.tick(T0 + 2, ready).current_pos == (0, 0)
    tl.replace_show(Show(()), T0 + 3)
    f = tl.tick(T0 + 3, ready)
    assert f.no_content and f.current is None
    tl.replace_show(ABC, T0 + 4)
    assert tl.tick(T0 + 4, ready).current_pos == (0, 0)


# -- prefetch and sleeping ----------------------------------------------------------------------


def test_prefetch_order_is_current_next_previous_after_next():
    steps = [photo(f"p{i}") for i in range(6)]
    tl = Timeline(Show((exhibit("A", *steps[:3]), exhibit("B", *steps[3:]))), T0)
    tl.tick(T0, ready)
    assert tl.prefetch() == [steps[0], steps[1], steps[5], steps[2]]
    tl.next(T0 + 1)
    tl.next(T0 + 1)
    pending = Readiness(p2="pending")
    tl.tick(T0 + 1, pending)
    # going to p2: it comes first, then what is on screen, then its neighbours
    assert tl.prefetch(n_ahead=1, n_behind=1) == [steps[2], steps[0], steps[3], steps[1]]


def test_next_change_says_when_to_wake():
    tl = Timeline(Show((exhibit("A", photo("a", 8, FADE), photo("b", 8, FADE)),)), T0)
    assert tl.next_change_s(T0) == 0.0  # waiting for the first step
    tl.tick(T0, ready)
    assert tl.next_change_s(T0 + 3) == pytest.approx(5)
    tl.tick(T0 + 8.2, ready)
    assert tl.next_change_s(T0 + 8.2) == 0.0  # a fade is running


def test_a_step_due_on_a_frame_starts_on_the_frame_predicted_for_it():
    """Guards the cut from one pan to the next: a 20 s step at 60 Hz is due on a frame,
    whose time (a sum of periods, as the pacer keeps it) rounds either side of the due
    time. Rounded below, the change came one frame after the one its first frames were
    made for, and the pan's next frame was drawn on the render thread (a dropped frame)."""
    from kiosk.playback.pacing import Pacer
    from kiosk.playback.timeline import first_frame_s
    from tests.test_pacing import FakeTime

    period = 1 / 60
    rounded_below = 0
    for k in range(40):
        time_ = FakeTime()
        time_.t = T0 + 0.0137 * k
        pacer = Pacer(time_.clock, time_.sleep)
        tl = Timeline(Show((exhibit("A", photo("a", 20), photo("b", 20)),)), T0)
        at = pacer.wait(60)
        assert names(tl.tick(at, ready))[0] == "a"
        due = at + 20
        predicted = None
        while True:
            at = pacer.wait(60)
            frame = tl.tick(at, ready)
            if names(frame)[0] == "b":
                break
            wait = tl.next_change_s(at)
            if wait is not None and wait < 0.1:
                predicted = first_frame_s(wait, period)
        rounded_below += at < due
        assert predicted is not None
        assert frame.step_elapsed_s == pytest.approx(predicted, abs=1e-9)
        assert frame.step_elapsed_s < 1e-6  # due on a frame: it starts on that frame
    assert rounded_below > 0  # the case this guards came up


# -- time: days of show, no drift --------------------------------------------------------------

DURATIONS = (7.3, 2.9, 11.1, 0.7, 5.05, 3.3)


def long_show() -> tuple[Show, list[tuple[int, int]]]:
    tr = Transition("crossfade", 1.5)  # longer than the 0.7 s step: cut short, still exact
    a = exhibit("A", photo("d0", DURATIONS[0], tr), photo("d1", DURATIONS[1], tr))
    b = exhibit("B", Sequence((photo("d2", DURATIONS[2], tr), photo("d3", DURATIONS[3], tr)),
                              Where("b.yaml", 1, 1)), card("d4", DURATIONS[4], tr))
    c = exhibit("C", video("d5", DURATIONS[5], tr))
    return Show((a, b, c)), [(0, 0), (0, 1), (1, 0), (1, 1), (1, 2), (2, 0)]


LONG_SHOW, LONG_POSITIONS = long_show()
PREFIX = [math.fsum(DURATIONS[:i]) for i in range(len(DURATIONS) + 1)]


def closed_form(elapsed: float) -> tuple[tuple[int, int], int, float]:
    """Position, loop count and distance to the nearest step boundary, computed directly."""
    loop = PREFIX[-1]
    loops = math.floor(elapsed / loop)
    r = elapsed - loops * loop
    i = bisect.bisect_right(PREFIX, r) - 1
    margin = min(r - PREFIX[i], PREFIX[i + 1] - r)
    return LONG_POSITIONS[i], loops, margin


def check_against_closed_form(frame: Frame, now: float) -> bool:
    pos, loops, margin = closed_form(now - T0)
    if margin < 1e-6:
        return False  # too close to a boundary to tell rounding from drift
    assert (frame.current_pos, frame.loop_count) == (pos, loops), now - T0
    return True


def test_24_hours_of_coarse_ticks_land_where_the_closed_form_says():
    tl = Timeline(LONG_SHOW, T0)
    rng = random.Random(7)
    now = T0
    checked = 0
    day = 24 * 3600
    next_check = 0.0
    while now - T0 < day:
        frame = tl.tick(now, ready)
        if now - T0 >= next_check:
            checked += check_against_closed_form(frame, now)
            next_check += 3600
        now += rng.uniform(1.0, 6.0)  # late, irregular ticks must not shift the schedule
    frame = tl.tick(now, ready)
    assert check_against_closed_form(frame, now)
    assert checked >= 20


def test_60hz_ticks_match_the_closed_form_every_frame():
    tl = Timeline(LONG_SHOW, T0)
    for k in range(60 * 120):
        now = T0 + k / 60
        check_against_closed_form(tl.tick(now, ready), now)


def test_a_single_tick_a_day_later_catches_up_exactly():
    """Guards against a frozen screen or a minutes-long fast-forward after the PC slept."""
    tl = Timeline(LONG_SHOW, T0)
    tl.tick(T0, ready)
    for now in (T0 + 86400.123, T0 + 3 * 86400 + 17.77):
        frame = tl.tick(now, ready)
        assert check_against_closed_form(frame, now)
        assert frame.transition is None


# -- properties -----------------------------------------------------------------------------

_TRANSITIONS = st.sampled_from([CUT, FADE, Transition("slide", 0.4), Transition("crossfade", 3)])
_DUR = st.sampled_from([0.5, 1.0, 2.5, 8.0])


@st.composite
def shows(draw) -> Show:
    exhibits = []
    for e in range(draw(st.integers(0, 3))):
        items = []
        for i in range(draw(st.integers(0, 3))):
            kind = draw(st.sampled_from(["photo", "video", "card", "seq"]))
            name = f"e{e}i{i}"
            tr = draw(_TRANSITIONS)
            if kind == "photo":
                items.append(photo(name, draw(_DUR), tr))
            elif kind == "video":
                items.append(video(name, draw(st.none() | _DUR), tr))
            elif kind == "card":
                items.append(card(name, draw(_DUR), tr))
            else:
                items.append(Sequence(tuple(photo(f"{name}s{k}", draw(_DUR), tr)
                                            for k in range(draw(st.integers(1, 3)))),
                                      Where("s.yaml", 1, 1)))
        exhibits.append(exhibit(f"x{draw(st.integers(0, 4))}", *items))
    return Show(tuple(exhibits))


_COMMANDS = st.one_of(
    st.tuples(st.sampled_from(["next", "previous", "pause", "resume", "tick", "tick", "tick"])),
    st.tuples(st.just("jump"), st.integers(-1, 4), st.integers(-1, 4)),
    st.tuples(st.just("auto"), st.booleans()),
    st.tuples(st.just("ready"), st.integers(0, 12),
              st.sampled_from(["ready", "pending", "failed"])),
    st.tuples(st.just("ended")),
    st.tuples(st.just("reload"), shows()),
)


def check_frame(tl: Timeline, frame: Frame, answers: dict[str, str]) -> None:
    playable = tl.show.playable
    assert 0.0 <= frame.progress <= 1.0
    assert 0.0 <= frame.step_progress <= 1.0
    assert frame.step_elapsed_s >= 0.0
    for pos, step in ((frame.current_pos, frame.current),
                      (frame.pending_target_pos, frame.pending_target)):
        if pos is not None:
            e, s = pos
            assert 0 <= e < len(playable) and 0 <= s < len(playable[e].steps)
            assert playable[e].steps[s] is step
    if frame.current_pos is not None:
        assert frame.item_index == frame.current_pos[1]
    if frame.transition is None:
        assert frame.progress == 1.0 and frame.previous is None
    if frame.no_content:
        assert frame.current is None
        assert all(answers.get(s.key, "ready") == "failed" for x in playable for s in x.steps)
    if frame.current is None and not frame.no_content:
        assert frame.waiting
    if frame.current is not None:
        assert frame.current.key in {step.key for step in tl.prefetch()}


@settings(max_examples=100, deadline=None)
@given(show=shows(), commands=st.lists(st.tuples(_COMMANDS, st.floats(0, 10)), max_size=40))
def test_random_commands_never_raise_and_keep_frames_valid(show, commands):
    now = T0
    tl = Timeline(show, now)
    answers: dict[str, str] = {}

    def readiness(step: Step) -> str:
        return answers.get(step.key, "ready")

    shown = False
    for command, dt in commands:
        now += dt
        name, *args = command
        all_keys = [s.key for x in tl.show.playable for s in x.steps]
        if name in ("next", "previous", "pause", "resume"):
            getattr(tl, name)(now)
        elif name == "jump":
            tl.jump(args[0], args[1], now)
        elif name == "auto":
            tl.set_auto_advance(args[0], now)
        elif name == "ready" and all_keys:
            answers[all_keys[args[0] % len(all_keys)]] = args[1]
        elif name == "ended":
            frame = tl.tick(now, readiness)
            if frame.current is not None:
                tl.ended(frame.current.key, now)
        elif name == "reload":
            tl.replace_show(args[0], now)
        frame = tl.tick(now, readiness)
        check_frame(tl, frame, answers)
        if frame.current is not None:
            shown = True
        elif shown and not frame.no_content:
            # once something was on screen, only "nothing left to show" may blank it
            assert not tl.show.playable or frame.pending_target is not None
        assert tl.next_change_s(now) is None or tl.next_change_s(now) >= 0
