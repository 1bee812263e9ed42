"""The kiosk run as an operator starts it: headless, for a few seconds, with a status file."""

from __future__ import annotations

import gc
import itertools
import json
import os
import subprocess
import sys
import zlib
from functools import partial
from pathlib import Path

import pytest

from tests.conftest import ROOT, ShowDir, write_image
from tests.conftest import wait_for as conftest_wait_for


def start(show_dir: ShowDir, seconds: float, status: Path, *extra: str,
          env_extra: dict | None = None) -> subprocess.Popen:
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
           **(env_extra or {})}
    return subprocess.Popen(
        [sys.executable, str(ROOT / "run_kiosk.py"), "run", "--exhibits", str(show_dir.exhibits),
         "--windowed", "--size", "640x360", "--run-for", str(seconds),
         "--status-file", str(status), *extra],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)


def read_status(path: Path) -> dict:
    return json.loads(path.read_text())


def test_runs_for_a_while_and_reports(show_dir: ShowDir, tmp_path: Path):
    show_dir.manifest("a.yaml", "title: A\ndefaults: {duration: 1s, transition: cut}\nitems:\n"
                                "  - photo: photos/p0.jpg\n  - photo: photos/p1.jpg\n"
                                "  - card: Hello\n")
    status = tmp_path / "status.json"
    proc = start(show_dir, 5, status)  # a loop is 3 s, after a start of up to 1.5 s
    seen_states = set()
    while proc.poll() is None:
        try:
            seen_states.add(read_status(status)["state"])  # never half-written
        except FileNotFoundError:
            pass
        threading_wait(0.05)
    _, err = proc.communicate()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    final = read_status(status)
    assert "playing" in seen_states
    assert final["state"] == "closed"
    assert final["exhibit"] == "a.yaml"
    assert final["frames"] > 60 and final["uptime_s"] >= 4
    assert final["loop_count"] >= 1
    assert final["skipped"] == [] and final["errors"] == []
    assert final["started_at"].endswith("+00:00")


def threading_wait(seconds: float) -> None:
    import threading

    threading.Event().wait(seconds)


