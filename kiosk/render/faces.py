"""Font faces as the layout uses them: HarfBuzz to shape, FreeType to draw glyphs.

A :class:`FontFace` names a face (file and index in a .ttc collection: Noto Sans CJK keeps
its Japanese, Korean, Simplified and Traditional Chinese faces in one file). A
:class:`Face` is opened once per process (:func:`open_face`) and shared: the file is
memory-mapped by HarfBuzz and read by FreeType as glyphs are needed, so a 20 MB CJK
collection costs little until its glyphs are drawn. Glyph bitmaps are cached per size,
bounded.

No pygame here: glyphs come out as numpy alpha masks.
"""

from __future__ import annotations

import ctypes
import os
import threading
from collections import OrderedDict
from dataclasses import dataclass
from typing import Any

import numpy as np

from kiosk.render.fonts import FontError

__all__ = ["Face", "FontFace", "Glyph", "open_face"]

_GLYPHS_PER_FACE = 4096


@dataclass(frozen=True)
class FontFace:
    """One face of a font file (``index`` counts faces in a .ttc/.otc collection)."""

    path: str
    index: int = 0

    def __str__(self) -> str:
        return self.path if self.index == 0 else f"{self.path}#{self.index}"


@dataclass(frozen=True)
class Glyph:
    """A drawn glyph: alpha mask and where its top-left goes from the pen position."""

    alpha: np.ndarray  # (h, w) uint8
    left: int
    top: int  # pixels above the baseline


class Face:
    """A face opened for shaping and drawing; thread-safe."""

    def __init__(self, face: FontFace) -> None:
        import uharfbuzz as hb  # at first use: the import itself costs ~20 ms

        self.font_face = face
        if not os.path.isfile(face.path):
            raise FontError(f"font file not found: {face.path}")
        try:
            self._hb_face = hb.Face(hb.Blob.from_file_path(face.path), face.index)
        except Exception as exc:
            raise FontError(f"cannot read font {face.path}: {exc}") from exc
        if self._hb_face.glyph_count == 0:
            raise FontError(f"{face.path} is not a font file (or has no face "
                                f"{face.index})")
        self.upem = self._hb_face.upem
        self._lock = threading.Lock()
        self._unicodes: frozenset[int] | None = None
        self._fonts: dict[int, object] = {}
        self._ft: Any = None  # a freetype.Face (freetype-py ships no types), opened lazily
        self._ft_size = 0
        self._glyphs: OrderedDict[tuple[int, int], Glyph] = OrderedDict()

    @property
    def unicodes(self) -> frozenset[int]:
        """Code points the face maps to a glyph."""
        if self._unicodes is None:
            self._unicodes = frozenset(self._hb_face.unicodes)
        return self._unicodes

    def hb_font(self, size_px: int):
        """A HarfBuzz font at ``size_px``; positions come out in 1/64 px."""
        font = self._fonts.get(size_px)
        if font is None:
            import uharfbuzz as hb

            font = hb.Font(self._hb_face)
            font.scale = (size_px * 64, size_px * 64)
            self._fonts[size_px] = font
        return font

    def extents(self, size_px: int) -> tuple[float, float]:
        """(ascent, descent) in pixels, both positive."""
        ext = self.hb_font(size_px).get_font_extents("ltr")
        ascent, descent = ext.ascender / 64, -ext.descender / 64
        if ascent <= 0:  # a few fonts leave hhea empty
            ascent, descent = size_px * 0.9, size_px * 0.25
        return ascent, descent

    def glyph(self, size_px: int, gid: int) -> Glyph:
        key = (size_px, gid)
        with self._lock:
            found = self._glyphs.get(key)
            if found is not None:
                return found
            found = self._render(size_px, gid)
            self._glyphs[key] = found
            while len(self._glyphs) > _GLYPHS_PER_FACE:
                self._glyphs.popitem(last=False)
            return found

    def _render(self, size_px: int, gid: int) -> Glyph:
        import freetype

        if self._ft is None:
            self._ft = freetype.Face(self.font_face.path, self.font_face.index)
        ft = self._ft
        if self._ft_size != size_px:
            ft.set_pixel_sizes(0, size_px)
            self._ft_size = size_px
        try:
            ft.load_glyph(gid, freetype.FT_LOAD_DEFAULT | freetype.FT_LOAD_TARGET_LIGHT)
            ft.glyph.render(freetype.FT_RENDER_MODE_NORMAL)
        except freetype.FT_Exception:
            return Glyph(np.zeros((0, 0), np.uint8), 0, 0)
        bitmap = ft.glyph.bitmap
        rows, width, pitch = bitmap.rows, bitmap.width, bitmap.pitch
        if rows == 0 or width == 0:
            return Glyph(np.zeros((0, 0), np.uint8), 0, 0)
        raw = ctypes.string_at(bitmap._FT_Bitmap.buffer, rows * abs(pitch))
        alpha = np.frombuffer(raw, np.uint8).reshape(rows, abs(pitch))[:, :width].copy()
        return Glyph(alpha, ft.glyph.bitmap_left, ft.glyph.bitmap_top)


def warm_up() -> None:
    """Import FreeType's binding (~0.1 s) ahead of the first glyph, off the render thread."""
    import freetype  # noqa: F401


_OPEN: dict[FontFace, Face] = {}
_OPEN_LOCK = threading.Lock()


def open_face(face: FontFace) -> Face:
    """The shared :class:`Face` for ``face`` (opened on first use). Raises FontError."""
    with _OPEN_LOCK:
        found = _OPEN.get(face)
        if found is None:
            found = _OPEN[face] = Face(face)
        return found
