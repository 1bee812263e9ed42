"""Logging: one line per event to stderr (journald) and the optional log file, repeats
folded into a count.

The repeat filter decides once per record: the first handler that sees a record asks it,
and every other handler gets the same answer (and the same "repeated N times" text), so
the log file says what journald says.
"""

from __future__ import annotations

import logging
import sys
import time
from collections.abc import Callable
from logging.handlers import RotatingFileHandler
from pathlib import Path

_DECIDED = "_kiosk_repeat_shown"  # set on a record once the filter has decided on it
_OURS = "_kiosk_handler"  # marks the handlers setup_logging installed


class RepeatFilter(logging.Filter):
    """Lets a message through once per window; then says how often it repeated."""

    def __init__(self, window_s: float = 60.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        super().__init__()
        self.window_s = window_s
        self.clock = clock
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}

    def filter(self, record: logging.LogRecord) -> bool:
        decided = getattr(record, _DECIDED, None)
        if decided is None:
            decided = self._decide(record)
            setattr(record, _DECIDED, decided)
        return decided

    def _decide(self, record: logging.LogRecord) -> bool:
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


def setup_logging(level: str = "info", log_file: Path | None = None,
                  repeat: RepeatFilter | None = None) -> None:
    """Send the kiosk's log to stderr and, when given, ``log_file``.

    Safe to call again while running (new level or file from live settings): the handlers
    of the last call are removed and closed, so the old log file is let go.
    """
    # A full disk or a vanished log folder must not print a traceback per line to stderr
    # (journald) or stop the show: a failing handler just drops the record.
    logging.raiseExceptions = False
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
        if getattr(handler, _OURS, False):
            handler.close()
    handlers: list[logging.Handler] = [logging.StreamHandler(sys.stderr)]
    handlers[0].setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    if log_file is not None:
        try:
            log_file.parent.mkdir(parents=True, exist_ok=True)
            to_file = RotatingFileHandler(log_file, maxBytes=5_000_000, backupCount=3,
                                          encoding="utf-8")
        except OSError as exc:
            print(f"kiosk: cannot open the log file {log_file}: {exc}", file=sys.stderr)
        else:
            to_file.setFormatter(logging.Formatter(
                "%(asctime)s %(levelname)s %(name)s: %(message)s"))
            handlers.append(to_file)
    # One filter shared by the handlers; it answers each record once (see the module doc).
    # A filter on the root logger would not do: it never sees records of child loggers.
    repeat = repeat or RepeatFilter()
    for handler in handlers:
        handler.addFilter(repeat)
        setattr(handler, _OURS, True)
        root.addHandler(handler)
    root.setLevel(level.upper())
