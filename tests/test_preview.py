"""`preview`: the curator's window. Starts at an item, steps and switches language by key,
re-reads a save at once, tells `file:line` and warnings, and keeps no proof of play."""

from __future__ import annotations

import threading
import time
from pathlib import Path

import pygame
import pytest

from kiosk.cli import build_parser, show_paths
from kiosk.curator import preview as pv
from kiosk.curator.preview import key_command, next_language, overlay_lines, preview_command
from kiosk.errors import Problem
from tests.conftest import ROOT, ShowDir

MANIFEST = """title: A
items:
  - photo: photos/p0.jpg
    caption: {{en: Pier, fr: Jetée}}
  - photo: photos/p1.jpg
    caption: {{en: Boats, fr: Bateaux}}
  - photo: photos/p2.jpg
    caption: {{en: {third}}}
"""


def test_keys_and_languages():
    assert [key_command(k) for k in ("right", "space", "left", "l", "escape", "q", "x")] == [
        "next", "next", "previous", "language", "quit", "quit", None]
    assert next_language(("en", "fr", "az"), "az") == "en"
    assert next_language(("en", "fr"), "en") == "fr"


def test_the_preview_reads_each_save_without_the_kiosks_settle_wait():
    """Guards: a curator saving and waiting a second (or more) for every change."""
    assert pv.make_poller.keywords["settle_s"] == 0.0
    assert pv.make_poller.keywords["interval_s"] <= 0.1


def test_overlay_names_broken_file_and_limits_warnings():
    from kiosk.curator.proof import Slide

    slide = Slide(exhibit=type("E", (), {"file": Path("/x/a.yaml")})(), position=(0, 0),
                  number="3", step=None, where="exhibits/a.yaml:7", duration_s=8.0,
                  warnings=[f"line 7: warning: w{i}" for i in range(6)])
    lines = overlay_lines(slide, "fr", [Problem("a.yaml", 9, 3, "error", "bad `:`")])
    assert lines[0].startswith("a:3 · exhibits/a.yaml:7 · fr · ")
    assert lines[1].startswith("this file has 1 error(s)") and lines[2] == "line 9: bad `:`"
    assert lines[-1] == "... and 2 more (see `validate`)"
    assert overlay_lines(None, "en", [], waiting=True)[0].startswith("loading · en")


def test_preview_session(show_dir: ShowDir, tmp_path: Path, monkeypatch):
    """Guards: a preview that starts at the top, ignores keys, needs a restart to see an
    edit, hides a broken save, or counts as a showing in proof of play."""
    state = tmp_path / "state"
    state.mkdir()
    monkeypatch.setenv("STATE_DIRECTORY", str(state))
    manifest = show_dir.manifest("a.yaml", MANIFEST.format(third="Nets"))
    show_dir.settings("languages: {offered: [en, fr], default: en}\n")
    args = build_parser().parse_args(["preview", "--exhibits", str(show_dir.exhibits),
                                      "--config", str(show_dir.config)])
    seen: list[pv.PreviewFrame] = []
    script: list[tuple[str, object]] = [("shows", "a:2"), ("key", pygame.K_RIGHT),
                                        ("shows", "a:3"), ("key", pygame.K_l),
                                        ("lang", "fr"), ("save", "Fishing nets"),
                                        ("caption", "Fishing nets"), ("save", "broken"),
                                        ("says", "this file has"), ("key", pygame.K_ESCAPE)]
    pending: list[object] = []
    deadline = [time.monotonic() + 20]

    def events() -> list[object]:
        out, pending[:] = list(pending), []
        return out

    def after(frame: pv.PreviewFrame) -> bool:
        seen.append(frame)
        if not script:
            return True  # Esc is on its way
        assert time.monotonic() < deadline[0], f"stuck at {script[0]}"
        kind, value = script[0]
        done = False
        if kind == "shows":
            done = frame.lines[0].startswith(f"{value} · ")
        elif kind == "lang":
            done = frame.language == value and f"· {value} ·" in frame.lines[0]
        elif kind == "caption":
            done = frame.step is not None and frame.step.label.caption.get("en", "en") == value
        elif kind == "says":
            done = any(str(value) in line for line in frame.lines) and frame.step is not None
        elif kind == "key":
            pending.append(pygame.event.Event(pygame.KEYDOWN, key=value))
            done = True
        elif kind == "save":
            text = MANIFEST.format(third=value) if value != "broken" else \
                MANIFEST.format(third="Nets") + "  photo: no dash.jpg\n"
            manifest.write_text(text)
            done = True
        if done:
            script.pop(0)
            deadline[0] = time.monotonic() + 20
        return True

    code = preview_command(show_paths(args, ROOT), ("a", "2"), (480, 270), events=events,
                           after_frame=after, tick=lambda: threading.Event().wait(0.005))
    assert code == 0 and script == []
    assert list(state.iterdir()) == []  # no proof of play, no restart counts
    assert not (show_dir.exhibits / "_kiosk_errors.txt").exists()


def test_unknown_start_is_a_usage_error(show_dir: ShowDir, capsys):
    show_dir.manifest("a.yaml", MANIFEST.format(third="Nets"))
    args = build_parser().parse_args(["preview", "--exhibits", str(show_dir.exhibits)])
    assert preview_command(show_paths(args, ROOT), ("b", ""), (320, 180)) == 2
    assert "no exhibit `b` plays" in capsys.readouterr().err


@pytest.fixture(autouse=True)
def _quit_pygame():
    yield
    pygame.quit()
