"""An item's `link:` as a QR code a visitor can scan from 1 m, sized for the real screen.

Scanners read a code from about ten times its width; that rule is calibrated on a
version-3 code (29 modules), which gives the size of one module at the viewing distance.
A longer link needs more modules, so a wider code: past a share of the screen height it
no longer fits a corner, and `validate` warns (the kiosk still draws it, smaller).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from urllib.parse import urlparse

import numpy as np

SCAN_DISTANCE_MM = 1000.0
DISTANCE_PER_WIDTH = 10.0  # a code reads from about ten times its width
REFERENCE_MODULES = 29  # ... for a version-3 code
QUIET_MODULES = 4  # the white margin the standard asks for
MAX_SHARE = 0.4  # of the screen height: a corner (a 32-inch screen needs 0.32)
DEFAULT_DIAGONAL_IN = 55.0


@dataclass(frozen=True)
class QrPlan:
    matrix: np.ndarray  # modules, 1 = dark, without the quiet zone
    module_px: int
    side_px: int  # with the quiet zone
    scannable: bool  # fits the corner at the module size 1 m needs


def px_per_mm(screen: tuple[int, int], diagonal_in: float) -> float:
    return math.hypot(*screen) / (diagonal_in * 25.4)


def qr_matrix(link: str) -> np.ndarray:
    import segno

    code = segno.make(link, error="m", micro=False)
    return np.array(code.matrix, dtype=np.uint8)


def plan(link: str, screen: tuple[int, int], diagonal_in: float = DEFAULT_DIAGONAL_IN
         ) -> QrPlan:
    matrix = qr_matrix(link)
    modules = matrix.shape[0] + 2 * QUIET_MODULES
    module_mm = SCAN_DISTANCE_MM / DISTANCE_PER_WIDTH / REFERENCE_MODULES
    wanted_px = max(2, math.ceil(module_mm * px_per_mm(screen, diagonal_in)))
    room_px = int(screen[1] * MAX_SHARE)
    fits = modules * wanted_px <= room_px
    module_px = wanted_px if fits else max(1, room_px // modules)
    return QrPlan(matrix, module_px, modules * module_px, fits)


def needed_cm(link: str, screen: tuple[int, int], diagonal_in: float) -> tuple[float, float]:
    """How wide the code must be to scan from 1 m, and the room a corner has (cm); the
    same whole-pixel modules `plan` draws with."""
    matrix = qr_matrix(link)
    per_mm = px_per_mm(screen, diagonal_in)
    modules = matrix.shape[0] + 2 * QUIET_MODULES
    module_mm = SCAN_DISTANCE_MM / DISTANCE_PER_WIDTH / REFERENCE_MODULES
    wanted_px = max(2, math.ceil(module_mm * per_mm))
    return modules * wanted_px / per_mm / 10, int(screen[1] * MAX_SHARE) / per_mm / 10


def image(p: QrPlan) -> np.ndarray:
    """The code as a BGR picture: black modules on white, with its quiet zone."""
    light = np.pad(1 - p.matrix, QUIET_MODULES, constant_values=1) * 255
    big = np.kron(light, np.ones((p.module_px, p.module_px), np.uint8)).astype(np.uint8)
    return np.repeat(big[:, :, None], 3, axis=2)


def short_label(link: str) -> str:
    """Where the link leads, briefly: `example.org/archive`."""
    parts = urlparse(link)
    host = parts.netloc.removeprefix("www.")
    first = parts.path.strip("/").split("/")[0]
    return f"{host}/{first}" if first and len(host) + len(first) < 28 else host
