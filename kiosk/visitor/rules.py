"""What a visitor's gesture means, here and now: the attract loop, interactive mode, the
idle reset, language, zoom, the exhibit index and the staff PIN pad.

Pure: gestures and times come in, commands go out; the app applies the commands to the
timeline, the compositor and the zoom view. Which element a finger is on comes from the
same layout the overlay draws (kiosk.visitor.layout), so what is seen is what is touched.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Literal

from kiosk.visitor import gestures as g
from kiosk.visitor.layout import Element, edge_zones, hit
from kiosk.visitor.staff_lock import StaffLock

log = logging.getLogger(__name__)

Mode = Literal["attract", "interactive"]
OnScreen = Literal["photo", "video", "card", "none"]
KeyName = Literal["next", "previous", "pause"]

CONTROLS_VISIBLE_S = 6.0
ZOOM_BUTTON_STEP = 1.6  # each tap on + or - zooms this much
PAN_BUTTON_STEP = 0.25  # of the screen, per tap on an arrow
VOLUME_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0, 1.25, 1.5)  # a visitor's factor on the show's level
STAFF_SEQUENCE_S = 5.0  # the second corner must be held within this time of the first
CORNER = 0.12  # share of the width and height that counts as a corner
PIN_IDLE_S = 30.0  # an abandoned PIN pad closes itself (a lock stays: it is the kiosk's)
# WCAG 2.2.1: a visitor still reading is warned at least 20 s before the screen resets.
RESET_WARNING_MIN_S = 20.0


# -- commands for the app ---------------------------------------------------------------


@dataclass(frozen=True)
class Next:
    pass


@dataclass(frozen=True)
class Previous:
    pass


@dataclass(frozen=True)
class TogglePause:
    pass


@dataclass(frozen=True)
class Resume:
    """Idle ends any pause, by key or by touch: an unattended kiosk never stays frozen."""


@dataclass(frozen=True)
class Jump:
    exhibit: int


@dataclass(frozen=True)
class SetLanguage:
    code: str


@dataclass(frozen=True)
class SetAutoAdvance:
    on: bool


@dataclass(frozen=True)
class ZoomBy:
    factor: float
    x_px: float
    y_px: float


@dataclass(frozen=True)
class ZoomIn:
    x_px: float
    y_px: float


@dataclass(frozen=True)
class ZoomReset:
    pass


@dataclass(frozen=True)
class PanBy:
    dx_px: float
    dy_px: float


@dataclass(frozen=True)
class Scroll:
    """A finger moves a clipping being read along, by this much on screen."""

    dx_px: float
    dy_px: float


@dataclass(frozen=True)
class SetVolume:
    """The visitor's volume, a factor on the show's level; None: the show's level."""

    factor: float | None


@dataclass(frozen=True)
class BackToLoop:
    """Idle: back to the start of the current exhibit, attract mode, gently."""


@dataclass(frozen=True)
class CheckPin:
    """Check this PIN off the render thread; the verdict comes back to ``pin_verdict``."""

    pin: str = field(repr=False)


@dataclass(frozen=True)
class Exit:
    """The staff PIN was right: end the show (exit code 0)."""


Command = (Next | Previous | TogglePause | Resume | Jump | SetLanguage | SetAutoAdvance | ZoomBy
           | ZoomIn | ZoomReset | PanBy | Scroll | SetVolume | BackToLoop | CheckPin | Exit)


@dataclass(frozen=True)
class Context:
    """What is on screen when a gesture arrives."""

    now: float
    size: tuple[int, int]
    on_screen: OnScreen = "photo"
    zoomed: bool = False
    reading: bool = False  # a clipping scrolling by itself: a finger moves it along
    controls: Sequence[Element] = ()  # hit-testable while the controls are visible
    index: Sequence[Element] = ()  # while the exhibit index is open
    pin: Sequence[Element] = ()  # while the PIN pad is open
    diagonal_in: float = 55.0  # of the screen, for the size of the edge zones
    # Wall-clock seconds, for the staff lock (it outlives a restart). Left at 0, a lockout
    # on record counts as running (its longest length): an unknown time fails closed.
    wall: float = 0.0


