#!/bin/bash
# The kiosk in a real X window, as a person would see it: fullscreen on a 1920x1080
# Xvfb screen, a screenshot mid-show, and the status file it wrote.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d)
export STATE_DIRECTORY=$out/state  # its own restart count and proof of play
display=:77
Xvfb $display -screen 0 1920x1080x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
xvfb=$!
trap 'kill $xvfb 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -e /tmp/.X11-unix/X77 ] && break; sleep 0.1; done

DISPLAY=$display .venv/bin/python run_kiosk.py --run-for 12 --status-file "$out/status.json" \
    >"$out/kiosk.log" 2>&1 &
kiosk=$!
sleep 9
DISPLAY=$display .venv/bin/python tools/checks/screenshot.py "$out/shot.png"
code=0
wait $kiosk || code=$?
.venv/bin/python - "$out" "$code" <<'PY'
import json, sys
from pathlib import Path
out, code = Path(sys.argv[1]), int(sys.argv[2])
status = json.loads((out / "status.json").read_text())
log = (out / "kiosk.log").read_text()
print("exit code", code, "| status:", {k: status[k] for k in
      ("state", "exhibit", "frames", "dropped_frames", "skipped", "errors")})
problems = []
if code != 0: problems.append(f"exit code {code}")
if "Traceback" in log: problems.append("a traceback in the log")
if status["state"] != "closed" or status["frames"] < 100: problems.append("did not play")
if status["errors"] or status["skipped"]: problems.append("errors or skipped items in the demo")
shot = out / "shot.png"
import pygame
image = pygame.image.load(str(shot))
arr = pygame.surfarray.array3d(image)
if image.get_size() != (1920, 1080): problems.append(f"screen is {image.get_size()}")
if arr.std() < 10 or arr.mean() < 10: problems.append("the screenshot is blank")
print("screenshot", image.get_size(), "mean", round(float(arr.mean()), 1),
      "std", round(float(arr.std()), 1))
if problems:
    print("FAILED:", "; ".join(problems))
    print(log)
    sys.exit(1)
print("ok: the demo show played fullscreen under X")
PY
