"""The staff lock: wrong PINs counted for the whole kiosk, and the lockouts they earn.

Pure: no pygame, no threads, no disk. Times are wall-clock seconds (``time.time()``)
passed in, because the lock outlives the process: it is saved in the state folder
(kiosk.visitor.staff_store) and read back after a restart. Closing the pad, opening a
new one, a reload or a restart changes nothing: only time or the right PIN does.
"""

from __future__ import annotations

import logging
import math
from dataclasses import dataclass
from typing import Any

from kiosk.operations.status import iso

log = logging.getLogger("kiosk.visitor.staff")

ATTEMPTS_PER_ROUND = 5  # wrong PINs in a row that earn a lockout
LOCK_STEPS_S = (60.0, 300.0, 900.0)  # the first, second, third and later lockouts


def lock_for_round(round_: int) -> float:
    """Seconds of the lockout earned by the ``round_``-th set of wrong PINs (1-based)."""
    return LOCK_STEPS_S[min(max(round_, 1), len(LOCK_STEPS_S)) - 1]


def locked_message(remaining_s: float) -> str:
    """The one wording of the lock on the pad."""
    return f"Locked: try again in {math.ceil(remaining_s)} s"


@dataclass
class StaffLock:
    failures: int = 0  # wrong PINs since the last right one: they decide the lockouts
    total: int = 0  # every wrong PIN ever counted here, so no two log lines read the same
    locked_until: float = 0.0  # wall clock

    def remaining_s(self, wall: float) -> float:
        """Seconds of lockout left. A clock set back cannot stretch it past the longest
        lockout, so a kiosk booting with a wrong clock is never locked for days."""
        return max(0.0, min(self.locked_until - wall, LOCK_STEPS_S[-1]))

    def locked(self, wall: float) -> bool:
        return self.remaining_s(wall) > 0

    def message(self, wall: float) -> str:
        return locked_message(self.remaining_s(wall)) if self.locked(wall) else ""

    def failed(self, wall: float) -> None:
        """A wrong PIN: counted, logged (each line differs: never folded as a repeat), and
        every ``ATTEMPTS_PER_ROUND``-th in a row locks the pad, longer each round."""
        self.failures += 1
        self.total += 1
        log.warning("staff PIN: wrong PIN, attempt %d in a row (%d counted in all)",
                    self.failures, self.total)
        if self.failures % ATTEMPTS_PER_ROUND == 0:
            round_ = self.failures // ATTEMPTS_PER_ROUND
            seconds = lock_for_round(round_)
            self.locked_until = wall + seconds
            log.warning("staff PIN: locked for %d s after %d wrong PINs in a row (round %d)",
                        seconds, self.failures, round_)

    def succeeded(self) -> None:
        """The right PIN: the next wrong one starts from the first round again."""
        self.failures = 0
        self.locked_until = 0.0

    # -- persistence (the store at the edge reads and writes these dicts) ---------------
    def to_dict(self) -> dict[str, Any]:
        return {"failures": self.failures, "total": self.total,
                "locked_until": self.locked_until}

    @classmethod
    def from_dict(cls, data: Any) -> StaffLock:
        """ValueError/TypeError when ``data`` is not a lock written by ``to_dict``."""
        if not isinstance(data, dict):
            raise TypeError("not a JSON object")
        fields: dict[str, Any] = data  # JSON: values of any type, checked below
        failures = int(fields["failures"])
        total = int(fields.get("total", failures))
        until = float(fields["locked_until"])
        if failures < 0 or total < failures or until != until:  # until != until: NaN
            raise ValueError("counts out of range")
        return cls(failures, total, until)

    def status(self, wall: float) -> dict[str, Any]:
        """For the status snapshot: wrong PINs since the last right one, and the end of
        the lockout (ISO 8601, UTC) or None when the pad is not locked."""
        until = None
        if self.locked(wall):
            until = iso(wall + self.remaining_s(wall))
        return {"pin_failures": self.failures, "pin_locked_until": until}
