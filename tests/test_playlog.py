"""Proof of play: rows land off the loop's thread, batches, retention, the report."""

from __future__ import annotations

import logging
import sqlite3
import time
from datetime import date, datetime
from pathlib import Path

import pytest

from kiosk.operations.proof_of_play import (
    PlayLog,
    hms,
    parse_since,
    report,
    report_command,
    retry_delay_s,
)
from tests.conftest import ROOT, wait_for

DAY = 86400.0


def rows(path: Path, table: str = "plays") -> list[tuple]:
    with sqlite3.connect(path) as db:
        return db.execute(f"SELECT * FROM {table} ORDER BY id").fetchall()


def wall(y: int, m: int, d: int, h: int = 12) -> float:
    return datetime(y, m, d, h).timestamp()


def test_rows_land_in_wal_mode(tmp_path: Path) -> None:
    db = tmp_path / "state" / "playlog.sqlite"
    with PlayLog(db) as plays:
        plays.item_shown("Harbour", "photos/a.jpg", 1000.0, 8.0, "attract")
        plays.item_shown("Harbour", "photos/b.jpg", 1008.0, 30.5, "interactive")
        plays.interaction("Harbour", "tap", at_wall=1010.0)
        plays.interaction("Harbour", "Jane Doe <jane@example.org>", at_wall=1011.0)
    got = rows(db)
    assert [(r[1], r[2], r[3], r[4], r[5]) for r in got] == [
        (1000.0, "Harbour", "photos/a.jpg", 8.0, "attract"),
        (1008.0, "Harbour", "photos/b.jpg", 30.5, "interactive")]
    touches = rows(db, "interactions")
    # free text never lands in the log: an unexpected kind is stored as "other"
    assert [(r[2], r[3]) for r in touches] == [("Harbour", "tap"), ("Harbour", "other")]
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_rows_are_committed_in_batches_not_one_by_one(tmp_path: Path) -> None:
    """Guards against a commit (and an fsync) per row on an SD card."""
    db = tmp_path / "playlog.sqlite"
    plays = PlayLog(db, batch_rows=100, batch_s=60.0)
    plays.start()
    for i in range(250):
        plays.item_shown("E", f"i{i}", 1000.0 + i, 1.0)
    wait_for(lambda: plays.commits >= 2)
    assert plays.commits == 2 and plays.written == 200  # the last 50 wait for their batch
    plays.stop()
    assert plays.commits == 3 and len(rows(db)) == 250


def test_a_partial_batch_is_committed_after_batch_s(tmp_path: Path) -> None:
    db = tmp_path / "playlog.sqlite"
    plays = PlayLog(db, batch_rows=100, batch_s=0.2)
    plays.start()
    try:
        plays.item_shown("E", "only", 1000.0, 1.0)
        wait_for(lambda: plays.written >= 1)
        assert len(rows(db)) == 1  # visible to another reader while the kiosk runs
    finally:
        plays.stop()


def test_pruning_removes_rows_older_than_retention_on_start(tmp_path: Path) -> None:
    db = tmp_path / "playlog.sqlite"
    now = wall(2024, 6, 1)
    with PlayLog(db, wall_clock=lambda: now - 200 * DAY) as plays:
        plays.item_shown("E", "ancient", now - 100 * DAY, 5.0)
        plays.item_shown("E", "recent", now - 89 * DAY, 5.0)
        plays.interaction("E", "tap", at_wall=now - 91 * DAY)
        plays.interaction("E", "swipe", at_wall=now - 1 * DAY)
    assert len(rows(db)) == 2
    with PlayLog(db, retention_days=90, wall_clock=lambda: now):
        pass  # start prunes
    assert [r[3] for r in rows(db)] == ["recent"]
    assert [r[3] for r in rows(db, "interactions")] == ["swipe"]


def test_queue_full_drops_and_counts_instead_of_blocking(tmp_path: Path) -> None:
    """The loop must never wait for the disk: a stalled writer means dropped rows."""
    plays = PlayLog(tmp_path / "playlog.sqlite", max_queue=10)  # writer not started
    started = time.perf_counter()
    for i in range(1000):
        plays.item_shown("E", f"i{i}", 1000.0, 1.0)
        plays.interaction("E", "tap")
    assert time.perf_counter() - started < 0.5
    assert plays.dropped == 2000 - 10
    plays.start()
    plays.stop()
    db = tmp_path / "playlog.sqlite"
    assert len(rows(db)) + len(rows(db, "interactions")) == 10


