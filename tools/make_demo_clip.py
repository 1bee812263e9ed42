#!/usr/bin/env python3
"""Write the demo show's short video clip and its subtitles under ``assets/demo/video/``.

A night at the (invented) Port Aveline lighthouse: stars, a turning beam, light on the
water, windows of the town below the headland; with a calm soundscape of soft surf and
a slow melody of sine tones.  Painted with numpy/OpenCV frame by frame and encoded with
PyAV (H.264 + AAC in MP4, index at the front), so no ffmpeg binary is needed.

Deterministic: every random draw comes from a fixed seed, and the encoders run on one
thread, so the same library versions give the same bytes.

    python tools/make_demo_clip.py
"""

from __future__ import annotations

import math
from fractions import Fraction
from pathlib import Path

import av
import cv2
import numpy as np

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "assets" / "demo" / "video"
CLIP = OUT / "lighthouse.mp4"

W, H = 960, 540
FPS = 25
SECONDS = 12.0
SAMPLE_RATE = 48_000
HORIZON = int(H * 0.63)
LANTERN = (742, 128)  # where the light sits, in pixels
BEAM_PERIOD_S = 8.0  # one full turn, as the narration says
SEED = 1871

# (start s, end s, text by language), within what `validate` checks: at most 17
# characters a second (9 for Chinese), 2 lines of 42 (16 for Chinese), 0.83-7 s a cue.
SUBTITLES: list[tuple[float, float, dict[str, str]]] = [
    (0.6, 3.4, {"en": "Port Aveline, on a quiet night.", "ru": "Порт-Авлин тихой ночью.",
                "zh": "阿韦林港，宁静的夜晚。", "ar": "ميناء أفلين في ليلة هادئة."}),
    (3.8, 6.6, {"en": "The lamp was first lit in 1871.",
                "ru": "Маяк впервые зажгли в 1871 году.",
                "zh": "灯塔于1871年首次点亮。", "ar": "أُضيء المصباح أول مرة عام 1871."}),
    (7.0, 9.6, {"en": "Its beam turns once\nevery eight seconds.",
                "ru": "Его луч делает оборот\nкаждые восемь секунд.",
                "zh": "灯光每八秒旋转一周。", "ar": "يدور شعاعه مرة\nكل ثماني ثوانٍ."}),
    (9.9, 11.8, {"en": "Keepers kept it for a century.", "ru": "Смотрители берегли его век.",
                 "zh": "守塔人守护了它一百年。", "ar": "رعاه الحراس مئة عام."}),
]
SUBTITLE_FILES = {"en": "lighthouse.en.srt", "ru": "lighthouse.ru.vtt",
                  "zh": "lighthouse.zh.srt", "ar": "lighthouse.ar.srt"}


# -- picture ---------------------------------------------------------------------------


def _smooth(e0: float, e1: float, x: np.ndarray) -> np.ndarray:
    t = np.clip((x - e0) / (e1 - e0), 0.0, 1.0)
    return t * t * (3 - 2 * t)


