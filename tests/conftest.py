"""Shared fixtures: a throwaway show folder with small real images."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import cv2
import numpy as np
import pytest

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
# Restart counts and proof of play of test runs stay out of the project folder.
os.environ["STATE_DIRECTORY"] = tempfile.mkdtemp(prefix="kiosk-test-state-")

ROOT = Path(__file__).resolve().parent.parent


def write_image(path: Path, w: int = 160, h: int = 90, color: tuple[int, int, int] = (40, 90, 160)
                ) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    image = np.zeros((h, w, 3), np.uint8)
    image[:] = color
    ok, data = cv2.imencode(path.suffix or ".png", image)
    assert ok
    path.write_bytes(data.tobytes())
    return path


class ShowDir:
    """A show on disk: `exhibits/`, `assets/` and `config/kiosk.yaml` under one folder."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.exhibits = root / "exhibits"
        self.assets = root / "assets"
        self.config = root / "config" / "kiosk.yaml"
        self.exhibits.mkdir(parents=True)
        self.assets.mkdir()
        for i in range(4):
            write_image(self.assets / "photos" / f"p{i}.jpg", 1920, 1080,
                        color=(60 * i, 80, 200 - 40 * i))

    def manifest(self, name: str, text: str | bytes) -> Path:
        path = self.exhibits / name
        path.write_bytes(text.encode() if isinstance(text, str) else text)
        return path

    def settings(self, text: str) -> Path:
        self.config.parent.mkdir(exist_ok=True)
        self.config.write_text(text)
        return self.config

    def render(self, at: float, size: tuple[int, int] = (640, 360)) -> np.ndarray:
        """The show's frame at ``at`` s, drawn by `render --at` (BGR pixels)."""
        from kiosk.cli import main

        out = self.root / f"f{at}.png"
        assert main(["render", "--exhibits", str(self.exhibits), "--at", str(at),
                     "--out", str(out), "--size", f"{size[0]}x{size[1]}"]) == 0
        return cv2.imread(str(out))


def colour_share(frame: np.ndarray, bgr: tuple[int, int, int]) -> float:
    """The share of a frame's pixels within 30 levels of ``bgr``."""
    return float(np.mean(np.all(np.abs(frame.astype(int) - bgr) < 30, axis=2)))


@pytest.fixture
def show_dir(tmp_path: Path) -> ShowDir:
    return ShowDir(tmp_path)


@pytest.fixture
def make_image() -> Callable[..., Path]:
    return write_image


def wait_for(get: Callable[[], Any], timeout_s: float = 5.0, *,
             done: Callable[[Any], object] = bool,
             ignore: tuple[type[Exception], ...] = (), every_s: float = 0.002) -> Any:
    """Poll a real thread's (or process's) work until ``done(get())``, with a deadline
    (not a timing assert); returns that value. ``ignore``: errors that mean "not yet"
    (a status file not written, or being replaced)."""
    import threading
    import time

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            value = get()
        except ignore:
            value = None
        else:
            if done(value):
                return value
        if time.monotonic() > deadline:
            raise AssertionError(f"not true within {timeout_s} s")
        threading.Event().wait(every_s)
