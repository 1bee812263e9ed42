"""The playback state machine: what is on screen, given the show, the commands and the time.

Pure: no pygame, no threads, no I/O, no clock. Every call that depends on time takes
``now``, a float of monotonic seconds from the app's clock; tests pass a fake one.

Positions are ``(exhibit index, step index)`` over ``show.playable``; the show loops forever.

Timing rule
    A step's duration counts from the start of its incoming transition. The transition
    overlaps the first part of the incoming step while the outgoing step stays beneath it:
    an 8 s photo entered with a 1 s crossfade fades in over 0..1 s, is fully visible over
    1..8 s, and at 8 s the next step's transition starts. One loop therefore lasts exactly
    the sum of the steps' durations, whatever the transitions. A transition longer than its
    step is finished at once when the next one starts.

Readiness gates every change
    The app answers ``readiness(step)`` with "ready", "pending" or "failed". A step whose
    time is up hands over only to a "ready" step; while the next one is "pending" the
    current step holds (never a blank frame, never going back); "failed" steps are skipped
    in the direction of travel, at most one full lap, after which the frame says
    ``no_content``. A held hand-over starts at the tick that finds the step ready; an
    on-time one starts exactly when it was due, so late ticks do not shift the schedule.

No drift
    Step start times come from an anchor (a start time and a step) plus prefix sums of the
    durations (whole loops times the loop length, plus a prefix), never from adding up tick
    deltas, so days of a show stay where a direct computation puts them. Anything that
    breaks the plain schedule (a hold, a command, a pause, a video's reported end, a failed
    step skipped, a reload) re-anchors at the step it leaves on screen.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Literal

from kiosk.show.model import Show, Step, Transition, Video

Readiness = Literal["ready", "pending", "failed"]
ReadinessFn = Callable[[Step], str]
Position = tuple[int, int]

# A zero, negative or NaN duration (never produced by the loader) would let the catch-up
# loop spin; such a step gets this much time instead.
_MIN_STEP_S = 1e-3
# WCAG 2.3.1: the picture never changes more than three times a second, however fast a
# visitor taps: a command's hand-over waits until this long after the last one began.
MIN_CHANGE_S = 1 / 3
# A frame's time is a sum of refresh periods, each rounded: a change due on a frame (a
# 20 s step at 60 Hz) can find that frame's time a few ulps before or after it. A change
# due within this long after a frame's time happens at that frame, so a step starts on the
# frame predicted for it (``first_frame_s``), never one refresh later by a rounding.
DUE_SLACK_S = 1e-6


def _duration_s(step: Step) -> float | None:
    """How long ``step`` runs on its own; None when only the player knows (a video's end)."""
    d = step.duration_s
    if d is None or d == math.inf:
        return None
    if not d > 0 or not math.isfinite(d):
        return _MIN_STEP_S
    return float(d)


def _fade(transition: Transition) -> Transition | None:
    """The transition to run, or None when it completes at once (a cut, or no length)."""
    d = transition.duration_s
    if transition.kind == "cut" or not d > 0 or not math.isfinite(d):
        return None
    return transition


def first_frame_s(wait_s: float, period_s: float) -> float:
    """How long a step due ``wait_s`` after a frame's time has been on screen at the first
    frame that shows it, frames coming every ``period_s``: 0 when it is due on a frame
    (within DUE_SLACK_S, as ``tick`` decides)."""
    frames = math.ceil((wait_s - DUE_SLACK_S) / period_s)
    return max(0.0, frames * period_s - wait_s)


@dataclass(frozen=True, slots=True)
class Frame:
    """What to draw now. ``current`` is None only while waiting for the first step or when
    there is nothing to show (``no_content``)."""

    current: Step | None
    current_pos: Position | None  # None while waiting, or for a step a reload removed
    previous: Step | None  # the outgoing step while a transition runs
    transition: Transition | None  # the incoming step's transition while it runs
    progress: float  # of the transition, 0..1; 1 when none runs
    direction: int  # +1 forward, -1 backward: which way a slide goes
    step_elapsed_s: float  # of the current step, since its incoming transition began
    step_progress: float  # 0..1 of its duration; 0 for a video that plays to its end
    finished: bool  # its time is up and it is held (next not ready, or no auto-advance)
    paused: bool
    auto_advance: bool
    loop_count: int
    no_content: bool
    waiting: bool  # nothing shown yet: the first step is not ready
    exhibit_name: str
    item_index: int | None  # step index within the exhibit
    pending_target: Step | None  # where the show is going once that step is ready
    pending_target_pos: Position | None
    run_id: int  # changes each time a step (re)starts: restart a clip when it changes


class Timeline:
    """Which step is on screen, which transition runs, and what to decode next."""

    # State set by _clear_screen / _clear_target, declared here once so that every method
    # sees its type whatever order the methods come in.
    _cur: int | None
    _cur_step: Step | None
    _orphan_ref: tuple[int, int, Path, str] | None  # a step a reload removed
    _prev_step: Step | None
    _trans: Transition | None
    _ended_at: float | None
    _due_cache: tuple[float | None, bool] | None
    _target: int | None

    def __init__(self, show: Show, now: float) -> None:
        self._auto = True
        self._paused = False
        self._paused_at = now
        self._loop_count = 0
        self._run_id = 0
        self._all_failed = False
        self._not_before = -math.inf  # no hand-over starts before this (resume, auto on)
        self._last_change = -math.inf  # when the last hand-over began
        self._clear_screen()
        self._clear_target()
        self._load(show)
        if self._n:
            self._set_target(0, 1, now)

    # -- public: time ------------------------------------------------------------------

    def tick(self, now: float, readiness: ReadinessFn) -> Frame:
        """Advance to ``now`` and say what is on screen."""
        if self._n:
            self._end_transition_if_done(now)
            if (self._cur is not None and self._target is None
                    and readiness(self._steps[self._cur]) == "failed"):
                j, wraps = self._step_from(self._cur, 1)
                self._set_target(j, 1, now, wraps=wraps)
            if self._target is not None:
                self._resolve(now, readiness)
            if self._auto and not self._paused:
                self._advance(now, readiness)
            self._end_transition_if_done(now)
        return self._frame(now)

    def next_change_s(self, now: float) -> float | None:
        """Seconds until the next automatic change (0: keep ticking); None: none is due,
        only a command, a video's end or a reload changes what is on screen."""
        if not self._n or self._all_failed:
            return None
        if self._trans is not None or self._target is not None or self._cur_step is None:
            return 0.0
        if self._paused or not self._auto:
            return None
        due, _ = self._due()
        return None if due is None else max(0.0, due - now)

    def prefetch(self, n_ahead: int = 2, n_behind: int = 1) -> list[Step]:
        """What the decoder should have ready, most urgent first: a pending target, the
        current step, the outgoing one, then next, previous, after-next, ... around where
        the show is going. Failed steps are included (the app caches the failure)."""
        out: list[Step] = []
        seen: set[str] = set()

        def add(step: Step | None) -> None:
            if step is not None and step.key not in seen:
                seen.add(step.key)
                out.append(step)

        if self._target is not None:
            add(self._steps[self._target])
        add(self._cur_step)
        add(self._prev_step)
        base = self._target if self._target is not None else self._cur
        if base is None or not self._n:
            return out
        for i in range(1, max(n_ahead, n_behind) + 1):
            if i <= n_ahead:
                add(self._steps[(base + i) % self._n])
            if i <= n_behind:
                add(self._steps[(base - i) % self._n])
        return out

    def following(self) -> Step | None:
        """The step the show moves on to by itself after the current one (the current
        one again in a one-step show); None when nothing plays."""
        if self._cur is None or not self._n:
            return None
        return self._steps[(self._cur + 1) % self._n]

    # -- public: commands ----------------------------------------------------------------

    def next(self, now: float) -> None:
        self._navigate(1, now)

    def previous(self, now: float) -> None:
        self._navigate(-1, now)

    def jump(self, exhibit_index: int, step_index: int, now: float) -> None:
        """Go to a position; out-of-range indices are clamped (a stale tap must not crash)."""
        if not self._n:
            return
        e = min(max(exhibit_index, 0), len(self._first) - 1)
        s = min(max(step_index, 0), self._exhibit_len(e) - 1)
        idx = self._first[e] + s
        self._end_transition()
        if idx == self._cur:
            self._clear_target()  # already there: cancel any move still waiting
            return
        direction = 1 if self._cur is None or idx > self._cur else -1
        self._set_target(idx, direction, now)

    def start_over(self, now: float) -> None:
        """The show from its beginning (opening time): its first step, and when the show
        is on it already, that step from its start (a jump there would change nothing,
        its clock running on from before: due at once, it was gone at the first frame).
        That step starts a new run: a clip on it plays again from its start, and an end
        reported for the run before closing is ignored."""
        self.jump(0, 0, now)
        if self._cur is not None and self._cur == self._first[0]:
            self._begin_run()
            self.set_step_elapsed(0.0, now)

    def pause(self, now: float) -> None:
        """Freeze the current step's clock (transitions still finish)."""
        if self._paused:
            return
        self._paused = True
        self._paused_at = now
        if self._target_auto:
            self._clear_target()  # decided again on resume

    def resume(self, now: float) -> None:
        """Restart the clock with the remaining time the step had when paused."""
        if not self._paused:
            return
        self._paused = False
        self._step_start += max(0.0, now - self._paused_at)
        self._not_before = max(self._not_before, now)
        self._reanchor()

    def step_elapsed(self, now: float) -> float:
        """How long the current step has been on screen (its clock stops while paused)."""
        if self._cur_step is None:
            return 0.0
        return max(0.0, (self._paused_at if self._paused else now) - self._step_start)

    def set_step_elapsed(self, elapsed_s: float, now: float) -> None:
        """Move the current step's clock so it has been on screen ``elapsed_s`` (a finger
        moved a clipping being read). Its time runs on from there; the schedule after it
        follows, as after any command."""
        if self._cur_step is None:
            return
        clock = self._paused_at if self._paused else now
        self._step_start = clock - max(0.0, elapsed_s)
        self._reanchor()

    def ended(self, step_key: str, now: float, run_id: int | None = None) -> None:
        """The player says the current video reached its end (or failed mid-way). Reports
        for another step, or for an earlier run when ``run_id`` is given, are ignored."""
        step = self._cur_step
        if (self._cur is None or not isinstance(step, Video) or step.key != step_key
                or (run_id is not None and run_id != self._run_id)):
            return
        if self._ended_at is None:
            self._ended_at = max(now, self._step_start)
            self._due_cache = None

    def set_auto_advance(self, on: bool, now: float) -> None:
        """Off: photos and cards stay until a command; videos play to their end and hold."""
        if on == self._auto:
            return
        self._auto = on
        if on:
            self._not_before = max(self._not_before, now)
            self._reanchor()
        elif self._target_auto:
            self._clear_target()

    def replace_show(self, show: Show, now: float) -> None:
        """Swap in a reloaded show. The current step keeps playing, its time untouched, if
        the same exhibit file still has a step with its key; otherwise it stays on screen
        until the step now at its (clamped) position is ready, then hands over to it."""
        self._end_transition()
        cur_ref = self._ref(self._cur) if self._cur is not None else self._orphan_ref
        # A command's target follows its step; the schedule's and a removed step's
        # hand-over are decided again.
        orphan = self._cur is None and self._cur_step is not None
        target_ref = (self._ref(self._target) if self._target is not None
                      and not self._target_auto and not orphan else None)
        self._load(show)
        self._clear_target()
        self._all_failed = False
        if not self._n:
            self._clear_screen()
            return
        if self._cur_step is not None and cur_ref is not None:
            idx, exact = self._match(cur_ref)
            if exact:
                self._cur, self._cur_step = idx, self._steps[idx]
                self._orphan_ref, self._orphan_name = None, ""
                self._reanchor()
                if target_ref is not None:
                    t, found = self._match(target_ref)
                    if found and t != idx:
                        self._set_target(t, 1 if t > idx else -1, now)
            else:
                if self._cur is not None:
                    self._orphan_ref = cur_ref
                    self._orphan_name = cur_ref[2].name
                self._cur = None
                self._due_cache = None
                self._set_target(idx, 1, now)
        else:
            idx = self._match(target_ref)[0] if target_ref is not None else 0
            self._set_target(idx, 1, now)

    # -- public: read-only ---------------------------------------------------------------

    @property
    def show(self) -> Show:
        return self._show

    @property
    def position(self) -> Position | None:
        return None if self._cur is None else self._pos[self._cur]

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def auto_advance(self) -> bool:
        return self._auto

    @property
    def loop_count(self) -> int:
        return self._loop_count

    # -- the show, flattened ---------------------------------------------------------------

    def _load(self, show: Show) -> None:
        self._show = show
        self._exhibits = show.playable
        steps: list[Step] = []
        pos: list[Position] = []
        first: list[int] = []
        for e, exhibit in enumerate(self._exhibits):
            first.append(len(steps))
            for s, step in enumerate(exhibit.steps):
                steps.append(step)
                pos.append((e, s))
        self._steps = tuple(steps)
        self._pos = tuple(pos)
        self._first = tuple(first)
        self._n = len(steps)
        self._dur = tuple(_duration_s(s) for s in steps)
        self._open_ended = any(d is None for d in self._dur)
        # Exact running sums, rounded once each: prefix[i] is the start of step i in a loop.
        acc = Fraction(0)
        prefix = [0.0]
        for d in self._dur:
            acc += Fraction(d or 0.0)
            prefix.append(float(acc))
        self._prefix = tuple(prefix)
        self._loop_s = prefix[-1]
        self._names = tuple(self._exhibits[e].name for e, _ in pos)
        self._due_cache = None

    def _exhibit_len(self, e: int) -> int:
        end = self._first[e + 1] if e + 1 < len(self._first) else self._n
        return end - self._first[e]

    def _ref(self, idx: int) -> tuple[int, int, Path, str]:
        e, s = self._pos[idx]
        return e, s, self._exhibits[e].file, self._steps[idx].key

    def _match(self, ref: tuple[int, int, Path, str]) -> tuple[int, bool]:
        """The step with the same exhibit file and key (exact), else a clamped position."""
        e0, s0, file, key = ref
        for e, exhibit in enumerate(self._exhibits):
            if exhibit.file == file:
                hits = [s for s, step in enumerate(exhibit.steps) if step.key == key]
                if hits:
                    return self._first[e] + min(hits, key=lambda s: abs(s - s0)), True
                return self._first[e] + min(s0, len(exhibit.steps) - 1), False
        return self._first[min(e0, len(self._first) - 1)], False

    def _step_from(self, idx: int, direction: int) -> tuple[int, int]:
        """The neighbour of ``idx`` and whether that crossed the end of the show (+1 / -1)."""
        j = idx + direction
        if j >= self._n:
            return 0, 1
        if j < 0:
            return self._n - 1, -1
        return j, 0

    def _c(self, j: int) -> float:
        """Offset of virtual step ``j`` (any integer, loops unrolled) from the show start."""
        q, r = divmod(j, self._n)
        return q * self._loop_s + self._prefix[r]

    # -- state changes ---------------------------------------------------------------------

    def _clear_screen(self) -> None:
        self._cur = None
        self._cur_step = None
        self._orphan_ref = None
        self._orphan_name = ""
        self._prev_step = None
        self._trans = None
        self._trans_start = 0.0
        self._direction = 1
        self._step_start = 0.0
        self._ended_at = None
        self._anchor_time = 0.0
        self._anchor_index = 0
        self._anchor_steps = 0
        self._due_cache = None

    def _clear_target(self) -> None:
        self._target = None
        self._target_dir = 1
        self._target_time = 0.0
        self._target_wraps = 0
        self._target_auto = False  # set by the schedule, not by a command
        self._target_chain = False  # an on-time hand-over to the very next step
        self._target_held = False  # found pending: it starts on the tick it is ready

    def _set_target(self, idx: int, direction: int, when: float, *, wraps: int = 0,
                    auto: bool = False, chain: bool = False) -> None:
        self._target = idx
        self._target_dir = direction
        self._target_time = when
        self._target_wraps = wraps
        self._target_auto = auto
        self._target_chain = chain
        self._target_held = False

    def _reanchor(self) -> None:
        if self._cur is not None:
            self._anchor_time = self._step_start
            self._anchor_index = self._cur
            self._anchor_steps = 0
        self._due_cache = None

    def _end_transition(self) -> None:
        self._prev_step = None
        self._trans = None

    def _end_transition_if_done(self, now: float) -> None:
        if self._trans is not None and now - self._trans_start >= self._trans.duration_s:
            self._end_transition()

    def _navigate(self, direction: int, now: float) -> None:
        if not self._n:
            return
        self._end_transition()
        if self._target is not None and not self._target_auto:
            base, wraps = self._target, self._target_wraps  # the last command wins
        else:
            base, wraps = (self._cur if self._cur is not None else 0), 0
        j, w = self._step_from(base, direction)
        self._set_target(j, direction, now, wraps=max(0, wraps + w))

    def _due(self) -> tuple[float | None, bool]:
        """When the current step's time is up, and whether that is the plain schedule."""
        if self._due_cache is None:
            self._due_cache = self._compute_due()
        return self._due_cache

    def _compute_due(self) -> tuple[float | None, bool]:
        if self._cur is None:
            return None, False
        due: float | None = None
        on_schedule = False
        if self._dur[self._cur] is not None:
            a = self._anchor_index
            due = self._anchor_time + (self._c(a + self._anchor_steps + 1) - self._c(a))
            on_schedule = True
        if (isinstance(self._cur_step, Video) and self._ended_at is not None
                and (due is None or self._ended_at < due)):
            due, on_schedule = self._ended_at, False
        return due, on_schedule

    def _advance(self, now: float, readiness: ReadinessFn) -> None:
        """Hand over every step whose time is up by ``now`` (several after a long gap)."""
        budget = 4 * self._n + 16
        while budget > 0 and self._target is None and self._cur is not None:
            budget -= 1
            due, on_schedule = self._due()
            if due is None or now < due - DUE_SLACK_S:
                return
            if (on_schedule and not self._open_ended and self._loop_s > 0
                    and now - due >= self._loop_s
                    and all(readiness(s) == "ready" for s in self._steps)):
                # Far behind (the machine slept): skip whole loops in one step.
                loops = math.floor((now - due) / self._loop_s)
                self._anchor_steps += loops * self._n
                self._loop_count += loops
                self._due_cache = None
                continue
            j, wraps = self._step_from(self._cur, 1)
            self._set_target(j, 1, due, wraps=wraps, auto=True, chain=on_schedule)
            if not self._resolve(now, readiness):
                return

    def _resolve(self, now: float, readiness: ReadinessFn) -> bool:
        """Start the hand-over to the target if it is ready; skip failed steps; hold on
        pending ones. True when the hand-over started."""
        assert self._target is not None
        failed = 0
        while True:
            answer = readiness(self._steps[self._target])
            if answer == "ready":
                break
            if answer != "failed":  # pending (or anything unexpected): hold
                self._all_failed = False
                self._target_held = True
                return False
            failed += 1
            if failed >= self._n:
                self._enter_no_content()
                return False
            j, w = self._step_from(self._target, self._target_dir)
            self._target = j
            self._target_wraps = max(0, self._target_wraps + w)
            self._target_chain = False
        if (not self._target_auto and self._cur_step is not None
                and now < self._last_change + MIN_CHANGE_S):
            self._target_held = True  # too soon after the last change: it starts later
            return False
        if self._cur_step is None or self._target_held:
            start = now  # it starts when it appears
        else:
            start = min(now, max(self._target_time, self._not_before))
        self._begin(start)
        return True

    def _enter_no_content(self) -> None:
        self._all_failed = True
        self._clear_screen()
        self._target_auto = self._target_chain = False

    def _begin(self, start: float) -> None:
        idx = self._target
        assert idx is not None
        step = self._steps[idx]
        chain = (self._target_chain and start == self._target_time
                 and self._cur is not None and idx == (self._cur + 1) % self._n)
        fade = _fade(step.transition) if self._cur_step is not None else None
        self._prev_step = self._cur_step if fade is not None else None
        self._trans = fade
        self._trans_start = start
        self._direction = self._target_dir
        self._cur, self._cur_step = idx, step
        self._orphan_ref, self._orphan_name = None, ""
        self._step_start = start
        self._last_change = start
        self._begin_run()
        self._loop_count += self._target_wraps
        self._all_failed = False
        if self._paused:
            self._paused_at = start  # a step reached while paused waits at its start
        if chain:
            self._anchor_steps += 1
        else:
            self._reanchor()
        self._clear_target()

    def _begin_run(self) -> None:
        """The current step (re)starts: a new run (a clip on it plays from its start),
        with no end reported for it yet."""
        self._run_id += 1
        self._ended_at = None
        self._due_cache = None

    # -- the frame -------------------------------------------------------------------------

    def _frame(self, now: float) -> Frame:
        step = self._cur_step
        elapsed = step_progress = 0.0
        finished = False
        if step is not None:
            clock = self._paused_at if self._paused else now
            elapsed = max(0.0, clock - self._step_start)
            d = self._dur[self._cur] if self._cur is not None else _duration_s(step)
            if isinstance(step, Video) and self._ended_at is not None:
                step_progress = 1.0
            elif d:
                step_progress = min(1.0, elapsed / d)
            due, _ = self._due()
            finished = due is not None and clock >= due
        progress = 1.0
        if self._trans is not None:
            progress = min(1.0, max(0.0, (now - self._trans_start) / self._trans.duration_s))
        cur = self._cur
        pos = self._pos[cur] if cur is not None else None
        target = self._target
        no_content = not self._n or self._all_failed
        return Frame(
            current=step,
            current_pos=pos,
            previous=self._prev_step,
            transition=self._trans,
            progress=progress,
            direction=self._direction,
            step_elapsed_s=elapsed,
            step_progress=step_progress,
            finished=finished,
            paused=self._paused,
            auto_advance=self._auto,
            loop_count=self._loop_count,
            no_content=no_content,
            waiting=step is None and not no_content,
            exhibit_name=self._names[cur] if cur is not None else self._orphan_name,
            item_index=pos[1] if pos is not None else None,
            pending_target=self._steps[target] if target is not None else None,
            pending_target_pos=self._pos[target] if target is not None else None,
            run_id=self._run_id,
        )