def _background(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """The still parts (RGB float 0..1) and a mask of what hides the sky behind the land."""
    y = np.linspace(0, 1, H, dtype=np.float32)[:, None, None]
    top, low = np.array([0.01, 0.02, 0.07]), np.array([0.07, 0.10, 0.20])
    sky = (top + (low - top) * (y / 0.63) ** 1.6).astype(np.float32)
    img = np.broadcast_to(sky, (H, W, 3)).copy()

    # A faint moon glow high on the left, and the moon itself.
    yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
    moon_x, moon_y = 190.0, 96.0
    dist = np.hypot(xx - moon_x, yy - moon_y)
    img += (np.exp(-dist / 90.0) * 0.10)[..., None] * np.array([0.55, 0.65, 0.9], np.float32)
    disc = _smooth(19.0, 17.0, dist)
    shade = _smooth(19.0, 17.0, np.hypot(xx - moon_x - 8, yy - moon_y + 4))
    img += ((disc - 0.85 * disc * shade)[..., None]
            * np.array([0.85, 0.83, 0.72], np.float32))

    # Distant hills on the left, the headland with its tower on the right.
    x = np.arange(W, dtype=np.float32)
    hills = HORIZON - 18 - 14 * np.sin(x / 130 + 1.3) - 8 * np.sin(x / 47 + 0.4)
    hills = np.where(x < 520, hills, HORIZON + 5)
    head = HORIZON - 95 - 28 * np.cos((x - 760) / 160) + 6 * np.sin(x / 23)
    head = np.where((x > 600) & (x < 960), np.minimum(head, HORIZON - 5), HORIZON + 5)
    head = np.where(x > 600, head + np.clip((660 - x) * 3.0, 0, None), head)
    land = np.zeros((H, W), np.float32)
    land[yy < 0] = 0
    land = np.maximum((yy > hills[None, :]).astype(np.float32) * (yy < HORIZON),
                      (yy > head[None, :]).astype(np.float32) * (yy < HORIZON))
    land = cv2.GaussianBlur(land, (3, 3), 0)
    hill_colour = np.array([0.035, 0.045, 0.075], np.float32)
    img = img * (1 - land[..., None]) + hill_colour * land[..., None]

    # The tower: tapered, white with two soft red bands, lit faintly from the moon side.
    lx, ly = LANTERN
    base_y = int(head[lx] + 4)
    for row in range(ly + 12, base_y):
        f = (row - ly) / (base_y - ly)
        half = 9 + 9 * f
        band = ((row - ly) // 24) % 3 == 1
        colour = np.array([0.36, 0.11, 0.10] if band else [0.42, 0.42, 0.44], np.float32)
        left, right = int(lx - half), int(lx + half)
        ramp = np.linspace(1.0, 0.45, right - left, dtype=np.float32)[:, None]
        img[row, left:right] = colour * ramp * 0.55
    # Gallery, lantern room and cap.
    cv2.rectangle(img, (lx - 13, ly + 9), (lx + 13, ly + 12), (0.10, 0.10, 0.12), -1)
    cv2.rectangle(img, (lx - 8, ly - 6), (lx + 8, ly + 9), (0.95, 0.85, 0.55), -1)
    cv2.fillConvexPoly(img, np.array([[lx - 10, ly - 6], [lx + 10, ly - 6], [lx, ly - 17]]),
                       (0.08, 0.08, 0.10))
    # A keeper's cottage beside the tower.
    cv2.rectangle(img, (lx + 26, base_y - 20), (lx + 62, base_y), (0.10, 0.10, 0.13), -1)
    cv2.fillConvexPoly(img, np.array([[lx + 22, base_y - 20], [lx + 66, base_y - 20],
                                      [lx + 44, base_y - 34]]), (0.07, 0.06, 0.08))
    # The sea: a darker blue that deepens toward the viewer.
    sea_y = np.linspace(0, 1, H - HORIZON, dtype=np.float32)[:, None, None]
    sea = np.array([0.04, 0.07, 0.14], np.float32) * (1 - 0.6 * sea_y)
    img[HORIZON:] = np.broadcast_to(sea, (H - HORIZON, W, 3))
    return np.clip(img, 0, 1), land


class Scene:
    def __init__(self) -> None:
        rng = np.random.default_rng(SEED)
        self.base, land = _background(rng)
        n = 260
        sx = rng.uniform(0, W, n)
        sy = rng.uniform(0, HORIZON - 10, n) ** 1.0
        keep = land[sy.astype(int), sx.astype(int)] < 0.5
        keep &= np.hypot(sx - 190, sy - 96) > 40
        self.stars = np.stack([sx[keep], sy[keep]], 1)
        self.star_level = rng.uniform(0.15, 0.9, keep.sum()) ** 2
        self.star_phase = rng.uniform(0, 2 * np.pi, keep.sum())
        self.star_speed = rng.uniform(1.0, 3.0, keep.sum())
        # Town windows along the shore under the headland and on the hills.
        wx = np.concatenate([rng.uniform(560, 700, 14), rng.uniform(40, 480, 10)])
        wy = np.concatenate([rng.uniform(HORIZON - 22, HORIZON - 4, 14),
                             rng.uniform(HORIZON - 14, HORIZON - 4, 10)])
        self.windows = np.stack([wx, wy], 1)
        self.window_phase = rng.uniform(0, 2 * np.pi, len(wx))
        yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
        self.dx, self.dy = xx - LANTERN[0], yy - LANTERN[1]
        self.angle = np.arctan2(self.dy, self.dx)
        self.radius = np.hypot(self.dx, self.dy)
        self.sea_rows = np.arange(H - HORIZON, dtype=np.float32)[:, None]
        self.sea_cols = np.arange(W, dtype=np.float32)[None, :]
        self.ripple_seed = rng.uniform(0, 2 * np.pi, 6)

    def frame(self, t: float) -> np.ndarray:
        img = self.base.copy()
        # Stars twinkle gently.
        glow = np.zeros((H, W), np.float32)
        level = self.star_level * (0.75 + 0.25 * np.sin(self.star_phase + t * self.star_speed))
        xs, ys = self.stars[:, 0].astype(int), self.stars[:, 1].astype(int)
        np.add.at(glow, (ys, xs), level)
        glow = cv2.GaussianBlur(glow, (3, 3), 0.6) * 2.2
        img += glow[..., None] * np.array([0.9, 0.92, 1.0], np.float32)

        # The beam: a turning light seen from the side. Pointing across the scene it is a
        # long soft wedge; pointing at us it becomes a bloom around the lantern.
        theta = 2 * math.pi * t / BEAM_PERIOD_S + 0.6
        across, toward = math.cos(theta), math.sin(theta)
        side = 0.0 if across >= 0 else math.pi  # right or left of the tower
        length = 80 + 900 * abs(across)
        spread = 0.05 + 0.22 * max(0.0, toward) ** 2
        off = np.abs(np.angle(np.exp(1j * (self.angle - side + 0.03))))
        wedge = np.exp(-((off / spread) ** 2)) * np.exp(-self.radius / length)
        wedge *= _smooth(6.0, 30.0, self.radius)
        strength = 0.45 * (0.35 + 0.65 * abs(across))
        beam = (wedge * strength).astype(np.float32)
        beam[HORIZON:] *= 0.25  # the beam passes above the water
        bloom = (0.15 + 0.85 * max(0.0, toward) ** 6) * np.exp(-self.radius / 26.0)
        light = beam + bloom.astype(np.float32)
        img += light[..., None] * np.array([1.0, 0.90, 0.62], np.float32)

        # Water shimmer: moving streaks that catch the moon and the lamp.
        rows, cols = self.sea_rows, self.sea_cols
        depth = rows / (H - HORIZON)
        # Swells run as horizontal bands, packed closer toward the horizon (perspective),
        # each wobbling slowly along its length.
        waves = np.zeros_like(rows * cols)
        for k, (fy, fx, speed) in enumerate([(9.0, 0.013, 1.1), (5.0, 0.027, -0.7),
                                              (15.0, 0.006, 1.6)]):
            wobble = 0.9 * np.sin(cols * fx + t * 0.5 * speed + self.ripple_seed[k + 3])
            waves += np.sin(fy * np.log(depth + 0.04) * 6 - t * speed + wobble
                            + self.ripple_seed[k])
        sparkle = np.clip(waves / 3.0, 0, 1) ** 6
        moon_path = np.exp(-((cols - 190) / (18 + 60 * depth)) ** 2)
        lamp_path = np.exp(-((cols - LANTERN[0]) / (14 + 50 * depth)) ** 2) * (
            0.25 + 0.75 * max(0.0, toward) ** 2)
        water = sparkle * (0.45 * moon_path + 0.55 * lamp_path + 0.05)
        water += 0.03 * np.clip(waves / 3.0, 0, 1) * (1 - depth)
        img[HORIZON:] += water[..., None] * np.array([0.85, 0.85, 0.75], np.float32)

        # Warm windows in the town, one or two dimming slowly.
        win = np.zeros((H, W), np.float32)
        level = 0.75 + 0.25 * np.sin(self.window_phase + t * 0.4)
        np.add.at(win, (self.windows[:, 1].astype(int), self.windows[:, 0].astype(int)), level)
        win = cv2.dilate(win, np.ones((2, 2), np.uint8))
        win = win + cv2.GaussianBlur(win, (9, 9), 2.5) * 0.8
        img += win[..., None] * np.array([1.0, 0.72, 0.35], np.float32)

        # Fade from and to black.
        fade = min(1.0, t / 1.2, (SECONDS - t) / 1.2)
        out = np.clip(img * fade, 0, 1)
        return (out ** (1 / 1.1) * 255 + 0.5).astype(np.uint8)


# -- sound -----------------------------------------------------------------------------


def soundscape() -> np.ndarray:
    """Stereo float32 (2, n) in -1..1: soft surf, a low drone, a slow pentatonic melody."""
    rng = np.random.default_rng(SEED)
    n = int(SECONDS * SAMPLE_RATE)
    t = np.arange(n) / SAMPLE_RATE
    freqs = np.fft.rfftfreq(n, 1 / SAMPLE_RATE)
    # Surf: noise shaped to a soft band (a gentle hush, nothing hissy), swelling like waves.
    shape = np.exp(-(np.log((freqs + 1) / 420.0) ** 2) / 1.3) / np.sqrt(freqs + 40)
    surf = []
    shared = rng.standard_normal(n)
    for channel in range(2):
        noise = 0.6 * shared + 0.8 * rng.standard_normal(n)
        band = np.fft.irfft(np.fft.rfft(noise) * shape, n)
        band /= np.abs(band).max()
        swell = 0.55 + 0.45 * np.sin(2 * np.pi * t / 5.5 + channel * 1.1) ** 2
        surf.append(band * swell * 0.22)
    surf_arr = np.array(surf)

    # A quiet drone on A and E, slowly breathing.
    drone = sum(a * np.sin(2 * np.pi * f * t) for f, a in ((110.0, 0.05), (164.81, 0.035),
                                                           (220.0, 0.02)))
    drone *= 0.8 + 0.2 * np.sin(2 * np.pi * t / 7.0)

    # The melody: A minor pentatonic, soft attacks, long decays, a little echo.
    notes = [(0.8, 440.0), (2.0, 523.25), (3.0, 587.33), (4.4, 659.25), (5.8, 587.33),
             (6.8, 523.25), (7.6, 440.0), (8.8, 392.0), (9.8, 440.0)]
    melody = np.zeros(n)
    for start, f in notes:
        i = int(start * SAMPLE_RATE)
        k = np.arange(n - i) / SAMPLE_RATE
        env = (1 - np.exp(-k / 0.04)) * np.exp(-k / 1.1)
        tone = np.sin(2 * np.pi * f * k) + 0.18 * np.sin(2 * np.pi * 2 * f * k) * np.exp(-k / 0.5)
        melody[i:] += 0.16 * env * tone
    delay = int(0.33 * SAMPLE_RATE)
    echo_l, echo_r = np.zeros(n), np.zeros(n)
    echo_l[delay:] = melody[:-delay] * 0.35
    echo_r[2 * delay:] = melody[:-2 * delay] * 0.25
    left = surf_arr[0] + drone + melody * 0.9 + echo_r
    right = surf_arr[1] + drone + melody * 0.8 + echo_l

    stereo = np.array([left, right])
    fade = np.minimum(1.0, np.minimum(t / 1.5, (SECONDS - t) / 2.0)).clip(0, 1)
    stereo *= fade ** 2
    stereo *= 0.32 / np.abs(stereo).max()  # about -10 dBFS at the loudest
    return stereo.astype(np.float32)


# -- files -----------------------------------------------------------------------------


def write_clip(path: Path) -> None:
    scene = Scene()
    sound = soundscape()
    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4",
                 options={"movflags": "faststart", "fflags": "+bitexact"}) as out:
        video = out.add_stream("libx264", rate=FPS, options={
            "crf": "28", "preset": "slow", "profile": "high", "threads": "1",
            "x264-params": "keyint=50:min-keyint=25", "flags": "+bitexact"})
        video.width, video.height, video.pix_fmt = W, H, "yuv420p"
        audio = out.add_stream("aac", rate=SAMPLE_RATE, layout="stereo",
                               options={"flags": "+bitexact"})
        audio.bit_rate = 96_000
        audio.time_base = Fraction(1, SAMPLE_RATE)

        frames = round(SECONDS * FPS)
        block, written = 1024, 0
        for i in range(frames):
            t = i / FPS
            picture = av.VideoFrame.from_ndarray(scene.frame(t), format="rgb24")
            picture.pts = i
            out.mux(video.encode(picture))
            # Keep the audio level with the picture so the file interleaves well.
            while written < min(sound.shape[1], (i + 1) * SAMPLE_RATE // FPS):
                chunk = sound[:, written:written + block]
                frame = av.AudioFrame.from_ndarray(np.ascontiguousarray(chunk), format="fltp",
                                                   layout="stereo")
                frame.sample_rate, frame.pts = SAMPLE_RATE, written
                out.mux(audio.encode(frame))
                written += chunk.shape[1]
        out.mux(video.encode())
        out.mux(audio.encode())


def _srt_time(s: float) -> str:
    ms = round(s * 1000)
    return f"{ms // 3_600_000:02}:{ms // 60_000 % 60:02}:{ms // 1000 % 60:02},{ms % 1000:03}"


def _vtt_time(s: float) -> str:
    return _srt_time(s)[3:].replace(",", ".")


def write_subtitles() -> list[Path]:
    paths = []
    for lang, name in SUBTITLE_FILES.items():
        path = OUT / name
        if name.endswith(".vtt"):
            text = "WEBVTT\n\n" + "".join(f"{_vtt_time(a)} --> {_vtt_time(b)}\n{t[lang]}\n\n"
                                           for a, b, t in SUBTITLES)
        else:
            text = "".join(f"{i}\n{_srt_time(a)} --> {_srt_time(b)}\n{t[lang]}\n\n"
                           for i, (a, b, t) in enumerate(SUBTITLES, 1))
        path.write_text(text, encoding="utf-8", newline="\n")
        paths.append(path)
    return paths


def main() -> None:
    write_clip(CLIP)
    for path in (CLIP, *write_subtitles()):
        print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")


if __name__ == "__main__":
    main()
