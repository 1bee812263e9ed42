"""What a visitor (or the operator reading the log) would notice about photo loading.

Every fixture is generated in tmp_path; no binaries are committed.
"""

from __future__ import annotations

import struct
import subprocess
import sys
import zlib
from pathlib import Path

import cv2
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image, ImageOps

from kiosk.media import images
from kiosk.media.images import ImageError, fit_size, load_image, probe_image, reduction_flag

RED, GREEN, BLUE, WHITE, GREY = (255, 0, 0), (0, 200, 0), (0, 0, 255), (255, 255, 255), (90,) * 3
NOT_IGNORE = ~cv2.IMREAD_IGNORE_ORIENTATION


# ------------------------------------------------------------------------- helpers


def corners_image(w: int, h: int) -> np.ndarray:
    """Upright RGB test card: a distinct colour block in each corner on grey."""
    a = np.full((h, w, 3), GREY, np.uint8)
    bw, bh = w // 3, h // 3
    a[:bh, :bw] = RED
    a[:bh, -bw:] = GREEN
    a[-bh:, :bw] = BLUE
    a[-bh:, -bw:] = WHITE
    return a


def corner_colours(bgr: np.ndarray) -> dict[str, tuple[int, int, int]]:
    """RGB colour near each corner (10% inside, clear of edge artefacts)."""
    h, w = bgr.shape[:2]
    y0, y1, x0, x1 = h // 10, h - 1 - h // 10, w // 10, w - 1 - w // 10

    def rgb(y: int, x: int) -> tuple[int, int, int]:
        b, g, r = (int(v) for v in bgr[y, x])
        return r, g, b

    return {"tl": rgb(y0, x0), "tr": rgb(y0, x1), "bl": rgb(y1, x0), "br": rgb(y1, x1)}


def close(actual: tuple[int, ...], expected: tuple[int, ...], tol: int = 40) -> bool:
    return all(abs(a - e) <= tol for a, e in zip(actual, expected, strict=True))


def assert_upright(bgr: np.ndarray) -> None:
    c = corner_colours(bgr)
    assert close(c["tl"], RED), c
    assert close(c["tr"], GREEN), c
    assert close(c["bl"], BLUE), c
    assert close(c["br"], WHITE), c


