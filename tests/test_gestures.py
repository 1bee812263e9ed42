"""Gesture recogniser and pygame pointer adapter, driven by scripted event streams."""

from __future__ import annotations

import math

import pygame
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kiosk.show.settings import Touch
from kiosk.visitor.gestures import (
    MAX_POINTERS,
    STALE_S,
    DoubleTap,
    Drag,
    DragEnd,
    DragStart,
    Gesture,
    GestureRecognizer,
    LongPress,
    Pan,
    Pinch,
    PinchEnd,
    PointerCancel,
    PointerDown,
    PointerEvent,
    PointerMove,
    PointerUp,
    Swipe,
    Tap,
)
from kiosk.visitor.touch_input import TOUCH_SHADOW_S, TouchMemory, from_pygame

TOUCH = Touch(swipe_distance=0.06, swipe_time_s=0.8, tap_slop=0.02, long_press_s=0.8,
              double_tap_s=0.3)
ASPECT = 16 / 9


def recognizer() -> GestureRecognizer:
    return GestureRecognizer(TOUCH, ASPECT)


def run(rec: GestureRecognizer, events: list[PointerEvent]) -> list[Gesture]:
    out: list[Gesture] = []
    for e in events:
        out.extend(rec.feed(e))
    return out


def of(kind: type, gestures: list[Gesture]) -> list:
    return [g for g in gestures if isinstance(g, kind)]


def stroke(x0: float, y0: float, x1: float, y1: float, t0: float, duration: float,
           steps: int = 10, pid: int = 1) -> list[PointerEvent]:
    """A finger landing at (x0, y0) and moving in a straight line, released at (x1, y1)."""
    events: list[PointerEvent] = [PointerDown(pid, x0, y0, t0)]
    for i in range(1, steps + 1):
        k = i / steps
        events.append(PointerMove(pid, x0 + (x1 - x0) * k, y0 + (y1 - y0) * k,
                                  t0 + duration * k))
    events.append(PointerUp(pid, x1, y1, t0 + duration))
    return events


def tap(x: float, y: float, t: float, pid: int = 1, hold: float = 0.08) -> list[PointerEvent]:
    return [PointerDown(pid, x, y, t), PointerUp(pid, x, y, t + hold)]


# -- taps --------------------------------------------------------------------------------


def test_tap_is_emitted_on_release_at_the_landing_point():
    rec = recognizer()
    assert rec.feed(PointerDown(1, 0.5, 0.5, 10.0)) == []
    assert rec.feed(PointerUp(1, 0.5, 0.5, 10.1)) == [Tap(0.5, 0.5, 10.1)]


def test_tap_with_small_jitter_is_still_a_tap():
    """Guards against a shaky finger (well under tap_slop) losing its tap."""
    rec = recognizer()
    out = run(rec, [PointerDown(1, 0.5, 0.5, 0.0), PointerMove(1, 0.508, 0.49, 0.03),
                    PointerMove(1, 0.495, 0.51, 0.06), PointerUp(1, 0.505, 0.505, 0.1)])
    assert out == [Tap(0.5, 0.5, 0.1)]


def test_movement_beyond_slop_is_not_a_tap_even_if_it_comes_back():
    rec = recognizer()
    out = run(rec, [PointerDown(1, 0.5, 0.5, 0.0), PointerMove(1, 0.53, 0.5, 0.05),
                    PointerMove(1, 0.5, 0.5, 0.1), PointerUp(1, 0.5, 0.5, 0.15)])
    assert of(Tap, out) == []
    assert of(Swipe, out) == []


def test_vertical_slop_counts_in_physical_units():
    """0.03 of the height is 0.017 widths on a 16:9 screen: still within a 0.02 slop."""
    rec = recognizer()
    out = run(rec, [PointerDown(1, 0.5, 0.5, 0.0), PointerMove(1, 0.5, 0.53, 0.05),
                    PointerUp(1, 0.5, 0.53, 0.1)])
    assert of(Tap, out) == [Tap(0.5, 0.5, 0.1)]


