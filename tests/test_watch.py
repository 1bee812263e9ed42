"""The polling change detector: one batch per save, nothing for a file still being written."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from kiosk.errors import KioskError
from kiosk.live.watcher import Changes, Poller, ScanError, Settler, diff, scan

A = Path("/show/exhibits/a.yaml")
B = Path("/show/exhibits/b.yaml")
TMP = Path("/show/exhibits/.a.yaml.swp")


def run(settler: Settler, timeline: list[tuple[float, dict]]) -> list[tuple[float, Changes]]:
    """Feed (time, snapshot) pairs; collect what is reported and when."""
    out = []
    for now, snap in timeline:
        changes = settler.observe(snap, now)
        if changes is not None:
            out.append((now, changes))
    return out


def ticks(start: float, end: float, snap: dict, step: float = 0.5) -> list[tuple[float, dict]]:
    n = round((end - start) / step)
    return [(start + i * step, snap) for i in range(n + 1)]


# -- diff ------------------------------------------------------------------------------


def test_diff_names_added_removed_and_modified():
    old = {A: (1, 10, 100), B: (1, 10, 101)}
    new = {A: (2, 10, 100), Path("/c.yaml"): (1, 1, 7)}
    assert diff(old, new) == Changes(added=frozenset({Path("/c.yaml")}),
                                     removed=frozenset({B}), modified=frozenset({A}))


def test_a_new_inode_with_the_same_mtime_and_size_is_a_modification():
    """Save by rename on a filesystem with coarse mtimes: only the inode tells."""
    assert diff({A: (1, 10, 100)}, {A: (1, 10, 200)}).modified == {A}


def test_nothing_changed_is_falsy():
    assert not diff({A: (1, 1, 1)}, {A: (1, 1, 1)})


# -- Settler ---------------------------------------------------------------------------


def test_the_first_snapshot_is_the_baseline_not_a_change():
    s = Settler(1.0)
    assert run(s, ticks(0, 5, {A: (1, 10, 1)})) == []


def test_save_by_rename_gives_one_batch():
    """An editor writes `.a.yaml.swp`-like temp files (not watched) and renames over a.yaml:
    the watched view is one inode change."""
    s = Settler(1.0)
    base = {A: (1, 10, 1), B: (1, 5, 2)}
    saved = {A: (2, 12, 9), B: (1, 5, 2)}
    got = run(s, ticks(0, 2, base) + ticks(2.5, 10, saved))
    assert len(got) == 1
    assert got[0][1] == Changes(modified=frozenset({A}))
    assert got[0][0] == pytest.approx(3.5)  # still for settle_s after the last change


def test_delete_then_create_gives_one_batch_as_a_modification():
    s = Settler(1.0)
    base = {A: (1, 10, 1)}
    got = run(s, [*ticks(0, 1, base), (1.5, {}), *ticks(2.0, 8, {A: (3, 11, 4)})])
    assert [c for _, c in got] == [Changes(modified=frozenset({A}))]


def test_a_file_written_in_three_chunks_gives_one_batch_after_it_settles():
    s = Settler(1.0)
    base = {B: (1, 5, 2)}
    chunks = [(0.5, {B: (1, 5, 2), A: (10, 100, 3)}),
              (1.0, {B: (1, 5, 2), A: (11, 200, 3)}),
              (1.5, {B: (1, 5, 2), A: (12, 300, 3)})]
    final = chunks[-1][1]
    got = run(s, [(0.0, base), *chunks, *ticks(2.0, 6, final)])
    assert [c for _, c in got] == [Changes(added=frozenset({A}))]
    assert got[0][0] == pytest.approx(2.5)


def test_a_file_that_keeps_growing_is_not_reported_until_it_stops():
    """A large copy over a slow share: reading it half-written would drop the exhibit."""
    s = Settler(1.0)
    timeline = [(0.0, {})]
    for i in range(1, 200):  # grows every 0.5 s for 100 s
        timeline.append((i * 0.5, {A: (i, i * 1000, 3)}))
    assert run(s, timeline) == []
    got = run(s, ticks(100.0, 105.0, {A: (199, 199_000, 3)}))
    assert [c for _, c in got] == [Changes(added=frozenset({A}))]


def test_changes_that_cancel_out_report_nothing():
    s = Settler(1.0)
    base = {A: (1, 10, 1)}
    assert run(s, [*ticks(0, 1, base), (1.5, {}), *ticks(2, 10, base)]) == []
    assert not s.settling


def test_two_saves_far_apart_give_two_batches():
    s = Settler(1.0)
    v1, v2, v3 = {A: (1, 1, 1)}, {A: (2, 2, 1)}, {A: (3, 3, 1)}
    got = run(s, ticks(0, 1, v1) + ticks(2, 6, v2) + ticks(7, 12, v3))
    assert [c for _, c in got] == [Changes(modified=frozenset({A}))] * 2


def test_a_given_baseline_reports_the_first_difference():
    s = Settler(0.5, baseline={A: (1, 1, 1)})
    got = run(s, ticks(0, 2, {A: (1, 1, 1), B: (1, 1, 2)}))
    assert [c for _, c in got] == [Changes(added=frozenset({B}))]


# -- Changes.then (what poll() hands over when the loop read late) ----------------------


@pytest.mark.parametrize(("first", "later", "expected"), [
    (Changes(added=frozenset({A})), Changes(removed=frozenset({A})), Changes()),
    (Changes(added=frozenset({A})), Changes(modified=frozenset({A})),
     Changes(added=frozenset({A}))),
    (Changes(removed=frozenset({A})), Changes(added=frozenset({A})),
     Changes(modified=frozenset({A}))),
    (Changes(modified=frozenset({A})), Changes(removed=frozenset({A})),
     Changes(removed=frozenset({A}))),
    (Changes(modified=frozenset({A})), Changes(added=frozenset({B})),
     Changes(added=frozenset({B}), modified=frozenset({A}))),
])
def test_batches_merge_as_one(first, later, expected):
    assert first.then(later) == expected


# -- scan ------------------------------------------------------------------------------


def test_scan_sees_manifests_config_and_assets_only(tmp_path: Path):
    ex = tmp_path / "exhibits"
    ex.mkdir()
    for name in ("a.yaml", "b.YML", ".a.yaml.swp", "_draft.yaml", "notes.txt",
                 "_kiosk_errors.txt", "a.yaml~"):
        (ex / name).write_text("x")
    (ex / "folder.yaml").mkdir()
    photo = tmp_path / "assets" / "p.jpg"
    photo.parent.mkdir()
    photo.write_bytes(b"jpg")
    snap = scan(ex, [photo, tmp_path / "assets" / "missing.jpg", photo.parent])
    assert set(snap) == {ex / "a.yaml", ex / "b.YML", photo, photo.parent}


def test_scan_of_a_vanished_folder_is_not_an_empty_show(tmp_path: Path):
    with pytest.raises(ScanError) as raised:
        scan(tmp_path / "gone")
    assert isinstance(raised.value, KioskError)


def test_scan_sees_the_empty_marker_and_broken_manifest_links(tmp_path: Path):
    """Creating `EMPTY` empties a show on purpose, and replacing a looped link with the
    real file must be noticed: both are part of what the watcher sees."""
    (tmp_path / "EMPTY").write_text("")
    (tmp_path / "empty.txt").write_text("")
    os.symlink("loop.yaml", tmp_path / "loop.yaml")
    os.symlink("nowhere.yaml", tmp_path / "dangling.yaml")
    snap = scan(tmp_path)
    assert set(snap) == {tmp_path / n for n in ("EMPTY", "empty.txt", "loop.yaml",
                                                "dangling.yaml")}
    os.remove(tmp_path / "loop.yaml")
    (tmp_path / "loop.yaml").write_text("title: Fixed\n")
    assert diff(snap, scan(tmp_path)).modified == {tmp_path / "loop.yaml"}


def test_scan_is_bounded(tmp_path: Path):
    for i in range(30):
        (tmp_path / f"{i:02}.yaml").write_text("x")
    said = []
    snap = scan(tmp_path, [tmp_path / "00.yaml"] * 50, max_manifests=10, max_extra=5,
                on_limit=said.append)
    assert len(snap) == 10
    assert len(said) == 2


FAST = {"interval_s": 0.01, "settle_s": 0.05, "assets_interval_s": 0.01}


# -- Poller (a real thread, a tiny interval, waits on its results with a timeout) ------


@pytest.fixture
def exhibits(tmp_path: Path) -> Path:
    ex = tmp_path / "exhibits"
    ex.mkdir()
    (ex / "a.yaml").write_text("title: A\n")
    return ex


def test_poller_reports_a_save_by_rename_once(exhibits: Path):
    with Poller(exhibits, **FAST) as poller:
        tmp = exhibits / ".a.yaml.tmp"
        tmp.write_text("title: A, edited\n")
        os.replace(tmp, exhibits / "a.yaml")
        changes = poller.poll(timeout_s=5.0)
        assert changes == Changes(modified=frozenset({exhibits / "a.yaml"}))
        assert poller.poll(timeout_s=0.2) is None


def test_poller_watches_the_config_file_and_asset_paths(exhibits: Path, tmp_path: Path):
    config = tmp_path / "kiosk.yaml"
    config.write_text("volume: 50%\n")
    photo = tmp_path / "p.jpg"
    with Poller(exhibits, config, [photo], **FAST) as poller:
        photo.write_bytes(b"jpg")
        config.write_text("volume: 80%, louder\n")
        changes = poller.poll(timeout_s=5.0)
        assert changes is not None
        # Both may settle in one batch or two; all of it arrives.
        if changes.paths != {config, photo}:
            later = poller.poll(timeout_s=5.0)
            assert later is not None
            changes = changes.then(later)
        assert changes == Changes(added=frozenset({photo}), modified=frozenset({config}))


def test_poller_survives_its_folder_vanishing_and_logs_once(tmp_path: Path, caplog):
    """A gone folder is logged once and its manifests count as out of sight (the reloader
    then keeps the last good show); the folder coming back is seen."""
    ex = tmp_path / "exhibits"
    ex.mkdir()
    (ex / "a.yaml").write_text("x")
    caplog.set_level(logging.INFO, logger="kiosk.live.watcher")
    poller = Poller(ex, **FAST).start()
    try:
        (ex / "a.yaml").unlink()
        ex.rmdir()
        assert poller.poll(timeout_s=5.0) == Changes(removed=frozenset({ex / "a.yaml"}))
        assert poller.alive
        ex.mkdir()
        (ex / "a.yaml").write_text("yy")
        assert poller.poll(timeout_s=5.0) == Changes(added=frozenset({ex / "a.yaml"}))
    finally:
        poller.stop()
        poller.join(5.0)
    assert not poller.alive
    warnings = [r for r in caplog.records if "cannot list" in r.getMessage()]
    assert len(warnings) == 1
    assert any("watching" in r.getMessage() and "again" in r.getMessage()
               for r in caplog.records)


def test_a_folder_that_cannot_be_listed_keeps_watching_the_settings(tmp_path: Path):
    """While the share is gone the settings file (elsewhere) is still watched, and not
    reported as removed."""
    ex, config = tmp_path / "exhibits", tmp_path / "kiosk.yaml"
    config.write_text("volume: 50%\n")
    with Poller(ex, config, **FAST) as poller:
        assert poller.poll(timeout_s=0.3) is None
        config.write_text("volume: 80%\n")
        assert poller.poll(timeout_s=5.0) == Changes(modified=frozenset({config}))


def test_poller_stop_is_prompt_and_poll_after_stop_returns(exhibits: Path):
    poller = Poller(exhibits, interval_s=60.0).start()
    poller.stop()
    poller.join(2.0)
    assert not poller.alive
    assert poller.poll(timeout_s=1.0) is None


def test_newly_watched_and_unwatched_assets_are_not_changes(exhibits: Path, tmp_path: Path):
    """After a reload the app swaps the asset list: that must not trigger another reload."""
    old, new = tmp_path / "old.jpg", tmp_path / "new.jpg"
    old.write_bytes(b"1")
    new.write_bytes(b"1")
    with Poller(exhibits, asset_paths=[old], **FAST) as poller:
        poller.set_asset_paths([new])
        assert poller.poll(timeout_s=0.3) is None
        new.write_bytes(b"22")
        old.write_bytes(b"22")  # no longer watched
        assert poller.poll(timeout_s=5.0) == Changes(modified=frozenset({new}))


def test_rewatch_adopts_started_paths_and_forgets_stopped_ones():
    s = Settler(0.5, baseline={A: (1, 1, 1)})
    snap = {B: (1, 1, 2)}
    s.rewatch(snap, started=[B], stopped=[A])
    assert run(s, ticks(0, 3, snap)) == []


def test_poller_stats_media_less_often_than_manifests(exhibits: Path, tmp_path: Path,
                                                      monkeypatch):
    """Thousands of photos on a share: stat'ing them twice a second would load the network."""
    import kiosk.live.watcher as watch

    photo = tmp_path / "p.jpg"
    photo.write_bytes(b"1")
    calls = []
    real = watch.stat_paths

    def counting(paths, *args, **kwargs):
        paths = list(paths)
        if photo in paths:
            calls.append(1)
        return real(paths, *args, **kwargs)

    monkeypatch.setattr(watch, "stat_paths", counting)
    now = [0.0]
    poller = Poller(exhibits, asset_paths=[photo], interval_s=0.5, assets_interval_s=2.0,
                    clock=lambda: now[0])
    for _ in range(8):  # 4 s of scans, driven by hand
        poller._scan_once()
        now[0] += 0.5
    assert len(calls) == 2
