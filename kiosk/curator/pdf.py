"""A PDF of full-page pictures, lossless (Flate), one picture per page.

A proof must show each slide exactly as the compositor drew it; Pillow's PDF writer stores
colour pictures as JPEG, which changes pixels. This writer is the few objects a PDF needs
for that and nothing more: a catalog, a page tree, and per page an image and the one
drawing command that fills the page with it (at 96 pixels per inch).
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable
from pathlib import Path

import numpy as np

POINTS_PER_PIXEL = 72 / 96


def write_pdf(path: Path, pages: Iterable[np.ndarray], title: str = "") -> int:
    """Write RGB pages (H x W x 3, uint8) to `path`; returns the number of pages."""
    objects: list[bytes] = [b"", b""]  # 1: catalog, 2: page tree, filled in at the end
    kids: list[int] = []
    for rgb in pages:
        h, w = rgb.shape[:2]
        data = zlib.compress(np.ascontiguousarray(rgb[:, :, :3], np.uint8).tobytes(), 2)
        objects.append(b"<< /Type /XObject /Subtype /Image /Width %d /Height %d "
                       b"/ColorSpace /DeviceRGB /BitsPerComponent 8 /Filter /FlateDecode "
                       b"/Length %d >>\nstream\n" % (w, h, len(data)) + data + b"\nendstream")
        image = len(objects)
        pw, ph = w * POINTS_PER_PIXEL, h * POINTS_PER_PIXEL
        draw = b"q %.2f 0 0 %.2f 0 0 cm /Im0 Do Q" % (pw, ph)
        objects.append(b"<< /Length %d >>\nstream\n" % len(draw) + draw + b"\nendstream")
        content = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %.2f %.2f] "
                       b"/Resources << /XObject << /Im0 %d 0 R >> >> /Contents %d 0 R >>"
                       % (pw, ph, image, content))
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                  + b"] /Count %d >>" % len(kids))
    info = len(objects) + 1
    escaped = title.encode("utf-16-be").hex().upper().encode()
    objects.append(b"<< /Title <FEFF" + escaped + b"> /Producer (kiosk proof) >>")
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for n, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % n + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % o for o in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, info, xref))
    temp = path.with_name(f".{path.name}.partial")
    temp.write_bytes(bytes(out))
    temp.replace(path)
    return len(kids)