def test_quick_double_tap_gives_tap_tap_and_double_tap():
    rec = recognizer()
    out = run(rec, tap(0.5, 0.5, 0.0) + tap(0.51, 0.5, 0.25))
    assert out == [Tap(0.5, 0.5, 0.08), Tap(0.51, 0.5, 0.33), DoubleTap(0.51, 0.5, 0.33)]


def test_two_slow_taps_are_two_taps_and_no_double_tap():
    rec = recognizer()
    # the second lands 0.32 s after the first release: beyond double_tap_s
    out = run(rec, tap(0.5, 0.5, 0.0) + tap(0.5, 0.5, 0.40))
    assert [(g.x, g.y, g.t) for g in of(Tap, out)] == [(0.5, 0.5, 0.08),
                                                       (0.5, 0.5, pytest.approx(0.48))]
    assert of(DoubleTap, out) == []


def test_two_quick_taps_far_apart_are_not_a_double_tap():
    """Guards against two visitors tapping both edges being read as a zoom."""
    rec = recognizer()
    out = run(rec, tap(0.1, 0.5, 0.0) + tap(0.9, 0.5, 0.15))
    assert len(of(Tap, out)) == 2
    assert of(DoubleTap, out) == []
    # just beyond 3 × tap_slop is also too far
    rec = recognizer()
    out = run(rec, tap(0.5, 0.5, 0.0) + tap(0.5 + 3 * TOUCH.tap_slop + 0.005, 0.5, 0.15))
    assert of(DoubleTap, out) == []


def test_triple_tap_is_one_double_tap_then_a_fresh_tap():
    rec = recognizer()
    out = run(rec, tap(0.5, 0.5, 0.0) + tap(0.5, 0.5, 0.2) + tap(0.5, 0.5, 0.4))
    assert len(of(Tap, out)) == 3
    assert len(of(DoubleTap, out)) == 1


# -- long press --------------------------------------------------------------------------


def test_long_press_fires_once_from_tick_and_suppresses_the_tap():
    rec = recognizer()
    rec.feed(PointerDown(1, 0.3, 0.4, 0.0))
    assert rec.tick(0.5) == []
    assert rec.tick(0.79) == []
    assert rec.tick(0.8) == [LongPress(0.3, 0.4, 0.8)]
    assert rec.tick(0.9) == []
    assert rec.tick(2.0) == []
    assert rec.feed(PointerUp(1, 0.3, 0.4, 2.1)) == []


def test_long_press_fires_from_the_release_when_no_tick_came():
    rec = recognizer()
    out = run(rec, [PointerDown(1, 0.3, 0.4, 0.0), PointerUp(1, 0.3, 0.4, 1.2)])
    assert out == [LongPress(0.3, 0.4, 1.2)]


def test_a_finger_that_strayed_never_long_presses():
    rec = recognizer()
    run(rec, [PointerDown(1, 0.3, 0.4, 0.0), PointerMove(1, 0.35, 0.4, 0.1),
              PointerMove(1, 0.3, 0.4, 0.2)])
    assert of(LongPress, rec.tick(1.5)) == []


# -- swipes ------------------------------------------------------------------------------


@pytest.mark.parametrize(("x1", "y1", "direction"), [
    (0.3, 0.5, "left"), (0.7, 0.5, "right"), (0.5, 0.2, "up"), (0.5, 0.8, "down")])
def test_swipe_in_each_direction(x1, y1, direction):
    rec = recognizer()
    out = run(rec, stroke(0.5, 0.5, x1, y1, 0.0, 0.2))
    swipes = of(Swipe, out)
    assert len(swipes) == 1
    swipe = swipes[0]
    assert swipe.direction == direction
    expected = math.hypot(x1 - 0.5, (y1 - 0.5) / ASPECT)
    assert swipe.distance == pytest.approx(expected)
    assert swipe.speed == pytest.approx(expected / 0.2)
    assert of(Tap, out) == of(DragStart, out) == of(Drag, out) == []


def test_diagonal_swipe_takes_the_dominant_axis():
    rec = recognizer()
    out = run(rec, stroke(0.5, 0.5, 0.42, 0.56, 0.0, 0.2))  # 0.08 w left, 0.034 w down
    assert [s.direction for s in of(Swipe, out)] == ["left"]


