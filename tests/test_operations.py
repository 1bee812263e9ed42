"""The kiosk as a service: watchdog pings, safe mode, closed hours, proof of play, HTTP."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
import urllib.request
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ROOT, ShowDir, wait_for


def run(show_dir: ShowDir, tmp_path: Path, seconds: float, env_extra: dict | None = None,
        background: bool = False):
    status = tmp_path / "status.json"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
           "STATE_DIRECTORY": str(tmp_path / "state"), **(env_extra or {})}
    args = [sys.executable, str(ROOT / "run_kiosk.py"), "--exhibits", str(show_dir.exhibits),
            "--windowed", "--size", "320x240", "--run-for", str(seconds),
            "--status-file", str(status)]
    if show_dir.config.exists():
        args += ["--config", str(show_dir.config)]
    if background:
        return subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                                text=True), status
    done = subprocess.run(args, env=env, capture_output=True, text=True, timeout=120)
    assert "Traceback" not in done.stderr, done.stderr
    return done, json.loads(status.read_text())


def simple_show(show_dir: ShowDir) -> None:
    show_dir.manifest("a.yaml", "title: A\ndefaults: {duration: 1s, transition: cut}\n"
                                "items:\n  - photo: photos/p0.jpg\n  - photo: photos/p1.jpg\n")


def test_systemd_hears_ready_and_watchdog_pings(show_dir: ShowDir, tmp_path: Path):
    simple_show(show_dir)
    sock_path = tmp_path / "notify.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    server.bind(str(sock_path))
    server.settimeout(0.2)
    messages: list[str] = []
    stop = threading.Event()

    def listen() -> None:  # read as they come: a datagram socket queues only a few
        while not stop.is_set():
            try:
                messages.append(server.recv(4096).decode())
            except TimeoutError:
                pass

    listener = threading.Thread(target=listen)
    listener.start()
    try:
        done, _status = run(show_dir, tmp_path, 3, {"NOTIFY_SOCKET": str(sock_path),
                                                   "WATCHDOG_USEC": "400000"})
    finally:
        stop.set()
        listener.join()
        server.close()
    assert done.returncode == 0
    assert messages[0] == "READY=1"
    assert messages.count("WATCHDOG=1") >= 3  # about every 0.2 s, only after real frames
    assert messages[-1] == "STOPPING=1", messages
    assert any(m.startswith("STATUS=playing") for m in messages)


def test_five_restarts_in_ten_minutes_start_in_safe_mode(show_dir: ShowDir, tmp_path: Path):
    simple_show(show_dir)
    state = tmp_path / "state"
    state.mkdir()
    now = time.time()
    (state / "restarts.json").write_text(json.dumps({"starts": [now - 60 * k for k in range(5)]}))
    done, status = run(show_dir, tmp_path, 2)
    assert status["safe_mode"] is True and status["restarts"] >= 5
    assert "safe mode" in done.stderr
    assert done.returncode == 0
    # A clean exit clears the history: the next start plays the show again.
    _, status = run(show_dir, tmp_path, 2)
    assert status["safe_mode"] is False


def test_closed_hours_show_the_closed_screen_and_idle(show_dir: ShowDir):
    """Four seconds of the loop on a fake clock: the closed card, never the show, and
    about one present a second (the still screen's proof of life), not sixty."""
    from kiosk.app import App, RunOptions
    from kiosk.playback.clock import FakeClock
    from kiosk.show.paths import ShowPaths

    simple_show(show_dir)
    show_dir.settings("opening_hours:\n  daily: closed\nclosed:\n  screen: card\n"
                      "  message: Closed for tonight\n")
    clock = FakeClock(100.0)
    app = App(ShowPaths(show_dir.exhibits, show_dir.assets, show_dir.config),
              RunOptions(windowed=True, size=(320, 240)), clock=clock)
    app.setup()
    display = app.parts.display
    presents: list[float] = []

    def counting(real: Any) -> Any:
        def counted(*args: object) -> object:
            presents.append(clock.now())
            return real(*args)
        return counted

    for name in ("present", "present_pixel", "present_unchanged"):
        setattr(display, name, counting(getattr(display, name)))
    try:
        shown = set()
        for _ in range(4 * 60):
            clock.advance(1 / 60)
            app.frame_once(clock.now())
            shown.add(app.still_drawn)
            assert app.frame is None or app.frame.current is None  # never the show
    finally:
        app.teardown()
    assert shown == {"closed"}
    assert 1 <= len(presents) <= 6  # about one a second, not sixty


def test_proof_of_play_report(show_dir: ShowDir, tmp_path: Path):
    simple_show(show_dir)
    done, _status = run(show_dir, tmp_path, 4.5)
    assert done.returncode == 0
    report = subprocess.run([sys.executable, str(ROOT / "run_kiosk.py"), "report", "--db",
                             str(tmp_path / "state" / "playlog.sqlite")],
                            capture_output=True, text=True, timeout=60)
    assert report.returncode == 0, report.stderr
    assert "a.yaml" in report.stdout
    assert "p0.jpg" in report.stdout or "p1.jpg" in report.stdout
    bad = subprocess.run([sys.executable, str(ROOT / "run_kiosk.py"), "report", "--since",
                          "yesterday-ish", "--db", str(tmp_path / "state" / "playlog.sqlite")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_http_status_endpoint_of_the_running_kiosk(show_dir: ShowDir, tmp_path: Path):
    simple_show(show_dir)
    port = free_port()
    show_dir.settings(f"http:\n  port: {port}\n")
    proc, _ = run(show_dir, tmp_path, 6, background=True)
    try:
        def status() -> dict | None:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/status", timeout=2) as r:
                    return json.loads(r.read())
            except (OSError, json.JSONDecodeError):
                return None  # not listening yet

        wait_for(lambda: status() is not None, timeout_s=20)
        body = status()
        assert body is not None and body["state"] in ("playing", "starting")
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/screenshot.png", timeout=5) as r:
            png = r.read()
        assert png.startswith(b"\x89PNG")
        request = urllib.request.Request(f"http://127.0.0.1:{port}/status", method="POST")
        with pytest.raises(urllib.error.HTTPError) as info:
            urllib.request.urlopen(request, timeout=2)
        assert info.value.code == 405
    finally:
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err


def test_exhibit_dates_leave_out_past_and_future_exhibits(show_dir: ShowDir, tmp_path: Path):
    today = date.today()
    show_dir.manifest("a.yaml", f"title: Past\nuntil: {today - timedelta(days=1)}\n"
                                "items:\n  - photo: photos/p0.jpg\n")
    show_dir.manifest("b.yaml", f"title: Now\nfrom: {today}\nuntil: {today}\n"
                                "items:\n  - photo: photos/p1.jpg\n")
    show_dir.manifest("c.yaml", f"title: Later\nfrom: {today + timedelta(days=3)}\n"
                                "items:\n  - photo: photos/p2.jpg\n")
    done, status = run(show_dir, tmp_path, 2)
    assert done.returncode == 0
    assert status["exhibit"] == "b.yaml"


def test_sigterm_ends_a_fullscreen_show_at_once(show_dir: ShowDir, tmp_path: Path):
    """`systemctl stop` sends SIGTERM; SDL would turn it into a close request that a
    fullscreen kiosk ignores, and systemd would kill it after its timeout."""
    import signal

    simple_show(show_dir)
    show_dir.settings("screen: {fullscreen: yes}\n")
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
           "STATE_DIRECTORY": str(tmp_path / "state")}
    status = tmp_path / "status.json"
    proc = subprocess.Popen([sys.executable, str(ROOT / "run_kiosk.py"), "--exhibits",
                             str(show_dir.exhibits), "--config", str(show_dir.config),
                             "--status-file", str(status)], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    wait_for(status.exists, timeout_s=20)  # the kiosk is up and writing its status
    sent = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert time.monotonic() - sent < 3
    assert json.loads(status.read_text())["state"] == "closed"


def test_a_photo_replaced_on_disk_changes_the_screen(show_dir: ShowDir, tmp_path: Path):
    """A curator copies a better scan over the file on screen: it shows without a restart."""
    import io

    import pygame

    from tests.conftest import write_image

    write_image(show_dir.assets / "scan.png", 320, 240, (200, 0, 0))  # blue, as BGR
    show_dir.manifest("a.yaml", "items:\n  - photo: scan.png\n    duration: 1h\n"
                                "    fit: cover\n")
    port = free_port()
    show_dir.settings(f"http:\n  port: {port}\n")
    proc, status_path = run(show_dir, tmp_path, 12, background=True)

    def screen_mean() -> tuple[float, float, float] | None:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/screenshot.png",
                                        timeout=3) as r:
                image = pygame.image.load(io.BytesIO(r.read()))
        except OSError:
            return None
        arr = pygame.surfarray.array3d(image)
        return tuple(float(arr[:, : arr.shape[1] * 2 // 3, c].mean()) for c in range(3))

    try:
        def shows(channel: int) -> bool:  # that colour fills the screen
            mean = screen_mean()
            return mean is not None and mean[channel] > 150

        wait_for(lambda: shows(2), timeout_s=20)  # blue on screen
        loaded = json.loads(status_path.read_text())["show_loaded_at"]
        write_image(show_dir.assets / "scan.png", 320, 240, (0, 200, 0))  # now green
        wait_for(lambda: shows(1), timeout_s=10)
        after = screen_mean()
        assert after is not None and after[1] > 150 and after[2] < 50
        # The status file follows within a second.
        wait_for(lambda: json.loads(status_path.read_text())["show_loaded_at"] != loaded,
                 timeout_s=5)
    finally:
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
