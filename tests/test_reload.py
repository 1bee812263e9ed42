"""Live reload: good edits swap in, broken ones keep the last good version, and say why."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import pytest

from kiosk.errors import Problem
from kiosk.live.reload_thread import LiveReload, Reloaded
from kiosk.live.reloader import (
    ERRORS_FILE_NAME,
    ShowReloader,
    current_item_changed,
    errors_file_text,
    write_errors_file,
)
from kiosk.live.watcher import Changes, Poller
from kiosk.show.loader import LoadOptions, load_show
from kiosk.show.model import Show
from tests.conftest import ShowDir, wait_for

HARBOUR = """\
title: Harbour
order: 1
items:
  - photo: photos/p0.jpg
    caption: The pier at dawn
  - photo: photos/p1.jpg
    caption: The boats
  - card: Thanks
    body: To the archive.
"""

MARKET = """\
title: Market
order: 2
items:
  - photo: photos/p2.jpg
    caption: Stalls
"""


def options(d: ShowDir) -> LoadOptions:
    return LoadOptions(d.exhibits, d.assets, ("en",), "en", d.root)


def modified(*paths: Path) -> Changes:
    return Changes(modified=frozenset(paths))


@pytest.fixture
def loaded(show_dir: ShowDir) -> tuple[ShowDir, ShowReloader]:
    show_dir.manifest("harbour.yaml", HARBOUR)
    show_dir.manifest("market.yaml", MARKET)
    reloader = ShowReloader(options(show_dir))
    result = reloader.load_all()
    assert [e.name for e in result.show.exhibits] == ["harbour.yaml", "market.yaml"]
    assert result.errors_text is None
    return show_dir, reloader


def captions(show: Show, name: str) -> list[str]:
    exhibit = next(e for e in show.exhibits if e.name == name)
    return [s.label.caption.get("en", "en") for s in exhibit.steps if hasattr(s, "label")]


def test_load_all_matches_load_show(loaded):
    d, reloader = loaded
    assert reloader.show == load_show(options(d)).show


def test_a_broken_edit_keeps_the_last_good_exhibit_and_says_where(loaded):
    """A curator's half-typed edit over SSH must not blank the exhibit on screen."""
    d, reloader = loaded
    path = d.manifest("harbour.yaml", "title: Harbour\nitems:\n  - photo: [unclosed\n")
    result = reloader.apply(modified(path))
    assert [e.name for e in result.show.exhibits] == ["harbour.yaml", "market.yaml"]
    assert captions(result.show, "harbour.yaml")[0] == "The pier at dawn"
    assert result.kept_last_good == [path]
    assert result.changed_exhibits == []
    errors = [p for p in result.problems if p.is_error]
    assert errors and all(p.path == "exhibits/harbour.yaml" for p in errors)
    assert errors[0].line >= 3
    assert result.errors_text is not None
    assert str(errors[0]) in result.errors_text
    assert "exhibits/harbour.yaml: the last good version keeps playing" in result.errors_text


def test_an_edit_with_no_playable_item_also_keeps_the_last_good(loaded):
    d, reloader = loaded
    path = d.manifest("market.yaml", "title: Market\nitems:\n  - photo: photos/nope.jpg\n")
    result = reloader.apply(modified(path))
    assert captions(result.show, "market.yaml") == ["Stalls"]
    assert result.kept_last_good == [path]
    assert any("file not found" in p.message and p.line == 3 for p in result.problems)


def test_a_fixed_edit_replaces_the_exhibit_and_clears_the_errors(loaded):
    d, reloader = loaded
    path = d.manifest("harbour.yaml", "title: [oops\n")
    assert reloader.apply(modified(path)).kept_last_good == [path]
    path = d.manifest("harbour.yaml", HARBOUR.replace("The pier at dawn", "The pier at dusk"))
    result = reloader.apply(modified(path))
    assert captions(result.show, "harbour.yaml")[0] == "The pier at dusk"
    assert result.changed_exhibits == [path]
    assert result.kept_last_good == []
    assert result.problems == []
    assert result.errors_text is None