# Inverse of the transform a viewer applies for each EXIF tag (Pillow's exif_transpose
# semantics), so "stored" pixels + tag display as the upright card.
_STORE_FOR_TAG = {
    1: None,
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_90,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def save_oriented(path: Path, upright_rgb: np.ndarray, tag: int, **save_kw) -> Path:
    im = Image.fromarray(upright_rgb)
    op = _STORE_FOR_TAG[tag]
    stored = im if op is None else im.transpose(op)
    exif = Image.Exif()
    exif[0x0112] = tag
    stored.save(path, exif=exif.tobytes(), **save_kw)
    # The fixture itself must agree with the reference viewer semantics.
    with Image.open(path) as check:
        assert check.getexif().get(0x0112) == tag
        shown = ImageOps.exif_transpose(check)
    assert shown.size == im.size
    return path


def png_header_only(path: Path, w: int, h: int) -> Path:
    """A valid PNG header claiming w x h with a token IDAT: cheap to make, huge to decode."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return (
            struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))
        )

    ihdr = struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 1024)
    path.write_bytes(
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")
    )
    return path


@pytest.fixture
def decode_calls(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Records the flags of every decode the pipeline performs."""
    calls: list[int] = []
    real = images._decode

    def spy(path: str, flags: int, fmt: str):
        calls.append(flags)
        return real(path, flags, fmt)

    monkeypatch.setattr(images, "_decode", spy)
    return calls


# ------------------------------------------------------------------ orientation


@pytest.mark.parametrize("tag", range(1, 9))
@pytest.mark.parametrize("target", [(1920, 1080), (160, 160)], ids=["full", "reduced"])
def test_exif_rotated_jpeg_comes_out_upright(tmp_path, tag, target):
    path = save_oriented(tmp_path / f"o{tag}.jpg", corners_image(600, 400), tag, quality=95)
    out = load_image(path, *target)
    assert_upright(out)
    h, w = out.shape[:2]
    assert w > h  # the card is landscape once upright


def test_portrait_phone_photo_is_portrait_and_fits(tmp_path):
    # A phone photo stored landscape with tag 6 must fill the height of a landscape screen.
    path = save_oriented(tmp_path / "phone.jpg", corners_image(300, 400), 6, quality=95)
    info = probe_image(path)
    assert (info.width, info.height, info.raw_width, info.raw_height) == (300, 400, 400, 300)
    out = load_image(path, 1920, 1080)
    assert out.shape[:2] == (1080, 810)
    assert_upright(out)


@pytest.mark.parametrize("ext", ["png", "webp", "tiff"])
@pytest.mark.parametrize("tag", [3, 6, 8])
def test_exif_orientation_honoured_in_other_formats(tmp_path, ext, tag):
    kw = {"lossless": True} if ext == "webp" else {}
    path = save_oriented(tmp_path / f"o{tag}.{ext}", corners_image(300, 200), tag, **kw)
    assert probe_image(path).orientation == tag
    assert_upright(load_image(path, 150, 150))


def test_orientation_applies_to_transparent_images(tmp_path):
    # The alpha path decodes with IMREAD_UNCHANGED, which ignores EXIF in OpenCV.
    rgba = np.dstack([corners_image(300, 200), np.full((200, 300), 255, np.uint8)])
    path = save_oriented(tmp_path / "alpha6.png", rgba, 6)
    assert_upright(load_image(path, 300, 300))


# ------------------------------------------------------------------- fit / scale


@given(st.integers(1, 20000), st.integers(1, 20000), st.integers(1, 4000), st.integers(1, 4000))
def test_fit_size_contain_fits_and_keeps_aspect(sw, sh, dw, dh):
    w, h = fit_size(sw, sh, dw, dh, "contain")
    assert 1 <= w <= dw and 1 <= h <= dh
    assert w == dw or h == dh
    scale = min(dw / sw, dh / sh)
    assert abs(w - sw * scale) <= 1 and abs(h - sh * scale) <= 1


@given(st.integers(1, 20000), st.integers(1, 20000), st.integers(1, 4000), st.integers(1, 4000))
def test_fit_size_cover_covers_and_keeps_aspect(sw, sh, dw, dh):
    w, h = fit_size(sw, sh, dw, dh, "cover")
    assert w >= dw and h >= dh
    assert w == dw or h == dh
    scale = max(dw / sw, dh / sh)
    assert abs(w - sw * scale) <= 1 and abs(h - sh * scale) <= 1


def test_fit_size_rejects_nonsense():
    with pytest.raises(ValueError):
        fit_size(0, 10, 10, 10, "contain")
    with pytest.raises(ValueError):
        fit_size(10, 10, 10, 10, "stretch")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("src", "target", "expected"),
    [
        ((600, 400), (1920, 1080), (1620, 1080)),  # enlarged, pillarboxed later
        ((600, 400), (100, 100), (100, 67)),  # shrunk, letterboxed later
        ((400, 600), (1920, 1080), (720, 1080)),
        ((640, 360), (1920, 1080), (1920, 1080)),  # same aspect fills exactly
    ],
)
def test_contain_fits_inside_target_keeping_aspect(tmp_path, src, target, expected):
    path = tmp_path / "c.png"
    Image.fromarray(corners_image(*src)).save(path)
    out = load_image(path, *target, fit="contain")
    h, w = out.shape[:2]
    assert (w, h) == expected
    assert w <= target[0] and h <= target[1]
    assert abs(w / h - src[0] / src[1]) <= 1 / min(w, h) + 1e-9
    assert_upright(out)


def test_cover_fills_target_and_crops_centre_of_wide_image(tmp_path):
    a = np.zeros((100, 300, 3), np.uint8)
    a[:, :100], a[:, 100:200], a[:, 200:] = RED, GREEN, BLUE
    path = tmp_path / "wide.png"
    Image.fromarray(a).save(path)
    out = load_image(path, 200, 200, fit="cover")
    assert out.shape == (200, 200, 3)
    # Only the green middle third survives; the red/blue sides are cropped away.
    for x in (0, 100, 199):
        b, g, r = out[100, x]
        assert close((r, g, b), GREEN, tol=10), (x, out[100, x])


