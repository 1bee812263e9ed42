"""What a visitor's touch does, with a fake clock: modes, idle reset, language, PIN."""

from __future__ import annotations

import pytest

from kiosk.visitor import gestures as g
from kiosk.visitor import rules as v
from kiosk.visitor.layout import controls_layout, index_layout, pin_layout, zoom_layout
from kiosk.visitor.staff_lock import LOCK_STEPS_S

SIZE = (1920, 1080)
WALL = 1_800_000_000.0  # wall-clock seconds at now == 0, for the staff lock
W = v.RESET_WARNING_MIN_S  # the countdown shown before an idle reset


def make(idle: float = 60.0, pin: str | None = None) -> v.Visitor:
    return v.Visitor("en", ("en", "ru", "az"), idle, 0.3, staff_exit=pin is not None)


def ctx(now: float, **kw) -> v.Context:
    return v.Context(now=now, size=SIZE, wall=WALL + now, **kw)


def tap(x: float, y: float, t: float) -> g.Tap:
    return g.Tap(x, y, t)


def test_first_touch_enters_interactive_mode_and_stops_auto_advance():
    visitor = make()
    out = visitor.handle(tap(0.95, 0.5, 1.0), ctx(1.0))
    assert out == [v.SetAutoAdvance(False), v.Next()]
    assert visitor.mode == "interactive"
    assert visitor.handle(tap(0.02, 0.5, 2.0), ctx(2.0)) == [v.Previous()]


def test_edge_tap_acts_at_once_and_zooms_out_first():
    visitor = make()
    visitor.mode = "interactive"
    assert visitor.handle(tap(0.97, 0.5, 1.0), ctx(1.0, zoomed=True)) == [v.ZoomReset(), v.Next()]


def test_swipes_navigate_unless_zoomed():
    visitor = make()
    visitor.mode = "interactive"
    left = g.Swipe("left", 0.3, 2.0, 1.0)
    assert visitor.handle(left, ctx(1.0)) == [v.Next()]
    assert visitor.handle(g.Swipe("right", 0.3, 2.0, 1.1), ctx(1.1)) == [v.Previous()]
    (pan,) = visitor.handle(left, ctx(1.2, zoomed=True))
    assert isinstance(pan, v.PanBy) and pan.dx_px < 0


def test_middle_tap_toggles_controls_which_hide_by_themselves():
    visitor = make()
    visitor.handle(tap(0.5, 0.5, 1.0), ctx(1.0))
    assert visitor.controls_visible(1.5)
    visitor.tick(1.0 + v.CONTROLS_VISIBLE_S + 0.1)
    assert not visitor.controls_visible(1.0 + v.CONTROLS_VISIBLE_S + 0.1)
    visitor.handle(tap(0.5, 0.5, 10.0), ctx(10.0))
    visitor.handle(tap(0.5, 0.5, 11.0), ctx(11.0))
    assert not visitor.controls_visible(11.1)


def test_double_tap_zooms_in_where_touched_and_leaves_controls_as_they_were():
    visitor = make()
    visitor.mode = "interactive"
    # The recogniser sends tap, tap, double tap for one double tap.
    assert visitor.handle(tap(0.4, 0.3, 1.0), ctx(1.0)) == []
    assert visitor.controls_visible(1.0)  # the first tap shows the controls at once
    assert visitor.handle(tap(0.4, 0.3, 1.2), ctx(1.2)) == []
    out = visitor.handle(g.DoubleTap(0.4, 0.3, 1.2), ctx(1.2))
    assert out == [v.ZoomIn(0.4 * SIZE[0], 0.3 * SIZE[1])]
    assert not visitor.controls_visible(1.3)
    assert visitor.handle(g.DoubleTap(0.4, 0.3, 5.0), ctx(5.0, zoomed=True)) == [v.ZoomReset()]
    assert visitor.handle(g.DoubleTap(0.4, 0.3, 9.0), ctx(9.0, on_screen="video")) == []