def test_a_partly_broken_edit_plays_what_is_left(loaded):
    """The loader drops the smallest broken item; the exhibit is still playable."""
    d, reloader = loaded
    path = d.manifest("harbour.yaml", HARBOUR.replace("photos/p1.jpg", "photos/p9.jpg"))
    result = reloader.apply(modified(path))
    assert captions(result.show, "harbour.yaml") == ["The pier at dawn"]
    assert result.changed_exhibits == [path] and result.kept_last_good == []
    assert result.errors_text is not None and "p9.jpg" in result.errors_text


def test_a_removed_file_removes_its_exhibit(loaded):
    d, reloader = loaded
    path = d.exhibits / "market.yaml"
    path.unlink()
    result = reloader.apply(Changes(removed=frozenset({path})))
    assert [e.name for e in result.show.exhibits] == ["harbour.yaml"]
    assert result.changed_exhibits == [path]


def test_a_removed_broken_file_takes_its_errors_with_it(loaded):
    d, reloader = loaded
    path = d.manifest("market.yaml", "title: [\n")
    assert reloader.apply(modified(path)).errors_text is not None
    path.unlink()
    result = reloader.apply(Changes(removed=frozenset({path})))
    assert result.errors_text is None
    assert [e.name for e in result.show.exhibits] == ["harbour.yaml"]


def test_a_new_file_joins_the_show_in_order(loaded):
    d, reloader = loaded
    path = d.manifest("intro.yaml", "title: Intro\norder: 0\nitems:\n  - card: Welcome\n")
    result = reloader.apply(Changes(added=frozenset({path})))
    assert [e.name for e in result.show.exhibits] == ["intro.yaml", "harbour.yaml",
                                                      "market.yaml"]
    assert result.show == load_show(options(d)).show


def test_only_changed_manifests_are_read_again(loaded):
    d, reloader = loaded
    path = d.manifest("market.yaml", MARKET.replace("Stalls", "Stalls at noon"))
    result = reloader.apply(modified(path))
    assert result.reread == [path]
    before = reloader.show.exhibits[0]
    assert result.show.exhibits[0] is before  # harbour untouched, the same object


def test_touching_a_file_without_changing_it_changes_nothing(loaded):
    d, reloader = loaded
    path = d.exhibits / "market.yaml"
    result = reloader.apply(modified(path))
    assert result.changed_exhibits == [] and not result.show_changed


def test_a_changed_photo_rereads_only_the_exhibits_that_show_it(loaded):
    d, reloader = loaded
    photo = (d.assets / "photos" / "p2.jpg").resolve()
    assert photo in reloader.watched_paths()
    result = reloader.apply(modified(photo))
    assert result.reread == [d.exhibits / "market.yaml"]
    assert result.changed_media == {photo}


def test_a_photo_arriving_fixes_the_exhibit_that_missed_it(show_dir: ShowDir):
    show_dir.manifest("late.yaml", "title: Late\nitems:\n  - photo: photos/late.jpg\n")
    reloader = ShowReloader(options(show_dir))
    assert reloader.load_all().show.exhibits == ()
    late = show_dir.assets / "photos" / "late.jpg"
    late.write_bytes((show_dir.assets / "photos" / "p0.jpg").read_bytes())
    result = reloader.apply(Changes(added=frozenset({late.parent})))
    assert [e.name for e in result.show.exhibits] == ["late.yaml"]
    assert result.errors_text is None


def test_non_manifest_files_in_the_exhibits_folder_are_not_manifests(loaded):
    d, reloader = loaded
    notes = d.exhibits / "_draft.yaml"
    notes.write_text("title: [\n")
    result = reloader.apply(Changes(added=frozenset({notes})))
    assert result.reread == [] and result.errors_text is None


# -- the errors file -------------------------------------------------------------------


