# Sourced by the Xvfb checks (not run by itself): a 1920x1080 X screen on display :$1,
# and a cleanup on exit that stops it and the kiosk whose pid is in $kiosk. Needs $out
# (the check's folder). Exports DISPLAY, a dummy sound driver and the kiosk's own state
# folder: the restart count of a kiosk stopped with SIGKILL here must not send the next
# run (or an operator's kiosk) into safe mode.
start_xvfb() {
    local number=$1
    Xvfb ":$number" -screen 0 1920x1080x24 -nolisten tcp >"$out/xvfb.log" 2>&1 &
    xvfb=$!
    kiosk=""
    trap cleanup EXIT
    for _ in $(seq 50); do [ -e "/tmp/.X11-unix/X$number" ] && break; sleep 0.1; done
    export DISPLAY=":$number" SDL_AUDIODRIVER=dummy STATE_DIRECTORY=$out/state
}

cleanup() {
    [ -n "$kiosk" ] && kill -KILL "$kiosk" 2>/dev/null || true
    kill "$xvfb" 2>/dev/null || true
    wait 2>/dev/null || true
}