def test_pinch_and_drag_on_a_photo():
    visitor = make()
    visitor.mode = "interactive"
    (zoom,) = visitor.handle(g.Pinch(1.5, 0.5, 0.5, 1.0), ctx(1.0))
    assert zoom == v.ZoomBy(1.5, 960.0, 540.0)
    assert visitor.handle(g.Drag(0.1, 0.0, 1.1), ctx(1.1)) == []  # not zoomed: nothing
    assert visitor.handle(g.Drag(0.1, 0.0, 1.2), ctx(1.2, zoomed=True)) == [v.PanBy(192.0, 0.0)]
    assert visitor.handle(g.Pinch(1.5, 0.5, 0.5, 1.3), ctx(1.3, on_screen="video")) == []


def test_language_chip_and_buttons_in_the_controls():
    visitor = make()
    visitor.mode = "interactive"
    elements = controls_layout(SIZE, 55.0, ["en", "ru", "az"], 5)
    by_id = {e.id: e for e in elements}
    visitor.controls_until = 100.0
    def press(element_id: str, now: float) -> list:
        cx, cy = by_id[element_id].rect.center
        return visitor.handle(tap(cx / SIZE[0], cy / SIZE[1], now), ctx(now, controls=elements))
    assert press("lang:ru", 1.0) == [v.SetLanguage("ru")]
    assert visitor.language == "ru"
    assert press("lang:ru", 1.5) == []  # already chosen
    assert press("pause", 2.0) == [v.TogglePause()]
    assert press("next", 3.0) == [v.ZoomReset(), v.Next()]
    assert press("index", 4.0) == []
    assert visitor.index_open and not visitor.controls_visible(4.0)


def test_index_tile_jumps_to_an_exhibit():
    visitor = make()
    visitor.mode = "interactive"
    visitor.index_open = True
    tiles = index_layout(SIZE, 55.0, 3)
    tile = next(e for e in tiles if e.id == "tile:2")
    cx, cy = tile.rect.center
    out = visitor.handle(tap(cx / SIZE[0], cy / SIZE[1], 1.0), ctx(1.0, index=tiles))
    assert out == [v.ZoomReset(), v.Jump(2)]
    assert not visitor.index_open


def test_idle_timeout_returns_to_the_loop_and_resets_the_language():
    visitor = make(idle=60.0)
    visitor.handle(tap(0.95, 0.5, 0.0), ctx(0.0))
    visitor.language = "ru"
    assert visitor.tick(59.9 + W) == []
    out = visitor.tick(60.0 + W)
    assert out == [v.SetLanguage("en"), v.ZoomReset(), v.Resume(), v.BackToLoop(),
                   v.SetAutoAdvance(True)]
    assert visitor.mode == "attract" and visitor.tick(500.0) == []


def test_idle_timer_waits_while_a_chosen_clip_plays():
    """The timer starts when the visitor's clip ends, not when it was chosen."""
    visitor = make(idle=60.0)
    visitor.handle(tap(0.95, 0.5, 0.0), ctx(0.0))
    visitor.step_changed("video", 0.5)
    assert visitor.tick(300.0) == []  # a five-minute interview
    visitor.step_changed("photo", 300.0)
    assert visitor.tick(359.0 + W) == []
    assert v.BackToLoop() in visitor.tick(360.0 + W)


def press_pin(visitor: v.Visitor, keys: str, now: float, right: str = "2468") -> list:
    """Keys on the pad ("k" is OK); each PIN sent for checking gets its verdict at once,
    as the controller's worker would give it a moment later."""
    pad = pin_layout(SIZE, 55.0)
    by_id = {e.id: e for e in pad}
    out = []
    for key in keys:
        element = by_id[{"k": "pin:ok", "c": "pin:cancel"}.get(key, f"pin:{key}")]
        cx, cy = element.rect.center
        for command in visitor.handle(tap(cx / SIZE[0], cy / SIZE[1], now), ctx(now, pin=pad)):
            out.append(command)
            if isinstance(command, v.CheckPin):
                out += visitor.pin_verdict(command.pin == right, WALL + now)
    return out


def open_pad(visitor: v.Visitor, now: float) -> None:
    visitor.handle(g.LongPress(0.03, 0.04, now), ctx(now))
    visitor.handle(g.LongPress(0.97, 0.96, now + 2.0), ctx(now + 2.0))


