#!/bin/bash
# A clip with subtitles and sound, as a visitor would see and hear it: the demo's
# lighthouse clip in a one-clip show, fullscreen on a 1920x1080 Xvfb screen, with SDL's
# disk audio driver writing what the mixer sends out to a file. Checks a screenshot taken
# mid-clip (a picture, not black; a subtitle box with text at the bottom) and the written
# sound (not silent; the clip's own sound found in it by cross-correlation). It runs for
# 22 s: a cold start (the first run after an install) took 6-8 s to the first picture.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=${PYTHON:-.venv/bin/python}
out=$(mktemp -d)
export STATE_DIRECTORY=$out/state  # its own restart count and proof of play
display=:78
Xvfb $display -screen 0 1920x1080x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
xvfb=$!
kiosk=
trap 'kill $xvfb 2>/dev/null || true; [ -n "$kiosk" ] && kill $kiosk 2>/dev/null || true; rm -rf "$out"' EXIT
for _ in $(seq 50); do [ -e /tmp/.X11-unix/X78 ] && break; sleep 0.1; done

mkdir -p "$out/exhibits" "$out/assets" "$out/config"
cp assets/demo/video/lighthouse.mp4 assets/demo/video/lighthouse.en.srt "$out/assets/"
cat >"$out/exhibits/clip.yaml" <<'YAML'
title: Clip check
items:
  - video: lighthouse.mp4
    transition: cut
    subtitles: {en: lighthouse.en.srt}
  - card: After the clip
    duration: 1m
YAML
echo "languages: {offered: [en], default: en}" >"$out/config/kiosk.yaml"

DISPLAY=$display SDL_AUDIODRIVER=disk SDL_DISKAUDIOFILE="$out/audio.raw" \
    "$py" run_kiosk.py --exhibits "$out/exhibits" --config "$out/config/kiosk.yaml" \
    --run-for 22 --status-file "$out/status.json" >"$out/kiosk.log" 2>&1 &
kiosk=$!
# The first cue runs from 0.6 s to 3.4 s of the clip: shoot at about 2 s into it.
for _ in $(seq 400); do  # up to 20 s for a cold start
    grep -q '"item": "assets/lighthouse.mp4"' "$out/status.json" 2>/dev/null && break
    sleep 0.05
done
sleep 2
DISPLAY=$display "$py" tools/checks/screenshot.py "$out/shot.png" >/dev/null
code=0
wait $kiosk || code=$?
kiosk=
"$py" - "$out" "$code" <<'PY'
import json, sys
from pathlib import Path

import numpy as np
import pygame

sys.path.insert(0, ".")
from kiosk.media.audio import decode_pcm

out, code = Path(sys.argv[1]), int(sys.argv[2])
log = (out / "kiosk.log").read_text()
status = json.loads((out / "status.json").read_text())
problems = []
if code != 0: problems.append(f"exit code {code}")
if "Traceback" in log or "ERROR" in log: problems.append("an error in the log")
if status["skipped"] or status["errors"]: problems.append(f"skipped/errors: {status['skipped']}")
counts = status["clip_frames"]
print("clip frames:", counts)
if counts["shown"] < 200: problems.append("the clip did not play to its end")

# The picture: not black, and a subtitle box (darkened band with white text) at the bottom.
shot = pygame.surfarray.array3d(pygame.image.load(str(out / "shot.png"))).swapaxes(0, 1)
h, w = shot.shape[:2]
picture = shot[: int(h * 0.75)]
print(f"screenshot {w}x{h}: picture mean {picture.mean():.1f} std {picture.std():.1f}")
if picture.mean() < 8 or picture.std() < 8: problems.append("the picture is black")
band = shot[int(h * 0.80): int(h * 0.93), int(w * 0.2): int(w * 0.8)].astype(int)
white = (band.min(axis=2) > 215)
rows = np.flatnonzero(white.sum(axis=1) > 3)
cols = np.flatnonzero(white.sum(axis=0) > 0)
print(f"subtitle band: {int(white.sum())} white text pixels in {len(rows)} rows")
if white.sum() < 300 or len(rows) < 12:
    problems.append("no subtitle text at the bottom of the screenshot")
else:
    # Inside the box, around the text, the picture is darkened (box alpha 170 of 255).
    box = band[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]
    dark = box[~white[rows[0]: rows[-1] + 1, cols[0]: cols[-1] + 1]].mean()
    print(f"subtitle box: {cols[-1] - cols[0] + 1}x{rows[-1] - rows[0] + 1} px, "
          f"mean around the text {dark:.1f}")
    if dark > 60: problems.append("the subtitle text has no dark box behind it")

# The sound: what the mixer sent out, not silent, and the clip's own sound is in it.
raw = np.fromfile(out / "audio.raw", np.int16).reshape(-1, 2).astype(np.float32)
rate = 48000
rms = float(np.sqrt(np.mean(raw[:, 0] ** 2))) if len(raw) else 0.0
print(f"written sound: {len(raw) / rate:.1f} s, RMS {rms:.0f}")
if len(raw) < 10 * rate: problems.append("less than 10 s of sound was written")
elif rms < 100: problems.append("the written sound is silent")
else:
    clip = np.concatenate(list(decode_pcm("assets/demo/video/lighthouse.mp4", rate, 2)))
    sig = raw[:, 0] - raw[:, 0].mean()
    n = 1 << int(np.ceil(np.log2(len(sig) + rate)))
    whole = np.fft.rfft(sig, n)
    found = []
    for at_s in (2.0, 4.0, 6.0, 9.0):  # half-second pieces of the clip, found in the output
        probe = clip[int(at_s * rate): int((at_s + 0.5) * rate), 0].astype(np.float32)
        probe -= probe.mean()
        corr = np.fft.irfft(whole * np.conj(np.fft.rfft(probe, n)), n)[: len(sig)]
        at = int(np.argmax(corr))
        seg = sig[at: at + len(probe)]
        score = float(np.dot(seg, probe) / (np.linalg.norm(seg) * np.linalg.norm(probe) + 1e-9))
        found.append((at_s, at / rate - at_s, score))
        print(f"the clip's sound at {at_s:g} s: in the output with a delay of "
              f"{at / rate - at_s:.3f} s, normalised correlation {score:.3f}")
    if min(score for *_, score in found) < 0.9:
        problems.append("the clip's sound is not in the written output")
    elif max(d for _, d, _ in found) - min(d for _, d, _ in found) > 0.003:
        problems.append("the written sound skips or stalls (the clip's delay changes)")
if problems:
    print("FAILED:", "; ".join(problems))
    print(log)
    sys.exit(1)
print("ok: the clip played with its subtitles and its sound under X")
PY
