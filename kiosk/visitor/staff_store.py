"""The staff lock's edges: its file in the state folder, and the thread that checks PINs.

A PIN check costs a deliberate fraction of a second (kiosk.visitor.staff_pin) and saving
the lock touches the disk, so both run on one owned worker thread, in the order they were
asked; verdicts come back through a queue the controller polls each frame.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
from pathlib import Path
from typing import Any, Literal

from kiosk.operations.supervise import state_dir, write_durably
from kiosk.visitor.staff_lock import StaffLock
from kiosk.visitor.staff_pin import check_pin

log = logging.getLogger("kiosk.visitor.staff")

LOCK_FILE = "staff_lock.json"


class LockStore:
    """``staff_lock.json`` in the kiosk's state folder ($STATE_DIRECTORY under systemd)."""

    def __init__(self, folder: Path | None = None) -> None:
        self.path = state_dir(folder) / LOCK_FILE

    def load(self) -> StaffLock:
        """The saved lock; a missing or unreadable file is no lock, and says so in the log."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            log.info("staff lock: no %s yet: no wrong PINs on record", self.path)
            return StaffLock()
        except OSError as exc:
            log.warning("staff lock: cannot read %s (%s): starting unlocked", self.path, exc)
            return StaffLock()
        try:
            lock = StaffLock.from_dict(json.loads(text))
        except (ValueError, TypeError, KeyError) as exc:
            log.warning("staff lock: %s is damaged (%s): starting unlocked", self.path, exc)
            return StaffLock()
        if lock.failures:
            log.info("staff lock: %d wrong PINs in a row on record", lock.failures)
        return lock

    def save(self, data: dict[str, Any]) -> None:
        """Atomic: a power cut leaves the old file or the new one. Failures are logged."""
        try:
            write_durably(self.path, json.dumps(data) + "\n")
        except OSError as exc:
            log.warning("staff lock: cannot save %s (%s): a restart would forget it",
                        self.path, exc)


# ("check", pin, stored hash), ("save", lock as a dict), or None: stop.
_Job = tuple[Literal["check"], str, str] | tuple[Literal["save"], dict[str, Any]] | None


class StaffWorker:
    """Checks PINs and saves the lock off the render thread; ``poll`` gives verdicts."""

    def __init__(self, store: LockStore) -> None:
        self.store = store
        self._jobs: queue.SimpleQueue[_Job] = queue.SimpleQueue()
        self._verdicts: queue.SimpleQueue[bool] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="staff-pin", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Saves still queued are written before the thread ends."""
        if self._thread is not None:
            self._jobs.put(None)
            self._thread.join(timeout=10)
            self._thread = None

    def check(self, pin: str, stored_hash: str) -> None:
        self._jobs.put(("check", pin, stored_hash))

    def save(self, lock: StaffLock) -> None:
        self._jobs.put(("save", lock.to_dict()))

    def poll(self) -> bool | None:
        """The verdict of a finished check, or None while there is none."""
        try:
            return self._verdicts.get_nowait()
        except queue.Empty:
            return None

    def _run(self) -> None:
        while True:
            job = self._jobs.get()
            if job is None:
                return
            if job[0] == "check":
                _, pin, stored = job
                try:
                    verdict = check_pin(pin, stored)
                except Exception:  # a broken hash must not leave the pad waiting forever
                    log.exception("staff PIN: the check failed")
                    verdict = False
                self._verdicts.put(verdict)
            else:
                self.store.save(job[1])