def test_staff_gesture_opens_the_pin_pad_and_the_right_pin_exits():
    visitor = make(pin="2468")
    open_pad(visitor, 1.0)
    assert visitor.pin is not None
    assert press_pin(visitor, "2468k", 4.0) == [v.CheckPin("2468"), v.Exit()]


def test_corners_in_the_wrong_order_or_too_slow_do_nothing():
    visitor = make(pin="2468")
    visitor.handle(g.LongPress(0.97, 0.96, 1.0), ctx(1.0))
    visitor.handle(g.LongPress(0.03, 0.04, 2.0), ctx(2.0))
    assert visitor.pin is None
    visitor.handle(g.LongPress(0.03, 0.04, 10.0), ctx(10.0))
    visitor.handle(g.LongPress(0.97, 0.96, 10.0 + v.STAFF_SEQUENCE_S + 1), ctx(16.0))
    assert visitor.pin is None


def test_no_pin_configured_means_no_staff_exit():
    visitor = make(pin=None)
    open_pad(visitor, 1.0)
    assert visitor.pin is None


def test_five_wrong_pins_lock_the_kiosk_not_just_the_pad():
    """Guards the bypass of issue 14: Cancel and a fresh pad used to lift the lock."""
    visitor = make(pin="2468")
    open_pad(visitor, 0.0)
    for attempt in range(5):
        assert press_pin(visitor, "1111k", 3.0 + attempt) == [v.CheckPin("1111")]
    assert visitor.pin_message(WALL + 7.0) == "Locked: try again in 60 s"
    assert press_pin(visitor, "c", 9.0) == [] and visitor.pin is None  # Cancel closes it...
    open_pad(visitor, 10.0)
    assert visitor.pin is not None
    assert visitor.pin_message(WALL + 12.0).startswith("Locked: try again in")  # ...not the lock
    assert press_pin(visitor, "2468k", 20.0) == []  # the right PIN is not even checked
    assert visitor.pin.entered == ""
    assert press_pin(visitor, "2468k", 7.0 + LOCK_STEPS_S[0] + 1) == [v.CheckPin("2468"),
                                                                       v.Exit()]


def test_a_wrong_pin_counts_even_when_the_pad_closes_during_the_check():
    """Cancel right after OK must not make a guess free."""
    visitor = make(pin="2468")
    open_pad(visitor, 0.0)
    pad = pin_layout(SIZE, 55.0)
    checks = []
    for key in "1111k":
        element = next(e for e in pad if e.id == ("pin:ok" if key == "k" else f"pin:{key}"))
        cx, cy = element.rect.center
        checks += visitor.handle(tap(cx / SIZE[0], cy / SIZE[1], 3.0), ctx(3.0, pin=pad))
    assert checks == [v.CheckPin("1111")]
    press_pin(visitor, "c", 3.1)
    assert visitor.pin_verdict(False, WALL + 3.2) == []
    assert visitor.lock.failures == 1


def test_the_right_pin_after_the_pad_closed_does_not_exit():
    visitor = make(pin="2468")
    open_pad(visitor, 0.0)
    pad = pin_layout(SIZE, 55.0)
    for key in "2468":
        cx, cy = next(e for e in pad if e.id == f"pin:{key}").rect.center
        visitor.handle(tap(cx / SIZE[0], cy / SIZE[1], 3.0), ctx(3.0, pin=pad))
    cx, cy = next(e for e in pad if e.id == "pin:ok").rect.center
    assert visitor.handle(tap(cx / SIZE[0], cy / SIZE[1], 3.0), ctx(3.0, pin=pad)) == [
        v.CheckPin("2468")]
    assert visitor.pin_message(WALL + 3.0) == "Checking…"
    assert press_pin(visitor, "5", 3.1) == []  # one check at a time
    press_pin(visitor, "c", 3.2)
    assert visitor.pin_verdict(True, WALL + 3.3) == []