def test_cover_crops_centre_of_tall_image(tmp_path):
    a = np.zeros((300, 100, 3), np.uint8)
    a[:100], a[100:200], a[200:] = RED, GREEN, BLUE
    path = tmp_path / "tall.png"
    Image.fromarray(a).save(path)
    out = load_image(path, 1920, 1080, fit="cover")
    assert out.shape == (1080, 1920, 3)
    for y in (0, 540, 1079):
        b, g, r = out[y, 960]
        assert close((r, g, b), GREEN, tol=10), (y, out[y, 960])


def test_cover_on_rotated_photo_is_exact_target(tmp_path):
    path = save_oriented(tmp_path / "r.jpg", corners_image(600, 400), 8, quality=95)
    out = load_image(path, 300, 100, fit="cover")
    assert out.shape == (100, 300, 3)


# ------------------------------------------------------------ pixel formats


def test_transparent_png_is_flattened_over_background(tmp_path):
    rgba = np.zeros((100, 200, 4), np.uint8)
    rgba[:, :100] = (255, 0, 0, 0)  # fully transparent, hidden colour red
    rgba[:, 100:] = (0, 0, 255, 255)  # opaque blue
    rgba[:10, 100:110] = (255, 255, 255, 128)  # half-transparent white
    path = tmp_path / "t.png"
    Image.fromarray(rgba, "RGBA").save(path)
    assert probe_image(path).has_alpha

    out = load_image(path, 200, 100, background=(255, 255, 0))  # background is RGB
    assert out.shape == (100, 200, 3)
    assert tuple(out[50, 20]) == (0, 255, 255)  # BGR of yellow background
    assert tuple(out[50, 180]) == (255, 0, 0)  # BGR of blue
    b, g, r = (int(v) for v in out[5, 105])
    assert close((r, g, b), (255, 255, 128), tol=3)  # white at 50% over yellow

    # Scaling down must not smear the hidden red into the visible edge.
    small = load_image(path, 50, 25, background=(255, 255, 0))
    # Every pixel there is a yellow/blue mix, so red and green stay equal.
    assert all(abs(int(px[2]) - int(px[1])) <= 3 for px in small[12]), small[12]


def test_palette_png_with_transparent_index_is_flattened(tmp_path):
    p = Image.new("P", (20, 10), 0)
    p.putpalette([255, 0, 0, 0, 255, 0])
    p.paste(1, (0, 0, 10, 10))
    path = tmp_path / "pal.png"
    p.save(path, transparency=1)
    out = load_image(path, 20, 10, background=(10, 20, 30))
    assert tuple(out[5, 2]) == (30, 20, 10)
    assert tuple(out[5, 15]) == (0, 0, 255)


def test_transparent_webp_is_flattened(tmp_path):
    rgba = np.zeros((40, 40, 4), np.uint8)
    rgba[:, 20:] = (0, 0, 255, 255)
    path = tmp_path / "t.webp"
    Image.fromarray(rgba, "RGBA").save(path, lossless=True)
    out = load_image(path, 40, 40, background=(255, 255, 255))
    assert tuple(out[20, 5]) == (255, 255, 255)
    assert tuple(out[20, 35]) == (255, 0, 0)


@pytest.mark.parametrize("alpha", [False, True], ids=["rgb16", "rgba16"])
def test_16bit_png_loads_as_8bit(tmp_path, alpha):
    a = np.zeros((50, 80, 4 if alpha else 3), np.uint16)
    a[..., 2] = 65535  # red in BGR order
    a[..., 1] = 32768
    if alpha:
        a[..., 3] = 65535
    path = tmp_path / "deep.png"
    assert cv2.imwrite(str(path), a)
    out = load_image(path, 80, 50)
    assert out.dtype == np.uint8 and out.shape == (50, 80, 3)
    assert close(tuple(int(v) for v in out[25, 40]), (0, 128, 255), tol=2)


