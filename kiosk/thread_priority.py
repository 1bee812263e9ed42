"""Background threads yield the cores to the render loop.

On a 2-core box a 24 MP photo decoding for a later step (150-300 ms of one core), a
visitor's zoom being rendered or a manifest re-read competes with the render thread and
the threads that make the next refreshes' pictures. At equal priority the scheduler
shares the cores evenly, and a frame of a pan can come late. Work with seconds to spare
therefore runs at a lower priority (Linux "nice" is per thread): it still gets every
idle cycle, but the render loop, the pan frame maker, a clip's decoder and its sound win
whenever they want a core. Labels and index thumbnails (``JobThread``) keep the render
thread's priority: a pan waits for its label, and a visitor for a thumbnail.

Only Linux: elsewhere ``os.setpriority`` with a thread id would lower the whole process.

A thread that must keep the render thread's priority but works in long stretches (the
pan frame maker) instead gives its core up between pieces of work (``yield_core``).
"""

from __future__ import annotations

import logging
import os
import sys
import threading

log = logging.getLogger(__name__)

BACKGROUND_NICE = 10  # CFS weight 110 against 1024: about a tenth of a contended core
_sched_yield = getattr(os, "sched_yield", lambda: None)  # absent on Windows


def run_in_background() -> None:
    """Lower the calling thread's priority by BACKGROUND_NICE (once; threads it starts
    inherit it). Never raises: a kiosk that cannot renice shows on at equal priority."""
    if not sys.platform.startswith("linux"):
        return
    tid = threading.get_native_id()
    try:
        base = os.getpriority(os.PRIO_PROCESS, os.getpid())
        if os.getpriority(os.PRIO_PROCESS, tid) < base + BACKGROUND_NICE:
            os.setpriority(os.PRIO_PROCESS, tid, min(19, base + BACKGROUND_NICE))
    except OSError as e:
        log.debug("could not lower thread %s's priority: %s", threading.current_thread().name, e)


def yield_core() -> None:
    """Let a thread waiting for this core run first (the render thread, woken for a
    frame's deadline): the kernel lets a running thread finish its slice before one that
    just woke. Nothing where the system has no such call."""
    _sched_yield()
