"""An owned worker thread that does jobs in order and hands results back through a queue.

The render loop never waits on slow work (a thumbnail's decode, a label's layout); it
puts a job and, on a later frame, takes what is done. ``start`` and ``stop`` (which joins)
make the thread's life explicit; a job that raises is logged and the thread goes on.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Job = TypeVar("Job")
Result = TypeVar("Result")


class JobThread(Generic[Job, Result]):
    def __init__(self, name: str, work: Callable[[Job], Result]) -> None:
        self.name = name
        self._work = work
        self._jobs: queue.SimpleQueue[Job | None] = queue.SimpleQueue()
        self._done: queue.SimpleQueue[Result] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        """Start the thread (once; again while running does nothing)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=self.name, daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> bool:
        """Finish the job in hand, drop the rest, join; True when the thread ended."""
        thread = self._thread
        if thread is None:
            return True
        while True:  # what was not started yet is not wanted any more
            try:
                self._jobs.get_nowait()
            except queue.Empty:
                break
        self._jobs.put(None)
        thread.join(timeout_s)
        self._thread = None
        return not thread.is_alive()

    def put(self, job: Job) -> None:
        self._jobs.put(job)

    def results(self) -> list[Result]:
        """What is done since the last call (never waits)."""
        out = []
        while True:
            try:
                out.append(self._done.get_nowait())
            except queue.Empty:
                return out

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            try:
                result = self._work(job)
            except Exception:  # one bad job must not end the thread
                log.exception("%s: a job failed", self.name)
                continue
            self._done.put(result)
