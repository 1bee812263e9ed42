#!/bin/bash
# Touch as a visitor would: the kiosk fullscreen on the demo show under a 1920x1080 Xvfb
# screen, real pointer events from xdotool (edge click, swipe, middle click, a language
# chip), a screenshot after each, assertions on the status file and the screenshots.
# PYTHON picks the interpreter (default .venv/bin/python); KIOSK_CHECK_OUT keeps the
# screenshots in that folder.
set -euo pipefail
cd "$(dirname "$0")/../.."
python=${PYTHON:-.venv/bin/python}
out=${KIOSK_CHECK_OUT:-$(mktemp -d)}
mkdir -p "$out"
source tools/checks/xvfb_screen.bash
start_xvfb 78

# The demo's settings with the HTTP endpoint on, for the kiosk's own copy of its frame.
port=${KIOSK_CHECK_PORT:-$("$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')}
sed -E "/^http:/,/^[^ #]/ s/^(  port:) *[0-9]+/\1 $port/" config/kiosk.yaml >"$out/kiosk.yaml"
grep -q "^  port: $port" "$out/kiosk.yaml" || { echo "FAILED: no http port in the settings"; exit 1; }
export KIOSK_CHECK_PORT=$port

start=$SECONDS
"$python" run_kiosk.py --config "$out/kiosk.yaml" --run-for 50 --status-file "$out/status.json" \
    >"$out/kiosk.log" 2>&1 &
kiosk=$!
for _ in $(seq 100); do [ -s "$out/status.json" ] && break; sleep 0.1; done
code=0
timeout 60 "$python" tools/checks/xvfb_touch.py "$out/status.json" "$out" || code=$?
# SDL turns SIGTERM into a close request, which a fullscreen kiosk ignores on purpose
# (only staff may end it): stop it for good, the check has what it needs.
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
echo "ok: taps, swipe, controls and language worked under X ($((SECONDS - start)) s)"
