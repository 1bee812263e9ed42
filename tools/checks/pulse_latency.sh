#!/bin/bash
# The sound's real latency learnt from a PulseAudio server (the check starts its own and
# plays its sound card itself): see pulse_latency.py.
set -euo pipefail
cd "$(dirname "$0")/../.."
py=${PYTHON:-.venv/bin/python}
"$py" tools/checks/pulse_latency.py