@pytest.mark.parametrize("ext", ["png", "jpg", "tiff"])
def test_grayscale_loads_as_three_channels(tmp_path, ext):
    g = np.tile(np.linspace(0, 255, 64, dtype=np.uint8), (32, 1))
    path = tmp_path / f"g.{ext}"
    Image.fromarray(g, "L").save(path)
    out = load_image(path, 64, 32)
    assert out.shape == (32, 64, 3) and out.dtype == np.uint8
    assert np.array_equal(out[..., 0], out[..., 1]) and np.array_equal(out[..., 1], out[..., 2])


def test_16bit_grayscale_tiff_loads(tmp_path):
    g = np.full((30, 40), 40000, np.uint16)
    path = tmp_path / "g16.tiff"
    assert cv2.imwrite(str(path), g)
    out = load_image(path, 40, 30)
    assert out.shape == (30, 40, 3)
    assert abs(int(out[15, 20, 0]) - 40000 * 255 // 65535) <= 1


@pytest.mark.parametrize("ext", ["jpg", "png", "webp", "bmp", "tiff"])
def test_every_supported_format_loads(tmp_path, ext):
    path = tmp_path / f"card.{ext}"
    Image.fromarray(corners_image(240, 160)).save(path)
    info = probe_image(path)
    assert (info.width, info.height) == (240, 160)
    assert info.format == {"jpg": "JPEG", "tiff": "TIFF"}.get(ext, ext.upper())
    out = load_image(path, 120, 120)
    assert out.shape == (80, 120, 3) and out.dtype == np.uint8 and out.flags.c_contiguous
    assert_upright(out)


def test_animated_image_reports_frames_and_shows_first(tmp_path):
    frames = [Image.new("RGB", (20, 20), RED), Image.new("RGB", (20, 20), BLUE)]
    path = tmp_path / "anim.png"
    frames[0].save(path, save_all=True, append_images=frames[1:])
    assert probe_image(path).frames == 2
    assert tuple(load_image(path, 20, 20)[10, 10]) == (0, 0, 255)


# ----------------------------------------------------------- decode economy


def test_big_jpeg_for_full_hd_uses_reduced_decode(tmp_path, decode_calls):
    path = tmp_path / "24mp.jpg"
    assert cv2.imwrite(str(path), np.full((4000, 6000, 3), 128, np.uint8))
    out = load_image(path, 1920, 1080)
    assert out.shape == (1080, 1620, 3)
    assert len(decode_calls) == 1
    assert decode_calls[0] & NOT_IGNORE == cv2.IMREAD_REDUCED_COLOR_2


def test_thumbnail_sized_target_uses_largest_reduction(tmp_path, decode_calls):
    path = tmp_path / "big.jpg"
    assert cv2.imwrite(str(path), np.full((2400, 3200, 3), 128, np.uint8))
    assert load_image(path, 320, 240).shape == (240, 320, 3)
    assert decode_calls[0] & NOT_IGNORE == cv2.IMREAD_REDUCED_COLOR_8


def test_small_image_is_decoded_at_full_size(tmp_path, decode_calls):
    path = tmp_path / "small.jpg"
    assert cv2.imwrite(str(path), np.full((400, 600, 3), 128, np.uint8))
    load_image(path, 1920, 1080)
    assert decode_calls[0] & NOT_IGNORE == cv2.IMREAD_COLOR


def test_reduction_never_goes_below_needed_size():
    assert reduction_flag(6000, 4000, 1620, 1080) == cv2.IMREAD_REDUCED_COLOR_2
    assert reduction_flag(6000, 4000, 1500, 1000) == cv2.IMREAD_REDUCED_COLOR_4
    assert reduction_flag(6000, 4000, 1501, 1000) == cv2.IMREAD_REDUCED_COLOR_2
    assert reduction_flag(6000, 4000, 6000, 4000) == cv2.IMREAD_COLOR
    assert reduction_flag(6001, 4001, 751, 501) == cv2.IMREAD_REDUCED_COLOR_8  # rounds up


def test_oversized_png_is_refused_before_decoding(tmp_path, monkeypatch):
    path = png_header_only(tmp_path / "bomb.png", 15000, 15000)
    assert path.stat().st_size < 1000

    def forbidden(*args, **kwargs):
        raise AssertionError("decoder must not run for an oversized image")

    monkeypatch.setattr(images, "_decode", forbidden)
    monkeypatch.setattr(cv2, "imdecode", forbidden)
    monkeypatch.setattr(cv2, "imread", forbidden)

    info = probe_image(path)  # the header alone is fine to read
    assert (info.width, info.height) == (15000, 15000)
    with pytest.raises(ImageError) as e:
        load_image(path, 1920, 1080)
    assert e.value.reason == "image is 15000x15000 (225 MP), over the 100 MP limit"


def test_pixel_limit_is_configurable(tmp_path):
    path = tmp_path / "p.png"
    Image.new("RGB", (300, 200)).save(path)
    with pytest.raises(ImageError, match="over the"):
        load_image(path, 100, 100, max_pixels=50_000)
    assert load_image(path, 100, 100, max_pixels=60_000).shape == (67, 100, 3)


# --------------------------------------------------------------- bad files


def _cut_in_half(path: Path) -> Path:
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])
    return path


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.mark.parametrize(
    ("make", "reason_has"),
    [
        (lambda d: d / "missing.jpg", "not found"),
        (lambda d: d, "directory"),
        (lambda d: _write(d / "empty.jpg", b""), "empty"),
        (lambda d: _write(d / "notes.jpg", b"opening hours: 10-18\n"), "not an image"),
    ],
    ids=["missing", "directory", "empty", "text-as-jpg"],
)
def test_unusable_paths_give_a_reason(tmp_path, make, reason_has):
    path = make(tmp_path)
    for call in (lambda: probe_image(path), lambda: load_image(path, 100, 100)):
        with pytest.raises(ImageError) as e:
            call()
        assert reason_has in e.value.reason
        assert str(e.value) == e.value.reason