def test_errors_file_appears_and_disappears(loaded):
    d, reloader = loaded
    path = d.manifest("harbour.yaml", "title: [\n")
    result = reloader.apply(modified(path))
    assert write_errors_file(d.exhibits, result.errors_text)
    text = (d.exhibits / ERRORS_FILE_NAME).read_text()
    assert text.startswith("Problems the kiosk found")
    assert "disappears when the show is clean" in text
    assert "exhibits/harbour.yaml:" in text
    assert not list(d.exhibits.glob(".*.tmp"))
    path = d.manifest("harbour.yaml", HARBOUR)
    result = reloader.apply(modified(path))
    assert write_errors_file(d.exhibits, result.errors_text)
    assert not (d.exhibits / ERRORS_FILE_NAME).exists()
    assert write_errors_file(d.exhibits, None)  # already gone: fine


def test_errors_file_text_is_one_line_per_error_and_none_when_clean():
    problems = [Problem("a.yaml", 3, 5, "error", "bad\nvalue", "fix it"),
                Problem("a.yaml", 4, 1, "warning", "only a warning")]
    text = errors_file_text(problems)
    assert text is not None
    body = text.split("\n\n", 1)[1]
    assert body == "a.yaml:3:5: error: bad value (fix it)\n"
    assert errors_file_text(problems[1:]) is None
    assert errors_file_text([]) is None


def test_a_read_only_file_system_is_logged_not_raised(tmp_path: Path, monkeypatch, caplog):
    """A read-only share (EROFS) refuses the write; the show must not notice. Simulated,
    since the tests may run as root, who can write anywhere."""
    import errno
    import tempfile

    def refuse(*args, **kwargs):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(tempfile, "mkstemp", refuse)
    monkeypatch.setattr(os, "replace", refuse)
    monkeypatch.setattr(os, "open", refuse)
    assert write_errors_file(tmp_path, "x\n") is False
    assert "cannot write" in caplog.text
    assert not (tmp_path / ERRORS_FILE_NAME).exists()


def test_a_missing_folder_is_logged_not_raised(tmp_path: Path):
    assert write_errors_file(tmp_path / "gone", "x\n") is False


def test_an_unchanged_errors_file_is_not_rewritten(tmp_path: Path):
    assert write_errors_file(tmp_path, "same\n")
    path = tmp_path / ERRORS_FILE_NAME
    os.utime(path, ns=(1, 1))
    assert write_errors_file(tmp_path, "same\n")
    assert path.stat().st_mtime_ns == 1


# -- the step on screen ----------------------------------------------------------------


def test_current_item_changed_sees_a_corrected_caption(loaded):
    d, reloader = loaded
    old = reloader.show
    photo = (d.assets / "photos" / "p0.jpg").resolve()
    harbour = d.exhibits / "harbour.yaml"
    path = d.manifest("harbour.yaml", HARBOUR.replace("The pier at dawn", "The pier, at dawn"))
    new = reloader.apply(modified(path)).show
    assert current_item_changed(old, new, harbour, str(photo))
    other = (d.assets / "photos" / "p1.jpg").resolve()
    assert not current_item_changed(old, new, harbour, str(other))


def test_current_item_changed_ignores_a_line_moved_by_an_edit_above(loaded):
    d, reloader = loaded
    old = reloader.show
    path = d.manifest("harbour.yaml", "# a comment added on top\n" + HARBOUR)
    new = reloader.apply(modified(path)).show
    photo = (d.assets / "photos" / "p1.jpg").resolve()
    assert not current_item_changed(old, new, path, str(photo))


