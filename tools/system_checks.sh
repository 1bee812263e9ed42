#!/bin/bash
# Checks that need programs from the system rather than pip: a real X server (Xvfb)
# for a window, xdotool for real pointer events in it, ffmpeg for test media, a
# PulseAudio server (started by its check) for the sound's reported latency. Installs
# them, then runs each check script.
set -euo pipefail
cd "$(dirname "$0")/.."
need=()
command -v Xvfb >/dev/null || need+=(xvfb)
command -v xdotool >/dev/null || need+=(xdotool)
command -v ffmpeg >/dev/null || need+=(ffmpeg)
command -v pulseaudio >/dev/null || need+=(pulseaudio)
command -v pactl >/dev/null || need+=(pulseaudio-utils)
ldconfig -p | grep -q "libX11.so.6 " || need+=(libx11-6)  # SDL's X11 backend loads it
if [ ${#need[@]} -gt 0 ]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq "${need[@]}" >/dev/null
fi
status=0
for check in tools/checks/*.sh; do
    [ -e "$check" ] || continue
    echo "== $check"
    bash "$check" || status=1
done
exit $status
