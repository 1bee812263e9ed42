"""Logging: one line per event to stderr (journald), repeats folded into a count."""

from __future__ import annotations

import logging
import sys
import time
from pathlib import Path


class RepeatFilter(logging.Filter):
    """Lets a message through once per window; then says how often it repeated."""

    def __init__(self, window_s: float = 60.0, clock=time.monotonic) -> None:
        super().__init__()
        self.window_s = window_s
        self.clock = clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, record.getMessage())
        now = self.clock()
        first, repeats = self._seen.get(key, (None, 0))
        if first is not None and now - first < self.window_s:
            self._seen[key] = (first, repeats + 1)
            return False
        if repeats:
            record.msg = f"{record.getMessage()} (repeated {repeats} times)"
            record.args = ()
        self._seen[key] = (now, 0)
        if len(self._seen) > 2000:  # bounded: forget the oldest half
            for old in sorted(self._seen, key=lambda k: self._seen[k][0])[:1000]:
                del self._seen[old]
        return True


def setup_logging(level: str = "info", log_file: Path | None = None) -> None:
    # A full disk or a vanished log folder must not print a traceback per line to stderr
    # (journald) or stop the show: a failing handler just drops the record.
    logging.raiseExceptions = False
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    fmt = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    if log_file is not None:
        from logging.handlers import RotatingFileHandler

        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            handlers.append(RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=3,
                                                encoding="utf-8"))
        except OSError as exc:
            print(f"kiosk: cannot open the log file {log_file}: {exc}", file=sys.stderr)
    repeat = RepeatFilter()
    for handler in handlers:
        handler.setFormatter(fmt if handler is handlers[0] else logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s: %(message)s"))
        handler.addFilter(repeat)
        root.addHandler(handler)
    root.setLevel(level.upper())
