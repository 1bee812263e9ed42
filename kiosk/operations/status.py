"""The status operators and tests read: assembled from what each part reports, written as
JSON to the status file (replaced atomically, off the render thread) and served by the
optional HTTP endpoint.

A new status field belongs to the part that knows it: add it to that part's `status()`.
"""

from __future__ import annotations

import json
import logging
import os
import tempfile
import threading
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

STATES = ("starting", "playing", "paused", "closed", "no_content", "safe_mode")


def state_of(frame: Any) -> str:
    """What the show is doing, from the frame on screen."""
    if frame is None or frame.waiting:
        return "starting"
    if frame.no_content:
        return "no_content"
    return "paused" if frame.paused else "playing"


def frame_status(frame: Any, language: str, base: Path | None) -> dict[str, Any]:
    """Where the show is: exhibit, item, loop count."""
    current = frame.current if frame is not None else None
    return {
        "exhibit": frame.exhibit_name if frame is not None and current else None,
        "item": item_name(current, language, base),
        "item_index": frame.item_index if frame is not None and current else None,
        "loop_count": frame.loop_count if frame is not None else 0,
    }


def assemble(state: str, *reports: dict[str, Any], uptime_s: float,
             started_wall: float) -> dict[str, Any]:
    """One snapshot: the state, each part's report in turn, then the process's own."""
    snapshot: dict[str, Any] = {"state": state, "uptime_s": round(uptime_s, 1)}
    for report in reports:
        snapshot.update(report)
    snapshot.update({
        "rss_bytes": rss_bytes(),
        "threads": threading.active_count(),
        "started_at": iso(started_wall),
        "updated_at": iso(started_wall + uptime_s),
    })
    return snapshot


def item_name(step: object, default_language: str, base: Path | None = None) -> str | None:
    """How the status file names what is on screen: a media path or a card's title."""
    from kiosk.show.loader import shown_path
    from kiosk.show.model import Photo, TextCard, Video

    if isinstance(step, (Photo, Video)):
        return shown_path(step.path, base)
    if isinstance(step, TextCard):
        return step.title.get(default_language, default_language) or "(card)"
    return None


def rss_bytes() -> int | None:
    """Resident memory of this process (Linux), for operators watching for growth."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        return None


def iso(ts: float, timespec: str = "seconds") -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat(timespec=timespec)


def write_atomically(path: Path, text: str) -> None:
    """Readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".status-", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


class StatusWriter:
    """Takes snapshots from the loop and writes the latest one on its own thread."""

    def __init__(self, path: Path | None) -> None:
        self.path = path
        self._latest: dict[str, Any] | None = None
        self._wake = threading.Condition()
        self._stopping = False
        self._thread: threading.Thread | None = None
        self._failed_once = False

    def start(self) -> None:
        if self.path is None or self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="status-writer", daemon=True)
        self._thread.start()

    def revive(self) -> None:
        """Start the writer again if it died."""
        if self._thread is not None and not self._thread.is_alive() and not self._stopping:
            log.error("the status writer had stopped; starting a new one")
            self._thread = None
            self.start()

    def publish(self, snapshot: dict[str, Any]) -> None:
        """Cheap for the caller: stores the snapshot and wakes the writer."""
        if self.path is None:
            return
        with self._wake:
            self._latest = snapshot
            self._wake.notify()

    def stop(self, final: dict[str, Any] | None = None) -> None:
        if final is not None:
            self.publish(final)
        with self._wake:
            self._stopping = True
            self._wake.notify()
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def _run(self) -> None:
        while True:
            with self._wake:
                while self._latest is None and not self._stopping:
                    self._wake.wait()
                snapshot, self._latest = self._latest, None
                stopping = self._stopping
            if snapshot is not None:
                try:
                    self._write(snapshot)
                except Exception:  # a bad value in a snapshot must not end the writer
                    log.exception("cannot write the status file")
            if stopping and self._latest is None:
                return

    def _write(self, snapshot: dict[str, Any]) -> None:
        assert self.path is not None
        try:
            write_atomically(self.path, json.dumps(snapshot, ensure_ascii=False, indent=1))
            self._failed_once = False
        except OSError as exc:  # a full disk or read-only folder must not stop the show
            if not self._failed_once:
                log.error("cannot write the status file %s: %s", self.path, exc)
                self._failed_once = True