@pytest.mark.parametrize("make_path", [
    lambda tmp: tmp / "a-file" / "playlog.sqlite",  # parent is a file: cannot be created
    lambda tmp: tmp / "a-folder",  # a folder where the database should be
])
def test_an_unwritable_database_logs_once_and_the_show_goes_on(
        tmp_path: Path, make_path, caplog: pytest.LogCaptureFixture) -> None:
    (tmp_path / "a-file").write_text("not a folder")
    (tmp_path / "a-folder").mkdir()
    plays = PlayLog(make_path(tmp_path), batch_rows=1)
    plays.start()
    for i in range(5):
        plays.item_shown("E", f"i{i}", 1000.0, 1.0)
        plays.interaction("E", "tap")
    plays.stop()
    assert plays.written == 0 and plays.lost == 10
    assert plays.stats()["failing"] is True
    errors = [r for r in caplog.records
              if r.name == "kiosk.operations.proof_of_play" and r.levelname == "ERROR"]
    assert len(errors) == 1 and "show goes on" in errors[0].getMessage()


def test_a_read_only_database_file_does_not_raise(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Read-only the way root also feels it: the database opened with mode=ro fails writes."""
    db = tmp_path / "playlog.sqlite"
    with PlayLog(db) as plays:
        plays.item_shown("E", "first", 1000.0, 1.0)
    # Simulate a file system remounted read-only: writes fail inside sqlite.
    plays = PlayLog(db, batch_rows=1)
    original_connect = sqlite3.connect

    def read_only_connect(path, *args, **kwargs):  # type: ignore[no-untyped-def]
        kwargs["uri"] = True
        return original_connect(f"{Path(path).as_uri()}?mode=ro", *args, **kwargs)

    monkeypatch.setattr(sqlite3, "connect", read_only_connect)
    plays.start()
    plays.item_shown("E", "second", 1001.0, 1.0)
    plays.stop()
    monkeypatch.undo()
    assert plays.lost >= 1
    assert [r[3] for r in rows(db)] == ["first"]


def test_a_busy_database_stalls_the_writer_not_the_loop(tmp_path: Path) -> None:
    """Another process holding the write lock (longer than sqlite's busy timeout) must
    cost neither the caller's time nor the rows."""
    db = tmp_path / "playlog.sqlite"
    plays = PlayLog(db, batch_rows=10, batch_s=0.05, busy_timeout_s=0.3)
    plays.start()
    plays.item_shown("E", "before", 999.0, 1.0)
    wait_for(lambda: plays.written >= 1)
    hold = sqlite3.connect(db, timeout=10)
    hold.execute("BEGIN IMMEDIATE")
    try:
        t = time.perf_counter()
        for i in range(300):
            plays.item_shown("E", f"i{i}", 1000.0 + i, 1.0)
        # Had a call waited on the lock (0.3 s busy timeout each), this would take 90 s;
        # the bound is loose so that a busy machine cannot fail it.
        assert time.perf_counter() - t < 3.0
        wait_for(lambda: plays.busy >= 3, timeout_s=10)  # the writer found it locked
    finally:
        hold.rollback()
        hold.close()
    plays.stop(timeout_s=15)
    assert plays.lost == 0
    assert len(rows(db)) == 301


# -- what an operator or a disk does under the running kiosk ------------------------------


def error_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records
            if r.name == "kiosk.operations.proof_of_play" and r.levelname == "ERROR"]


@pytest.mark.parametrize("how", ["rm the file", "rm the file and its WAL", "mv a copy over"])
def test_a_database_deleted_or_replaced_under_the_writer_gets_the_later_rows(
        tmp_path: Path, how: str, caplog: pytest.LogCaptureFixture) -> None:
    """Guards issue 14: after `rm playlog.sqlite` every later row went into the deleted
    file: `written` kept counting, `failing` stayed false, nothing was logged, and no
    database existed at exit."""
    caplog.set_level(logging.INFO, logger="kiosk.operations.proof_of_play")
    db = tmp_path / "state" / "playlog.sqlite"
    plays = PlayLog(db, batch_rows=1, wall_clock=lambda: 2000.0)  # nothing old to prune
    plays.start()
    try:
        plays.item_shown("E", "before", 1000.0, 1.0)
        wait_for(lambda: plays.written == 1)
        if how == "mv a copy over":
            copy = tmp_path / "copy.sqlite"
            with sqlite3.connect(db) as src, sqlite3.connect(copy) as dst:
                src.backup(dst)
            copy.replace(db)
        else:
            db.unlink()
            if how == "rm the file and its WAL":
                for side in ("-wal", "-shm"):
                    db.with_name(db.name + side).unlink(missing_ok=True)
        plays.item_shown("E", "after", 1001.0, 1.0)
        wait_for(lambda: plays.written == 2)
    finally:
        plays.stop()
    kept = ["before", "after"] if how == "mv a copy over" else ["after"]
    assert [r[3] for r in rows(db)] == kept
    stats = plays.stats()
    assert stats["failures"] == 1 and stats["failing"] is False and stats["lost"] == 0
    assert any("deleted or replaced" in line for line in error_lines(caplog))
    assert any("writing to" in r.getMessage() and "again" in r.getMessage()
               for r in caplog.records if r.levelname == "INFO")


def test_status_is_failing_while_rows_cannot_be_written_and_recovers_after_2_s(
        tmp_path: Path) -> None:
    """Guards issue 14: rows lost to a missing folder were counted as written with
    `failing: false`, and a fixed disk was tried again only after 60 s."""
    now = [0.0]
    state = tmp_path / "state"
    db = state / "playlog.sqlite"
    plays = PlayLog(db, batch_rows=1, clock=lambda: now[0])
    plays.start()
    try:
        plays.item_shown("E", "before", 1000.0, 1.0)
        wait_for(lambda: plays.written == 1)
        for file in state.iterdir():
            file.unlink()
        state.rmdir()
        state.write_text("a file where the state folder was: nothing can be written")
        plays.item_shown("E", "lost", 1001.0, 1.0)
        wait_for(lambda: plays.lost == 1)
        assert plays.stats()["failing"] is True and plays.written == 1
        state.unlink()  # the operator fixes it
        plays.item_shown("E", "too soon", 1002.0, 1.0)
        wait_for(lambda: plays.lost == 2)  # 1.9 s after the failure: still waiting
        assert plays.stats()["failing"] is True
        now[0] += retry_delay_s(1)
        plays.item_shown("E", "after", 1003.0, 1.0)
        wait_for(lambda: plays.written == 2)
        assert plays.stats()["failing"] is False and plays.stats()["failures"] == 1
    finally:
        plays.stop()
    assert [r[3] for r in rows(db)] == ["after"]


def test_retry_delays_double_from_2_s_up_to_a_minute() -> None:
    """Guards issue 14: proof of play stayed off up to 60 s after a disk freed up."""
    assert [retry_delay_s(n) for n in range(9)] == [0, 2, 4, 8, 16, 32, 60, 60, 60]
    assert retry_delay_s(10_000) == 60


def corrupt_pages(db: Path) -> None:
    with PlayLog(db, wall_clock=lambda: 1717150500.0) as plays:
        for i in range(400):
            plays.item_shown("E", f"old {i} " + "x" * 200, 1717150000.0 + i, 1.0)
    data = bytearray(db.read_bytes())
    data[4096:3 * 4096] = b"\xde\xad" * 4096  # the header and schema page stay readable
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("damage", ["not a database", "corrupt pages"])
def test_a_damaged_database_is_moved_aside_and_a_fresh_one_started(
        tmp_path: Path, damage: str, caplog: pytest.LogCaptureFixture) -> None:
    """Guards issue 14: a corrupt database was never moved aside, so proof of play
    stayed off for good."""
    db = tmp_path / "playlog.sqlite"
    if damage == "not a database":
        db.write_bytes(b"this is not a database " * 200)
    else:
        corrupt_pages(db)
    damaged = db.read_bytes()
    with PlayLog(db, batch_rows=1, wall_clock=lambda: 1717150500.0) as plays:
        plays.item_shown("E", "new", 1717150400.0, 1.0)
        wait_for(lambda: plays.written == 1)
    assert [r[3] for r in rows(db)] == ["new"]
    aside = tmp_path / "playlog.sqlite.corrupt-20240531T101500Z"  # the UTC time of the move
    assert aside.read_bytes()[:4096] == damaged[:4096]
    assert plays.lost == 0 and plays.stats()["failing"] is False
    assert any("damaged" in line and aside.name in line for line in error_lines(caplog))


# -- report ------------------------------------------------------------------------------


def fill(db: Path) -> None:
    with PlayLog(db, wall_clock=lambda: wall(2024, 5, 1)) as plays:
        for day in (3, 4):
            plays.item_shown("Harbour", "photos/a.jpg", wall(2024, 5, day, 10), 10.0)
            plays.item_shown("Harbour", "photos/b.jpg", wall(2024, 5, day, 10) + 10, 100.0)
            plays.item_shown("Harbour", "photos/c.jpg", wall(2024, 5, day, 10) + 110, 50.0)
            plays.item_shown("Harbour", "clips/d.mp4", wall(2024, 5, day, 10) + 160, 5.0)
            plays.item_shown("Workers", "photos/w.jpg", wall(2024, 5, day, 11), 3600.0,
                             "interactive")
        for _ in range(7):
            plays.interaction("Harbour", "tap", at_wall=wall(2024, 5, 3, 10))
        plays.interaction("Workers", "language", at_wall=wall(2024, 5, 4, 11))
        plays.interaction("Workers", "swipe", at_wall=wall(2024, 5, 2, 11))  # before --since


def test_report_totals_and_top_items(tmp_path: Path) -> None:
    db = tmp_path / "playlog.sqlite"
    fill(db)
    text = report(db, None)
    lines = text.splitlines()
    assert lines[1] == "Period: 2024-05-02 11:00 to 2024-05-04 12:00 (everything kept)"
    workers = next(line for line in lines if line.startswith("Workers"))
    assert workers.split() == ["Workers", "2", "2:00:00", "2"]
    harbour_at = next(i for i, line in enumerate(lines) if line.startswith("Harbour"))
    assert lines[harbour_at].split() == ["Harbour", "8", "0:05:30", "7"]
    top = [line.split()[-1] for line in lines[harbour_at + 1:harbour_at + 4]]
    assert top == ["photos/b.jpg", "photos/c.jpg", "photos/a.jpg"]  # d.mp4 is 4th
    assert "clips/d.mp4" not in text
    assert lines[harbour_at + 1].split()[:2] == ["1.", "0:03:20"]
    assert next(line for line in lines if line.startswith("Total")).split() == [
        "Total", "10", "2:05:30", "9"]
    # Workers had more screen time, so it comes first
    assert lines.index(workers) < harbour_at


def test_report_since_a_date(tmp_path: Path) -> None:
    db = tmp_path / "playlog.sqlite"
    fill(db)
    text = report(db, date(2024, 5, 4))
    assert "Period: 2024-05-04 10:00 to 2024-05-04 12:00 (asked: since 2024-05-04)" in text
    assert next(line for line in text.splitlines() if line.startswith("Workers")).split() == [
        "Workers", "1", "1:00:00", "1"]
    assert "Nothing was shown" in report(db, date(2030, 1, 1))


def test_report_command_exit_codes(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "playlog.sqlite"
    assert report_command(db, None) == 0
    assert "no plays recorded yet" in capsys.readouterr().out
    fill(db)
    assert report_command(db, "2024-05-04") == 0
    assert "Harbour" in capsys.readouterr().out
    assert report_command(db, "last tuesday") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "2024-05-31" in err and "last tuesday" in err
    assert report_command(db, "2024-02-30") == 2
    not_a_db = tmp_path / "other.sqlite"
    not_a_db.write_text("hello")
    assert report_command(not_a_db, None) == 1


def test_small_helpers() -> None:
    assert hms(0) == "0:00:00" and hms(3725.4) == "1:02:05" and hms(90000) == "25:00:00"
    assert parse_since("") is None and parse_since(" 2024-01-02 ") == date(2024, 1, 2)
    with pytest.raises(ValueError, match="not a date"):
        parse_since("20240102")


def test_default_db_path() -> None:
    from kiosk.operations.proof_of_play import default_db_path

    assert default_db_path({"STATE_DIRECTORY": "/var/lib/kiosk"}) == Path(
        "/var/lib/kiosk/playlog.sqlite")
    if not Path("/var/lib/kiosk/playlog.sqlite").exists():
        assert default_db_path({}) == ROOT / "state" / "playlog.sqlite"


def test_report_reads_the_database_the_kiosk_writes_without_state_directory(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Guards issue 14: without STATE_DIRECTORY the kiosk wrote beside its exhibits folder
    and `report` read `state/` beside run_kiosk.py, so a show kept elsewhere reported
    nothing."""
    import kiosk.operations.proof_of_play as pop
    import kiosk.operations.service as service
    from kiosk.cli import main
    from kiosk.show.settings import Settings

    monkeypatch.delenv("STATE_DIRECTORY", raising=False)

    class NoRestartLog:  # the restart count is not the subject; keep it out of the repo
        def record_start(self, now: float) -> None: ...
        def should_enter_safe_mode(self, now: float) -> bool: return False
        def restarts(self, now: float) -> int: return 0

    monkeypatch.setattr(service, "RestartLog", NoRestartLog)
    written = service.Operations(Settings()).playlog.path  # not started
    read: list[Path] = []
    monkeypatch.setattr(pop, "report_command", lambda db, since: read.append(db) or 0)
    assert main(["report"]) == 0
    assert read == [written]


def test_report_since_the_year_1_is_a_clear_error_not_a_traceback(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Guards issue 14: `report --since 0001-01-01` printed a traceback."""
    db = tmp_path / "playlog.sqlite"
    fill(db)
    assert report_command(db, "0001-01-01") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "0001-01-01" in err and "out of range" in err


def test_report_of_a_folder_says_it_is_a_folder(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Guards issue 14: `report --db FOLDER` said the database does not exist."""
    assert report_command(tmp_path, None) == 2
    err = capsys.readouterr().err
    assert "is a folder" in err and str(tmp_path / "playlog.sqlite") in err
    assert "does not exist" not in err