def test_a_comment_added_above_a_card_leaves_it_on_screen(loaded):
    """Guards: a card's identity held its line number, so a comment added above the card on
    screen made it a new card and restarted it (docs/live-reload-and-hours.md)."""
    d, reloader = loaded
    old = reloader.show
    harbour = d.exhibits / "harbour.yaml"
    card = old.exhibits[0].steps[2]
    assert card.title.get("en", "en") == "Thanks"
    path = d.manifest("harbour.yaml", "# checked by the curator\n" + HARBOUR)
    new = reloader.apply(modified(path)).show
    assert new.exhibits[0].steps[2].where.line == card.where.line + 1
    assert not current_item_changed(old, new, harbour, card.key, 2)
    # A corrected text is another card: it swaps at once.
    path = d.manifest("harbour.yaml", HARBOUR.replace("To the archive.", "To the town archive."))
    corrected = reloader.apply(modified(path)).show
    assert current_item_changed(new, corrected, harbour, card.key, 2)


def test_current_item_changed_sees_a_removed_step_and_a_removed_exhibit(loaded):
    d, reloader = loaded
    old = reloader.show
    p1 = (d.assets / "photos" / "p1.jpg").resolve()
    path = d.manifest("harbour.yaml", HARBOUR.replace(
        "  - photo: photos/p1.jpg\n    caption: The boats\n", ""))
    new = reloader.apply(modified(path)).show
    assert current_item_changed(old, new, path, str(p1))
    market = d.exhibits / "market.yaml"
    market.unlink()
    newer = reloader.apply(Changes(removed=frozenset({market}))).show
    p2 = (d.assets / "photos" / "p2.jpg").resolve()
    assert current_item_changed(new, newer, market, str(p2))


def test_a_full_disk_is_logged_and_leaves_no_temp_file(tmp_path: Path, monkeypatch, caplog):
    import errno

    def full(fd: int) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "fsync", full)
    assert write_errors_file(tmp_path, "x\n") is False
    assert "No space left" in caplog.text
    assert list(tmp_path.iterdir()) == []


# ------------------------------------------------------------------ the live-reload thread


def fast_poller(*args: object) -> Poller:
    return Poller(*args, interval_s=0.01, settle_s=0.05, assets_interval_s=0.01)  # type: ignore[arg-type]


def next_reload(live: LiveReload, seconds: float = 10.0) -> list[Reloaded]:
    got: list[Reloaded] = []
    wait_for(lambda: got.extend(live.take()) or got, seconds)
    threading.Event().wait(0.2)  # a second reload from the same save would be here by now
    return got + live.take()


def test_edits_are_read_on_the_reload_thread_not_the_callers(
        loaded: tuple[ShowDir, ShowReloader], monkeypatch: pytest.MonkeyPatch) -> None:
    """The render loop only takes finished shows: reading and validating an edit, and
    writing _kiosk_errors.txt, happen on the live-reload thread."""
    d, reloader = loaded
    readers: list[str] = []
    apply = reloader.apply

    def recording_apply(changes: Changes):  # type: ignore[no-untyped-def]
        readers.append(threading.current_thread().name)
        return apply(changes)

    monkeypatch.setattr(reloader, "apply", recording_apply)
    stale = d.exhibits / ERRORS_FILE_NAME
    stale.write_text("left by an earlier run\n")
    live = LiveReload(reloader, d.exhibits, d.assets, None, errors_text=None,
                      make_poller=fast_poller).start()
    try:
        wait_for(lambda: not stale.exists())  # a file left by an earlier run goes away
        d.manifest("harbour.yaml", HARBOUR.replace("The boats", "The fishing boats"))
        (done,) = next_reload(live)
        assert captions(done.result.show, "harbour.yaml")[1] == "The fishing boats"
        assert done.settings is None and done.at > 0
        d.manifest("market.yaml", "title: [unclosed\n")
        (broken,) = next_reload(live)
        assert broken.result.kept_last_good == [d.exhibits / "market.yaml"]
        assert "market.yaml:1:" in (d.exhibits / ERRORS_FILE_NAME).read_text()
        assert live.take() == []  # nothing more: each save gives one reload
    finally:
        assert live.stop()
    assert readers and set(readers) == {"kiosk-reload"}


