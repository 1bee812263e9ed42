"""Pixel buffers that clip readers reuse instead of allocating a frame's worth each time.

A fitted 1080p frame is 8 MiB. Allocated fresh per frame, each one is a new mapping that
the kernel zero-fills page by page, and every clip's start and end moves the process's
memory by the size of its frame queue (about 64 MiB at 1080p): over a show that plays a
clip now and then, memory would swing by that much all day. The pool keeps the buffers:
memory rises once, the first time clips play, and then stays put.

A buffer is free when nothing but the pool refers to it: every frame handed out is a
numpy view, which keeps its buffer referenced until the last view is gone (the render
thread keeps the frame on screen until a newer one is shown, then drops it). So no frame
is ever overwritten while someone still holds it, without any explicit release.
"""

from __future__ import annotations

import sys
import threading

import numpy as np

DEFAULT_MAX_BUFFERS = 16


class FramePool:
    """Thread-safe; ``take`` from any reader thread."""

    def __init__(self, max_buffers: int = DEFAULT_MAX_BUFFERS) -> None:
        if max_buffers < 1:
            raise ValueError(f"max_buffers must be at least 1, got {max_buffers}")
        self.max_buffers = max_buffers
        self._buffers: list[np.ndarray] = []
        self._lock = threading.Lock()
        self.allocated = 0  # buffers made for the pool (grows to the high-water mark)
        self.overflow = 0  # frames that found the pool full and got their own array
        self._free_refs = _refs(([np.empty(1, np.uint8)]), 0)  # held by its list alone

    def take(self, shape: tuple[int, ...]) -> np.ndarray:
        """A C-contiguous uint8 array of ``shape`` whose contents are undefined."""
        size = 1
        for n in shape:
            size *= int(n)
        with self._lock:
            for i in range(len(self._buffers)):
                if _refs(self._buffers, i) > self._free_refs:
                    continue  # a frame from it is still queued or being drawn
                buf = self._buffers[i]
                if buf.size < size:
                    buf = np.empty(size, np.uint8)  # grows once for a larger frame
                    self._buffers[i] = buf
                    self.allocated += 1
                return buf[:size].reshape(shape)
            buf = np.empty(size, np.uint8)
            if len(self._buffers) < self.max_buffers:
                self._buffers.append(buf)
                self.allocated += 1
            else:
                self.overflow += 1
            return buf[:size].reshape(shape)

    @property
    def held_bytes(self) -> int:
        with self._lock:
            return sum(b.nbytes for b in self._buffers)


def _refs(buffers: list[np.ndarray], i: int) -> int:
    """References to ``buffers[i]``, counted the same way for the probe and the pool."""
    return sys.getrefcount(buffers[i])
