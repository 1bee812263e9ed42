"""What each signal means to a running kiosk.

- SIGTERM and SIGINT end the show cleanly, exit code 0 (`systemctl stop`, Ctrl+C).
- SIGHUP reads the settings and every exhibit again (the daemon convention;
  `systemctl reload kiosk`).
- Other signals whose default is to end the process without a word (SIGQUIT, SIGUSR1,
  SIGUSR2, SIGALRM, ...) are logged and end the show with exit code 1, so the status file
  says `closed`, the last proof-of-play row is written and the supervisor restarts it.
SIGKILL and a crash of the interpreter cannot be caught; the unit file restarts those.

Handlers run on the main thread between two steps of the loop; they only set flags.
"""

from __future__ import annotations

import signal
from collections.abc import Callable
from types import FrameType

STOP = ("SIGTERM", "SIGINT")
RELOAD = ("SIGHUP",)
UNEXPECTED = ("SIGQUIT", "SIGUSR1", "SIGUSR2", "SIGALRM", "SIGVTALRM", "SIGPROF", "SIGPOLL",
              "SIGPWR", "SIGSTKFLT")


def install(on_stop: Callable[[str], None], on_reload: Callable[[], None],
            on_unexpected: Callable[[str], None]) -> list[str]:
    """Install the handlers; returns the names of the signals now handled (a platform
    may lack some)."""
    handled: list[str] = []
    for names, act in ((STOP, on_stop), (RELOAD, lambda _name: on_reload()),
                       (UNEXPECTED, on_unexpected)):
        for name in names:
            number = getattr(signal, name, None)
            if number is None:
                continue
            signal.signal(number, _handler(act))
            handled.append(name)
    return handled


def _handler(act: Callable[[str], None]) -> Callable[[int, FrameType | None], None]:
    """A signal handler that passes the signal's name to ``act``."""
    def handle(signum: int, _frame: FrameType | None) -> None:
        act(signal.Signals(signum).name)
    return handle
