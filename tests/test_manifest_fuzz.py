"""Any bytes in a manifest end as a show or as positioned problems, never a crash."""

from __future__ import annotations

import time

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from kiosk.show.loader import LoadOptions, load_exhibit
from tests.conftest import ShowDir
from tests.test_manifest import GOOD

ALPHABET = st.sampled_from([*":-[]{}&*!|>'\"#%@`,? \n\t\\x0aé中", "  ", "\n  - ", ": ", "&a", "*a"])


def check(d: ShowDir, data: bytes) -> None:
    path = d.manifest("fuzz.yaml", data)
    options = LoadOptions(d.exhibits, d.assets, ("en", "ru"), "en", d.root)
    start = time.perf_counter()
    exhibit, problems, _ = load_exhibit(path, options)
    assert time.perf_counter() - start < 2.0
    text = data.decode("utf-8", errors="replace").lstrip("\ufeff")
    text_lines = text.split("\n") or [""]
    for p in problems:
        assert p.path == "exhibits/fuzz.yaml"
        assert 1 <= p.line <= len(text_lines), (str(p), len(text_lines))
        assert 1 <= p.col <= len(text_lines[p.line - 1]) + 1, str(p)
        assert p.message
    if exhibit is None:
        assert any(p.is_error for p in problems)


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_manifests(show_dir: ShowDir, data):
    """Edits a curator's slip could make: characters inserted, deleted or replaced."""
    text = GOOD
    for _ in range(data.draw(st.integers(1, 6))):
        pos = data.draw(st.integers(0, len(text)))
        action = data.draw(st.sampled_from(["insert", "delete", "replace"]))
        chunk = data.draw(ALPHABET)
        if action == "insert":
            text = text[:pos] + chunk + text[pos:]
        elif action == "delete":
            text = text[:pos] + text[pos + data.draw(st.integers(1, 12)):]
        else:
            text = text[:pos] + chunk + text[pos + len(chunk):]
    check(show_dir, text.encode())


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_random_bytes(show_dir: ShowDir, data: bytes):
    check(show_dir, data)


@settings(max_examples=100, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(ALPHABET, max_size=60))
def test_random_yaml_punctuation(show_dir: ShowDir, chunks: list[str]):
    check(show_dir, ("title: x\nitems:\n" + "".join(chunks)).encode())
