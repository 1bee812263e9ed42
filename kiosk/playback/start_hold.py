"""The show's first moving picture stays still while the start-up's decodes finish.

At start the photo worker decodes the next photos (24 MP each: a third of a second of
both cores with OpenCV's helper thread) just as the first pan or reading begins, and that
helper runs at the render thread's priority (kiosk/media/video_fit.py says why). In 24
start-ups the first half second of motion lost 14 frames, in 13 of them. So the first
picture goes up as soon as it is ready, its clock held at its start (a still picture
cannot stutter), and it begins to move once nothing is being decoded, or after
SETTLE_MAX_S (24 start-ups alternated with those: 2 frames lost, in 2). Pure: the player
says what is on screen, whether photos are being decoded, and the time.
"""

from __future__ import annotations

from collections.abc import Callable

SETTLE_MAX_S = 3.0  # a decode stuck on a slow network share does not keep it still longer


class StartHold:
    """Frame by frame, whether the first step shown since the kiosk started (or since
    :meth:`arm`: the show opens after its closed hours) is held at its start. Once let
    go it does not hold again until armed."""

    def __init__(self) -> None:
        self._step: object | None = None  # the first step shown, once shown
        self._since = 0.0
        self._done = False

    def holds(self, on_screen: object | None, moving: bool, decoding: Callable[[], bool],
              now: float) -> bool:
        """``on_screen``: the step on screen at the last frame (None: nothing yet);
        ``moving``: it is a photo that moves by itself; ``decoding``: whether photos are
        being decoded for the steps around it (asked only while it may hold, not every
        frame of the show). Nothing on screen once one was held (the show is on its way
        to another step) lets go too."""
        if self._done:
            return False
        if on_screen is None:
            if self._step is not None:
                self.release()
            return False
        if self._step is None:
            self._step, self._since = on_screen, now
        if (on_screen is not self._step or not moving
                or now - self._since >= SETTLE_MAX_S or not decoding()):
            self.release()
        return not self._done

    @property
    def since(self) -> float:
        """When the held step was first held (its second frame on screen)."""
        return self._since

    def release(self) -> None:
        """Let go for good (a visitor took over, or it settled)."""
        self._done = True

    def arm(self) -> None:
        """The show starts again from its beginning: hold the next first step shown."""
        self._step, self._done = None, False
