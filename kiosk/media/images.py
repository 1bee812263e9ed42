"""Photo loading: header probe, size-aware decode, orientation, flattening and scaling.

Runs on worker threads, so it must not touch pygame: it returns plain BGR numpy
arrays and the main thread turns them into surfaces.

Decisions worth knowing (checked against OpenCV 5.0, locked in by tests/test_images.py):

* The pixel limit is enforced from the header (Pillow's lazy ``Image.open``) before any
  decode, because a small compressed file can expand to gigabytes.
* JPEG/PNG/WebP/BMP are decoded with ``IMREAD_IGNORE_ORIENTATION`` and oriented here from
  the probed EXIF tag. OpenCV honours EXIF with the COLOR and REDUCED flags but silently
  ignores it with ``IMREAD_UNCHANGED`` (which the alpha path needs); doing it ourselves keeps
  both paths identical and lets us rotate the small scaled image instead of the full one.
* TIFF is the exception: OpenCV's TIFF decoder always applies the orientation tag (even
  with ``IMREAD_IGNORE_ORIENTATION``), ``cv2.imread`` fails outright on rotated TIFFs, and
  the REDUCED flags return wrongly shaped images for them. TIFF is therefore decoded at
  full size with ``cv2.imdecode`` and trusted to be upright.
* JPEG is decoded from memory (``cv2.imdecode``) because that path refuses truncated
  files, while ``cv2.imread`` returns them grey-padded. PNG/WebP/BMP use ``cv2.imread``
  (both refuse truncation) so the compressed file is not held in memory as well.
* ``IMREAD_REDUCED_*`` drops alpha, so images with transparency take a full-size
  ``IMREAD_UNCHANGED`` decode and are flattened over the background before scaling.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from types import ModuleType
from typing import Literal

import cv2
import numpy as np

from kiosk.errors import MediaError
from kiosk.media import check_readable_file

# We apply our own, configurable pixel limit (with a readable reason) before decoding.
# Pillow's global bomb check would otherwise raise or warn on legitimate panoramas and
# hide the image size we want to report.


def _pil() -> ModuleType:
    """Pillow, imported when the first header is read (off the render thread)."""
    from PIL import Image

    # The kiosk enforces its own pixel limit from the header; Pillow's would fire first.
    Image.MAX_IMAGE_PIXELS = None
    return Image

Fit = Literal["contain", "cover", "width", "height", "pan"]
MOVING_FITS = ("width", "height", "pan")
# A pan's picture is decoded this much larger than covering the screen: the closer framing
# at its end (the default zoom) is still drawn at one source pixel per screen pixel.
PAN_SCALE = 1.25
# A scrolled strip is never kept larger than this (BGRA bytes); a longer one is decoded
# a little narrower than the screen, with bands at its sides.
MAX_MOVING_BYTES = 128 * 1024 * 1024

DEFAULT_MAX_PIXELS = 100_000_000

# Pillow format name -> name we report. MPO is what Pillow calls the multi-picture JPEGs
# many cameras write; the first picture is an ordinary JPEG.
_SUPPORTED_FORMATS = {
    "JPEG": "JPEG",
    "MPO": "JPEG",
    "PNG": "PNG",
    "WEBP": "WEBP",
    "BMP": "BMP",
    "TIFF": "TIFF",
}

# Leading bytes of the supported formats, used only to word error messages.
_MAGIC = (
    b"\xff\xd8\xff",
    b"\x89PNG\r\n\x1a\n",
    b"RIFF",
    b"BM",
    b"II*\x00",
    b"MM\x00*",
)

_ORIENTATION_TAG = 0x0112
_SWAPS_AXES = frozenset({5, 6, 7, 8})

_REDUCED_FLAGS = (
    (8, cv2.IMREAD_REDUCED_COLOR_8),
    (4, cv2.IMREAD_REDUCED_COLOR_4),
    (2, cv2.IMREAD_REDUCED_COLOR_2),
)


class ImageError(MediaError):
    """An image that cannot be shown."""


@dataclass(frozen=True, slots=True)
class ImageInfo:
    width: int  # as displayed, i.e. after EXIF orientation
    height: int
    raw_width: int  # as stored in the file
    raw_height: int
    format: str  # "JPEG", "PNG", "WEBP", "BMP" or "TIFF"
    orientation: int  # EXIF orientation tag, 1-8 (1 when absent or invalid)
    has_alpha: bool
    frames: int  # > 1 for animated images; only the first frame is shown

    @property
    def pixels(self) -> int:
        return self.raw_width * self.raw_height


def fit_size(src_w: int, src_h: int, dst_w: int, dst_h: int, fit: Fit) -> tuple[int, int]:
    """Size of the whole source scaled to ``dst`` keeping its aspect ratio.

    ``contain``: the largest size that fits inside dst (one side equals dst).
    ``cover``: the smallest size that covers dst (one side equals dst, the other >= dst);
    the caller crops the overflow.
    """
    if min(src_w, src_h, dst_w, dst_h) <= 0:
        raise ValueError(f"sizes must be positive: {src_w}x{src_h} -> {dst_w}x{dst_h}")
    if fit not in ("contain", "cover"):
        raise ValueError(f"fit must be 'contain' or 'cover', not {fit!r}")
    # Integer cross-multiplication: which side limits the scale, without float drift.
    width_limits = dst_w * src_h <= dst_h * src_w
    if fit == "cover":
        width_limits = not width_limits
    if width_limits:
        h = _round_div(src_h * dst_w, src_w)
        h = min(dst_h, h) if fit == "contain" else max(dst_h, h)
        return dst_w, max(1, h)
    w = _round_div(src_w * dst_h, src_h)
    w = min(dst_w, w) if fit == "contain" else max(dst_w, w)
    return max(1, w), dst_h


def moving_size(src_w: int, src_h: int, dst_w: int, dst_h: int, fit: str) -> tuple[int, int]:
    """Size of a moving photo's pre-scaled picture: ``width`` fitted across the screen's
    width (any height), ``height`` across its height, ``pan`` covering it PAN_SCALE
    times; never more than MAX_MOVING_BYTES as BGRA."""
    if min(src_w, src_h, dst_w, dst_h) <= 0:
        raise ValueError(f"sizes must be positive: {src_w}x{src_h} -> {dst_w}x{dst_h}")
    if fit == "width":
        scale = dst_w / src_w
    elif fit == "height":
        scale = dst_h / src_h
    elif fit == "pan":
        scale = max(dst_w / src_w, dst_h / src_h) * PAN_SCALE
    else:
        raise ValueError(f"not a moving fit: {fit!r}")
    scale = min(scale, (MAX_MOVING_BYTES / 4 / (src_w * src_h)) ** 0.5)
    return max(1, round(src_w * scale)), max(1, round(src_h * scale))


def reduction_flag(src_w: int, src_h: int, need_w: int, need_h: int) -> int:
    """The cheapest ``cv2.imdecode`` flag that still yields at least ``need_w x need_h``.

    JPEG scales in the DCT (1/8 of the work for REDUCED_8); other formats decode fully and
    shrink internally, which measured no slower than a plain decode.
    """
    for factor, flag in _REDUCED_FLAGS:
        # OpenCV rounds reduced sizes up.
        if -(-src_w // factor) >= need_w and -(-src_h // factor) >= need_h:
            return flag
    return cv2.IMREAD_COLOR


def probe_image(path: str | os.PathLike[str]) -> ImageInfo:
    """Read the header only; raise ImageError for anything we cannot show."""
    path = os.fspath(path)
    check_readable_file(path, ImageError)

    try:
        with _pil().open(path) as im:
            pil_format = im.format or ""
            raw_w, raw_h = im.size
            mode = im.mode
            has_alpha = "A" in mode or "transparency" in im.info
            frames = int(getattr(im, "n_frames", 1) or 1)
            # PngImageFile.getexif() decodes the whole image when there is no eXIf chunk
            # before the pixel data, which would defeat the header-only probe.
            if pil_format == "PNG" and "exif" not in im.info:
                orientation = 1
            elif pil_format in _SUPPORTED_FORMATS:
                orientation = int(im.getexif().get(_ORIENTATION_TAG, 1) or 1)
            else:
                orientation = 1
    except PermissionError:
        raise ImageError("file cannot be read (permission denied)") from None
    except Exception:
        # UnidentifiedImageError, OSError, SyntaxError, struct.error, ... from plugins.
        raise ImageError(_unreadable_reason(path)) from None

    if pil_format not in _SUPPORTED_FORMATS:
        raise ImageError(
            f"unsupported image format {pil_format or 'unknown'} (use JPEG, PNG, WebP, BMP or TIFF)"
        )
    if pil_format == "MPO":
        frames = 1  # the extra pictures are previews/depth maps, not an animation
    if raw_w <= 0 or raw_h <= 0:
        raise ImageError("image has no pixels")
    if not 1 <= orientation <= 8:
        orientation = 1
    w, h = (raw_h, raw_w) if orientation in _SWAPS_AXES else (raw_w, raw_h)
    return ImageInfo(
        width=w,
        height=h,
        raw_width=raw_w,
        raw_height=raw_h,
        format=_SUPPORTED_FORMATS[pil_format],
        orientation=orientation,
        has_alpha=has_alpha,
        frames=frames,
    )


def load_image(
    path: str | os.PathLike[str],
    target_w: int,
    target_h: int,
    fit: Fit = "contain",
    max_pixels: int = DEFAULT_MAX_PIXELS,
    background: tuple[int, int, int] = (0, 0, 0),
) -> np.ndarray:
    """Decode an image upright, scaled for a ``target_w x target_h`` screen area.

    Returns a C-contiguous uint8 BGR array. ``contain`` gives the fitted image (not
    padded: letterboxing is the compositor's job); ``cover`` gives exactly the target size,
    centre-cropped. ``background`` is an RGB colour that transparency is flattened onto.
    """
    if target_w <= 0 or target_h <= 0:
        raise ValueError(f"target size must be positive, got {target_w}x{target_h}")
    if fit not in ("contain", "cover", *MOVING_FITS):
        raise ValueError(f"fit must be 'contain', 'cover', 'width', 'height' or 'pan', "
                         f"not {fit!r}")

    info = _probe_within(path, max_pixels)

    # TIFF comes out of the decoder already upright; everything else is oriented here.
    orient_here = info.format != "TIFF"
    orientation = info.orientation if orient_here else 1
    src_w, src_h = (info.raw_width, info.raw_height) if orient_here else (info.width, info.height)
    # Work in the decoded (stored) orientation: the target's axes swap for 90° rotations.
    tw, th = (target_h, target_w) if orientation in _SWAPS_AXES else (target_w, target_h)
    if orientation in _SWAPS_AXES:  # the screen's width lies along the stored height
        fit = {"width": "height", "height": "width"}.get(fit, fit)  # type: ignore[assignment]
    moving = fit in MOVING_FITS
    need_w, need_h = (moving_size(src_w, src_h, tw, th, fit) if moving
                      else fit_size(src_w, src_h, tw, th, fit))

    if info.has_alpha:
        flags = cv2.IMREAD_UNCHANGED  # REDUCED_* would drop the alpha channel
    elif info.format == "TIFF":
        flags = cv2.IMREAD_COLOR  # REDUCED_* mis-sizes rotated TIFFs
    else:
        flags = reduction_flag(src_w, src_h, need_w, need_h)
    img = _decode_checked(os.fspath(path), flags, info)

    img = _to_uint8(img)
    if img.ndim == 3 and img.shape[2] == 4:
        # Flatten before scaling so the hidden colour of transparent pixels cannot
        # bleed into the edges of visible ones.
        img = _flatten(img, background)

    if fit == "cover":
        img = _crop_to_aspect(img, tw, th)
        out_w, out_h = tw, th
    else:
        # Size from the original dimensions: reduced decodes round up and skew the aspect.
        out_w, out_h = need_w, need_h
    img = _resize(img, out_w, out_h)

    img = _to_bgr(img)  # after scaling: a third of the work for grey images
    img = _apply_orientation(img, orientation)
    if moving:
        # Drawn straight into the screen's 32-bit pixels each frame: no conversion there.
        return cv2.cvtColor(img, cv2.COLOR_BGR2BGRA)
    return np.ascontiguousarray(img)


def load_full(
    path: str | os.PathLike[str],
    max_pixels: int = DEFAULT_MAX_PIXELS,
    background: tuple[int, int, int] = (0, 0, 0),
) -> np.ndarray:
    """Decode a whole image at full resolution, upright, as a C-contiguous uint8 BGR array.

    For reading the small print of a press clipping: the same probe, pixel limit,
    orientation and flattening as :func:`load_image`, without any scaling. It costs
    width x height x 3 bytes (72 MB for 24 MP): callers keep one at a time.
    """
    info = _probe_within(path, max_pixels)
    flags = cv2.IMREAD_UNCHANGED if info.has_alpha else cv2.IMREAD_COLOR
    img = _to_uint8(_decode_checked(os.fspath(path), flags, info))
    if img.ndim == 3 and img.shape[2] == 4:
        img = _flatten(img, background)
    img = _to_bgr(img)
    orientation = info.orientation if info.format != "TIFF" else 1
    return np.ascontiguousarray(_apply_orientation(img, orientation))


def _probe_within(path: str | os.PathLike[str], max_pixels: int) -> ImageInfo:
    """Probe, and refuse an image over the pixel limit before anything is decoded."""
    info = probe_image(path)
    if info.pixels > max_pixels:
        raise ImageError(
            f"image is {info.width}x{info.height} ({_megapixels(info.pixels)} MP), "
            f"over the {_megapixels(max_pixels)} MP limit"
        )
    return info


def _decode_checked(path: str, flags: int, info: ImageInfo) -> np.ndarray:
    """Decode with ``flags`` (orientation is ours except for TIFF); ImageError on failure."""
    if info.format != "TIFF":
        flags |= cv2.IMREAD_IGNORE_ORIENTATION
    try:
        img = _decode(path, flags, info.format)
    except MemoryError:
        raise ImageError(
            f"not enough memory to decode a {info.width}x{info.height} image"
        ) from None
    except OSError as e:
        raise ImageError(f"file cannot be read ({e.strerror or e})") from None
    except cv2.error:
        img = None
    if img is None or img.size == 0:
        raise ImageError(_decode_failure_reason(path, info.format))
    return img


def _to_bgr(img: np.ndarray) -> np.ndarray:
    if img.ndim == 2 or img.shape[2] == 1:
        return cv2.cvtColor(img, cv2.COLOR_GRAY2BGR)
    if img.shape[2] != 3:
        raise ImageError(f"unsupported channel layout ({img.shape[2]} channels)")
    return img


# --------------------------------------------------------------------------- helpers


def _decode(path: str, flags: int, fmt: str) -> np.ndarray | None:
    """Single decode entry point (tests spy on it to see what was decoded and how)."""
    if fmt in ("JPEG", "TIFF"):
        # From memory, libjpeg refuses a truncated JPEG; cv2.imread pads it with grey and
        # returns it. cv2.imread also fails on TIFFs with a rotating orientation tag.
        return cv2.imdecode(np.fromfile(path, dtype=np.uint8), flags)
    # imread streams PNG/WebP/BMP from the file: peak memory is lower by the file size
    # than with np.fromfile + imdecode (28 MB for a 12 MP PNG).
    return cv2.imread(path, flags)


def _round_div(a: int, b: int) -> int:
    return (2 * a + b) // (2 * b)


def _megapixels(pixels: int) -> str:
    mp = pixels / 1_000_000
    return f"{mp:.0f}" if mp >= 10 or mp == int(mp) else f"{mp:.1f}"


def _unreadable_reason(path: str) -> str:
    try:
        with open(path, "rb") as f:
            head = f.read(16)
    except OSError as e:
        return f"file cannot be read ({e.strerror or e})"
    if head.startswith(_MAGIC):
        return "file is truncated or corrupt"
    return "not an image file"


def _decode_failure_reason(path: str, fmt: str) -> str:
    # Cheap end-marker checks only to pick the wording; the decoder already refused it.
    try:
        with open(path, "rb") as f:
            f.seek(max(0, os.fstat(f.fileno()).st_size - 64))
            tail = f.read()
    except OSError as e:
        return f"file cannot be read ({e.strerror or e})"
    if fmt == "JPEG" and b"\xff\xd9" not in tail:
        return "file is truncated"
    if fmt == "PNG" and b"IEND" not in tail:
        return "file is truncated"
    return "image data is corrupt or truncated"


def _to_uint8(img: np.ndarray) -> np.ndarray:
    if img.dtype == np.uint8:
        return img
    if img.dtype == np.uint16:
        return (img >> 8).astype(np.uint8)
    if img.dtype in (np.float32, np.float64):
        return np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)
    raise ImageError(f"unsupported pixel format ({img.dtype})")


def _flatten(bgra: np.ndarray, background: tuple[int, int, int]) -> np.ndarray:
    """Composite over an opaque RGB background using uint8 OpenCV ops (no float copies)."""
    bgr = cv2.cvtColor(bgra, cv2.COLOR_BGRA2BGR)
    a = np.ascontiguousarray(bgra[..., 3])
    a3 = cv2.merge([a, a, a])
    fg = cv2.multiply(bgr, a3, scale=1 / 255)
    r, g, b = background
    bg = np.empty_like(bgr)
    bg[:] = (b, g, r)
    bg = cv2.multiply(bg, cv2.bitwise_not(a3), scale=1 / 255)
    return cv2.add(fg, bg)


def _crop_to_aspect(img: np.ndarray, tw: int, th: int) -> np.ndarray:
    """Centre crop to the target's aspect ratio, so the resize only touches kept pixels."""
    h, w = img.shape[:2]
    if w * th > tw * h:  # too wide
        cw = max(1, min(w, _round_div(h * tw, th)))
        x = (w - cw) // 2
        return img[:, x : x + cw]
    ch = max(1, min(h, _round_div(w * th, tw)))
    y = (h - ch) // 2
    return img[y : y + ch, :]


def _resize(img: np.ndarray, w: int, h: int) -> np.ndarray:
    ih, iw = img.shape[:2]
    if (iw, ih) == (w, h):
        return img
    # INTER_AREA averages when shrinking (no aliasing); it degrades to nearest-like
    # blockiness when enlarging, where cubic looks better.
    interp = cv2.INTER_AREA if w <= iw and h <= ih else cv2.INTER_CUBIC
    return cv2.resize(img, (w, h), interpolation=interp)


def _apply_orientation(img: np.ndarray, orientation: int) -> np.ndarray:
    if orientation == 2:
        return cv2.flip(img, 1)
    if orientation == 3:
        return cv2.rotate(img, cv2.ROTATE_180)
    if orientation == 4:
        return cv2.flip(img, 0)
    if orientation == 5:
        return cv2.transpose(img)
    if orientation == 6:
        return cv2.rotate(img, cv2.ROTATE_90_CLOCKWISE)
    if orientation == 7:
        return cv2.flip(cv2.transpose(img), -1)
    if orientation == 8:
        return cv2.rotate(img, cv2.ROTATE_90_COUNTERCLOCKWISE)
    return img


def quiet_opencv() -> None:
    """OpenCV and FFmpeg print their own lines about broken files; the kiosk logs one
    line per bad file itself."""
    try:
        cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    except AttributeError:  # pragma: no cover - builds without the logging module
        pass

