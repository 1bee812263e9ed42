"""The kiosk's own exceptions form one tree, so one `except KioskError` catches them all."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import kiosk
from kiosk.errors import KioskError

# Moved into the tree by the change that rewrites the app loop and status endpoint.
ELSEWHERE = {"kiosk.app.NoDisplay", "kiosk.live.watcher.ScanError"}


def kiosk_exceptions() -> list[type[BaseException]]:
    found = []
    for info in pkgutil.walk_packages(kiosk.__path__, "kiosk."):
        if info.name.endswith("__main__"):
            continue  # runs the command line when imported
        module = importlib.import_module(info.name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == info.name and issubclass(cls, BaseException):
                found.append(cls)
    return found


def test_every_kiosk_exception_derives_from_kiosk_error_and_says_what_it_is():
    """Guards: FontError was a ValueError and Invalid a bare Exception, outside the tree."""
    found = {f"{c.__module__}.{c.__qualname__}": c for c in kiosk_exceptions()}
    assert {"kiosk.render.fonts.FontError", "kiosk.show.fields.Invalid"} <= set(found)
    ours = {name: c for name, c in found.items() if name not in ELSEWHERE}
    assert [name for name, c in ours.items() if not issubclass(c, KioskError)] == []
    # A docstring of its own (not the inherited one) whose first line says what it is.
    undocumented = [name for name, c in ours.items()
                    if not (c.__dict__.get("__doc__") or "").strip()]
    assert undocumented == []


def test_a_missing_folder_is_a_usage_error_with_exit_code_2(tmp_path, capsys):
    from kiosk.cli import EXIT_USAGE, main

    code = main(["validate", "--exhibits", str(tmp_path / "nowhere")])
    assert code == EXIT_USAGE
    assert "error: the exhibits folder" in capsys.readouterr().err