def test_move_below_swipe_distance_is_a_drag_not_a_swipe():
    rec = recognizer()
    out = run(rec, stroke(0.5, 0.5, 0.46, 0.5, 0.0, 0.2))  # 0.04 < 0.06, beyond slop
    assert of(Swipe, out) == of(Tap, out) == []
    assert len(of(DragStart, out)) == 1 and len(of(DragEnd, out)) == 1
    assert sum(d.dx for d in of(Drag, out)) == pytest.approx(-0.04)


def test_vertical_swipe_threshold_is_physical():
    """0.1 of the height is only 0.056 widths on 16:9: below a 0.06-width swipe."""
    rec = recognizer()
    out = run(rec, stroke(0.5, 0.5, 0.5, 0.4, 0.0, 0.2))
    assert of(Swipe, out) == []


def test_too_slow_is_a_drag_not_a_swipe():
    rec = recognizer()
    out = run(rec, stroke(0.5, 0.5, 0.2, 0.5, 0.0, 1.6, steps=16))
    assert of(Swipe, out) == of(Tap, out) == []
    assert out[0] == DragStart(0.5, 0.5, pytest.approx(0.9))
    assert isinstance(out[-1], DragEnd)
    assert len(of(DragStart, out)) == len(of(DragEnd, out)) == 1


def test_drag_deltas_sum_to_the_total_movement():
    rec = recognizer()
    events = [PointerDown(1, 0.2, 0.3, 0.0)]
    path = [(0.25, 0.31), (0.3, 0.35), (0.28, 0.42), (0.4, 0.45), (0.55, 0.5), (0.6, 0.48)]
    for i, (x, y) in enumerate(path):
        events.append(PointerMove(1, x, y, 0.3 * (i + 1)))
    events.append(PointerUp(1, 0.62, 0.47, 2.5))
    out = run(rec, events)
    drags = of(Drag, out)
    assert sum(d.dx for d in drags) == pytest.approx(0.62 - 0.2)
    assert sum(d.dy for d in drags) == pytest.approx(0.47 - 0.3)
    assert of(Swipe, out) == []


def test_drag_starts_from_tick_once_it_can_no_longer_be_a_swipe():
    rec = recognizer()
    run(rec, [PointerDown(1, 0.5, 0.5, 0.0), PointerMove(1, 0.45, 0.5, 0.1)])
    assert rec.tick(0.5) == []
    out = rec.tick(0.85)
    assert out[0] == DragStart(0.5, 0.5, 0.85)
    assert out[1] == Drag(pytest.approx(-0.05), 0.0, 0.85)


# -- two fingers -------------------------------------------------------------------------


def test_pinch_scales_multiply_to_the_distance_ratio():
    rec = recognizer()
    events: list[PointerEvent] = [PointerDown(1, 0.45, 0.5, 0.0), PointerDown(2, 0.55, 0.5, 0.02)]
    for i in range(1, 11):
        t = 0.02 + 0.05 * i
        events.append(PointerMove(1, 0.45 - 0.02 * i, 0.5 - 0.01 * i, t))
        events.append(PointerMove(2, 0.55 + 0.02 * i, 0.5 + 0.01 * i, t + 0.01))
    events += [PointerUp(1, 0.25, 0.4, 0.7), PointerUp(2, 0.75, 0.6, 0.71)]
    out = run(rec, events)
    pinches = of(Pinch, out)
    assert pinches
    product = math.prod(p.scale for p in pinches)
    initial = math.hypot(0.1, 0.0)
    final = math.hypot(0.5, 0.2 / ASPECT)
    assert product == pytest.approx(final / initial)
    assert pinches[-1].cx == pytest.approx(0.5) and pinches[-1].cy == pytest.approx(0.5)
    assert of(PinchEnd, out) == [PinchEnd(0.7)]
    assert of(Tap, out) == of(Swipe, out) == of(DragStart, out) == of(LongPress, out) == []


