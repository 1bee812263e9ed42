"""Text contrast against the pixels behind it (WCAG 2.2, 1.4.3: at least 4.5:1).

Pure numpy. A label's backing is a black band of some opacity; the kiosk picks the least
opacity at which the brightest pixel behind the text, darkened by the band, still leaves
the text 4.5 times as bright (in relative luminance, plus 0.05). A dark photo keeps a
light band; a white or busy one (a bright speck counts as much as a bright sky) gets a
dark one. The brightest pixel is bounded by the brightest red, green and blue apart, so
the answer holds for every pixel whatever the colours.
"""

from __future__ import annotations

import numpy as np

WCAG_AA = 4.5
TARGET = 5.2  # the aim, above 4.5: thin strokes of small text never reach full colour
# Over a busy picture, 7:1 (WCAG's enhanced level): its edges fight the letters. Aimed
# higher: thin strokes of small text never reach their full colour.
BUSY_TARGET = 8.0
BUSY_SPREAD = 0.12  # standard deviation of luminance above which a region is busy
LIGHTEST_BAND, DARKEST_BAND = 0.35, 0.94  # opacity: a hint of band even on dark photos

_LINEAR = np.array([c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
                    for c in np.arange(256) / 255.0])
_WEIGHTS = (0.2126, 0.7152, 0.0722)  # red, green, blue


def linear(value: float) -> float:
    """An sRGB channel value 0..255 (fractional allowed) in linear light 0..1."""
    c = min(max(value, 0.0), 255.0) / 255.0
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def luminance_rgb(rgb: tuple[float, float, float]) -> float:
    return sum(w * linear(c) for w, c in zip(_WEIGHTS, rgb, strict=True))


def luminance(bgr: np.ndarray) -> np.ndarray:
    """Relative luminance of each pixel of a (..., 3 or 4) uint8 BGR(A) array."""
    return (_WEIGHTS[0] * _LINEAR[bgr[..., 2]] + _WEIGHTS[1] * _LINEAR[bgr[..., 1]]
            + _WEIGHTS[2] * _LINEAR[bgr[..., 0]])


def ratio(a: float, b: float) -> float:
    """The contrast ratio of two relative luminances, 1 to 21."""
    hi, lo = max(a, b), min(a, b)
    return (hi + 0.05) / (lo + 0.05)


def band_alpha(brightest: tuple[int, int, int], text_rgb: tuple[int, int, int],
               target: float = TARGET) -> float:
    """The least band opacity (0..1) that puts ``text_rgb`` at ``target`` contrast over a
    pixel no brighter than ``brightest`` (the largest red, green and blue behind it)."""
    text = luminance_rgb(text_rgb)

    def ok(alpha: float) -> bool:
        r, g, b = (c * (1 - alpha) for c in brightest)
        behind = luminance_rgb((r, g, b))
        return ratio(text, behind) >= target

    if ok(LIGHTEST_BAND):
        return LIGHTEST_BAND
    lo, hi = LIGHTEST_BAND, DARKEST_BAND
    for _ in range(12):
        mid = (lo + hi) / 2
        lo, hi = (lo, mid) if ok(mid) else (mid, hi)
    return hi


def brightest(bgr: np.ndarray) -> tuple[int, int, int]:
    """The largest red, green and blue in a BGR(A) region (black when empty)."""
    if bgr.size == 0:
        return (0, 0, 0)
    # Reduced in place: reshaping a region of the layer would copy it first.
    top = bgr.max(axis=tuple(range(bgr.ndim - 1)))
    return (int(top[2]), int(top[1]), int(top[0]))


def busy(bgr: np.ndarray) -> bool:
    """Whether a region is busy: its luminance spreads widely (foliage, a crowd, print)."""
    if bgr.size == 0:
        return False
    return float(luminance(bgr[::2, ::2]).std()) > BUSY_SPREAD


WORST_CASE = (255, 255, 255)  # behind a clip's label: any picture may come