def test_a_dead_watcher_or_reload_thread_is_replaced(
        loaded: tuple[ShowDir, ShowReloader]) -> None:
    d, reloader = loaded
    live = LiveReload(reloader, d.exhibits, d.assets, None, make_poller=fast_poller).start()
    try:
        dead = live.poller
        dead.stop()
        dead.join(5.0)
        assert not live.alive
        live.revive()
        assert live.alive and live.poller is not dead
        d.manifest("harbour.yaml", HARBOUR.replace("The boats", "The ferries"))
        (done,) = next_reload(live)
        assert captions(done.result.show, "harbour.yaml")[1] == "The ferries"
    finally:
        assert live.stop()


# -- an exhibits folder that empties or vanishes ---------------------------------------


def removed(*paths: Path) -> Changes:
    return Changes(removed=frozenset(paths))


def empty_folder(d: ShowDir) -> None:
    """A copy that deletes the folder and creates it again, still empty."""
    for path in d.exhibits.iterdir():
        path.unlink()
    d.exhibits.rmdir()
    d.exhibits.mkdir()


def gone_folder(d: ShowDir) -> None:
    for path in d.exhibits.iterdir():
        path.unlink()
    d.exhibits.rmdir()


def unreadable_folder(d: ShowDir) -> None:
    """Cannot be listed (a loop here; an unmounted share gives an I/O error). The tests
    may run as root, who can list a folder without permissions."""
    d.exhibits.rename(d.root / "exhibits-away")
    os.symlink("exhibits", d.exhibits)


@pytest.mark.parametrize(("vanish", "says", "advice"), [
    (empty_folder, "the exhibits folder holds no `.yaml` manifest now", "`EMPTY`"),
    (gone_folder, "the exhibits folder is gone", "`EMPTY`"),
    (unreadable_folder, "the exhibits folder cannot be read (Too many levels", "mounted"),
])
def test_a_folder_that_empties_or_vanishes_keeps_the_last_good_show(loaded, vanish, says,
                                                                     advice):
    """Guards issue 14: an emptied folder (a share unmounted, a copy that recreated it)
    blanked the screen with the "nothing can be played" card within 2 s."""
    d, reloader = loaded
    before = reloader.show
    vanish(d)
    result = reloader.apply(removed(d.exhibits / "harbour.yaml", d.exhibits / "market.yaml"))
    assert result.show == before and not result.show_changed
    folder_error = result.problems[0]
    assert (folder_error.path, folder_error.line, folder_error.col) == ("exhibits", 1, 1)
    assert folder_error.is_error and folder_error.message.startswith(says)
    assert "the last good show keeps playing" in folder_error.message
    assert advice in folder_error.hint
    assert result.errors_text is not None and str(folder_error) in result.errors_text
    # A fresh look (a reload asked for by the operator) keeps it too.
    assert reloader.load_all().show == before


def test_the_folder_coming_back_plays_what_is_in_it(loaded):
    """After the folder was away, the show follows the folder as it is now: a file that
    did not come back leaves, a new one joins, and the folder's error clears."""
    d, reloader = loaded
    empty_folder(d)
    reloader.apply(removed(d.exhibits / "harbour.yaml", d.exhibits / "market.yaml"))
    market = d.manifest("market.yaml", MARKET.replace("Stalls", "Stalls at noon"))
    intro = d.manifest("intro.yaml", "title: Intro\norder: 0\nitems:\n  - card: Welcome\n")
    result = reloader.apply(Changes(added=frozenset({market, intro})))
    assert [e.name for e in result.show.exhibits] == ["intro.yaml", "market.yaml"]
    assert captions(result.show, "market.yaml") == ["Stalls at noon"]
    assert result.problems == [] and result.errors_text is None
    assert result.show == load_show(options(d)).show