def test_two_finger_pan_moves_the_centre():
    rec = recognizer()
    events: list[PointerEvent] = [PointerDown(1, 0.4, 0.5, 0.0), PointerDown(2, 0.5, 0.5, 0.0)]
    for i in range(1, 6):
        t = 0.1 * i
        events.append(PointerMove(1, 0.4 + 0.03 * i, 0.5 - 0.02 * i, t))
        events.append(PointerMove(2, 0.5 + 0.03 * i, 0.5 - 0.02 * i, t))
    out = run(rec, events)
    pans = of(Pan, out)
    assert sum(p.dx for p in pans) == pytest.approx(0.15)
    assert sum(p.dy for p in pans) == pytest.approx(-0.10)
    assert math.prod(p.scale for p in of(Pinch, out)) == pytest.approx(1.0)


def test_lifting_one_of_two_fingers_gives_no_tap_for_the_other():
    """Guards against the finger left behind after a pinch acting as a tap or swipe."""
    rec = recognizer()
    out = run(rec, [PointerDown(1, 0.4, 0.5, 0.0), PointerDown(2, 0.6, 0.5, 0.05),
                    PointerUp(2, 0.6, 0.5, 0.1), PointerUp(1, 0.4, 0.5, 0.15)])
    assert out == [PinchEnd(0.1)]
    # nor a swipe or drag for the one left down
    rec = recognizer()
    pinch = [PointerDown(1, 0.4, 0.5, 0.0), PointerDown(2, 0.6, 0.5, 0.05),
             PointerUp(2, 0.6, 0.5, 0.1)]
    assert run(rec, [*pinch, *stroke(0.4, 0.5, 0.1, 0.5, 0.1, 0.1)[1:]]) == [PinchEnd(0.1)]
    # nor a long press
    rec = recognizer()
    assert run(rec, pinch) == [PinchEnd(0.1)]
    assert rec.tick(5.0) == []
    assert rec.feed(PointerUp(1, 0.4, 0.5, 5.1)) == []


def test_third_finger_is_ignored():
    rec = recognizer()
    out = run(rec, [PointerDown(1, 0.4, 0.5, 0.0), PointerDown(2, 0.6, 0.5, 0.0),
                    PointerDown(3, 0.1, 0.1, 0.05), PointerMove(3, 0.9, 0.9, 0.1),
                    PointerUp(3, 0.9, 0.9, 0.15)])
    assert out == []


def test_second_finger_ends_a_running_drag():
    rec = recognizer()
    out = run(rec, stroke(0.5, 0.5, 0.3, 0.5, 0.0, 1.0)[:-1])
    assert of(DragStart, out)
    out = rec.feed(PointerDown(2, 0.7, 0.5, 1.1))
    assert out == [DragEnd(pytest.approx(0.3), 0.5, 1.1)]


# -- robustness --------------------------------------------------------------------------


def test_pointer_down_for_a_pointer_already_down_restarts_it():
    rec = recognizer()
    out = run(rec, [PointerDown(1, 0.2, 0.2, 0.0), PointerDown(1, 0.7, 0.7, 0.5),
                    PointerUp(1, 0.7, 0.7, 0.6)])
    assert out == [Tap(0.7, 0.7, 0.6)]
    assert rec.tracked == 0


def test_cancel_gives_no_gesture():
    rec = recognizer()
    out = run(rec, [PointerDown(1, 0.2, 0.2, 0.0), PointerCancel(1, 0.1),
                    PointerUp(1, 0.2, 0.2, 0.2)])
    assert out == []
    assert rec.tracked == 0


def test_pointers_that_never_lift_are_dropped_and_bounded():
    """Guards against a lost finger-up growing the pointer table for days."""
    rec = recognizer()
    for i in range(50):
        rec.feed(PointerDown(i, 0.5, 0.5, i * 0.01))
        assert rec.tracked <= MAX_POINTERS
    rec.tick(0.5 + STALE_S + 1)
    assert rec.tracked == 0
    # and a fresh tap still works
    assert run(rec, tap(0.5, 0.5, 100.0, pid=99)) == [Tap(0.5, 0.5, 100.08)]


