"""The kiosk's log: the file an operator reads says what journald says."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.operations.logs import RepeatFilter, setup_logging


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def restore_root() -> Iterator[None]:
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    setup_logging("warning")  # closes what the test opened
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in handlers:
        root.addHandler(handler)
    root.setLevel(level)


def test_the_log_file_receives_lines_and_folds_repeats_like_stderr(
        tmp_path: Path, capsys, restore_root):
    """Guards: one repeat filter on both handlers let stderr see every line first, so the
    file handler took each as a repeat and `log_file` stayed empty."""
    clock = FakeClock()
    log_file = tmp_path / "logs" / "kiosk.log"
    setup_logging("info", log_file, RepeatFilter(window_s=60.0, clock=clock))
    log = logging.getLogger("kiosk.test")
    log.warning("photo %s skipped", "a.jpg")
    for _ in range(3):
        log.warning("photo %s skipped", "a.jpg")  # folded: inside the window
    clock.now = 61.0
    log.warning("photo %s skipped", "a.jpg")
    log.info("show loaded")
    for handler in logging.getLogger().handlers:
        handler.flush()

    stderr = capsys.readouterr().err.splitlines()
    written = log_file.read_text(encoding="utf-8").splitlines()
    expected = ["WARNING kiosk.test: photo a.jpg skipped",
                "WARNING kiosk.test: photo a.jpg skipped (repeated 3 times)",
                "INFO kiosk.test: show loaded"]
    assert stderr == expected
    # The file's lines carry a time in front; otherwise they are the same lines.
    assert len(written) == 3
    assert [line.split(" ", 2)[2] for line in written] == expected


def test_setting_up_again_closes_the_old_file_and_writes_to_the_new_one(
        tmp_path: Path, restore_root):
    """Guards: live settings call setup_logging again; the old file handler stayed open
    (a leaked descriptor per settings change, and a rotated file never let go)."""
    first, second = tmp_path / "first.log", tmp_path / "second.log"
    setup_logging("info", first)
    old = [h for h in logging.getLogger().handlers if getattr(h, "baseFilename", None)]
    assert len(old) == 1 and old[0].stream is not None
    logging.getLogger("kiosk.test").info("before")

    setup_logging("warning", second)
    assert old[0].stream is None  # closed
    log = logging.getLogger("kiosk.test")
    log.info("quiet now")  # below the new level
    log.warning("after")
    for handler in logging.getLogger().handlers:
        handler.flush()
    assert "before" in first.read_text() and "after" not in first.read_text()
    assert second.read_text().splitlines()[-1].endswith("WARNING kiosk.test: after")
    assert "quiet now" not in second.read_text()