def test_a_folder_back_unchanged_rereads_but_changes_nothing(loaded):
    d, reloader = loaded
    texts = {p: p.read_bytes() for p in d.exhibits.iterdir()}
    gone_folder(d)
    before = reloader.show
    reloader.apply(removed(*texts))
    d.exhibits.mkdir()
    for path, data in texts.items():
        path.write_bytes(data)
    result = reloader.apply(Changes(added=frozenset(texts)))
    assert result.show == before and not result.show_changed and result.problems == []


def test_a_photo_changed_while_the_folder_is_away_is_still_forgotten(loaded):
    """The held show keeps playing, but a replaced photo must not stay on screen from the
    cache of decoded copies."""
    d, reloader = loaded
    before = reloader.show
    gone_folder(d)
    reloader.apply(removed(d.exhibits / "harbour.yaml", d.exhibits / "market.yaml"))
    photo = (d.assets / "photos" / "p2.jpg").resolve()
    result = reloader.apply(modified(photo))
    assert result.show == before and result.changed_media == {photo}
    assert result.problems[0].message.startswith("the exhibits folder is gone")


@pytest.mark.parametrize("marker", ["EMPTY", "empty.txt"])
def test_the_empty_marker_empties_a_running_show_on_purpose(loaded, marker: str):
    """The documented rule: no manifest and a file named `EMPTY` is an empty show."""
    d, reloader = loaded
    names = [d.exhibits / "harbour.yaml", d.exhibits / "market.yaml"]
    for path in names:
        path.unlink()
    (d.exhibits / marker).write_text("")
    result = reloader.apply(Changes(added=frozenset({d.exhibits / marker}),
                                    removed=frozenset(names)))
    assert result.show.exhibits == () and result.changed_exhibits == names
    assert [p.severity for p in result.problems] == ["warning"]
    assert "empty on purpose" in result.problems[0].message
    assert result.errors_text is None


def test_the_marker_added_after_the_folder_emptied_empties_the_show(loaded):
    d, reloader = loaded
    empty_folder(d)
    held = reloader.apply(removed(d.exhibits / "harbour.yaml", d.exhibits / "market.yaml"))
    assert len(held.show.exhibits) == 2
    marker = d.exhibits / "EMPTY"
    marker.write_text("")
    result = reloader.apply(Changes(added=frozenset({marker})))
    assert result.show.exhibits == () and result.show_changed
    assert result.errors_text is None


def test_a_manifest_that_becomes_a_symlink_loop_keeps_its_last_good_version(loaded):
    """Guards issue 14: a manifest replaced by a looped link vanished without a word."""
    d, reloader = loaded
    path = d.exhibits / "market.yaml"
    path.unlink()
    os.symlink("market.yaml", path)
    result = reloader.apply(modified(path))
    assert captions(result.show, "market.yaml") == ["Stalls"]
    assert result.kept_last_good == [path]
    assert result.errors_text is not None
    assert ("exhibits/market.yaml:1:1: error: `market.yaml` is a symbolic link that leads "
            "back to itself (a loop) (replace it with the manifest file itself)"
            in result.errors_text)


def test_an_emptied_folder_under_the_running_reload_thread_keeps_the_show(
        loaded: tuple[ShowDir, ShowReloader]) -> None:
    """The real watcher and reload thread: the folder deleted and recreated empty, then
    the files copied back. The show never empties; the problem reaches the errors file."""
    d, reloader = loaded
    before = reloader.show
    texts = {p: p.read_bytes() for p in d.exhibits.iterdir()}
    live = LiveReload(reloader, d.exhibits, d.assets, None, make_poller=fast_poller).start()
    try:
        empty_folder(d)
        got = next_reload(live)
        assert got and all(r.result.show == before for r in got)
        last = got[-1].result
        assert not any(r.result.show_changed for r in got)
        assert str(last.problems[0]).startswith(
            "exhibits:1:1: error: the exhibits folder holds no `.yaml` manifest now")
        errors_file = d.exhibits / ERRORS_FILE_NAME
        assert str(last.problems[0]) in errors_file.read_text()
        for path, data in texts.items():
            path.write_bytes(data)
        back = next_reload(live)[-1].result
        assert back.show == before and back.problems == []
        wait_for(lambda: not errors_file.exists())
    finally:
        assert live.stop()


