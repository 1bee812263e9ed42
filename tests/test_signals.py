"""Signals sent to a real kiosk process mean what docs/operating.md says.

Guards against: SIGHUP killing the show silently (no log line, the status file frozen at
`playing`, and systemd, which counts death by SIGHUP as clean, not restarting it); and
SIGQUIT/SIGUSR1 doing the same.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.conftest import ROOT, ShowDir

SHOW = ("title: A\ndefaults: {duration: 1h, transition: cut}\nitems:\n"
        "  - photo: photos/p0.jpg\n    title: {en: Harbour, de: Hafen}\n")


def launch(show_dir: ShowDir, tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
           "STATE_DIRECTORY": str(tmp_path / "state")}
    status = tmp_path / "status.json"
    proc = subprocess.Popen(
        [sys.executable, str(ROOT / "run_kiosk.py"), "run", "--exhibits",
         str(show_dir.exhibits), "--config", str(show_dir.config), "--windowed",
         "--size", "320x180", "--run-for", "60", "--status-file", str(status)],
        env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    return proc, status


def wait_for_status(status: Path, want: dict, proc: subprocess.Popen,
                    timeout_s: float = 30.0) -> dict:
    deadline = time.monotonic() + timeout_s
    seen: dict = {}
    while time.monotonic() < deadline and proc.poll() is None:
        try:
            seen = json.loads(status.read_text())
        except (FileNotFoundError, json.JSONDecodeError):
            seen = {}
        if all(seen.get(k) == v for k, v in want.items()):
            return seen
        threading.Event().wait(0.05)
    raise AssertionError(f"status never showed {want}; last: {seen}")


def test_sighup_reads_the_settings_again_and_the_show_goes_on(show_dir: ShowDir,
                                                               tmp_path: Path):
    show_dir.manifest("a.yaml", SHOW)
    config = show_dir.settings("languages: {offered: [en, de], default: en}\n")
    proc, status = launch(show_dir, tmp_path)
    try:
        wait_for_status(status, {"state": "playing", "language": "en"}, proc)
        # An edit the watcher cannot see (its time and size put back, as a copy tool
        # that keeps times might leave it): only SIGHUP makes the kiosk read it.
        before = config.stat()
        config.write_text("languages: {offered: [en, de], default: de}\n")
        os.utime(config, ns=(before.st_atime_ns, before.st_mtime_ns))
        proc.send_signal(signal.SIGHUP)
        wait_for_status(status, {"state": "playing", "language": "de"}, proc)
        assert proc.poll() is None, "SIGHUP ended the show"
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert "SIGHUP" in err and "Traceback" not in err
    assert json.loads(status.read_text())["state"] == "closed"


@pytest.mark.parametrize("name", ["SIGQUIT", "SIGUSR1"])
def test_an_unexpected_signal_is_logged_and_ends_with_a_closed_status(show_dir: ShowDir,
                                                                      tmp_path: Path,
                                                                      name: str):
    show_dir.manifest("a.yaml", SHOW)
    show_dir.settings("languages: {offered: [en, de], default: en}\n")
    proc, status = launch(show_dir, tmp_path)
    wait_for_status(status, {"state": "playing"}, proc)
    proc.send_signal(getattr(signal, name))
    _, err = proc.communicate(timeout=20)
    assert proc.returncode == 1, "the supervisor must see an abnormal end"
    assert f"stopping on {name}" in err and "Traceback" not in err
    assert json.loads(status.read_text())["state"] == "closed"
