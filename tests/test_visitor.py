"""What a visitor's touch does, with a fake clock: modes, idle reset, language, PIN."""

from __future__ import annotations

import pytest

from kiosk.visitor import gestures as g
from kiosk.visitor import rules as v
from kiosk.visitor.layout import controls_layout, index_layout, pin_layout
from kiosk.visitor.staff_pin import hash_pin

SIZE = (1920, 1080)


def make(idle: float = 60.0, pin: str | None = None) -> v.Visitor:
    from kiosk.visitor.staff_pin import check_pin

    stored = hash_pin(pin, iterations=1000) if pin else None
    return v.Visitor("en", ("en", "ru", "az"), idle, 0.3,
                     (lambda p: check_pin(p, stored)) if stored else None)


def ctx(now: float, **kw) -> v.Context:
    return v.Context(now=now, size=SIZE, **kw)


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
    assert visitor.tick(59.9) == []
    out = visitor.tick(60.0)
    assert out == [v.SetLanguage("en"), v.ZoomReset(), v.BackToLoop(), v.SetAutoAdvance(True)]
    assert visitor.mode == "attract" and visitor.tick(500.0) == []


def test_idle_timer_waits_while_a_chosen_clip_plays():
    """The timer starts when the visitor's clip ends, not when it was chosen."""
    visitor = make(idle=60.0)
    visitor.handle(tap(0.95, 0.5, 0.0), ctx(0.0))
    visitor.step_changed("video", 0.5)
    assert visitor.tick(300.0) == []  # a five-minute interview
    visitor.step_changed("photo", 300.0)
    assert visitor.tick(359.0) == []
    assert v.BackToLoop() in visitor.tick(360.0)


def press_pin(visitor: v.Visitor, keys: str, now: float) -> list:
    pad = pin_layout(SIZE, 55.0)
    by_id = {e.id: e for e in pad}
    out = []
    for key in keys:
        element = by_id["pin:ok" if key == "k" else f"pin:{key}"]
        cx, cy = element.rect.center
        out += visitor.handle(tap(cx / SIZE[0], cy / SIZE[1], now), ctx(now, pin=pad))
    return out


def open_pad(visitor: v.Visitor, now: float) -> None:
    visitor.handle(g.LongPress(0.03, 0.04, now), ctx(now))
    visitor.handle(g.LongPress(0.97, 0.96, now + 2.0), ctx(now + 2.0))


def test_staff_gesture_opens_the_pin_pad_and_the_right_pin_exits():
    visitor = make(pin="2468")
    open_pad(visitor, 1.0)
    assert visitor.pin is not None
    assert press_pin(visitor, "2468k", 4.0) == [v.Exit()]


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


def test_five_wrong_pins_lock_the_pad_for_a_minute():
    visitor = make(pin="2468")
    open_pad(visitor, 0.0)
    for attempt in range(5):
        assert press_pin(visitor, "1111k", 3.0 + attempt) == []
    assert visitor.pin is not None and visitor.pin.locked(8.0)
    assert press_pin(visitor, "2468k", 20.0) == []  # the right PIN, but locked
    assert "Locked" in visitor.pin.message
    assert press_pin(visitor, "2468k", 8.0 + v.PIN_LOCK_S + 1) == [v.Exit()]


@pytest.mark.parametrize("count", [1, 100])
def test_a_storm_of_edge_taps_gives_one_command_each(count: int):
    visitor = make()
    out = []
    for i in range(count):
        out += visitor.handle(tap(0.97, 0.5, i / count), ctx(i / count))
    assert out.count(v.Next()) == count
    assert visitor.touches == count
