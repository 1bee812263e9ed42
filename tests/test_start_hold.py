"""The show's first moving picture stays still while the start-up's decodes finish, then
moves from its start: what decides it, frame by frame."""

from __future__ import annotations

from kiosk.playback.start_hold import SETTLE_MAX_S, StartHold

PAN, NEXT = object(), object()
FRAME = 1 / 60


def decoding() -> bool:  # photos are being decoded
    return True


def _frames(hold: StartHold, on_screen: object, moving: bool, decoding: list[bool],
            start: float = 1.0) -> list[bool]:
    return [hold.holds(on_screen, moving, lambda busy=busy: busy, start + k * FRAME)
            for k, busy in enumerate(decoding)]


def test_the_first_moving_picture_is_held_until_nothing_is_decoded():
    hold = StartHold()
    assert not hold.holds(None, False, decoding, 0.5)  # nothing on screen yet
    assert _frames(hold, PAN, True, [True] * 5 + [False]) == [True] * 5 + [False]
    # Once it moves it never stops again, whatever is decoded later in the show.
    assert _frames(hold, PAN, True, [True] * 3, start=2.0) == [False] * 3


def test_a_decode_that_does_not_end_holds_it_no_longer_than_the_limit():
    hold = StartHold()
    assert hold.holds(PAN, True, decoding, 10.0)
    assert hold.holds(PAN, True, decoding, 10.0 + SETTLE_MAX_S - 0.01)
    assert not hold.holds(PAN, True, decoding, 10.0 + SETTLE_MAX_S)
    assert not hold.holds(PAN, True, decoding, 10.0 + SETTLE_MAX_S + 0.01)


def test_a_still_first_picture_is_never_held_nor_what_comes_after_it():
    hold = StartHold()
    assert _frames(hold, PAN, False, [True] * 3) == [False] * 3
    assert not hold.holds(NEXT, True, decoding, 5.0)  # the next pan moves as it comes


def test_a_visitor_who_moves_on_or_takes_over_lets_it_go():
    hold = StartHold()
    assert hold.holds(PAN, True, decoding, 1.0)
    assert not hold.holds(NEXT, True, decoding, 1.1)  # swiped to the next item
    assert not hold.holds(PAN, True, decoding, 1.2)
    hold = StartHold()
    assert hold.holds(PAN, True, decoding, 1.0)
    hold.release()  # a finger scrolls the clipping
    assert not hold.holds(PAN, True, decoding, 1.1)


def test_a_move_towards_another_item_lets_it_go():
    hold = StartHold()
    assert hold.holds(PAN, True, decoding, 1.0)
    assert not hold.holds(None, True, decoding, 1.1)  # on its way to a photo not ready yet
    assert not hold.holds(PAN, True, decoding, 1.2)


def test_armed_again_it_holds_the_next_first_step_shown():
    hold = StartHold()
    assert _frames(hold, PAN, True, [True, False]) == [True, False]
    hold.arm()  # the show opens again after its closed hours
    assert not hold.holds(None, True, decoding, 9.0)  # on its way to its first step
    assert _frames(hold, NEXT, True, [True, True, False], start=9.1) == [True, True, False]


def test_once_let_go_it_no_longer_asks_about_decodes():
    """The show's frames do not ask the photo cache (a lock) once nothing can be held."""
    asked: list[float] = []

    def counted() -> bool:
        asked.append(1.0)
        return False

    hold = StartHold()
    assert not hold.holds(PAN, True, counted, 1.0)  # nothing decoded: it moves
    assert len(asked) == 1
    for k in range(60):
        assert not hold.holds(PAN, True, counted, 1.0 + k * FRAME)
    assert len(asked) == 1