def test_bad_media_is_skipped_and_listed(show_dir: ShowDir, tmp_path: Path):
    a = show_dir.assets
    (a / "empty.jpg").write_bytes(b"")
    good = (a / "photos" / "p0.jpg").read_bytes()
    (a / "truncated.jpg").write_bytes(good[: len(good) // 3])
    (a / "text.png").write_text("hello, not an image")
    huge = a / "huge.png"  # a small file whose header claims 20000 x 20000 pixels
    write_image(huge, 8, 8)
    data = bytearray(huge.read_bytes())
    data[16:24] = (20000).to_bytes(4, "big") + (20000).to_bytes(4, "big")
    data[29:33] = zlib.crc32(bytes(data[12:29])).to_bytes(4, "big")  # IHDR's checksum
    huge.write_bytes(bytes(data))
    show_dir.manifest("a.yaml", "title: A\ndefaults: {duration: 0.5s, transition: cut}\nitems:\n"
                                + "".join(f"  - photo: {n}\n" for n in
                                          ("empty.jpg", "truncated.jpg", "text.png",
                                           "huge.png", "photos/p1.jpg")))
    status = tmp_path / "status.json"
    proc = start(show_dir, 3, status)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    final = read_status(status)
    skipped = {Path(s["path"]).name: s["reason"] for s in final["skipped"]}
    assert set(skipped) == {"empty.jpg", "truncated.jpg", "text.png", "huge.png"}
    assert "empty" in skipped["empty.jpg"]
    assert "MP" in skipped["huge.png"] and "limit" in skipped["huge.png"]
    assert final["item"].endswith("p1.jpg")  # the good photo played
    assert err.count("skipped empty.jpg") == 1  # logged once, not every loop


def test_nothing_playable_is_no_content_not_a_crash(show_dir: ShowDir, tmp_path: Path):
    """The kiosk stays up saying `no_content`. Waited for rather than raced: a 2 s run
    on a cold machine could end before its status said more than `starting`."""
    import signal

    (show_dir.assets / "bad.jpg").write_bytes(b"nope")
    show_dir.manifest("a.yaml", "items:\n  - photo: bad.jpg\n")
    status = tmp_path / "status.json"
    proc = start(show_dir, 60, status)
    seen = set()

    def says_no_content() -> bool:
        if proc.poll() is not None:
            return True
        seen.add(read_status(status)["state"])  # not there yet: asked again
        return "no_content" in seen

    try:
        wait_for(says_no_content, timeout_s=30)
        assert proc.poll() is None, "the kiosk ended with nothing to play"
        assert "no_content" in seen
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
        assert proc.returncode == 0, err
        assert "Traceback" not in err
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.communicate()


def test_without_a_display_run_says_so_in_one_line(show_dir: ShowDir, tmp_path: Path):
    env = {"PATH": os.environ.get("PATH", ""), "HOME": str(tmp_path), "SDL_VIDEODRIVER": "x11",
           "DISPLAY": ":987"}
    done = subprocess.run([sys.executable, str(ROOT / "run_kiosk.py"), "run", "--exhibits",
                           str(show_dir.exhibits)], capture_output=True, text=True, env=env,
                          timeout=60)
    assert done.returncode == 1
    lines = [line for line in done.stderr.splitlines() if "no display" in line]
    assert len(lines) == 1 and "render" in lines[0]
    assert "Traceback" not in done.stderr


@pytest.mark.parametrize("keyboard_exit", ["windowed", "never"])
def test_escape_closes_a_window_only_when_allowed(show_dir: ShowDir, keyboard_exit: str,
                                                  caplog):
    """The Esc key really reaches the loop: it closes a window when the settings allow it,
    and does nothing at all when they say `never` (a visitor with a keyboard stays in)."""
    import logging

    import pygame

    from kiosk.app import App, RunOptions
    from kiosk.show.paths import ShowPaths

    caplog.set_level(logging.INFO)
    show_dir.manifest("a.yaml", "items:\n  - photo: photos/p0.jpg\n")
    show_dir.settings(f"staff: {{keyboard_exit: {keyboard_exit}}}\n")
    app = App(ShowPaths(show_dir.exhibits, show_dir.assets, show_dir.config),
              RunOptions(windowed=True, size=(320, 240), run_for_s=60))
    app.setup()
    # What start-up built is out of the collector's scans while the show runs (a full
    # collection over it cost 35 ms, a dropped frame in a pan), and back in after it.
    assert gc.get_freeze_count() > 0
    try:
        app.frame_once(app.clock.now())
        pygame.event.post(pygame.event.Event(pygame.KEYDOWN, key=pygame.K_ESCAPE, mod=0,
                                             unicode="\x1b", scancode=41))
        app.frame_once(app.clock.now())
        allowed = keyboard_exit == "windowed"
        assert app.running is not allowed
        assert ("closed by Esc" in caplog.text) is allowed
        assert app.exit_code == 0
    finally:
        app.teardown()
    assert gc.get_freeze_count() == 0


# A running kiosk's status: its file may not be written yet, or be mid-replacement.
wait_for = partial(conftest_wait_for, timeout_s=20.0, every_s=0.05,
                   ignore=(FileNotFoundError, json.JSONDecodeError, KeyError))


def test_live_edits_while_playing(show_dir: ShowDir, tmp_path: Path):
    """A curator saves over the manifest during the show: good edits swap in, a broken
    one keeps the last good version and lands in _kiosk_errors.txt until fixed."""
    manifest = show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n"
                                           "    caption: Typo\n    duration: 30s\n")
    status = tmp_path / "status.json"
    proc = start(show_dir, 14, status)
    errors_file = show_dir.exhibits / "_kiosk_errors.txt"
    try:
        wait_for(lambda: read_status(status)["state"] == "playing")
        # Save by rename, as editors do.
        tmp = show_dir.exhibits / ".a.yaml.swp"
        tmp.write_text("title: A\nitems:\n  - photo: photos/p1.jpg\n    caption: Fixed\n"
                       "    duration: 30s\n")
        os.replace(tmp, manifest)
        first = wait_for(lambda: read_status(status)["last_reload"])
        assert wait_for(lambda: read_status(status)["item"].endswith("p1.jpg"))
        # A broken edit: the fixed version keeps playing, the curator is told where.
        manifest.write_text("title: A\nitems:\n  - photo: photos/p1.jpg\n    caption: 'oops\n")
        wait_for(lambda: read_status(status)["last_reload"] != first)
        assert wait_for(lambda: errors_file.exists())
        assert "a.yaml:4:14" in errors_file.read_text()
        assert read_status(status)["item"].endswith("p1.jpg")
        assert any("a.yaml:4:14" in e for e in read_status(status)["show_errors"])
        manifest.write_text("title: A\nitems:\n  - photo: photos/p2.jpg\n")
        assert wait_for(lambda: not errors_file.exists())
        assert wait_for(lambda: read_status(status)["item"].endswith("p2.jpg"))
    finally:
        _, err = proc.communicate(timeout=60)
    assert proc.returncode == 0, err
    assert "Traceback" not in err


def test_a_new_display_size_rebuilds_the_picture_and_keeps_the_place(show_dir: ShowDir):
    """After a display comes back in another mode the kiosk fills it again."""
    import pygame

    from kiosk.app import App, RunOptions
    from kiosk.show.paths import ShowPaths

    show_dir.manifest("a.yaml", "items:\n  - photo: photos/p0.jpg\n    duration: 1h\n"
                                "  - photo: photos/p1.jpg\n")
    app = App(ShowPaths(show_dir.exhibits, show_dir.assets, None),
              RunOptions(windowed=True, size=(320, 240), run_for_s=60))
    app.setup()
    app.parts.display.use(pygame.display.set_mode((400, 300)))
    app.parts.resize()
    try:
        for _ in range(200):
            app.frame_once(app.clock.now())
            if app.frame is not None and app.frame.current is not None and (
                    app.parts.player.compositor.has_layer(app.frame.current)):
                break
            threading_wait(0.01)
        assert app.parts.player.compositor.size == (400, 300)
        assert app.parts.display.canvas.get_size() == (400, 300)
        assert app.frame.current.path.name == "p0.jpg"
    finally:
        app.teardown()


def test_sound_comes_back_when_a_sound_device_returns(show_dir: ShowDir, caplog):
    """An HDMI screen switched off takes its sound device with it: when a device is
    added again, the kiosk opens it (between clips) instead of staying silent."""
    import logging

    import pygame

    caplog.set_level(logging.INFO)
    import kiosk.media.audio as audio
    from kiosk.app import App, RunOptions
    from kiosk.show.paths import ShowPaths

    show_dir.manifest("a.yaml", "items:\n  - photo: photos/p0.jpg\n    duration: 1h\n")
    app = App(ShowPaths(show_dir.exhibits, show_dir.assets, None),
              RunOptions(windowed=True, size=(320, 240), run_for_s=60))
    app.setup()
    try:
        assert pygame.mixer.get_init()
        app.frame_once(app.clock.now())  # SDL's own "added" events for the devices at start
        assert pygame.mixer.get_init()
        pygame.mixer.quit()  # the device is gone
        pygame.event.post(pygame.event.Event(pygame.AUDIODEVICEREMOVED, which=1, iscapture=0))
        app.frame_once(app.clock.now())
        assert "a sound device went away" in caplog.text
        assert app.snapshot(app.clock.now())["sound"] == "lost"
        pygame.event.post(pygame.event.Event(pygame.AUDIODEVICEADDED, which=1, iscapture=1))
        app.frame_once(app.clock.now())
        assert not pygame.mixer.get_init(), "a microphone is not a reason to reopen"
        pygame.event.post(pygame.event.Event(pygame.AUDIODEVICEADDED, which=2, iscapture=0))
        audio._claimed_channels.add(0)  # a clip that left is still fading out its sound
        try:
            app.frame_once(app.clock.now())
            assert not pygame.mixer.get_init(), "the mixer was opened under a sound"
        finally:
            audio._claimed_channels.discard(0)
        app.frame_once(app.clock.now())
        assert pygame.mixer.get_init(), "the returning device was not opened"
        assert app.snapshot(app.clock.now())["sound"] == "on"
        assert "clips play with sound again" in caplog.text
    finally:
        app.teardown()


def test_a_kiosk_without_its_own_fonts_says_so_in_one_line(show_dir: ShowDir, tmp_path: Path):
    """Guards a traceback at start (found by tools/operator_trial.py): a copy of the kiosk
    whose assets/fonts/ folder was left behind ended in `kiosk.render.fonts.FontError` with
    a full traceback instead of a line saying what is missing."""
    import shutil

    app = tmp_path / "app"  # a partial copy: the code without its fonts
    shutil.copytree(ROOT / "kiosk", app / "kiosk", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "run_kiosk.py", app / "run_kiosk.py")
    show_dir.manifest("a.yaml", "items:\n  - photo: photos/p0.jpg\n    title: {en: Harbour}\n")
    config = show_dir.settings("languages: {offered: [en], default: en}\n")
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy",
           "STATE_DIRECTORY": str(tmp_path / "state")}
    done = subprocess.run(
        [sys.executable, str(app / "run_kiosk.py"), "run", "--exhibits", str(show_dir.exhibits),
         "--config", str(config), "--windowed", "--size", "320x180", "--run-for", "5"],
        capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    last = done.stderr.strip().splitlines()[-1]
    assert last.startswith("run_kiosk.py: cannot start: no usable font")
    assert "assets/fonts/" in last


def test_the_loop_draws_each_frame_ahead_and_presents_it_at_its_deadline(show_dir: ShowDir):
    """The real loop on a fake clock: each frame is drawn ``draw_lead_s`` before its
    deadline and presented at it, deadlines a refresh apart. Drawn at the deadline, a
    draw held up by a busy core pushed its present late: a dropped frame."""
    from kiosk.app import App, RunOptions
    from kiosk.playback.clock import FakeClock
    from kiosk.playback.pacing import draw_lead_s
    from kiosk.show.paths import ShowPaths

    write_image(show_dir.assets / "a.png", 64, 48, (0, 0, 200))
    write_image(show_dir.assets / "b.png", 64, 48, (0, 200, 0))
    show_dir.manifest("a.yaml", "defaults: {duration: 0.1s, transition: cut}\n"
                                "items:\n  - photo: a.png\n  - photo: b.png\n")
    clock = FakeClock(100.0)
    app = App(ShowPaths(show_dir.exhibits, show_dir.assets, show_dir.config),
              RunOptions(windowed=True, size=(320, 240), run_for_s=0.5), clock=clock)
    calls: list[tuple[str, float, float]] = []
    draw, present = app.draw_frame, app.present_frame

    def drawing(now: float) -> None:
        calls.append(("draw", now, clock.now()))
        draw(now)

    def presenting(now: float) -> None:
        calls.append(("present", now, clock.now()))
        present(now)

    app.draw_frame, app.present_frame = drawing, presenting  # type: ignore[method-assign]
    assert app.run() == 0
    period = app.parts.stats.interval_s
    lead = draw_lead_s(1 / period)
    assert lead > 0.005 and len(calls) >= 2 * 25
    assert [name for name, _, _ in calls] == ["draw", "present"] * (len(calls) // 2)
    frames = list(zip(calls[::2], calls[1::2], strict=True))[1:]  # the first: at once
    for (_, due, drawn_at), (_, also_due, presented_at) in frames:
        assert due == also_due
        assert drawn_at == pytest.approx(due - lead, abs=1e-9)
        assert presented_at == pytest.approx(due, abs=1e-9)
    deadlines = [due for (_, due, _), _ in frames]
    assert all(b - a == pytest.approx(period, abs=1e-9)
               for a, b in itertools.pairwise(deadlines))
