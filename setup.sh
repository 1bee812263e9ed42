#!/bin/sh
# One command to set the kiosk up on a fresh Debian or Raspberry Pi OS machine.
#   ./setup.sh demo   install into .venv, then play the demo show in a window
#   ./setup.sh test   install into .venv with the test tools, then run the tests,
#                     the linter and the type checker
# A virtual environment keeps the kiosk's packages apart from the system's
# ("externally managed" pip on Debian 12 and Raspberry Pi OS).
set -eu
cd "$(dirname "$0")"
mode="${1:-demo}"

python=""
for candidate in python3.13 python3.12 python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1 &&
        "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
        python="$candidate"
        break
    fi
done
if [ -z "$python" ]; then
    echo "setup.sh: Python 3.11 or newer is needed (sudo apt install python3)" >&2
    exit 1
fi

if [ ! -x .venv/bin/python ]; then
    if ! "$python" -m venv .venv 2>/dev/null; then
        rm -rf .venv
        # Debian ships venv's pip bootstrap in a separate package.
        echo "setup.sh: installing python3-venv (needed to create .venv)" >&2
        if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
        $sudo apt-get update -qq && $sudo apt-get install -y -qq python3-venv >/dev/null
        "$python" -m venv .venv
    fi
fi

# Fonts for every script captions may use (Arabic, Hebrew, Devanagari, Thai, Georgian,
# Armenian... in fonts-noto-core; Chinese, Japanese, Korean in fonts-noto-cjk), found by the
# kiosk through fontconfig. Without them the kiosk still runs and `validate` names what is
# missing; a machine without apt (not Debian) is left as it is.
fonts=""
if command -v dpkg-query >/dev/null 2>&1; then
    for package in fontconfig fonts-noto-core fonts-noto-cjk; do
        dpkg-query -W -f '${Status}' "$package" 2>/dev/null | grep -q "ok installed" ||
            fonts="$fonts $package"
    done
fi
if [ -n "$fonts" ]; then
    echo "setup.sh: installing fonts for every script:$fonts" >&2
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    # shellcheck disable=SC2086
    if ! { $sudo apt-get update -qq &&
           $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $fonts >/dev/null; }; then
        echo "setup.sh: could not install$fonts; captions in those scripts will show" \
             "as boxes (run_kiosk.py validate names them)" >&2
    fi
fi

# libpulse0: the kiosk asks the sound server (PulseAudio, or PipeWire's pulse server) how
# late its sound is heard, so clips keep lip sync (kiosk/media/output_latency.py). Without
# it the clips' clock assumes one SDL buffer of latency.
if command -v dpkg-query >/dev/null 2>&1 &&
    ! dpkg-query -W -f '${Status}' libpulse0 2>/dev/null | grep -q "ok installed"; then
    echo "setup.sh: installing libpulse0 (the sound server's latency, for lip sync)" >&2
    if [ "$(id -u)" = 0 ]; then sudo=""; else sudo="sudo"; fi
    if ! { $sudo apt-get update -qq &&
           $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libpulse0 >/dev/null; }; then
        echo "setup.sh: could not install libpulse0; clips assume one SDL buffer of" \
             "sound latency" >&2
    fi
fi

pip() { .venv/bin/python -m pip --disable-pip-version-check -q "$@"; }
case "$mode" in
    demo)
        pip install -e .
        exec .venv/bin/python run_kiosk.py --windowed
        ;;
    test)
        pip install -e '.[test]'
        .venv/bin/python -m pytest -q
        .venv/bin/python -m ruff check .
        .venv/bin/python -m mypy
        ;;
    *)
        echo "usage: ./setup.sh demo | ./setup.sh test" >&2
        exit 2
        ;;
esac