def test_the_lock_outlasts_an_abandoned_pad_and_the_idle_reset():
    visitor = make(idle=20.0, pin="2468")
    open_pad(visitor, 0.0)
    press_pin(visitor, "1111k" * 5, 3.0)
    visitor.tick(3.0 + v.PIN_IDLE_S + 1 + W)
    assert visitor.pin is None and visitor.mode == "attract"
    open_pad(visitor, 40.0)
    assert press_pin(visitor, "2468k", 43.0) == []


# -- pause ------------------------------------------------------------------------------


def test_a_pause_by_key_ends_when_the_idle_timeout_passes():
    """Guards "Space pauses the loop forever": nobody touched the screen, so nothing
    used to end the pause."""
    visitor = make(idle=60.0)
    assert visitor.tick(100.0, paused=True) == []  # Space pressed just before
    assert visitor.tick(159.9, paused=True) == []
    assert visitor.tick(160.0, paused=True) == [v.Resume()]
    assert visitor.mode == "attract"
    assert visitor.tick(161.0) == []


def test_a_pause_by_the_pause_button_ends_with_the_return_to_the_loop():
    """The idle reset used to leave the loop frozen on the paused exhibit."""
    visitor = make(idle=60.0)
    visitor.handle(tap(0.5, 0.5, 1.0), ctx(1.0))
    visitor.step_changed("video", 1.0)  # a chosen clip, paused: the idle timer still runs
    assert visitor.tick(1.1, paused=True) == []  # the frame of the pause button
    assert visitor.tick(61.0 + W, paused=True) == []
    out = visitor.tick(61.1 + W, paused=True)
    assert v.Resume() in out and v.BackToLoop() in out and visitor.mode == "attract"


def test_a_touch_restarts_the_wait_of_a_pause():
    visitor = make(idle=60.0)
    visitor.tick(0.0, paused=True)
    visitor.handle(tap(0.5, 0.5, 50.0), ctx(50.0))
    assert visitor.tick(100.0 + W, paused=True) == []
    assert v.Resume() in visitor.tick(110.0 + W, paused=True)


@pytest.mark.parametrize("count", [1, 100])
def test_a_storm_of_edge_taps_gives_one_command_each(count: int):
    visitor = make()
    out = []
    for i in range(count):
        out += visitor.handle(tap(0.97, 0.5, i / count), ctx(i / count))
    assert out.count(v.Next()) == count
    assert visitor.touches == count


def test_a_context_without_wall_time_keeps_a_recorded_lock():
    """A caller that forgets the wall clock must not open a locked pad."""
    visitor = make(pin="2468")
    visitor.lock.locked_until = WALL + 30
    visitor.handle(g.LongPress(0.03, 0.04, 1.0), v.Context(now=1.0, size=SIZE))
    visitor.handle(g.LongPress(0.97, 0.96, 2.0), v.Context(now=2.0, size=SIZE))
    pad = pin_layout(SIZE, 55.0)
    for key in ("pin:2", "pin:ok"):
        cx, cy = next(e for e in pad if e.id == key).rect.center
        assert visitor.handle(tap(cx / SIZE[0], cy / SIZE[1], 3.0),
                              v.Context(now=3.0, size=SIZE, pin=pad)) == []


# -- the warning before a reset (WCAG 2.2.1) ----------------------------------------------


def test_a_countdown_of_at_least_20_s_warns_before_the_reset():
    """Guards the silent reset: a visitor still reading lost the screen without warning."""
    visitor = make(idle=60.0)
    visitor.reset_warning_s = 5.0  # too short: WCAG asks for 20 s at least
    visitor.handle(tap(0.95, 0.5, 0.0), ctx(0.0))
    assert visitor.countdown(59.9) is None
    assert visitor.countdown(60.0) == pytest.approx(20.0)
    assert visitor.tick(79.9) == [] and visitor.mode == "interactive"
    assert visitor.countdown(79.9) == pytest.approx(0.1)
    assert v.BackToLoop() in visitor.tick(80.0)
    assert visitor.countdown(81.0) is None  # back in the loop: nothing to warn about