@pytest.mark.parametrize("ext", ["jpg", "png", "webp", "bmp", "tiff"])
def test_truncated_file_is_refused(tmp_path, ext):
    rng = np.random.default_rng(0)
    path = tmp_path / f"cut.{ext}"
    Image.fromarray(rng.integers(0, 255, (300, 400, 3), dtype=np.uint8)).save(path)
    _cut_in_half(path)
    with pytest.raises(ImageError) as e:
        load_image(path, 200, 200)
    assert "truncated" in e.value.reason


@pytest.mark.parametrize("ext", ["jpg", "png"])
def test_truncated_file_reason_is_specific(tmp_path, ext):
    path = tmp_path / f"cut.{ext}"
    Image.fromarray(corners_image(400, 300)).save(path)
    _cut_in_half(path)
    with pytest.raises(ImageError) as e:
        load_image(path, 200, 200)
    assert e.value.reason == "file is truncated"


def test_jpeg_missing_only_its_last_bytes_is_refused(tmp_path):
    # cv2.imread would show this grey-padded at the bottom; the visitor must not see that.
    path = tmp_path / "short.jpg"
    Image.fromarray(corners_image(400, 300)).save(path, quality=90)
    path.write_bytes(path.read_bytes()[:-200])
    with pytest.raises(ImageError, match="truncated"):
        load_image(path, 400, 300)


def test_unsupported_format_is_named(tmp_path):
    path = tmp_path / "a.gif"
    Image.new("RGB", (10, 10)).save(path)
    with pytest.raises(ImageError, match="unsupported image format GIF"):
        load_image(path, 10, 10)


def test_image_error_is_not_an_oserror():
    # Callers catch ImageError specifically; it must not be swallowed as an I/O error.
    assert issubclass(ImageError, Exception) and not issubclass(ImageError, OSError)


def test_module_does_not_import_pygame():
    # It runs on worker threads; pygame surfaces are made on the main thread only.
    code = "import sys, kiosk.media.images; sys.exit('pygame' in sys.modules)"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=Path(__file__).parents[1])
