#!/bin/bash
# A clipping read by itself, as a visitor meets it: the kiosk fullscreen under a
# 1920x1080 Xvfb screen on a show of one 2000x6000 clipping, real pointer events from
# xdotool (pause, the zoom button, the reset warning and its "keep looking"), a
# screenshot after each, assertions on the status file and the screenshots.
# PYTHON picks the interpreter (default .venv/bin/python); KIOSK_CHECK_OUT keeps the
# screenshots in that folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-.venv/bin/python}
out=${KIOSK_CHECK_OUT:-$(mktemp -d)}
mkdir -p "$out"
show=$out/show
mkdir -p "$show/exhibits" "$show/assets" "$show/config"
"$python" - "$show/exhibits/column.jpg" <<'PY'
import sys, cv2, numpy as np
image = np.full((6000, 2000, 3), 232, np.uint8)
image[:300] = (30, 30, 160)
for y in range(380, 5900, 60):
    cv2.putText(image, f"Line {y // 60} of the harbour column", (40, y),
                cv2.FONT_HERSHEY_SIMPLEX, 1.6, (20, 20, 20), 3)
cv2.imwrite(sys.argv[1], image)
PY
printf 'title: Press\nitems:\n  - photo: column.jpg\n    title: The harbour column\n' \
    >"$show/exhibits/column.yaml"
printf 'idle_timeout: 5s\nlanguages: {offered: [en, ru], default: en}\n' \
    >"$show/config/kiosk.yaml"
source tools/checks/xvfb_screen.bash
start_xvfb 79
start=$SECONDS
"$python" run_kiosk.py --exhibits "$show/exhibits" --assets "$show/assets" \
    --config "$show/config/kiosk.yaml" --run-for 60 --status-file "$out/status.json" \
    >"$out/kiosk.log" 2>&1 &
kiosk=$!
for _ in $(seq 100); do [ -s "$out/status.json" ] && break; sleep 0.1; done
code=0
timeout 80 "$python" tools/checks/xvfb_motion.py "$out/status.json" "$out" "$show" || code=$?
kill -KILL "$kiosk" 2>/dev/null || true
wait "$kiosk" 2>/dev/null || true
kiosk=""
if grep -q Traceback "$out/kiosk.log"; then
    echo "FAILED: a traceback in the kiosk's log"
    code=1
fi
if [ $code -ne 0 ]; then
    cat "$out/kiosk.log"
    exit $code
fi
echo "ok: reading, pause, zoom button and the reset warning worked under X ($((SECONDS - start)) s)"