def test_keep_looking_extends_again_and_again_and_does_nothing_else():
    """Each tap on the warning only keeps the screen (no Next from an edge tap under
    it); ten and more extensions all hold, and the count is kept for the log."""
    visitor = make(idle=60.0)
    visitor.handle(tap(0.5, 0.5, 0.0), ctx(0.0))
    t = 0.0
    for i in range(12):
        t += 60.0 + 15.0  # 15 s into the countdown
        assert visitor.tick(t) == [] and visitor.countdown(t) is not None
        assert visitor.handle(tap(0.97, 0.5, t), ctx(t)) == []  # not Next
        assert visitor.countdown(t) is None and visitor.extensions == i + 1
    assert visitor.mode == "interactive"
    assert v.BackToLoop() in visitor.tick(t + 80.0)
    assert visitor.extensions == 0


def test_no_countdown_while_a_chosen_clip_plays():
    visitor = make(idle=60.0)
    visitor.handle(tap(0.95, 0.5, 0.0), ctx(0.0))
    visitor.step_changed("video", 0.5)
    for t in (61.0, 90.0, 600.0):
        assert visitor.countdown(t) is None and visitor.tick(t) == []
    visitor.step_changed("photo", 600.0)  # the clip ended: the idle time starts now
    assert visitor.countdown(659.0) is None and visitor.countdown(661.0) is not None


# -- one finger for everything (WCAG 2.5.1) ------------------------------------------------


def _press(visitor: v.Visitor, element_id: str, t: float, zoomed: bool,
           on_screen: v.OnScreen = "photo") -> list:
    buttons = zoom_layout(SIZE, 55.0, zoomed)
    (e,) = [b for b in buttons if b.id == element_id]
    cx, cy = e.rect.center
    visitor.controls_until = t + 5.0
    return visitor.handle(tap(cx / SIZE[0], cy / SIZE[1], t),
                          ctx(t, zoomed=zoomed, controls=buttons, on_screen=on_screen))


def test_zoom_buttons_do_what_a_pinch_does_and_pan_buttons_what_a_drag_does():
    """Guards a zoom only a pinch or a double tap could reach."""
    visitor = make()
    visitor.mode = "interactive"
    (zoom_in,) = _press(visitor, "zoom:in", 1.0, zoomed=False)
    assert isinstance(zoom_in, v.ZoomBy) and zoom_in.factor > 1
    assert (zoom_in.x_px, zoom_in.y_px) == (SIZE[0] / 2, SIZE[1] / 2)
    (zoom_out,) = _press(visitor, "zoom:out", 2.0, zoomed=True)
    assert isinstance(zoom_out, v.ZoomBy) and zoom_out.factor == pytest.approx(
        1 / zoom_in.factor)
    moves = {d: _press(visitor, f"pan:{d}", 3.0 + i, zoomed=True)[0]
             for i, d in enumerate(("up", "down", "left", "right"))}
    assert moves["right"].dx_px < 0 < moves["left"].dx_px  # the picture moves, as dragged
    assert moves["down"].dy_px < 0 < moves["up"].dy_px
    assert _press(visitor, "zoom:in", 9.0, zoomed=False, on_screen="video") == []


def test_a_visitors_volume_returns_to_the_shows_level_with_the_loop():
    """Guards a kiosk left quiet (or loud) by the last visitor for everyone after."""
    from kiosk.visitor.layout import volume_layout

    visitor = make(idle=60.0)
    visitor.handle(tap(0.5, 0.5, 0.0), ctx(0.0))
    buttons = volume_layout(SIZE, 55.0)
    down = next(b for b in buttons if b.id == "volume:down")
    out = []
    for t in (1.0, 1.5):
        visitor.controls_until = t + 5
        out += visitor.handle(tap(down.rect.center[0] / SIZE[0], down.rect.center[1] / SIZE[1],
                                  t), ctx(t, controls=buttons, on_screen="video"))
    assert out == [v.SetVolume(0.75), v.SetVolume(0.5)]
    reset = visitor.tick(1.5 + 60.0 + W)
    assert v.SetVolume(None) in reset and visitor.volume is None
    assert v.SetVolume(None) not in make().back_to_loop()  # untouched: nothing to reset
