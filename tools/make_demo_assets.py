#!/usr/bin/env python3
"""Write the kiosk's demo media under ``assets/demo/``.

Everything here is invented: the town of Port Aveline, its Lighthouse Festival,
the "Lighthouse Gazette" and the "Harbour Bulletin" do not exist.  The photos are
painted procedurally (sky, sea, hills, a lighthouse, boats, film grain) and the
clippings are typeset from prose written for this demo.

The output is deterministic: every random draw comes from a fixed seed, so
running the script twice gives byte-identical files.

    python tools/make_demo_assets.py

Needs numpy, opencv-python-headless and Pillow.  The clippings use DejaVu Serif
from the system font directory when it is there (generation time only; the
kiosk never needs it) and fall back to the bundled DejaVu Sans otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont, ImageOps

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "demo"
FONTS = ROOT / "assets" / "fonts"
SERIF_DIRS = [
    Path("/usr/share/fonts/truetype/dejavu"),
    Path("/usr/share/fonts/dejavu"),
    Path("/usr/local/share/fonts"),
]

PHOTO_SIZE = (1600, 1067)
JPEG_QUALITY = 85


# --------------------------------------------------------------------------- helpers


def rgb(c) -> np.ndarray:
    return np.asarray(c, np.float32) / 255.0


def lerp(a, b, t):
    return a + (b - a) * t


def smoothstep(e0, e1, x):
    d = e1 - e0
    d = d if np.ndim(d) else (d if d != 0 else 1e-6)
    t = np.clip((x - e0) / d, 0.0, 1.0)
    return t * t * (3 - 2 * t)


def fbm(rng, h, w, scale, octaves=5, persistence=0.5, aspect=1.0):
    """Fractal value noise in 0..1; ``scale`` is the largest feature size in px,
    ``aspect`` < 1 squashes features vertically."""
    total = np.zeros((h, w), np.float32)
    amp, norm = 1.0, 0.0
    for o in range(octaves):
        s = max(scale / (2**o), 2.0)
        cx = max(2, int(w / s) + 2)
        cy = max(2, int(h / (s * aspect)) + 2)
        g = rng.random((cy, cx)).astype(np.float32)
        total += amp * cv2.resize(g, (w, h), interpolation=cv2.INTER_CUBIC)
        norm += amp
        amp *= persistence
    total /= norm
    lo, hi = np.percentile(total, [0.5, 99.5])
    return np.clip((total - lo) / (hi - lo + 1e-6), 0, 1)


def ridge(rng, w, scale, octaves=6, persistence=0.5):
    """1-D fractal noise in roughly -0.5..0.5."""
    total = np.zeros(w, np.float32)
    amp, norm = 1.0, 0.0
    for o in range(octaves):
        s = max(scale / (2**o), 2.0)
        n = max(4, int(w / s) + 3)
        g = rng.random((1, n)).astype(np.float32)
        total += amp * cv2.resize(g, (w, 1), interpolation=cv2.INTER_CUBIC)[0]
        norm += amp
        amp *= persistence
    return total / norm - 0.5


def poly_mask(h, w, pts) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    p = np.round(np.asarray(pts, np.float64) * 16).astype(np.int32)
    cv2.fillPoly(m, [p], 255, lineType=cv2.LINE_AA, shift=4)
    return m.astype(np.float32) / 255.0


def line_mask(h, w, p0, p1, thick) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    a = tuple(round(v * 16) for v in p0)
    b = tuple(round(v * 16) for v in p1)
    cv2.line(m, a, b, 255, max(1, round(thick)), lineType=cv2.LINE_AA, shift=4)
    return m.astype(np.float32) / 255.0


def ellipse_mask(h, w, c, axes, angle=0, a0=0, a1=360) -> np.ndarray:
    m = np.zeros((h, w), np.uint8)
    cc = (round(c[0] * 16), round(c[1] * 16))
    ax = (round(axes[0] * 16), round(axes[1] * 16))
    cv2.ellipse(m, cc, ax, angle, a0, a1, 255, -1, lineType=cv2.LINE_AA, shift=4)
    return m.astype(np.float32) / 255.0


class Layer:
    """A full-frame RGBA paint layer (float, premultiplied on composite)."""

    def __init__(self, h, w):
        self.h, self.w = h, w
        self.rgb = np.zeros((h, w, 3), np.float32)
        self.a = np.zeros((h, w), np.float32)

    def paint(self, mask, color, alpha=1.0):
        m = (mask * alpha)[..., None]
        col = color if isinstance(color, np.ndarray) and color.ndim == 3 else rgb(color)
        self.rgb = self.rgb * (1 - m) + col * m
        self.a = self.a + (1 - self.a) * m[..., 0]

    def haze(self, color, amount):
        self.rgb = lerp(self.rgb, rgb(color), amount)

    def over(self, img):
        a = self.a[..., None]
        return img * (1 - a) + self.rgb * a


def reflect(img, layer: Layer, waterline, waves, strength, tint, amp, blur_y=3):
    """Mirror ``layer`` about ``waterline`` onto the sea, rippled by ``waves``."""
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    depth = np.clip((ys - waterline) / max(1.0, h - waterline), 0, 1)
    dx = (waves - 0.5) * amp * (0.3 + 2.5 * depth)
    map_x = xs + dx
    map_y = 2 * waterline - ys + (waves - 0.5) * amp * 0.4
    rr = cv2.remap(layer.rgb, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    ra = cv2.remap(layer.a, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    if blur_y > 0:
        rr = cv2.GaussianBlur(rr, (0, 0), sigmaX=0.8, sigmaY=blur_y)
        ra = cv2.GaussianBlur(ra, (0, 0), sigmaX=0.8, sigmaY=blur_y)
    ra = ra * (ys > waterline) * strength * (1 - 0.5 * depth)
    col = lerp(rr, rgb(tint), 0.35) * 0.85
    a = ra[..., None]
    return img * (1 - a) + col * a


# --------------------------------------------------------------------------- scene parts


def paint_sky(img, rng, cfg, hz, k):
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    t = np.clip(ys / hz, 0, 1)[..., None]
    top, mid, bot = (rgb(c) for c in cfg["sky"])
    sky = np.where(t < 0.55, lerp(top, mid, t / 0.55), lerp(mid, bot, (t - 0.55) / 0.45))
    sx, sy = cfg["sun"][0] * w, cfg["sun"][1] * h
    d = np.hypot(xs - sx, (ys - sy) * 1.15) / w
    glow = np.exp(-d / cfg.get("glow_r", 0.07)) * cfg.get("glow", 0.6)
    glow += np.exp(-d / 0.35) * cfg.get("glow_wide", 0.25)
    sky = sky + rgb(cfg["sun_color"]) * glow[..., None]

    # clouds
    if cfg.get("clouds", 0) > 0:
        n = fbm(
            rng,
            h,
            w,
            w * cfg.get("cloud_scale", 0.45),
            octaves=6,
            aspect=cfg.get("cloud_aspect", 0.35),
        )
        shift = int(8 * k)
        nl = np.roll(n, shift, axis=0)
        cover = cfg["clouds"]
        band = smoothstep(0.0, 0.25, 1 - ys / hz) * smoothstep(-0.2, 0.2, ys / hz)
        m = smoothstep(1 - cover, 1 - cover + cfg.get("cloud_soft", 0.18), n) * band
        light = np.clip(0.5 + (n - nl) * 6, 0, 1)[..., None]
        ccol = lerp(rgb(cfg["cloud_dark"]), rgb(cfg["cloud_lit"]), light)
        ccol = ccol + rgb(cfg["sun_color"]) * (glow[..., None] * 0.6)
        m = m * cfg.get("cloud_opacity", 0.9)
        sky = lerp(sky, ccol, m[..., None])

    sky_for_reflection = sky.copy()  # the sun's path on the water is painted as glitter
    # sun disc
    if cfg.get("sun_disc", True):
        r = cfg.get("sun_r", 28) * k
        disc = smoothstep(r + 1.5, r - 1.5, np.hypot(xs - sx, ys - sy))
        sky = lerp(
            sky,
            rgb(cfg.get("disc_color", (255, 250, 230))) * cfg.get("disc_hdr", 1.8),
            disc[..., None] * cfg.get("disc", 1.0),
        )

    if cfg.get("stars"):
        n_stars = cfg["stars"]
        px = rng.integers(0, w, n_stars)
        py = (rng.random(n_stars) ** 1.6 * hz * 0.9).astype(int)
        br = rng.random(n_stars) ** 3
        star = np.zeros((h, w), np.float32)
        star[py, px] = br
        star = cv2.GaussianBlur(star, (0, 0), 0.7) * 4
        sky = sky + star[..., None] * (1 - t) * rgb((230, 235, 255))

    img[:hz] = sky[:hz]
    return img, sky, sky_for_reflection


def paint_hills(img, rng, cfg, hz, k, waves_above=None):
    h, w = img.shape[:2]
    layer = Layer(h, w)
    xs = np.arange(w, dtype=np.float32)
    ys = np.arange(h, dtype=np.float32)[:, None]
    for hill in cfg.get("hills", []):
        prof = (
            hz
            - (hill["base"] + hill["amp"] * (ridge(rng, w, w * hill.get("scale", 0.6)) + 0.5)) * h
        )
        env = hill.get("env")
        if env is not None:
            x0, x1 = env
            e = smoothstep(x0[0] * w, x0[1] * w, xs) * (1 - smoothstep(x1[0] * w, x1[1] * w, xs))
            prof = hz - (hz - prof) * e
        m = smoothstep(prof[None, :] - 0.8, prof[None, :] + 0.8, ys) * (ys <= hz + 1)
        tex = fbm(rng, h, w, 40 * k, octaves=4, aspect=0.6)
        base = rgb(hill["color"])
        col = base[None, None, :] * (0.86 + 0.28 * tex[..., None])
        # a touch lighter on the ridge, hazier toward the bottom
        dy = np.clip((ys - prof[None, :]) / (30 * k), 0, 1)[..., None]
        col = lerp(col * 1.05, col * 0.95, dy)
        col = lerp(col, rgb(cfg["haze_color"]), hill.get("haze", 0.3))
        layer.paint(m, col)
    return layer


def spectral_levels(rng, h, w, ax, k_lo, k_hi, beta, sigmas):
    """Tileable anisotropic noise (FFT-filtered white noise), returned at several
    blur levels so distant water can be sampled without aliasing."""
    F = np.fft.fft2(rng.standard_normal((h, w)))
    ky = np.fft.fftfreq(h)[:, None]
    kx = np.fft.fftfreq(w)[None, :]
    kk = np.sqrt((kx * ax) ** 2 + ky**2)
    kk[0, 0] = 1.0
    filt = kk ** (-beta / 2) * (1 - np.exp(-((kk / k_lo) ** 2))) * np.exp(-((kk / k_hi) ** 2))
    filt[0, 0] = 0
    k2 = kx**2 + ky**2
    out, ref = [], None
    for sg in sigmas:
        n = np.real(np.fft.ifft2(F * filt * np.exp(-2 * np.pi**2 * sg**2 * k2))).astype(np.float32)
        if ref is None:
            ref = n.std()
        out.append(n / ref)
    return out


def wave_field(rng, h, w, hz, k, cfg):
    """0..1 ripple texture in perspective for the sea (0.5 above the horizon)."""
    nh, nw = 512, 1024
    sigmas = [0, 2, 6, 18]
    levels = spectral_levels(
        rng, nh, nw, ax=cfg.get("wave_aniso", 4.0), k_lo=0.025, k_hi=0.3, beta=2.2, sigmas=sigmas
    )
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    hs = max(1.0, h - hz)
    t = np.clip((ys - hz) / hs, 0, 1)
    z = 1.0 / (t + 0.04)
    sx = cfg.get("wave_sx", 1.0) * 1.1 / k
    sy = cfg.get("wave_sy", 1.0) * 1.1 * hs
    map_x = np.mod((xs - w / 2) * z * sx + 5000, nw).astype(np.float32)
    map_y = np.mod(z * sy, nh).astype(np.float32)
    foot = sy / ((t + 0.04) ** 2 * hs)  # map px per screen px, vertically
    lv = np.clip(np.log(np.maximum(foot, 1.0)) / np.log(3.0), 0, len(sigmas) - 1)
    waves = np.zeros((h, w), np.float32)
    for i, lev in enumerate(levels):
        wgt = np.clip(1 - np.abs(lv - i), 0, 1)
        if i == len(levels) - 1:
            wgt = np.clip(lv - (i - 1), 0, 1)
        if not wgt.any():
            continue
        s = cv2.remap(lev, map_x, map_y, cv2.INTER_LINEAR, borderMode=cv2.BORDER_WRAP)
        waves += wgt * s
    waves = 0.5 + waves * 0.2 * cfg.get("wave_amp", 1.0)
    waves[ys < hz] = 0.5
    return np.clip(waves, 0, 1).astype(np.float32)


def paint_sea(img, sky, rng, cfg, hz, k, waves):
    h, w = img.shape[:2]
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    t = np.clip((ys - hz) / (h - hz), 0, 1)
    # reflected sky, rippled
    amp = cfg.get("ripple", 10) * k
    map_x = xs + (waves - 0.5) * amp * (0.5 + 3 * t)
    map_y = np.clip(2 * hz - ys + (waves - 0.5) * amp * 3 * t, 0, hz - 1)
    refl = cv2.remap(sky, map_x, map_y, cv2.INTER_LINEAR)
    refl = cv2.GaussianBlur(refl, (0, 0), sigmaX=1.0, sigmaY=2.5)
    deep = lerp(rgb(cfg["sea_far"]), rgb(cfg["sea_near"]), (t**0.7)[..., None])
    fres = (cfg.get("sea_mirror", 0.6) * (1 - t) ** 1.5)[..., None]
    sea = lerp(deep, refl, fres)
    contrast = cfg.get("wave_contrast", 0.35)
    sea = sea * (1 - contrast / 2 + contrast * waves[..., None])
    # sun / moon glitter
    sx = cfg["sun"][0] * w
    if cfg.get("glitter", 0) > 0:
        width = (12 + 160 * t) * k * cfg.get("glitter_w", 1.0)
        col = np.exp(-(((xs - sx) / width) ** 2))
        spark = smoothstep(0.55, 0.85, waves) * col
        sheen = np.exp(-(((xs - sx) / (width * 2.5)) ** 2)) * 0.25
        g = (spark + sheen) * cfg["glitter"] * (1 - 0.6 * t)
        sea = sea + rgb(cfg.get("glitter_color", cfg["sun_color"])) * g[..., None]
    # soft haze line at the horizon
    hl = np.exp(-np.abs(ys - hz) / (6 * k)) * cfg.get("horizon_haze", 0.35)
    sea = lerp(sea, rgb(cfg["haze_color"]), hl[..., None])
    img[hz:] = sea[hz:]
    return img


def headland(h, w, rng, k, hz, spec, cfg):
    """Land mass rising from the sea; returns (layer, waterline, top profile)."""
    layer = Layer(h, w)
    yw = hz + spec["water"] * h
    xs = np.arange(w, dtype=np.float32)
    x0, x1 = spec["x"]
    r0, r1 = spec["ramp"]
    env = smoothstep(x0 * w, (x0 + r0) * w, xs) * (1 - smoothstep((x1 - r1) * w, x1 * w, xs))
    hgt = spec["height"] * h * (0.8 + 0.35 * (ridge(rng, w, w * 0.8, octaves=2) + 0.5))
    prof = yw - env * (hgt + ridge(rng, w, 200 * k, octaves=6) * 40 * k * spec.get("rough", 1.0))
    prof = np.where(env < 0.01, yw + 40 * k, np.minimum(prof, yw + 2))
    ys = np.arange(h, dtype=np.float32)[:, None]
    m = smoothstep(prof[None, :] - 0.7, prof[None, :] + 0.7, ys) * smoothstep(
        yw + 1.5, yw - 1.5, ys
    )
    depth = ys - prof[None, :]
    gdepth = (spec.get("grass", 26) + 14 * ridge(rng, w, 90 * k)[None, :]) * k
    grass_n = fbm(rng, h, w, 25 * k, octaves=4)
    strata = fbm(rng, h, w, 160 * k, octaves=6, aspect=0.2)
    cracks = fbm(rng, h, w, 40 * k, octaves=4, aspect=5.0)
    fine = fbm(rng, h, w, 6 * k, octaves=2)
    rock_n = 0.5 * strata + 0.3 * cracks + 0.2 * fine
    bush = smoothstep(0.62, 0.75, fbm(rng, h, w, 18 * k, octaves=3))
    grass = rgb(spec["grass_color"]) * (0.8 + 0.4 * grass_n[..., None])
    rock = rgb(spec["rock_color"]) * (0.45 + 1.0 * rock_n[..., None])
    grass = grass * (1 - 0.35 * bush[..., None])
    gm = smoothstep(gdepth + 3 * k, gdepth - 3 * k, depth)[..., None]
    col = lerp(rock, grass, gm)
    # cliff darkens toward the sea, wet base darker still
    fall = np.clip((ys - prof[None, :]) / max(1.0, spec["height"] * h), 0, 1)[..., None]
    col = col * (1.1 - 0.4 * fall)
    wet = smoothstep(yw - 14 * k, yw, ys)[..., None]
    col = col * (1 - 0.35 * wet)
    # lit from the sun's side
    sun_side = 1 if cfg["sun"][0] > 0.5 else -1
    slope = np.gradient(prof)[None, :] * sun_side
    col = col * (1 + np.clip(-slope * 0.08, -0.25, 0.25)[..., None] * (1 - gm))
    col = lerp(col, rgb(cfg["haze_color"]), spec.get("haze", 0.1))
    layer.paint(m, col)
    # boulders along the waterline
    land_cols = np.nonzero(env > 0.05)[0]
    if len(land_cols):
        for _ in range(int(len(land_cols) / (9 * k))):
            bx = float(land_cols[int(rng.integers(len(land_cols)))])
            r = float(rng.uniform(2.5, 8)) * k
            by = yw - r * 0.4 + float(rng.uniform(-2, 2)) * k
            bm = ellipse_mask(h, w, (bx, by), (r * 1.4, r))
            shade = float(rng.uniform(0.5, 0.9))
            layer.paint(bm, rgb(spec["rock_color"]) * 255 * shade * 0.8)
    # surf line
    foam = np.exp(-np.abs(ys - yw) / (2.0 * k)) * m.max(axis=0, keepdims=True) * 0.0
    if spec.get("surf", 0) > 0:
        land_x = (env > 0.02).astype(np.float32)[None, :]
        fn = fbm(rng, h, w, 12 * k, octaves=3)
        foam = np.exp(-np.abs(ys - yw + 1 * k) / (3.0 * k)) * land_x * smoothstep(0.4, 0.8, fn)
        layer.paint(foam * spec["surf"], (235, 238, 235))
    return layer, yw, prof


def lighthouse(layer: Layer, k, cx, base_y, height, cfg, lit=False, scale=1.0):
    h, w = layer.h, layer.w
    s = scale * k
    wb, wt = 34 * s, 22 * s
    top_y = base_y - height
    sun_dir = (cfg["sun"][0] - 0.5) * 2
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)

    def cyl_shade(xc, half):
        u = np.clip((xs - xc) / np.maximum(half, 1e-3), -1, 1)
        nz = np.sqrt(1 - u * u)
        lx = np.clip(sun_dir, -0.9, 0.9)
        lz = np.sqrt(1 - lx * lx)
        d = np.clip(u * lx + nz * lz, 0, 1)
        return cfg.get("ambient", 0.45) + cfg.get("diffuse", 0.65) * d

    # tower
    tower = poly_mask(
        h,
        w,
        [(cx - wb / 2, base_y), (cx - wt / 2, top_y), (cx + wt / 2, top_y), (cx + wb / 2, base_y)],
    )
    frac = np.clip((base_y - ys) / height, 0, 1)
    band = np.floor(frac * 5) % 2 == 1
    red, white = rgb(cfg.get("lh_red", (178, 38, 34))), rgb(cfg.get("lh_white", (238, 236, 228)))
    col = np.where(band[..., None], red, white)
    half = wb / 2 + (wt / 2 - wb / 2) * frac
    shade = cyl_shade(cx, half)[..., None]
    tint = rgb(cfg.get("light_tint", (255, 255, 255)))
    layer.paint(tower, col * shade * tint)
    # tiny windows
    for f in (0.3, 0.62):
        wy = base_y - f * height
        win = poly_mask(
            h,
            w,
            [
                (cx - 2.2 * s, wy - 5 * s),
                (cx + 2.2 * s, wy - 5 * s),
                (cx + 2.2 * s, wy + 5 * s),
                (cx - 2.2 * s, wy + 5 * s),
            ],
        )
        layer.paint(win, (255, 210, 120) if lit else (40, 45, 50), 0.9)
    # gallery
    gy = top_y
    gal = poly_mask(
        h,
        w,
        [
            (cx - wt / 2 - 6 * s, gy - 3 * s),
            (cx + wt / 2 + 6 * s, gy - 3 * s),
            (cx + wt / 2 + 6 * s, gy + 3 * s),
            (cx - wt / 2 - 6 * s, gy + 3 * s),
        ],
    )
    layer.paint(
        gal, np.array(rgb((40, 40, 42)))[None, None, :] * cyl_shade(cx, wt / 2 + 6 * s)[..., None]
    )
    # railing
    for i in range(-3, 4):
        rx = cx + i * (wt / 2 + 5 * s) / 3
        layer.paint(line_mask(h, w, (rx, gy - 3 * s), (rx, gy - 12 * s), 1.2 * s), (45, 45, 48))
    layer.paint(
        line_mask(
            h, w, (cx - wt / 2 - 6 * s, gy - 12 * s), (cx + wt / 2 + 6 * s, gy - 12 * s), 1.3 * s
        ),
        (45, 45, 48),
    )
    # lantern room
    lw, lh = wt * 0.72, 20 * s
    lan = poly_mask(
        h,
        w,
        [
            (cx - lw / 2, gy - 3 * s),
            (cx - lw / 2, gy - 3 * s - lh),
            (cx + lw / 2, gy - 3 * s - lh),
            (cx + lw / 2, gy - 3 * s),
        ],
    )
    glass = (255, 236, 170) if lit else cfg.get("glass", (120, 140, 150))
    layer.paint(lan, glass)
    for i in (-1, 0, 1):
        layer.paint(
            line_mask(
                h, w, (cx + i * lw / 3, gy - 3 * s), (cx + i * lw / 3, gy - 3 * s - lh), 1.1 * s
            ),
            (50, 45, 40),
            0.8,
        )
    # dome
    dome = ellipse_mask(h, w, (cx, gy - 3 * s - lh), (lw / 2 + 2 * s, 9 * s), 0, 180, 360)
    layer.paint(
        dome, np.array(rgb((120, 28, 26)))[None, None, :] * cyl_shade(cx, lw / 2)[..., None]
    )
    layer.paint(
        line_mask(h, w, (cx, gy - 3 * s - lh - 8 * s), (cx, gy - 3 * s - lh - 16 * s), 1.5 * s),
        (40, 40, 40),
    )
    # door
    door = poly_mask(
        h,
        w,
        [
            (cx - 4 * s, base_y),
            (cx - 4 * s, base_y - 13 * s),
            (cx + 4 * s, base_y - 13 * s),
            (cx + 4 * s, base_y),
        ],
    )
    layer.paint(door, (60, 50, 45))
    return (cx, gy - 3 * s - lh / 2)


def cottage(
    layer: Layer, k, x, base_y, cfg, lit=False, scale=1.0, wall=(236, 232, 220), roof=(90, 56, 48)
):
    h, w = layer.h, layer.w
    s = scale * k
    bw, bh, rh = 56 * s, 24 * s, 16 * s
    sun_dir = 1 if cfg["sun"][0] > 0.5 else -1
    walls = poly_mask(
        h, w, [(x, base_y), (x, base_y - bh), (x + bw, base_y - bh), (x + bw, base_y)]
    )
    shade = cfg.get("ambient", 0.45) + cfg.get("diffuse", 0.65) * 0.7
    layer.paint(walls, rgb(wall) * 255 * shade * rgb(cfg.get("light_tint", (255, 255, 255))))
    roofm = poly_mask(
        h,
        w,
        [(x - 4 * s, base_y - bh), (x + bw * 0.5, base_y - bh - rh), (x + bw + 4 * s, base_y - bh)],
    )
    layer.paint(roofm, np.array(roof) * (0.8 if sun_dir < 0 else 0.95))
    chim = poly_mask(
        h,
        w,
        [
            (x + bw * 0.72, base_y - bh - rh * 0.5),
            (x + bw * 0.72, base_y - bh - rh * 1.05),
            (x + bw * 0.8, base_y - bh - rh * 1.05),
            (x + bw * 0.8, base_y - bh - rh * 0.35),
        ],
    )
    layer.paint(chim, np.array(wall) * 0.7)
    for i in range(3):
        wx = x + bw * (0.18 + 0.3 * i)
        win = poly_mask(
            h,
            w,
            [
                (wx, base_y - bh * 0.35),
                (wx, base_y - bh * 0.75),
                (wx + 7 * s, base_y - bh * 0.75),
                (wx + 7 * s, base_y - bh * 0.35),
            ],
        )
        layer.paint(win, (255, 200, 110) if lit else (55, 62, 70))


def sailboat(
    layer: Layer,
    k,
    x,
    wl,
    size,
    hull=(40, 50, 70),
    sail=(245, 243, 236),
    cfg=None,
    flip=False,
    lit=1.0,
):
    h, w = layer.h, layer.w
    s = size * k
    d = -1 if flip else 1
    L = 60 * s
    pts = [
        (x - L / 2, wl - 7 * s),
        (x + L / 2, wl - 8 * s),
        (x + L / 2 - 8 * s, wl),
        (x - L / 2 + 6 * s, wl),
    ]
    layer.paint(poly_mask(h, w, pts), hull)
    layer.paint(
        line_mask(h, w, (x - L / 2, wl - 7 * s), (x + L / 2, wl - 8 * s), 1.4 * s),
        np.array(hull) * 0.6 + 100,
    )
    mx = x - d * 4 * s
    top = wl - 78 * s
    layer.paint(line_mask(h, w, (mx, wl - 7 * s), (mx, top), 1.4 * s), (60, 55, 50))
    main = [
        (mx + d * 2 * s, top + 3 * s),
        (mx + d * 2 * s, wl - 12 * s),
        (mx + d * 30 * s, wl - 12 * s),
    ]
    jib = [
        (mx - d * 2 * s, top + 10 * s),
        (mx - d * 26 * s, wl - 10 * s),
        (mx - d * 3 * s, wl - 11 * s),
    ]
    sc = rgb(sail) * 255
    layer.paint(poly_mask(h, w, main), sc * lit)
    layer.paint(poly_mask(h, w, jib), sc * 0.82 * lit)


def fishing_boat(
    layer: Layer, k, x, wl, size, hull=(30, 80, 120), cabin=(235, 230, 218), flip=False
):
    h, w = layer.h, layer.w
    s = size * k
    d = -1 if flip else 1
    L = 110 * s
    bow = x + d * L / 2
    stern = x - d * L / 2
    pts = [
        (stern, wl - 16 * s),
        (bow, wl - 24 * s),
        (bow - d * 12 * s, wl),
        (stern + d * 4 * s, wl),
    ]
    layer.paint(poly_mask(h, w, pts), hull)
    layer.paint(line_mask(h, w, (stern, wl - 16 * s), (bow, wl - 24 * s), 3 * s), (235, 232, 225))
    layer.paint(
        poly_mask(
            h,
            w,
            [
                (stern + d * 2 * s, wl - 4 * s),
                (bow - d * 10 * s, wl - 4 * s),
                (bow - d * 11 * s, wl),
                (stern + d * 4 * s, wl),
            ],
        ),
        (120, 40, 35),
    )
    cx0 = x - d * 18 * s
    cab = [
        (cx0, wl - 18 * s),
        (cx0, wl - 44 * s),
        (cx0 + d * 30 * s, wl - 44 * s),
        (cx0 + d * 34 * s, wl - 20 * s),
    ]
    layer.paint(poly_mask(h, w, cab), cabin)
    for i in range(2):
        wx = cx0 + d * (5 + 12 * i) * s
        layer.paint(
            poly_mask(
                h,
                w,
                [
                    (wx, wl - 30 * s),
                    (wx, wl - 39 * s),
                    (wx + d * 8 * s, wl - 39 * s),
                    (wx + d * 8 * s, wl - 30 * s),
                ],
            ),
            (50, 60, 70),
        )
    layer.paint(
        line_mask(h, w, (x + d * 20 * s, wl - 20 * s), (x + d * 20 * s, wl - 95 * s), 2 * s),
        (60, 55, 50),
    )
    layer.paint(
        line_mask(h, w, (x + d * 20 * s, wl - 90 * s), (bow, wl - 24 * s), 0.8 * s),
        (70, 65, 60),
        0.8,
    )
    layer.paint(
        line_mask(h, w, (x + d * 20 * s, wl - 90 * s), (stern, wl - 18 * s), 0.8 * s),
        (70, 65, 60),
        0.8,
    )


def town(layer: Layer, rng, k, x0, x1, wl, cfg, night=False):
    """A row of small harbour houses along the far shore."""
    h, w = layer.h, layer.w
    lights = np.zeros((h, w), np.float32)
    x = x0
    palette = cfg.get(
        "town_palette",
        [(232, 224, 205), (214, 190, 160), (190, 205, 210), (230, 210, 180), (205, 170, 150)],
    )
    while x < x1:
        bw = float(rng.uniform(14, 30)) * k
        bh = float(rng.uniform(12, 26)) * k
        col = np.array(palette[int(rng.integers(len(palette)))], np.float32)
        if night:
            col = col * 0.16 + np.array((10, 14, 30))
        layer.paint(poly_mask(h, w, [(x, wl), (x, wl - bh), (x + bw, wl - bh), (x + bw, wl)]), col)
        rh = bh * float(rng.uniform(0.35, 0.6))
        roof = np.array((95, 62, 55)) if rng.random() < 0.6 else np.array((70, 72, 80))
        if night:
            roof = roof * 0.2 + np.array((8, 10, 22))
        layer.paint(
            poly_mask(h, w, [(x - 1, wl - bh), (x + bw / 2, wl - bh - rh), (x + bw + 1, wl - bh)]),
            roof,
        )
        for r in range(int(bh // (8 * k))):
            for c in range(max(1, int(bw // (7 * k)))):
                wx, wy = x + (2.5 + 7 * c) * k, wl - bh + (3 + 8 * r) * k
                if wx + 3 * k > x + bw - 1:
                    continue
                on = night and rng.random() < 0.45
                m = poly_mask(
                    h, w, [(wx, wy), (wx + 3 * k, wy), (wx + 3 * k, wy + 4 * k), (wx, wy + 4 * k)]
                )
                layer.paint(m, (255, 196, 110) if on else col * 0.55, 0.9)
                if on:
                    lights += m
        x += bw + float(rng.uniform(0, 6)) * k
    return lights


def foreground_grass(img, rng, k, cfg, y0, amp, color, blades=900):
    h, w = img.shape[:2]
    xs = np.arange(w, dtype=np.float32)
    prof = y0 * h - (ridge(rng, w, w * 0.5) + 0.5) * amp * h
    ys = np.arange(h, dtype=np.float32)[:, None]
    m = smoothstep(prof[None, :] - 1, prof[None, :] + 1, ys)
    tex = fbm(rng, h, w, 30 * k, octaves=4)
    col = rgb(color) * (0.75 + 0.5 * tex[..., None])
    img = lerp(img, col, m[..., None])
    bl = np.zeros((h, w), np.uint8)
    for _ in range(blades):
        bx = float(rng.uniform(0, w))
        by = float(np.interp(bx, xs, prof)) + float(rng.uniform(0, 25)) * k
        ln = float(rng.uniform(20, 70)) * k
        lean = float(rng.normal(0.15, 0.35))
        pts = []
        for i in range(6):
            f = i / 5
            pts.append((bx + lean * ln * f * f, by - ln * f))
        p = np.round(np.array(pts) * 16).astype(np.int32)
        cv2.polylines(bl, [p], False, 255, max(1, int(1.6 * k)), lineType=cv2.LINE_AA, shift=4)
    bm = bl.astype(np.float32)[..., None] / 255
    img = lerp(img, rgb(color) * 0.8, bm)
    return img


def finish(img, rng, cfg):
    h, w = img.shape[:2]
    img = cv2.GaussianBlur(img, (0, 0), cfg.get("soft", 0.6))
    k = min(h, w) / 1067
    bright = np.clip(img - cfg.get("bloom_at", 1.0), 0, None)
    img = (
        img
        + cv2.GaussianBlur(bright, (0, 0), 10 * k) * 0.6
        + cv2.GaussianBlur(bright, (0, 0), 45 * k) * 0.35
    )
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    r2 = ((xs - w / 2) / (w / 2)) ** 2 + ((ys - h / 2) / (h / 2)) ** 2
    img = img * (1 - cfg.get("vignette", 0.22) * (r2 / 2) ** 1.2)[..., None]
    grade = rgb(cfg.get("grade", (255, 255, 255)))
    img = img * grade
    # gentle film curve: lifted blacks, soft highlights
    img = np.clip(img, 0, None)
    img = 1 - np.exp(-img * 1.35)
    img = img / (1 - np.exp(-1.35))
    img = 0.02 + 0.97 * img
    g = rng.normal(0, 1, (h, w)).astype(np.float32)
    g = cv2.GaussianBlur(g, (0, 0), 0.55)
    g = g / g.std() * cfg.get("grain", 2.2) / 255
    lum_w = 1.2 - 0.6 * img.mean(axis=2)
    img = img + (g * lum_w)[..., None]
    return np.clip(img * 255 + 0.5, 0, 255).astype(np.uint8)


# --------------------------------------------------------------------------- scenes


def render_scene(cfg, W, H, seed):
    rng = np.random.default_rng(seed)
    k = min(W, H) / 1067
    hz = int(cfg["horizon"] * H)
    img = np.zeros((H, W, 3), np.float32)
    img, _sky, sky_refl = paint_sky(img, rng, cfg, hz, k)
    hills = paint_hills(img, rng, cfg, hz, k)
    img = hills.over(img)
    sky_and_hills = hills.over(sky_refl)
    waves = wave_field(rng, H, W, hz, k, cfg)
    img = paint_sea(img, sky_and_hills, rng, cfg, hz, k, waves)
    emit = np.zeros((H, W), np.float32)
    emit_col = rgb(cfg.get("emit_color", (255, 190, 110)))
    night = cfg.get("night", False)

    if "town" in cfg:
        t = cfg["town"]
        lay = Layer(H, W)
        wl = hz + t["water"] * H
        lights = town(lay, rng, k, t["x"][0] * W, t["x"][1] * W, wl, cfg, night=night)
        lay.haze(cfg["haze_color"], t.get("haze", 0.25))
        img = lay.over(img)
        img = reflect(img, lay, wl, waves, 0.5, cfg["sea_far"], 5 * k)
        emit += lights
        if night and t.get("string_lights"):
            bulbs = np.zeros((H, W), np.float32)
            x = t["x"][0] * W
            span = 70 * k
            while x + span < t["x"][1] * W:
                for i in range(1, 9):
                    f = i / 9
                    bx = x + span * f
                    by = wl - 9 * k + 4 * k * 4 * f * (1 - f)
                    bulbs += ellipse_mask(H, W, (bx, by), (1.3 * k, 1.3 * k))
                x += span
            emit += bulbs
            lay2 = Layer(H, W)
            lay2.paint(bulbs, (255, 210, 140))
            img = lay2.over(img)
        # reflected light streaks
        refl = np.zeros_like(emit)
        ys = np.arange(H)[:, None]
        src = np.clip(2 * wl - ys, 0, H - 1).astype(int)
        refl = emit[src, np.arange(W)[None, :]] * (ys > wl)
        refl = cv2.GaussianBlur(refl, (0, 0), sigmaX=1.2 * k, sigmaY=14 * k) * 6
        refl = refl * smoothstep(0.35, 0.75, waves) * cfg.get("streaks", 0.0)
        img = img + emit_col * refl[..., None]

    for spec in cfg.get("headlands", []):
        lay, yw, prof = headland(H, W, rng, k, hz, spec, cfg)
        if "lighthouse" in spec:
            lx = spec["lighthouse"] * W
            by = float(np.min(prof[int(lx - 20 * k) : int(lx + 20 * k)])) + 4 * k
            lantern = lighthouse(
                lay,
                k,
                lx,
                by,
                spec.get("lh_height", 150) * k * spec.get("lh_scale", 1.0),
                cfg,
                lit=night,
                scale=spec.get("lh_scale", 1.0),
            )
            spec["_lantern"] = lantern
            if "cottage" in spec:
                cxp = spec["cottage"] * W
                cby = (
                    float(np.max(prof[int(cxp) : int(cxp + 56 * k * spec.get("lh_scale", 1.0))]))
                    + 3 * k
                )
                cottage(lay, k, cxp, cby, cfg, lit=night, scale=spec.get("lh_scale", 1.0))
        lay.haze(cfg["haze_color"], spec.get("haze2", 0.0))
        img = lay.over(img)
        img = reflect(
            img,
            lay,
            yw,
            waves,
            spec.get("refl", 0.55),
            cfg["sea_far"],
            cfg.get("ripple", 10) * k * 0.6,
        )

    for b in cfg.get("boats", []):
        lay = Layer(H, W)
        wl = b["y"] * H
        if b["kind"] == "sail":
            sailboat(
                lay,
                k,
                b["x"] * W,
                wl,
                b["size"],
                b.get("hull", (40, 50, 70)),
                b.get("sail", (245, 243, 236)),
                flip=b.get("flip", False),
                lit=b.get("lit", 1.0),
            )
        else:
            fishing_boat(
                lay,
                k,
                b["x"] * W,
                wl,
                b["size"],
                b.get("hull", (30, 80, 120)),
                flip=b.get("flip", False),
            )
        lay.haze(cfg["haze_color"], b.get("haze", 0.0))
        lay.rgb *= rgb(cfg.get("light_tint", (255, 255, 255))) * b.get("dim", 1.0)
        img = lay.over(img)
        img = reflect(
            img,
            lay,
            wl,
            waves,
            b.get("refl", 0.5),
            cfg["sea_far"],
            cfg.get("ripple", 10) * k * 0.5,
            blur_y=2,
        )

    # lighthouse beam and glow at night
    if night:
        for spec in cfg.get("headlands", []):
            if "_lantern" not in spec:
                continue
            lx, ly = spec["_lantern"]
            ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
            ang = np.deg2rad(cfg.get("beam_angle", 192))
            dxp, dyp = xs - lx, ys - ly
            along = dxp * np.cos(ang) + dyp * np.sin(ang)
            across = -dxp * np.sin(ang) + dyp * np.cos(ang)
            spread = 4 * k + along * 0.06
            beam = np.exp(-((across / spread) ** 2)) * (along > 0) * np.exp(-along / (W * 0.45))
            glow = (
                np.exp(-np.hypot(dxp, dyp) / (18 * k)) * 0.9
                + np.exp(-np.hypot(dxp, dyp) / (90 * k)) * 0.25
            )
            img = img + rgb((255, 235, 190)) * (beam * 0.55 + glow)[..., None]

    if "grass" in cfg:
        g = cfg["grass"]
        img = foreground_grass(img, rng, k, cfg, g["y"], g["amp"], g["color"], g.get("blades", 900))

    if cfg.get("fog", 0) > 0:
        ys = np.arange(H, dtype=np.float32)[:, None, None]
        f = cfg["fog"] * np.exp(-np.abs(ys - hz) / (H * 0.22))
        img = lerp(img, rgb(cfg["haze_color"]), f)

    return finish(img, rng, cfg)


SCENES = {
    # 01: early morning, sun low on the left, a couple of yachts going out
    "01": dict(
        size=(1600, 1067),
        seed=101,
        horizon=0.60,
        sky=[(96, 128, 170), (236, 180, 140), (252, 214, 170)],
        sun=(0.24, 0.555),
        sun_color=(255, 190, 120),
        sun_r=26,
        glow=0.7,
        glow_r=0.05,
        glow_wide=0.35,
        disc_color=(255, 244, 214),
        clouds=0.42,
        cloud_scale=0.5,
        cloud_aspect=0.22,
        cloud_lit=(255, 214, 178),
        cloud_dark=(150, 122, 140),
        cloud_opacity=0.85,
        haze_color=(236, 196, 170),
        hills=[
            dict(
                base=0.012,
                amp=0.05,
                color=(132, 120, 140),
                haze=0.55,
                scale=0.7,
                env=((0.0, 0.02), (0.35, 0.6)),
            ),
            dict(
                base=0.004,
                amp=0.025,
                color=(110, 98, 112),
                haze=0.35,
                scale=0.3,
                env=((0.0, 0.01), (0.2, 0.45)),
            ),
        ],
        sea_far=(190, 160, 160),
        sea_near=(52, 70, 96),
        sea_mirror=0.75,
        wave_contrast=0.4,
        glitter=1.2,
        ripple=9,
        headlands=[
            dict(
                x=(0.58, 1.2),
                ramp=(0.12, 0.0),
                height=0.13,
                water=0.03,
                grass=20,
                grass_color=(86, 98, 58),
                rock_color=(118, 92, 84),
                lighthouse=0.80,
                lh_height=175,
                cottage=0.84,
                haze=0.12,
                surf=0.7,
                refl=0.5,
            )
        ],
        boats=[
            dict(kind="sail", x=0.38, y=0.655, size=0.6, hull=(230, 228, 220), haze=0.25),
            dict(kind="sail", x=0.47, y=0.675, size=0.85, hull=(40, 52, 80), flip=True, haze=0.12),
        ],
        ambient=0.35,
        diffuse=0.8,
        light_tint=(255, 222, 190),
        grass=dict(y=1.02, amp=0.1, color=(38, 40, 28), blades=700),
        grade=(255, 248, 240),
        vignette=0.3,
        grain=2.4,
    ),
    # 02: bright regatta afternoon, lighthouse on the left, town across the bay
    "02": dict(
        size=(1600, 1067),
        seed=202,
        horizon=0.50,
        sky=[(58, 112, 186), (120, 170, 220), (208, 226, 238)],
        sun=(0.85, 0.05),
        sun_color=(255, 250, 235),
        sun_disc=False,
        glow=0.25,
        glow_r=0.1,
        glow_wide=0.15,
        clouds=0.5,
        cloud_scale=0.35,
        cloud_aspect=0.45,
        cloud_soft=0.2,
        cloud_lit=(252, 252, 250),
        cloud_dark=(178, 190, 206),
        haze_color=(200, 218, 232),
        hills=[
            dict(base=0.02, amp=0.07, color=(96, 124, 104), haze=0.5, scale=0.6),
            dict(
                base=0.008,
                amp=0.035,
                color=(80, 112, 72),
                haze=0.25,
                scale=0.35,
                env=((0.3, 0.45), (0.95, 1.1)),
            ),
        ],
        town=dict(x=(0.46, 0.86), water=0.006, haze=0.3),
        town_palette=[
            (240, 236, 226),
            (236, 214, 170),
            (196, 214, 222),
            (232, 196, 180),
            (220, 226, 200),
            (250, 248, 240),
        ],
        sea_far=(110, 160, 180),
        sea_near=(24, 84, 110),
        sea_mirror=0.5,
        wave_contrast=0.45,
        glitter=0.25,
        glitter_w=3.0,
        ripple=10,
        headlands=[
            dict(
                x=(-0.2, 0.34),
                ramp=(0.0, 0.14),
                height=0.15,
                water=0.04,
                grass=30,
                grass_color=(88, 128, 60),
                rock_color=(140, 124, 108),
                lighthouse=0.13,
                lh_height=185,
                cottage=0.18,
                haze=0.05,
                surf=0.9,
                refl=0.45,
            )
        ],
        boats=[
            dict(kind="sail", x=0.45, y=0.56, size=0.45, hull=(240, 240, 240), haze=0.2),
            dict(
                kind="sail",
                x=0.53,
                y=0.575,
                size=0.55,
                hull=(180, 40, 40),
                sail=(250, 240, 200),
                haze=0.15,
            ),
            dict(kind="sail", x=0.62, y=0.565, size=0.5, hull=(30, 40, 70), flip=True, haze=0.2),
            dict(
                kind="sail",
                x=0.74,
                y=0.61,
                size=0.8,
                hull=(240, 240, 236),
                sail=(255, 250, 245),
                haze=0.1,
            ),
            dict(kind="sail", x=0.88, y=0.70, size=1.2, hull=(20, 60, 110), flip=True),
            dict(kind="sail", x=0.58, y=0.74, size=1.45, hull=(200, 60, 40), sail=(250, 248, 240)),
        ],
        ambient=0.5,
        diffuse=0.6,
        grade=(252, 254, 255),
        vignette=0.2,
        grain=2.0,
    ),
    # 03: sunset from the point, portrait (stored sideways with EXIF orientation 6)
    "03": dict(
        size=(1067, 1600),
        seed=303,
        horizon=0.66,
        sky=[(58, 52, 108), (206, 106, 110), (252, 170, 96)],
        sun=(0.32, 0.635),
        sun_color=(255, 140, 70),
        sun_r=34,
        glow=0.9,
        glow_r=0.06,
        glow_wide=0.45,
        disc_color=(255, 226, 170),
        clouds=0.38,
        cloud_scale=0.7,
        cloud_aspect=0.18,
        cloud_lit=(255, 170, 120),
        cloud_dark=(96, 62, 100),
        cloud_opacity=0.9,
        haze_color=(236, 140, 110),
        hills=[
            dict(
                base=0.006,
                amp=0.02,
                color=(110, 70, 96),
                haze=0.5,
                scale=0.4,
                env=((-0.1, 0.0), (0.15, 0.3)),
            )
        ],
        sea_far=(180, 100, 100),
        sea_near=(40, 34, 62),
        sea_mirror=0.8,
        wave_contrast=0.45,
        glitter=1.6,
        glitter_w=0.6,
        ripple=8,
        headlands=[
            dict(
                x=(0.42, 1.3),
                ramp=(0.26, 0.0),
                height=0.15,
                water=0.045,
                grass=30,
                grass_color=(38, 30, 30),
                rock_color=(36, 25, 31),
                lighthouse=0.76,
                lh_height=230,
                lh_scale=1.35,
                haze=0.02,
                surf=0.4,
                refl=0.55,
            )
        ],
        boats=[
            dict(
                kind="sail",
                x=0.2,
                y=0.685,
                size=0.55,
                hull=(30, 24, 34),
                sail=(70, 48, 60),
                haze=0.1,
                lit=1.0,
            )
        ],
        ambient=0.25,
        diffuse=0.7,
        light_tint=(255, 180, 150),
        lh_white=(228, 214, 208),
        grass=dict(y=1.0, amp=0.09, color=(26, 18, 24), blades=900),
        grade=(255, 246, 244),
        vignette=0.35,
        grain=2.6,
    ),
    # 04: festival night, lantern lights along the far quay, beam sweeping the bay
    "04": dict(
        size=(1600, 1067),
        seed=404,
        horizon=0.58,
        night=True,
        sky=[(8, 12, 34), (22, 34, 72), (58, 62, 100)],
        sun=(0.72, 0.16),
        sun_color=(190, 200, 235),
        sun_r=13,
        glow=0.35,
        glow_r=0.03,
        glow_wide=0.08,
        disc_color=(246, 244, 230),
        clouds=0.3,
        cloud_scale=0.5,
        cloud_aspect=0.25,
        cloud_lit=(80, 86, 120),
        cloud_dark=(20, 24, 50),
        cloud_opacity=0.7,
        stars=900,
        haze_color=(50, 54, 90),
        hills=[dict(base=0.02, amp=0.06, color=(16, 20, 40), haze=0.3, scale=0.6)],
        town=dict(x=(0.05, 0.66), water=0.008, haze=0.05, string_lights=True),
        town_palette=[(200, 200, 200), (180, 170, 160), (170, 180, 190)],
        streaks=1.2,
        emit_color=(255, 180, 100),
        sea_far=(34, 40, 76),
        sea_near=(8, 12, 28),
        sea_mirror=0.6,
        wave_contrast=0.5,
        glitter=0.6,
        glitter_w=0.5,
        glitter_color=(200, 210, 240),
        ripple=8,
        headlands=[
            dict(
                x=(0.7, 1.3),
                ramp=(0.1, 0.0),
                height=0.14,
                water=0.03,
                grass=20,
                grass_color=(18, 24, 30),
                rock_color=(24, 24, 34),
                lighthouse=0.86,
                lh_height=170,
                cottage=0.79,
                haze=0.0,
                surf=0.15,
                refl=0.4,
            )
        ],
        boats=[
            dict(
                kind="fish", x=0.3, y=0.8, size=1.1, hull=(20, 34, 56), haze=0.0, refl=0.4, dim=0.45
            )
        ],
        beam_angle=198,
        ambient=0.12,
        diffuse=0.25,
        light_tint=(150, 160, 210),
        grade=(250, 252, 255),
        vignette=0.35,
        grain=3.0,
        soft=0.7,
    ),
    # 05: sea fog in the morning, fishing boats on still water, the tower faint behind
    "05": dict(
        size=(1600, 1067),
        seed=505,
        horizon=0.55,
        sky=[(176, 184, 184), (204, 208, 202), (218, 220, 212)],
        sun=(0.62, 0.2),
        sun_color=(255, 246, 220),
        sun_r=22,
        glow=0.25,
        glow_r=0.08,
        glow_wide=0.1,
        disc=0.35,
        disc_color=(246, 242, 226),
        clouds=0.6,
        cloud_scale=0.6,
        cloud_aspect=0.3,
        cloud_soft=0.4,
        cloud_lit=(226, 228, 222),
        cloud_dark=(178, 184, 182),
        cloud_opacity=0.5,
        haze_color=(212, 216, 208),
        hills=[dict(base=0.02, amp=0.08, color=(140, 152, 146), haze=0.75, scale=0.5)],
        town=dict(x=(0.08, 0.46), water=0.006, haze=0.62),
        sea_far=(190, 196, 190),
        sea_near=(78, 98, 96),
        sea_mirror=0.85,
        wave_contrast=0.18,
        glitter=0.15,
        glitter_w=2.0,
        ripple=4,
        wave_sx=0.6,
        wave_sy=0.7,
        horizon_haze=0.6,
        headlands=[
            dict(
                x=(0.6, 1.3),
                ramp=(0.14, 0.0),
                height=0.12,
                water=0.012,
                grass=18,
                grass_color=(96, 112, 88),
                rock_color=(120, 118, 110),
                lighthouse=0.78,
                lh_height=150,
                cottage=0.84,
                haze=0.45,
                haze2=0.38,
                surf=0.2,
                refl=0.6,
            )
        ],
        boats=[
            dict(kind="fish", x=0.26, y=0.77, size=1.3, hull=(34, 92, 120), refl=0.7),
            dict(kind="fish", x=0.62, y=0.83, size=1.55, hull=(150, 52, 40), flip=True, refl=0.7),
            dict(kind="sail", x=0.46, y=0.64, size=0.7, hull=(235, 235, 230), haze=0.45, refl=0.6),
        ],
        fog=0.35,
        ambient=0.55,
        diffuse=0.35,
        grade=(250, 253, 250),
        vignette=0.15,
        grain=2.6,
    ),
}

EXIF_SIDEWAYS = "03"  # stored rotated, with EXIF Orientation=6


def save_jpeg(
    img: Image.Image, path: Path, exif_orientation: int | None = None, quality=JPEG_QUALITY
):
    path.parent.mkdir(parents=True, exist_ok=True)
    kw = dict(quality=quality, optimize=True, subsampling="4:2:0")
    if exif_orientation is not None:
        exif = Image.Exif()
        exif[0x0112] = exif_orientation
        kw["exif"] = exif.tobytes()
    img.save(path, "JPEG", **kw)


def make_photos(names=None):
    for name, cfg in SCENES.items():
        if names and name not in names:
            continue
        W, H = cfg["size"]
        arr = render_scene(cfg, W, H, cfg["seed"])
        im = Image.fromarray(arr, "RGB")
        path = OUT / "harbour" / f"{name}.jpg"
        if name == EXIF_SIDEWAYS:
            # A camera held upright stores the sensor's landscape pixels and a tag
            # saying "rotate 90 degrees clockwise to view": orientation 6.
            stored = im.transpose(Image.Transpose.ROTATE_90)
            save_jpeg(stored, path, exif_orientation=6)
            with Image.open(path) as chk:
                up = ImageOps.exif_transpose(chk)
                assert up.size == im.size, (up.size, im.size)
        else:
            save_jpeg(im, path)


# --------------------------------------------------------------------------- clippings


def font(name, size):
    for d in [FONTS, *SERIF_DIRS]:
        p = d / name
        if p.exists():
            return ImageFont.truetype(str(p), size)
    fallback = name.replace("Serif", "Sans").replace("Condensed", "")
    for cand in (fallback, "DejaVuSans.ttf"):
        if (FONTS / cand).exists():
            print(f"note: {name} not found, using bundled {cand}", file=sys.stderr)
            return ImageFont.truetype(str(FONTS / cand), size)
    raise SystemExit(f"font {name} not found")


GAZETTE_MAIN = [
    (
        "p",
        "PORT AVELINE. The harbour wall was lined three deep on Saturday evening as the twentieth Lighthouse Festival opened with its lantern procession from the old fish market to the foot of the point. Organisers counted more than four hundred paper lanterns, most of them made during the week at workshops in the harbour hall, where tables were covered in tissue paper, willow canes and glue from morning until late.",
    ),
    (
        "p",
        "The procession set off shortly after eight, led by the town band and a small fleet of rowing boats dressed with ribbons and strings of shells. By the time the first lanterns reached the slipway the keeper had lit the great lamp in the tower, and a cheer ran along the quay as the beam swept out across the bay for the first time this season.",
    ),
    (
        "p",
        "The festival committee admitted it had worried about the weather until the very last minute. Thursday brought a thick sea fog and Friday a stiff westerly, but the wind dropped at teatime and the sky cleared over the headland. Volunteers spent the afternoon drying bunting on the railings and setting out trestle tables along the esplanade.",
    ),
    ("h", "Regatta and rope pull"),
    (
        "p",
        "Sunday's programme begins with the junior regatta at ten o'clock, when dinghies from both sailing clubs race twice round the harbour buoys. It is followed at noon by the rope pull between the north and south quays, a rivalry which, according to the older fishermen, is a good deal older than the lighthouse itself. Last year's contest ended in a draw after the rope parted.",
    ),
    (
        "p",
        "Visitors are asked to leave their cars at the top of the hill, where a shuttle cart will run down to the harbour every twenty minutes. The harbour office reminds boat owners that the inner basin will be closed to traffic between nine and one.",
    ),
    ("h", "A tower with a long memory"),
    (
        "p",
        "The lighthouse has stood on the point for well over a century. Its red and white bands were repainted last spring by volunteers working from ropes and cradles, and the brass fittings of the lantern room have been polished for the occasion. Guided climbs to the gallery run on both festival days, weather permitting, and are limited to twelve visitors at a time. Sensible shoes are essential: there are one hundred and nine steps.",
    ),
    (
        "p",
        "An exhibition of photographs in the harbour hall, gathered from family albums across the town, has already drawn a steady queue. Among the prints are views of the point before the keeper's cottage was rebuilt, boats drawn up on the shingle for the winter, and a rare picture of the very first festival, when the lanterns were carried in jam jars hung from sticks.",
    ),
    (
        "p",
        "Stallholders reported brisk trade in smoked fish, honey cake and hand-knitted jumpers. The lifeboat crew ran a tombola beside the slipway, and the school choir sang on the bandstand until the light faded and the lanterns took over.",
    ),
    ("h", "Closing night"),
    (
        "p",
        "The festival closes on Sunday evening with the blessing of the boats and a display of fireworks over the water, to be launched from a barge moored beyond the harbour mouth. Spectators are advised that the best view is from the north quay and the path below the point. The committee thanks the harbour master, the fire brigade, the sailing clubs and everyone who lent tables, chairs, ladders and kettles.",
    ),
    (
        "p",
        "Next year's festival dates will be announced at the autumn meeting in the harbour hall. New helpers are always welcome, particularly anyone who can sew, climb a ladder or carry a tune, and the committee is once again looking for someone to take charge of the lantern workshop.",
    ),
    ("h", "Harbour notes"),
    (
        "p",
        "The new pontoon in the inner basin is now open, with six visitor berths available on a first come basis. Please report to the harbour office on arrival. Fresh water is available at the end of the fish quay; the diesel pump remains out of order until further notice. The lost property box at the office holds, among other things, three oars, a single wellington boot and a very fine brass telescope.",
    ),
    (
        "p",
        "Tides for the festival weekend: high water Saturday at 7.12 and 19.40, Sunday at 7.58 and 20.21. The rowing race around the point will start one hour before high water on Sunday evening, wind and sea allowing. Competitors must wear buoyancy aids and register at the slipway by six o'clock.",
    ),
    (
        "p",
        "The gull colony on the point has had a good year, and walkers on the cliff path are asked to keep dogs on leads and to stay behind the white posts until the chicks have fledged. The path will be repaired in the autumn where the fence was damaged in the March gales, and the council has promised a new bench at the viewpoint.",
    ),
    (
        "p",
        "The harbour office will be closed on Monday morning while the tide gauge is serviced. Urgent enquiries should be made at the lifeboat station, which is manned throughout the weekend.",
    ),
]


def wrap(draw, words, fnt, width):
    lines, cur = [], []
    for wd in words:
        test = " ".join([*cur, wd])
        if cur and draw.textlength(test, font=fnt) > width:
            lines.append(cur)
            cur = [wd]
        else:
            cur.append(wd)
    if cur:
        lines.append(cur)
    return lines


def draw_justified(draw, x, y, words, fnt, width, fill, last=False, indent=0):
    if last or len(words) == 1:
        draw.text((x + indent, y), " ".join(words), font=fnt, fill=fill)
        return
    wlen = [draw.textlength(w, font=fnt) for w in words]
    gap = (width - indent - sum(wlen)) / (len(words) - 1)
    cx = x + indent
    for w_, l_ in zip(words, wlen, strict=True):
        draw.text((round(cx), y), w_, font=fnt, fill=fill)
        cx += l_ + gap


def flow_columns(draw, blocks, columns, body, head, lead, fill):
    """Fill ``columns`` (list of (x, y0, y1, width)) with blocks; stops when full."""
    ci = 0
    x, y, y1, cw = columns[0]
    first = True
    for kind, text in blocks:
        fnt = head if kind == "h" else body
        if kind == "h":
            y += lead * 0.5
            if y + lead * 1.6 > y1:
                ci += 1
                if ci >= len(columns):
                    return
                x, y, y1, cw = columns[ci]
            tw = draw.textlength(text, font=head)
            draw.text((x + (cw - tw) / 2, y), text, font=head, fill=fill)
            y += lead * 1.45
            continue
        words = text.split()
        indent = 0 if first else lead * 1.1
        lines = wrap(draw, words, fnt, cw - indent)
        # re-wrap after the first line without the indent
        if indent and len(lines) > 1:
            rest = [w for ln in lines[1:] for w in ln]
            lines = [lines[0], *wrap(draw, rest, fnt, cw)]
        for i, ln in enumerate(lines):
            if y + lead > y1:
                ci += 1
                if ci >= len(columns):
                    return
                x, y, y1, cw = columns[ci]
            draw_justified(
                draw,
                x,
                y,
                ln,
                fnt,
                cw,
                fill,
                last=i == len(lines) - 1,
                indent=indent if i == 0 else 0,
            )
            y += lead
        first = False


def halftone(gray: np.ndarray, cell: float, angle_deg=45.0) -> np.ndarray:
    """Ink coverage (0..1) of a rotated dot screen for a 0..1 grayscale image."""
    h, w = gray.shape
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    a = np.deg2rad(angle_deg)
    u = (xs * np.cos(a) + ys * np.sin(a)) / cell
    v = (-xs * np.sin(a) + ys * np.cos(a)) / cell
    du, dv = u - np.round(u), v - np.round(v)
    dist = np.sqrt(du * du + dv * dv)  # 0..0.707 in cell units
    dark = np.clip(1 - gray, 0, 1)
    r = np.sqrt(dark / np.pi) * 1.08
    return smoothstep(r + 0.06, r - 0.06, dist)


def paper(rng, h, w, base, blotch=0.06, fine=0.02):
    big = fbm(rng, h, w, w * 0.4, octaves=4)
    mid = fbm(rng, h, w, 60, octaves=3)
    col = rgb(base)[None, None, :] * (
        1 - blotch * (big[..., None] - 0.5) * 2 - fine * (mid[..., None] - 0.5)
    )
    # yellowed, darker edges
    ys, xs = np.mgrid[0:h, 0:w].astype(np.float32)
    e = np.minimum.reduce([xs, ys, w - 1 - xs, h - 1 - ys]) / (0.08 * min(h, w))
    edge = 1 - np.clip(e, 0, 1)
    col = col * (1 - 0.10 * edge[..., None] ** 2 * np.array([0.6, 0.9, 1.6], np.float32))
    return col


def make_gazette():
    rng = np.random.default_rng(1994)
    W, H = 2400, 3200
    PW, PH = 2270, 3110  # the cut-out piece of newsprint
    ink = (34, 30, 28)
    page = Image.new("L", (PW, PH), 255)
    d = ImageDraw.Draw(page)
    m = 95
    inner = PW - 2 * m
    # masthead
    mast = font("DejaVuSerif-Bold.ttf", 150)
    title = "THE LIGHTHOUSE GAZETTE"
    tw = d.textlength(title, font=mast)
    if tw > inner:
        mast = font("DejaVuSerif-Bold.ttf", int(150 * inner / tw * 0.98))
        tw = d.textlength(title, font=mast)
    y = 70
    d.rectangle([m, y, PW - m, y + 7], fill=0)
    d.rectangle([m, y + 14, PW - m, y + 16], fill=0)
    y += 40
    d.text(((PW - tw) / 2, y), title, font=mast, fill=0)
    y += 185
    d.rectangle([m, y, PW - m, y + 2], fill=0)
    small = font("DejaVuSerif.ttf", 30)
    smallb = font("DejaVuSerif-Bold.ttf", 30)
    d.text((m, y + 14), "No. 1,812", font=smallb, fill=0)
    mid_t = "PORT AVELINE  ·  SATURDAY, 14 MAY 1994  ·  FESTIVAL EDITION"
    d.text(((PW - d.textlength(mid_t, font=small)) / 2, y + 14), mid_t, font=small, fill=0)
    pr = "Price 35p"
    d.text((PW - m - d.textlength(pr, font=smallb), y + 14), pr, font=smallb, fill=0)
    y += 62
    d.rectangle([m, y, PW - m, y + 7], fill=0)
    d.rectangle([m, y + 14, PW - m, y + 16], fill=0)
    y += 50
    # headline
    hl = font("DejaVuSerif-Bold.ttf", 112)
    for line in ("LANTERNS LIGHT THE BAY AS", "FESTIVAL TURNS TWENTY"):
        lw = d.textlength(line, font=hl)
        d.text(((PW - lw) / 2, y), line, font=hl, fill=0)
        y += 128
    sub = font("DejaVuSerif-Italic.ttf", 50)
    st = "Four hundred lanterns, one great lamp, and a crowd three deep on the harbour wall"
    d.text(((PW - d.textlength(st, font=sub)) / 2, y + 8), st, font=sub, fill=0)
    y += 90
    by = font("DejaVuSerif-Bold.ttf", 28)
    d.text((m, y), "BY OUR HARBOUR CORRESPONDENT", font=by, fill=0)
    y += 50
    d.rectangle([m, y, PW - m, y + 2], fill=0)
    y += 26

    ncol, gut = 4, 44
    cw = (inner - (ncol - 1) * gut) / ncol
    colx = [m + i * (cw + gut) for i in range(ncol)]
    # picture box spanning columns 2-4
    px0, px1 = int(colx[1]), int(PW - m)
    pw_, ph_ = px1 - px0, 900
    scene = dict(SCENES["02"])
    pic = render_scene(scene, pw_, ph_, 9402)
    g = cv2.cvtColor(pic, cv2.COLOR_RGB2GRAY).astype(np.float32) / 255
    g = np.clip((g - 0.12) / 0.8, 0, 1) ** 1.1
    dots = cv2.GaussianBlur(halftone(g, cell=11.0), (0, 0), 1.1)  # ink spread on newsprint
    tile = (255 * (1 - dots) + 0.5).astype(np.uint8)
    page.paste(Image.fromarray(tile, "L"), (px0, int(y)))
    d.rectangle([px0, int(y), px1 - 1, int(y) + ph_ - 1], outline=0, width=3)
    cap = font("DejaVuSerif-Italic.ttf", 27)
    capt = "Yachts gather off the point ahead of Sunday's junior regatta. The tower's new paint was finished only last spring."
    lines = wrap(d, capt.split(), cap, pw_)
    cy = y + ph_ + 12
    for ln in lines:
        d.text((px0, cy), " ".join(ln), font=cap, fill=0)
        cy += 34
    d.text(
        (px1 - d.textlength("Photograph: Gazette staff", font=cap), cy),
        "Photograph: Gazette staff",
        font=cap,
        fill=0,
    )
    cy += 48

    body = font("DejaVuSerif.ttf", 25)
    head = font("DejaVuSerif-Bold.ttf", 29)
    lead = 33
    y_end = PH - 20  # the text runs off the cut edge
    cols = [(colx[0], y, y_end, cw)] + [(colx[i], cy, y_end, cw) for i in range(1, ncol)]
    # drop cap on the first paragraph
    dc = font("DejaVuSerif-Bold.ttf", 100)
    first = GAZETTE_MAIN[0][1]
    d.text((colx[0], y - 6), first[0], font=dc, fill=0)
    dcw = d.textlength(first[0], font=dc) + 12
    words = first[1:].split()
    ln_ = wrap(d, words, body, cw - dcw)
    three = ln_[:3]
    for i, ln in enumerate(three):
        draw_justified(d, colx[0] + dcw, y + i * lead, ln, body, cw - dcw, 0)
    rest = [w for ln in ln_[3:] for w in ln]
    y2 = y + 3 * lead
    cols[0] = (colx[0], y2, y_end, cw)
    blocks = [("p0", " ".join(rest)), *GAZETTE_MAIN[1:]]
    blocks = [("p" if k_ == "p0" else k_, t_) for k_, t_ in blocks]
    # first block continues the paragraph: no indent
    flow_columns(d, blocks, cols, body, head, lead, 0)
    for i in range(1, ncol):
        xr = colx[i] - gut / 2
        d.line([(xr, y if i == 1 else cy - 6), (xr, PH)], fill=0, width=2)

    # ink on paper
    inkcov = 1 - np.asarray(page, np.float32) / 255
    inkcov = cv2.GaussianBlur(inkcov, (0, 0), 0.8)
    dens = 0.82 + 0.18 * fbm(rng, PH, PW, 300, octaves=4)
    inkcov = np.clip(inkcov * dens * 1.08, 0, 1)
    pap = paper(rng, PH, PW, (236, 222, 188), blotch=0.05, fine=0.03)
    col = lerp(pap, rgb(ink)[None, None, :], inkcov[..., None])
    # faint show-through from the other side
    ghost = fbm(rng, PH, PW, 120, octaves=2, aspect=0.3)
    col = col * (1 - 0.015 * ghost[..., None])

    # cut outline: slightly wavy scissor edges, then a skew on the scanner bed
    edge_pts = []
    jag = lambda n: ridge(rng, n, 400, octaves=3) * 8  # noqa: E731
    n = 40
    for i, v in enumerate(jag(n)):
        edge_pts.append((PW * i / (n - 1), 4 + v))
    for i, v in enumerate(jag(n)):
        edge_pts.append((PW - 4 + v, PH * i / (n - 1)))
    for i, v in enumerate(jag(n)):
        edge_pts.append((PW * (1 - i / (n - 1)), PH - 4 + v))
    for i, v in enumerate(jag(n)):
        edge_pts.append((4 + v, PH * (1 - i / (n - 1))))
    piece_a = poly_mask(PH, PW, edge_pts)

    bed = np.ones((H, W, 3), np.float32) * rgb((206, 206, 200))
    bed = bed * (0.97 + 0.03 * fbm(rng, H, W, 500, octaves=3)[..., None])
    ang = -0.9  # degrees
    M = cv2.getRotationMatrix2D((PW / 2, PH / 2), ang, 1.0)
    M[0, 2] += (W - PW) / 2 + 8
    M[1, 2] += (H - PH) / 2 - 6
    warped = cv2.warpAffine(col, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    wa = cv2.warpAffine(piece_a, M, (W, H), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_CONSTANT)
    shadow = cv2.GaussianBlur(np.roll(np.roll(wa, 6, 0), 5, 1), (0, 0), 6) * 0.25
    bed = bed * (1 - shadow[..., None])
    out = lerp(bed, warped, wa[..., None])
    nz = rng.normal(0, 1, (H, W)).astype(np.float32)
    nz = cv2.GaussianBlur(nz, (0, 0), 0.6)
    out = out + (nz / nz.std() * 0.35 / 255)[..., None]
    arr = np.clip(out * 255 + 0.5, 0, 255).astype(np.uint8)
    save_jpeg(Image.fromarray(arr, "RGB"), OUT / "clippings" / "gazette-1994.jpg", quality=74)


BULLETIN_TEXT = (
    "The Harbour Bulletin is delivered free to every house in Port Aveline. Items for the autumn issue "
    "should be left in the box at the harbour office by the end of August. This summer the Lighthouse "
    "Festival returns to its old two-day pattern, with the lantern procession on Saturday night and the "
    "regatta, rope pull and blessing of the boats on Sunday. Lantern workshops run every evening of the "
    "week before the festival in the harbour hall; materials are provided and children under ten must "
    "bring a grown-up. Volunteers are still needed for the car park, the tea tent and the tombola."
)

PROGRAMME = [
    ("Sat 19 July", "", ""),
    ("14.00", "Stalls open on the esplanade", "Esplanade"),
    ("16.30", "Sea shanty singing", "Bandstand"),
    ("20.15", "Lantern procession", "Fish market to the point"),
    ("21.30", "Lighting of the lamp", "The point"),
    ("Sun 20 July", "", ""),
    ("10.00", "Junior regatta", "Inner harbour"),
    ("12.00", "Rope pull, north v. south", "Fish quay"),
    ("15.00", "Tower climbs (12 at a time)", "Lighthouse"),
    ("22.00", "Boat blessing, fireworks", "Harbour mouth"),
]


def lighthouse_icon(d: ImageDraw.ImageDraw, x, y, s, fill):
    """A small engraved-style lighthouse for the bulletin's masthead."""
    d.polygon(
        [(x - 14 * s, y), (x - 9 * s, y - 80 * s), (x + 9 * s, y - 80 * s), (x + 14 * s, y)],
        outline=fill,
        width=max(1, int(2 * s)),
    )
    for f in (0.25, 0.5, 0.75):
        yy = y - 80 * s * f
        hw = 14 * s - 5 * s * f
        d.line([(x - hw, yy), (x + hw, yy)], fill=fill, width=max(1, int(2 * s)))
    d.rectangle(
        [x - 13 * s, y - 86 * s, x + 13 * s, y - 80 * s], outline=fill, width=max(1, int(2 * s))
    )
    d.rectangle(
        [x - 7 * s, y - 100 * s, x + 7 * s, y - 86 * s], outline=fill, width=max(1, int(2 * s))
    )
    d.pieslice([x - 9 * s, y - 110 * s, x + 9 * s, y - 92 * s], 180, 360, fill=fill)
    for a in (-18, -8, 8, 18):
        d.line(
            [
                (x + (10 if a > 0 else -10) * s, y - 93 * s),
                (x + a * 2.6 * s, y - 93 * s + abs(a) * 0.25 * s),
            ],
            fill=fill,
            width=max(1, int(1.5 * s)),
        )
    d.line([(x - 40 * s, y), (x + 40 * s, y)], fill=fill, width=max(1, int(2 * s)))