# -- a settings file emptied or deleted while running ----------------------------------


@pytest.mark.parametrize(("spoil", "says"), [
    (lambda config: config.unlink(), "was deleted"),
    (lambda config: config.write_text(""), "holds no settings (it is empty)"),
    (lambda config: config.write_text("# volume: 40%\n"), "holds no settings"),
    (lambda config: config.write_text("volume: [40%\n"), "cannot be used: line 1, column 9"),
    (lambda config: config.write_text("- volume\n"), "is not a list of `key: value`"),
], ids=["deleted", "emptied", "commented-out", "broken-yaml", "a-list"])
def test_a_settings_file_emptied_or_deleted_keeps_the_last_good_settings(
        loaded, caplog, spoil, says) -> None:
    """Guards issue 14: a running kiosk whose settings file was emptied or deleted
    silently fell back to the defaults (sound at full volume, no staff PIN, always open)."""
    d, reloader = loaded
    config = d.settings("volume: 40%\nerrors_file: no\n")
    live = LiveReload(reloader, d.exhibits, d.assets, config, make_poller=fast_poller)
    first = live.apply(modified(config))
    assert first.settings is not None and first.settings.settings.volume == 0.4
    assert live.errors_file is False
    spoil(config)
    again = live.apply(modified(config))
    assert again.settings is None  # the app keeps the settings it has
    assert live.errors_file is False and not (d.exhibits / ERRORS_FILE_NAME).exists()
    (warning,) = [r for r in caplog.records if r.name == "kiosk.show.settings"]
    assert warning.levelname == "WARNING"
    text = warning.getMessage()
    assert text.startswith(f"{config} {says}")
    assert "the kiosk keeps the settings it had (put the settings back" in text


def test_settings_put_back_after_a_deletion_take_effect(loaded) -> None:
    d, reloader = loaded
    config = d.settings("volume: 40%\n")
    live = LiveReload(reloader, d.exhibits, d.assets, config, make_poller=fast_poller).start()
    try:
        config.unlink()
        assert [r.settings for r in next_reload(live)] == [None]
        d.settings("volume: 70%\n")
        (back,) = next_reload(live)
        assert back.settings is not None and back.settings.settings.volume == 0.7
    finally:
        assert live.stop()


def test_a_running_kiosk_keeps_its_show_and_settings_when_both_vanish(show_dir: ShowDir,
                                                                      tmp_path: Path) -> None:
    """The kiosk as an operator runs it: the exhibits folder recreated empty (a copy) and
    the settings file deleted under it. Before, the status went to `no_content` within
    2 s and the settings silently fell back to the defaults."""
    from tests.test_app import read_status, start
    from tests.test_app import wait_for as wait_status

    show_dir.manifest("a.yaml", "title: A\nitems:\n  - photo: photos/p0.jpg\n"
                                "    duration: 1h\n")
    config = show_dir.settings("volume: 40%\n")
    status = tmp_path / "status.json"
    proc = start(show_dir, 14, status, "--config", str(config))
    try:
        wait_status(lambda: read_status(status)["state"] == "playing")
        empty_folder(show_dir)
        config.unlink()
        errors = wait_status(lambda: read_status(status)["show_errors"])
        assert errors[0].startswith(f"{show_dir.exhibits}:1:1: error: the exhibits folder "
                                    "holds no `.yaml` manifest now; the last good show keeps "
                                    "playing")
        now = read_status(status)
        assert now["state"] == "playing" and now["item"].endswith("p0.jpg")
        assert errors[0] in (show_dir.exhibits / ERRORS_FILE_NAME).read_text()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=60)
    assert "Traceback" not in err
    assert f"{config} was deleted; the kiosk keeps the settings it had" in err