# -- the PIN pad ----------------------------------------------------------------------


@dataclass
class PinPad:
    """One opening of the pad: the digits so far and what it says. The lock is not here:
    it belongs to the kiosk (``Visitor.lock``), so closing the pad does not lift it."""

    entered: str = ""
    opened_at: float = 0.0
    message: str = ""

    def press(self, key: str, now: float) -> str | None:
        """A key of the pad; the PIN entered when the key was OK."""
        self.opened_at = now
        if key.isdigit() and len(self.entered) < 12:
            self.entered += key
            self.message = ""
        elif key == "back":
            self.entered = self.entered[:-1]
        elif key == "ok" and self.entered:
            attempt, self.entered = self.entered, ""
            return attempt
        return None


# -- the visitor ------------------------------------------------------------------------


@dataclass
class Visitor:
    default_language: str
    languages: Sequence[str]
    idle_timeout_s: float
    double_tap_s: float = 0.3
    staff_exit: bool = False  # a staff PIN is configured: the corner gesture opens the pad
    lock: StaffLock = field(default_factory=StaffLock)  # the kiosk's, not one pad's
    controls_visible_s: float = CONTROLS_VISIBLE_S  # the controls hide after this long
    mode: Mode = "attract"
    language: str = ""
    controls_until: float | None = None
    index_open: bool = False
    pin: PinPad | None = None
    last_touch: float = 0.0
    touches: int = 0
    video_hold: bool = False  # a clip the visitor chose is playing: the idle timer waits
    checking: bool = False  # a PIN is being checked; its verdict counts even if the pad closes
    paused_at: float | None = None  # when the loop was seen paused (by key or by touch)
    # After the idle time, a countdown this long (never under 20 s) before the reset;
    # any touch during it ("keep looking") starts the idle time afresh, without limit.
    reset_warning_s: float = RESET_WARNING_MIN_S
    extensions: int = 0  # "keep looking" taps since the last reset, for the status
    volume: float | None = None  # the visitor's factor on the show's level; None: as set
    _corner: tuple[str, float] | None = field(default=None, repr=False)
    _last_toggle: tuple[float, bool] | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        self.language = self.language or self.default_language

    # -- questions the app asks ----------------------------------------------------------
    def controls_visible(self, now: float) -> bool:
        return self.controls_until is not None and now < self.controls_until

    def countdown(self, now: float) -> float | None:
        """Seconds left before the screen returns to the loop, while the warning shows;
        None when no reset is coming (attract mode, a chosen clip playing, not idle yet)."""
        if self.mode != "interactive" or (self.video_hold and self.paused_at is None):
            return None
        idle = now - self._idle_since()
        if idle < self.idle_timeout_s:
            return None
        return max(0.0, self.idle_timeout_s + self.warning_s - idle)

    @property
    def warning_s(self) -> float:
        return max(RESET_WARNING_MIN_S, self.reset_warning_s)

    def _idle_since(self) -> float:
        """A pause is an interaction too: the idle time counts from the later of both."""
        return max(self.last_touch, self.paused_at if self.paused_at is not None else -1e18)

    def pin_message(self, wall: float) -> str:
        """What the pad says: the lock's countdown while locked, else the pad's word."""
        if self.lock.locked(wall):
            return self.lock.message(wall)
        if self.checking:
            return "Checking…"
        return self.pin.message if self.pin is not None else ""

    # -- time ----------------------------------------------------------------------------
    def tick(self, now: float, paused: bool = False) -> list[Command]:
        """``paused``: whether the loop is paused now, by a key or by the pause button.
        A pause is an interaction: the idle timeout counts from it, then resumes the loop."""
        if self.controls_until is not None and now >= self.controls_until:
            self.controls_until = None
        if self.pin is not None and now - self.pin.opened_at > PIN_IDLE_S:
            self.pin = None
        if not paused:
            self.paused_at = None
        elif self.paused_at is None:
            self.paused_at = now
        if (self.mode == "attract" and self.paused_at is not None
                and now - self._idle_since() >= self.idle_timeout_s):
            log.info("idle: the paused loop resumes")  # paused by a key: the loop goes on
            self.paused_at = None
            return [Resume()]
        # A chosen clip holds the timer, even paused; otherwise the warning's time ends it.
        left = self.countdown(now)
        if left is not None and left <= 0:
            return self.back_to_loop()
        return []

    def _warning_at(self, now: float, last_touch: float) -> bool:
        """Whether the countdown was showing at ``now``, had the last touch been then."""
        touch, self.last_touch = self.last_touch, last_touch
        try:
            return self.countdown(now) is not None
        finally:
            self.last_touch = touch

    def back_to_loop(self) -> list[Command]:
        """Reset everything a visitor changed and return to the attract loop."""
        log.info("idle: back to the loop after %d touches (%d times kept looking)",
                 self.touches, self.extensions)
        self.mode = "attract"
        self.extensions = 0
        self.controls_until = None
        self.index_open = False
        self.pin = None
        self.video_hold = False
        self.paused_at = None
        out: list[Command] = [ZoomReset(), Resume(), BackToLoop(), SetAutoAdvance(True)]
        if self.volume is not None:  # the next visitor hears the show as it was set
            self.volume = None
            out.append(SetVolume(None))
        if self.language != self.default_language:
            self.language = self.default_language
            out.insert(0, SetLanguage(self.default_language))
        return out

    def step_changed(self, on_screen: OnScreen, now: float) -> None:
        """The app says what is now on screen. A clip reached in interactive mode holds the
        idle timer until it ends; the timer then starts afresh."""
        if self.video_hold and on_screen != "video":
            self.last_touch = now
        self.video_hold = self.mode == "interactive" and on_screen == "video"

    # -- keys -----------------------------------------------------------------------------
    def key(self, name: KeyName, now: float) -> list[Command]:
        """A key on an attached keyboard: the command the matching touch gives, with the
        same switch to interactive mode, so idle time returns to the loop as after a touch."""
        self.last_touch = now
        out: list[Command] = []
        if self.mode == "attract":
            self.mode = "interactive"
            out.append(SetAutoAdvance(False))
        if self.pin is not None or self.index_open:
            return out  # the pad and the index are for fingers; keys do not reach past them
        by_key: dict[KeyName, Command] = {"next": Next(), "previous": Previous(),
                                          "pause": TogglePause()}
        out.append(by_key[name])
        return out

    # -- gestures -------------------------------------------------------------------------
    def handle(self, gesture: g.Gesture, ctx: Context) -> list[Command]:
        now = ctx.now
        self.touches += 1
        previous_touch, self.last_touch = self.last_touch, now
        out: list[Command] = []
        if self.mode == "attract":
            self.mode = "interactive"
            out.append(SetAutoAdvance(False))
        elif self._warning_at(now, previous_touch):
            # The countdown covers the screen: any touch means "keep looking", nothing else.
            self.extensions += 1
            log.info("keep looking (%d)", self.extensions)
            return out
        if self.pin is not None:
            return out + self._on_pin(gesture, ctx)
        if self.index_open:
            return out + self._on_index(gesture, ctx)
        if isinstance(gesture, g.LongPress):
            self._staff_corner(gesture, ctx)
            return out
        if isinstance(gesture, g.Tap):
            return out + self._on_tap(gesture, ctx)
        if isinstance(gesture, g.DoubleTap):
            return out + self._on_double_tap(gesture, ctx)
        if isinstance(gesture, g.Swipe):
            return out + self._on_swipe(gesture, ctx)
        if isinstance(gesture, g.Pinch) and ctx.on_screen == "photo":
            w, h = ctx.size
            return [*out, ZoomBy(gesture.scale, gesture.cx * w, gesture.cy * h)]
        if isinstance(gesture, (g.Pan, g.Drag)) and ctx.zoomed:
            w, h = ctx.size
            return [*out, PanBy(gesture.dx * w, gesture.dy * h)]
        if isinstance(gesture, (g.Pan, g.Drag)) and ctx.reading:
            w, h = ctx.size
            return [*out, Scroll(gesture.dx * w, gesture.dy * h)]
        return out

    def _on_tap(self, tap: g.Tap, ctx: Context) -> list[Command]:
        w, h = ctx.size
        x, y = tap.x * w, tap.y * h
        if self.controls_visible(ctx.now):
            element = hit(ctx.controls, x, y)
            if element is not None:
                self.controls_until = ctx.now + self.controls_visible_s
                return self._on_control(element.id, ctx)
        left, right = edge_zones(ctx.size, ctx.diagonal_in)
        if x < left or x > w - right:
            step: Command = Previous() if x < left else Next()
            return [ZoomReset(), step] if ctx.zoomed else [step]
        # The middle: show or hide the controls. A double tap arrives as tap, tap, double
        # tap: the first tap toggles, the second does not, and the double tap puts the
        # controls back as they were before the first (see _on_double_tap).
        if self._last_toggle is not None and ctx.now - self._last_toggle[0] <= self.double_tap_s:
            return []
        self._last_toggle = (ctx.now, self.controls_visible(ctx.now))
        if self.controls_visible(ctx.now):
            self.controls_until = None
        else:
            self.controls_until = ctx.now + self.controls_visible_s
        return []

    def _on_control(self, element_id: str, ctx: Context) -> list[Command]:
        w, h = ctx.size
        if element_id == "zoom:in" and ctx.on_screen == "photo":
            return [ZoomBy(ZOOM_BUTTON_STEP, w / 2, h / 2)]  # the middle stays in view
        if element_id == "zoom:out" and ctx.zoomed:
            return [ZoomBy(1 / ZOOM_BUTTON_STEP, w / 2, h / 2)]
        if element_id.startswith("pan:") and ctx.zoomed:
            # A button moves the view a quarter screen towards its arrow: the picture
            # moves the other way, as under a dragging finger.
            dx, dy = {"up": (0, 1), "down": (0, -1), "left": (1, 0), "right": (-1, 0)}[
                element_id[4:]]
            return [PanBy(dx * w * PAN_BUTTON_STEP, dy * h * PAN_BUTTON_STEP)]
        if element_id in ("volume:up", "volume:down"):
            return self._volume_step(1 if element_id == "volume:up" else -1)
        if element_id == "prev":
            return [ZoomReset(), Previous()]
        if element_id == "next":
            return [ZoomReset(), Next()]
        if element_id == "pause":
            return [TogglePause()]
        if element_id == "index":
            self.index_open = True
            self.controls_until = None
            return []
        if element_id.startswith("lang:"):
            code = element_id.split(":", 1)[1]
            if code != self.language:
                self.language = code
                log.info("language: %s", code)
                return [SetLanguage(code)]
        return []

    def _volume_step(self, direction: int) -> list[Command]:
        current = 1.0 if self.volume is None else self.volume
        i = min(range(len(VOLUME_STEPS)), key=lambda k: abs(VOLUME_STEPS[k] - current))
        i = min(max(i + direction, 0), len(VOLUME_STEPS) - 1)
        self.volume = VOLUME_STEPS[i]
        log.info("volume: %g of the show's level", self.volume)
        return [SetVolume(self.volume)]

    def _on_double_tap(self, tap: g.DoubleTap, ctx: Context) -> list[Command]:
        w, h = ctx.size
        x, y = tap.x * w, tap.y * h
        left, right = edge_zones(ctx.size, ctx.diagonal_in)
        if x < left or x > w - right or ctx.on_screen != "photo":
            return []  # edge taps already acted; clips and cards do not zoom
        if self._last_toggle is not None and (
                ctx.now - self._last_toggle[0] <= self.double_tap_s * 2):
            # A double tap means zoom, not controls: undo the first tap's toggle.
            was_visible = self._last_toggle[1]
            self.controls_until = ctx.now + self.controls_visible_s if was_visible else None
            self._last_toggle = None
        return [ZoomReset()] if ctx.zoomed else [ZoomIn(x, y)]

    def _on_swipe(self, swipe: g.Swipe, ctx: Context) -> list[Command]:
        w = ctx.size[0]
        if ctx.zoomed:
            dx = {"left": -1, "right": 1}.get(swipe.direction, 0) * swipe.distance * w
            dy = {"up": -1, "down": 1}.get(swipe.direction, 0) * swipe.distance * w
            return [PanBy(dx, dy)]
        if ctx.reading and swipe.direction in ("up", "down"):
            return [Scroll(0.0, (-1 if swipe.direction == "up" else 1) * swipe.distance * w)]
        if swipe.direction == "left":
            return [Next()]
        if swipe.direction == "right":
            return [Previous()]
        return []

    def _on_index(self, gesture: g.Gesture, ctx: Context) -> list[Command]:
        if not isinstance(gesture, g.Tap):
            return []
        w, h = ctx.size
        element = hit(ctx.index, gesture.x * w, gesture.y * h)
        if element is None:
            return []
        if element.id == "close":
            self.index_open = False
            return []
        if element.id.startswith("tile:"):
            self.index_open = False
            return [ZoomReset(), Jump(int(element.id.split(":", 1)[1]))]
        return []

    def _staff_corner(self, press: g.LongPress, ctx: Context) -> None:
        """Long-press the top-left corner, then the bottom-right one: the PIN pad."""
        corner = None
        if press.x < CORNER and press.y < CORNER:
            corner = "top-left"
        elif press.x > 1 - CORNER and press.y > 1 - CORNER:
            corner = "bottom-right"
        if corner == "top-left":
            self._corner = ("top-left", ctx.now)
        elif (corner == "bottom-right" and self._corner is not None
              and ctx.now - self._corner[1] <= STAFF_SEQUENCE_S):
            self._corner = None
            if not self.staff_exit:
                log.info("staff gesture seen, but no staff PIN is configured")
                return
            self.pin = PinPad(opened_at=ctx.now)
            self.controls_until = None
        else:
            self._corner = None

    def _on_pin(self, gesture: g.Gesture, ctx: Context) -> list[Command]:
        assert self.pin is not None
        if not isinstance(gesture, g.Tap):
            return []
        w, h = ctx.size
        element = hit(ctx.pin, gesture.x * w, gesture.y * h)
        if element is None or not element.id.startswith("pin:"):
            return []
        key = element.id.split(":", 1)[1]
        if key == "cancel":
            self.pin = None  # the lock and a check under way stay: they are the kiosk's
            return []
        if self.lock.locked(ctx.wall) or self.checking:
            self.pin.opened_at = ctx.now  # keys are ignored, but the pad stays open
            self.pin.entered = ""
            return []
        attempt = self.pin.press(key, ctx.now)
        if attempt is None:
            return []
        self.checking = True
        return [CheckPin(attempt)]

    def pin_verdict(self, right: bool, wall: float) -> list[Command]:
        """The worker's verdict on the last ``CheckPin``. A wrong PIN counts even when the
        pad was closed meanwhile; the right one ends the show only from the open pad."""
        self.checking = False
        if not right:
            self.lock.failed(wall)
            if self.pin is not None:
                self.pin.message = "Wrong PIN"
            return []
        if self.lock.locked(wall):  # cannot happen with one check at a time; never exit
            return []
        self.lock.succeeded()
        if self.pin is None:
            log.info("staff PIN right, but the pad was closed: the show goes on")
            return []
        log.info("staff PIN accepted: closing the show")
        self.pin = None
        return [Exit()]