def make_bulletin():
    rng = np.random.default_rng(2003)
    W, H = 1400, 1000
    ink = (28, 40, 58)
    txt = Image.new("L", (W, H), 255)
    d = ImageDraw.Draw(txt)
    x0, x1 = 110, W - 110
    y = 90
    lighthouse_icon(d, x0 + 50, y + 118, 1.05, 0)
    mast = font("DejaVuSerif-Bold.ttf", 74)
    d.text((x0 + 120, y + 4), "HARBOUR BULLETIN", font=mast, fill=0)
    sm = font("DejaVuSans.ttf", 24)
    d.text(
        (x0 + 124, y + 92),
        "Port Aveline community newsletter  ·  Summer 2003  ·  Free",
        font=sm,
        fill=0,
    )
    y += 150
    d.rectangle([x0, y, x1, y + 4], fill=0)
    y += 24
    hd = font("DejaVuSans-Bold.ttf", 40)
    d.text((x0, y), "Lighthouse Festival: the programme", font=hd, fill=0)
    y += 60
    body = font("DejaVuSerif.ttf", 23)
    lead = 31
    colw = (x1 - x0 - 40) * 0.46
    lines = wrap(d, BULLETIN_TEXT.split(), body, colw)
    for i, ln in enumerate(lines):
        draw_justified(d, x0, y + i * lead, ln, body, colw, 0, last=i == len(lines) - 1)
    # programme table
    tx = x0 + colw + 40
    ty = y
    tb = font("DejaVuSans-Bold.ttf", 24)
    tr = font("DejaVuSans.ttf", 22)
    d.rectangle([tx, ty - 10, x1, ty + 10 + 36 * len(PROGRAMME)], outline=0, width=2)
    for i, (t, what, where) in enumerate(PROGRAMME):
        yy = ty + 4 + i * 36
        if not what:
            d.rectangle([tx, yy - 10, x1, yy + 26], fill=0)
            d.text((tx + 14, yy - 6), t.upper(), font=tb, fill=255)
            continue
        d.text((tx + 14, yy - 4), t, font=tb, fill=0)
        d.text((tx + 100, yy - 4), what, font=tr, fill=0)
        d.text((x1 - 14 - d.textlength(where, font=tr), yy - 4), where, font=tr, fill=0)
        if i + 1 < len(PROGRAMME) and PROGRAMME[i + 1][1]:
            d.line([(tx + 10, yy + 30), (x1 - 10, yy + 30)], fill=160, width=1)
    yb = max(y + len(lines) * lead, ty + 36 * len(PROGRAMME)) + 40
    it = font("DejaVuSerif-Italic.ttf", 24)
    note = "Tower climbs depend on the weather. Please wear sensible shoes: there are 109 steps."
    d.text((x0, yb), note, font=it, fill=0)
    d.line([(x0, yb + 52), (x1, yb + 52)], fill=0, width=2)
    foot = "Harbour office open daily 8.00 to 18.00  ·  Lifeboat station manned all weekend  ·  Lost property at the office"
    d.text((x0, yb + 66), foot, font=font("DejaVuSans.ttf", 21), fill=0)

    inkcov = 1 - np.asarray(txt, np.float32) / 255
    inkcov = cv2.GaussianBlur(inkcov, (0, 0), 0.6)
    inkcov = np.clip(inkcov * (0.85 + 0.15 * fbm(rng, H, W, 200, octaves=3)), 0, 1)
    pap = paper(rng, H, W, (240, 236, 222), blotch=0.04, fine=0.0)
    # a fold crease across the sheet
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float32)
    crease_y = 0.52 * H + 0.012 * (xs - W / 2)
    dist = ys - crease_y
    crease = 1 - 0.07 * np.exp(-((dist / 3) ** 2)) + 0.03 * np.exp(-(((dist - 6) / 5) ** 2))
    pap = pap * crease[..., None]
    col = lerp(pap, rgb(ink)[None, None, :], inkcov[..., None])

    # outline: straight scissor cut on top and left, torn right and bottom edges
    mrg = 34
    n_t = 260
    tear_r = ridge(rng, n_t, 30, octaves=6, persistence=0.6) * 22
    tear_b = ridge(rng, n_t, 30, octaves=6, persistence=0.6) * 22
    pts = [(mrg, mrg + 3), (W - mrg - 30, mrg)]
    for i in range(n_t):
        f = i / (n_t - 1)
        pts.append((W - mrg - 28 + tear_r[i] - 6 * np.sin(f * 3.1), mrg + f * (H - 2 * mrg - 30)))
    for i in range(n_t):
        f = i / (n_t - 1)
        pts.append(
            (W - mrg - 30 - f * (W - 2 * mrg - 30), H - mrg - 30 + tear_b[i] + 5 * np.sin(f * 2.3))
        )
    pts.append((mrg + 2, H - mrg - 24))
    alpha = poly_mask(H, W, pts)
    # torn paper shows a lighter, fibrous rim
    inner_a = cv2.erode(alpha, np.ones((7, 7), np.uint8))
    rim = np.clip(alpha - inner_a, 0, 1)
    fib = fbm(rng, H, W, 6, octaves=2)
    col = lerp(col, rgb((250, 248, 242)), (rim * (0.5 + 0.5 * fib))[..., None] * 0.8)
    # content outside the sheet is cleared so the margin compresses well
    col = col * (alpha[..., None] > 0)
    rgba = np.dstack([np.clip(col * 255 + 0.5, 0, 255), np.clip(alpha * 255 + 0.5, 0, 255)]).astype(
        np.uint8
    )
    path = OUT / "clippings" / "bulletin-2003.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(rgba, "RGBA").save(path, "PNG", optimize=True)


# --------------------------------------------------------------------------- main


def main(argv: list[str]) -> int:
    only = set(argv[1:])
    picked = only & set(SCENES)
    if not only or "photos" in only or picked:
        make_photos(picked or None)
    if not only or "gazette" in only:
        make_gazette()
    if not only or "bulletin" in only:
        make_bulletin()
    total = 0
    print(f"demo media in {OUT.relative_to(ROOT)}/")
    for p in sorted(OUT.rglob("*")):
        if p.is_file():
            sz = p.stat().st_size
            total += sz
            with Image.open(p) as im:
                ori = im.getexif().get(0x0112)
                info = f"{im.size[0]}x{im.size[1]} {im.mode}" + (
                    f" EXIF orientation {ori}" if ori else ""
                )
            print(f"  {p.relative_to(OUT)!s:32} {sz / 1024:8.1f} KB  {info}")
    print(f"  {'total':32} {total / 1024:8.1f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