def test_hundred_taps_in_one_second_are_exactly_hundred_taps():
    """Guards against a tap storm queueing work or leaking state."""
    rec = recognizer()
    out: list[Gesture] = []
    for i in range(100):
        t = i * 0.01
        x = 0.1 + 0.8 * (i % 7) / 7
        out += rec.feed(PointerDown(i % 3, x, 0.5, t))
        out += rec.feed(PointerUp(i % 3, x, 0.5, t + 0.005))
        out += rec.tick(t + 0.006)
        assert rec.tracked == 0
    assert len(of(Tap, out)) == 100
    assert of(Swipe, out) == of(LongPress, out) == of(DragStart, out) == []


def test_non_finite_events_are_ignored():
    rec = recognizer()
    assert rec.feed(PointerDown(1, math.nan, 0.5, 0.0)) == []
    assert rec.feed(PointerDown(1, 0.5, 0.5, math.inf)) == []
    assert rec.tracked == 0
    assert rec.tick(math.nan) == []


# -- property ----------------------------------------------------------------------------

coord = st.floats(-0.2, 1.2, allow_nan=False)
pid = st.integers(0, 14)
step = st.floats(0.0, 2.0, allow_nan=False)
raw_event = st.one_of(
    st.tuples(st.just("down"), pid, coord, coord, step),
    st.tuples(st.just("move"), pid, coord, coord, step),
    st.tuples(st.just("up"), pid, coord, coord, step),
    st.tuples(st.just("cancel"), pid, coord, coord, step),
    st.tuples(st.just("tick"), pid, coord, coord, st.floats(0.0, 40.0, allow_nan=False)),
    st.tuples(st.just("back"), pid, coord, coord, st.floats(0.0, 5.0, allow_nan=False)),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(raw_event, max_size=120),
       st.floats(0.3, 4.0, allow_nan=False))
def test_random_streams_never_raise_never_nan_and_stay_bounded(stream, aspect):
    rec = GestureRecognizer(TOUCH, aspect)
    t = 0.0
    for kind, p, x, y, dt in stream:
        t = t - dt if kind == "back" else t + dt  # time may even step back
        if kind == "down":
            out = rec.feed(PointerDown(p, x, y, t))
        elif kind == "move":
            out = rec.feed(PointerMove(p, x, y, t))
        elif kind == "up":
            out = rec.feed(PointerUp(p, x, y, t))
        elif kind == "cancel":
            out = rec.feed(PointerCancel(p, t))
        else:
            out = rec.tick(t)
        for g in out:
            for value in vars(g).values():
                if isinstance(value, float):
                    assert math.isfinite(value), g
            if isinstance(g, Pinch):
                assert g.scale > 0
        assert rec.tracked <= MAX_POINTERS


# -- pygame adapter ----------------------------------------------------------------------

SIZE = (1920, 1080)


def finger(kind: int, x: float, y: float, fid: int = 0) -> pygame.event.Event:
    return pygame.event.Event(kind, x=x, y=y, dx=0.0, dy=0.0, touch_id=1, finger_id=fid,
                              pressure=1.0)


def mouse(kind: int, pos: tuple[int, int], touch: bool, button: int = 1,
          buttons: tuple[int, int, int] = (1, 0, 0)) -> pygame.event.Event:
    if kind == pygame.MOUSEMOTION:
        return pygame.event.Event(kind, pos=pos, rel=(0, 0), buttons=buttons, touch=touch)
    return pygame.event.Event(kind, pos=pos, button=button, touch=touch)


def adapt(events: list[tuple[pygame.event.Event, float]], memory: TouchMemory
          ) -> list[PointerEvent]:
    out: list[PointerEvent] = []
    for e, now in events:
        out += from_pygame(e, SIZE, now, memory)
    return out


def gestures_of(pointer_events: list[PointerEvent]) -> list[Gesture]:
    return run(recognizer(), pointer_events)


def test_touch_with_flagged_synthetic_mouse_is_one_tap():
    memory = TouchMemory()
    events = adapt([
        (finger(pygame.FINGERDOWN, 0.5, 0.5), 1.0),
        (mouse(pygame.MOUSEBUTTONDOWN, (960, 540), touch=True), 1.0),
        (finger(pygame.FINGERUP, 0.5, 0.5), 1.08),
        (mouse(pygame.MOUSEBUTTONUP, (960, 540), touch=True), 1.08),
    ], memory)
    assert all(e.source == "touch" for e in events)
    assert gestures_of(events) == [Tap(0.5, 0.5, 1.08)]


