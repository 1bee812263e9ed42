"""Frame pacing figures: presented frames, drops, and work and interval percentiles."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field


@dataclass
class FrameStats:
    interval_s: float
    frames: int = 0
    dropped: int = 0
    recent: deque[float] = field(default_factory=lambda: deque(maxlen=240))
    last_at: float | None = None
    was_animating: bool = False
    # Animated frames of the last two minutes at 60 Hz: our work before the present, and
    # the time between presents (the present itself included).
    work_ms: deque[float] = field(default_factory=lambda: deque(maxlen=7200))
    interval_ms: deque[float] = field(default_factory=lambda: deque(maxlen=7200))

    def presented(self, now: float, animating: bool, work_s: float = 0.0) -> None:
        """Count a presented frame; while animating, a late one is a dropped frame.

        A still photo is not presented again each refresh, so gaps between presents then
        are not drops.
        """
        self.frames += 1
        late = self.last_at is not None and now - self.last_at > self.interval_s * 1.5
        if animating and self.was_animating and late:
            self.dropped += 1  # missed at least one refresh deadline
        if animating:
            self.work_ms.append(work_s * 1000.0)
            if self.was_animating and self.last_at is not None:
                self.interval_ms.append((now - self.last_at) * 1000.0)
        self.last_at = now
        self.was_animating = animating
        self.recent.append(now)

    def unchanged(self, now: float, animating: bool) -> None:
        """A frame on time with nothing new to present (a clipping read slower than a
        pixel a frame moves every other frame): not a dropped frame; a late one still is."""
        late = self.last_at is not None and now - self.last_at > self.interval_s * 1.5
        if animating and self.was_animating and late:
            self.dropped += 1
        self.last_at = now
        self.was_animating = animating

    def fps(self, now: float) -> float:
        return float(sum(1 for t in self.recent if now - t <= 1.0))

    def status(self, now: float) -> dict[str, object]:
        """The figures the status file reports."""
        return {"frames": self.frames, "fps": self.fps(now), "dropped_frames": self.dropped,
                **self.summary()}

    def summary(self) -> dict[str, dict[str, float]]:
        return {"frame_work_ms": percentiles(self.work_ms),
                "frame_interval_ms": percentiles(self.interval_ms)}


def percentiles(values: Iterable[float]) -> dict[str, float]:
    """``p50``, ``p99``, ``max`` (rounded to 0.01) and ``count`` of the values, for the
    status file; empty when there are none."""
    ordered = sorted(values)
    if not ordered:
        return {}

    def pick(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"p50": round(pick(0.5), 2), "p99": round(pick(0.99), 2),
            "max": round(ordered[-1], 2), "count": len(ordered)}