def test_touch_with_unflagged_synthetic_mouse_is_one_tap():
    """Guards against drivers that synthesise mouse events without the touch flag."""
    memory = TouchMemory()
    events = adapt([
        (finger(pygame.FINGERDOWN, 0.5, 0.5), 1.0),
        (mouse(pygame.MOUSEBUTTONDOWN, (960, 540), touch=False), 1.0),
        (finger(pygame.FINGERUP, 0.5, 0.5), 1.08),
        (mouse(pygame.MOUSEBUTTONUP, (960, 540), touch=False), 1.09),
    ], memory)
    assert gestures_of(events) == [Tap(0.5, 0.5, 1.08)]


def test_unflagged_synthetic_mouse_arriving_first_is_still_one_tap():
    memory = TouchMemory()
    events = adapt([
        (mouse(pygame.MOUSEBUTTONDOWN, (960, 540), touch=False), 1.0),
        (finger(pygame.FINGERDOWN, 0.5, 0.5), 1.0),
        (mouse(pygame.MOUSEBUTTONUP, (960, 540), touch=False), 1.08),
        (finger(pygame.FINGERUP, 0.5, 0.5), 1.08),
    ], memory)
    assert gestures_of(events) == [Tap(0.5, 0.5, 1.08)]


def test_real_mouse_click_is_a_tap_with_normalised_position():
    memory = TouchMemory()
    events = adapt([
        (mouse(pygame.MOUSEMOTION, (100, 100), touch=False, buttons=(0, 0, 0)), 5.0),
        (mouse(pygame.MOUSEBUTTONDOWN, (480, 270), touch=False), 5.0),
        (mouse(pygame.MOUSEBUTTONUP, (480, 270), touch=False), 5.1),
    ], memory)
    assert events == [PointerDown("mouse", 0.25, 0.25, 5.0, "mouse"),
                      PointerUp("mouse", 0.25, 0.25, 5.1, "mouse")]
    assert gestures_of(events) == [Tap(0.25, 0.25, 5.1)]


def test_mouse_right_button_and_wheel_are_ignored():
    memory = TouchMemory()
    assert adapt([(mouse(pygame.MOUSEBUTTONDOWN, (10, 10), False, button=3), 1.0),
                  (mouse(pygame.MOUSEBUTTONDOWN, (10, 10), False, button=4), 1.0),
                  (mouse(pygame.MOUSEBUTTONUP, (10, 10), False, button=3), 1.1)], memory) == []


def test_mouse_drag_swipes_after_the_touch_shadow():
    memory = TouchMemory()
    adapt([(finger(pygame.FINGERDOWN, 0.5, 0.5), 1.0), (finger(pygame.FINGERUP, 0.5, 0.5), 1.1)],
          memory)
    later = 1.1 + TOUCH_SHADOW_S + 0.1
    events = adapt([
        (mouse(pygame.MOUSEBUTTONDOWN, (960, 540), False), later),
        (mouse(pygame.MOUSEMOTION, (800, 540), False), later + 0.05),
        (mouse(pygame.MOUSEMOTION, (600, 540), False), later + 0.1),
        (mouse(pygame.MOUSEBUTTONUP, (600, 540), False), later + 0.15),
    ], memory)
    assert [g.direction for g in of(Swipe, gestures_of(events))] == ["left"]


def test_mouse_released_outside_the_window_is_cancelled():
    memory = TouchMemory()
    events = adapt([
        (mouse(pygame.MOUSEBUTTONDOWN, (960, 540), False), 1.0),
        (mouse(pygame.MOUSEMOTION, (900, 540), False, buttons=(0, 0, 0)), 1.5),
    ], memory)
    assert events[-1] == PointerCancel("mouse", 1.5, "mouse")


def test_two_fingers_have_distinct_pointer_ids():
    memory = TouchMemory()
    events = adapt([(finger(pygame.FINGERDOWN, 0.4, 0.5, fid=0), 1.0),
                    (finger(pygame.FINGERDOWN, 0.6, 0.5, fid=1), 1.0)], memory)
    assert events[0].id != events[1].id
