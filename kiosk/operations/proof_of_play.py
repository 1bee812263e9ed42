"""Proof of play: what was shown, for how long, and how often visitors touched it.

The loop hands rows to `PlayLog` through a bounded queue (never blocking: a full queue drops
and counts); one writer thread owns the SQLite connection and commits in batches. No
personal data is stored: exhibit, item, times, mode, and the kind of touch.

Durability: WAL journal with `synchronous=FULL`. In WAL mode FULL costs one fsync of the
WAL per commit, and commits come in batches (every 2 s or 100 rows), so it is cheap; with
NORMAL a power cut could roll back every commit since the last checkpoint (up to ~1000
pages), not just the last batch. Either way WAL never leaves a corrupt database.

Things an operator (or a disk) can do under the running kiosk, and what the writer does:
- the database deleted or replaced: before each batch the writer compares the path's
  inode with the one it opened (one stat); on a mismatch it logs, closes the orphan and
  writes the batch into a new file at the path, so no row goes to a file nobody can see;
- a damaged database (not a database, or corrupt pages): moved aside as
  `<name>.corrupt-<UTC time>`, logged, and a fresh one started;
- a failure (disk full, read-only, permissions): `failing` in the status, and tries again
  after 2 s, 4 s, 8 s ... up to 60 s (`retry_delay_s`); rows that come meanwhile are lost
  and counted.
"""

from __future__ import annotations

import contextlib
import logging
import os
import queue
import re
import sqlite3
import sys
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

log = logging.getLogger(__name__)

DB_NAME = "playlog.sqlite"
MODES = ("attract", "interactive")
_KIND = re.compile(r"[a-z][a-z0-9_-]{0,31}")
PRUNE_EVERY_S = 24 * 3600.0
RETRY_FIRST_S = 2.0
RETRY_MAX_S = 60.0

SCHEMA = """
CREATE TABLE IF NOT EXISTS plays (
    id INTEGER PRIMARY KEY,
    started REAL NOT NULL,      -- wall clock, seconds since the epoch (UTC)
    exhibit TEXT NOT NULL,
    item TEXT NOT NULL,
    duration_s REAL NOT NULL,
    mode TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS plays_started ON plays (started);
CREATE TABLE IF NOT EXISTS interactions (
    id INTEGER PRIMARY KEY,
    at REAL NOT NULL,
    exhibit TEXT NOT NULL,
    kind TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS interactions_at ON interactions (at);
"""


@dataclass(frozen=True)
class _Play:
    started: float
    exhibit: str
    item: str
    duration_s: float
    mode: str


@dataclass(frozen=True)
class _Touch:
    at: float
    exhibit: str
    kind: str


_STOP = object()


def retry_delay_s(failures: int) -> float:
    """Seconds to wait after `failures` failed tries in a row: 2, 4, 8, 16, 32, then 60.

    A disk freed by an operator is used again within seconds; a disk that stays full
    costs one try a minute."""
    if failures <= 0:
        return 0.0
    return min(RETRY_FIRST_S * 2.0 ** min(failures - 1, 16), RETRY_MAX_S)


def aside_name(name: str, wall: float) -> str:
    """`playlog.sqlite` -> `playlog.sqlite.corrupt-20240531T101500Z` (UTC)."""
    return f"{name}.corrupt-{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime(wall))}"


def _damaged(exc: BaseException) -> bool:
    """sqlite says the file is not a database or its pages are corrupt."""
    if not isinstance(exc, sqlite3.DatabaseError):
        return False
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
    text = str(exc).lower()
    return "not a database" in text or "malformed" in text


SYSTEMD_STATE = Path("/var/lib/kiosk")  # StateDirectory=kiosk in deploy/kiosk.service


def default_db_path(env: Mapping[str, str] | None = None) -> Path:
    """The database the kiosk writes and `report` reads, the one rule for both: in
    $STATE_DIRECTORY under systemd; without it (the kiosk run by hand, or a report from an
    operator's shell), the service's folder when it has a database, else `state/` beside
    run_kiosk.py (where the restart count is kept too), wherever the exhibits are."""
    from kiosk.operations.supervise import state_dir

    env = os.environ if env is None else env
    if env.get("STATE_DIRECTORY"):
        return state_dir(env=env) / DB_NAME
    if (SYSTEMD_STATE / DB_NAME).is_file():
        return SYSTEMD_STATE / DB_NAME
    return state_dir(env={}) / DB_NAME


class PlayLog:
    """Owns one writer thread; `item_shown` and `interaction` are cheap and never block."""

    def __init__(self, path: Path, retention_days: float = 90, *, batch_rows: int = 100,
                 batch_s: float = 2.0, max_queue: int = 10_000, busy_timeout_s: float = 5.0,
                 wall_clock: Callable[[], float] = time.time,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.path = Path(path)
        self.retention_days = retention_days
        self.batch_rows = batch_rows
        self.batch_s = batch_s
        self.busy_timeout_s = busy_timeout_s
        self.wall_clock = wall_clock
        self.clock = clock
        self._queue: queue.Queue[object] = queue.Queue(maxsize=max_queue)
        self._thread: threading.Thread | None = None
        self._db: sqlite3.Connection | None = None
        self._failing = False
        self._tries_failed = 0  # failures in a row: the next retry waits retry_delay_s(n)
        self._identity: tuple[int, int] | None = None  # (st_dev, st_ino) of the open file
        self._busy_logged = False
        self._retry_at = 0.0
        self._next_prune = 0.0
        self.dropped = 0  # rows refused because the queue was full
        self.lost = 0  # rows taken but not stored (the database could not be written)
        self.written = 0
        self.commits = 0
        self.failures = 0  # times writing stopped working (each logged once)
        self.busy = 0  # batches kept for later because another process held the lock

    # -- the loop's side: cheap, non-blocking ---------------------------------------------
    def item_shown(self, exhibit: str, item: str, started_wall: float, duration_s: float,
                   mode: str = "attract") -> None:
        """An item left the screen after `duration_s` seconds on it (monotonic difference)."""
        if mode not in MODES:
            mode = "attract"
        self._put(_Play(float(started_wall), str(exhibit), str(item),
                        max(float(duration_s), 0.0), mode))

    def interaction(self, exhibit: str, kind: str, at_wall: float | None = None) -> None:
        """A visitor did something (tap, swipe, zoom, language). Only the kind is kept."""
        kind = kind if _KIND.fullmatch(kind or "") else "other"
        self._put(_Touch(self.wall_clock() if at_wall is None else at_wall, str(exhibit), kind))

    def _put(self, row: object) -> None:
        try:
            self._queue.put_nowait(row)
        except queue.Full:
            self.dropped += 1  # only the loop thread writes this counter

    # -- lifecycle -----------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="playlog", daemon=True)
            self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        """Write what is queued, close the database, join the thread."""
        if self._thread is None:
            return
        while True:  # the stop mark must get in even when the queue is full
            try:
                self._queue.put(_STOP, timeout=0.1)
                break
            except queue.Full:
                if not self._thread.is_alive():
                    break
        self._thread.join(timeout_s)
        self._thread = None

    def __enter__(self) -> PlayLog:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def stats(self) -> dict[str, int | bool]:
        """For the status file."""
        return {"written": self.written, "dropped": self.dropped, "lost": self.lost,
                "failing": self._failing, "failures": self.failures}

    # -- the writer thread ---------------------------------------------------------------
    def _run(self) -> None:
        self._open()
        batch: list[object] = []
        deadline: float | None = None
        try:
            while True:
                timeout = None if deadline is None else max(deadline - self.clock(), 0.0)
                try:
                    row = self._queue.get(timeout=timeout)
                except queue.Empty:
                    row = None
                if row is _STOP:
                    break
                if row is not None:
                    if not batch:
                        deadline = self.clock() + self.batch_s
                    batch.append(row)
                if batch and (len(batch) >= self.batch_rows
                              or (deadline is not None and self.clock() >= deadline)):
                    if self._commit(batch):
                        batch, deadline = [], None
                        self._maybe_prune()
                    else:  # busy: keep the rows, try again after another batch_s
                        deadline = self.clock() + self.batch_s
                        batch = self._bounded(batch)
            # drain what came in before the stop mark
            while True:
                try:
                    row = self._queue.get_nowait()
                except queue.Empty:
                    break
                if row is not _STOP:
                    batch.append(row)
            if batch and not self._commit(batch):
                self._fail("write to", sqlite3.OperationalError("database is locked"))
                self.lost += len(batch)
        finally:
            self._close()

    def _fail(self, doing: str, exc: Exception) -> None:
        self._tries_failed += 1
        delay = retry_delay_s(self._tries_failed)
        if not self._failing:
            log.error("proof of play: cannot %s %s: %s; the show goes on without it "
                      "(trying again in %.0f s, then less often up to every %.0f s)",
                      doing, self.path, exc, delay, RETRY_MAX_S)
            self._failing = True
            self.failures += 1
        self._retry_at = self.clock() + delay
        self._close()

    def _close(self) -> None:
        if self._db is not None:
            with contextlib.suppress(sqlite3.Error):
                self._db.close()
            self._db = None
        self._identity = None

    def _path_identity(self) -> tuple[int, int] | None:
        try:
            st = os.stat(self.path)
        except OSError:
            return None
        return st.st_dev, st.st_ino

    def _connect(self) -> sqlite3.Connection:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        db = sqlite3.connect(self.path, timeout=self.busy_timeout_s, isolation_level=None)
        try:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")
            db.execute("PRAGMA journal_size_limit=4194304")  # keep the WAL file small
            db.executescript(SCHEMA)
        except BaseException:
            db.close()
            raise
        return db

    def _move_aside(self, exc: Exception) -> bool:
        """Set a damaged database (and its WAL) aside under a dated name; True when done."""
        self._close()
        aside = self.path.with_name(aside_name(self.path.name, self.wall_clock()))
        n = 1
        while aside.exists():
            aside = aside.with_name(f"{aside_name(self.path.name, self.wall_clock())}-{n}")
            n += 1
        try:
            os.replace(self.path, aside)
            for suffix in ("-wal", "-shm"):  # a stale WAL must not be replayed into the new one
                side = self.path.with_name(self.path.name + suffix)
                if side.exists():
                    os.replace(side, aside.with_name(aside.name + suffix))
        except OSError as move_exc:
            log.error("proof of play: %s is damaged (%s) and cannot be moved aside: %s",
                      self.path, exc, move_exc)
            return False
        log.error("proof of play: %s is damaged (%s); moved it aside as %s and started a "
                  "fresh one", self.path, exc, aside.name)
        return True

    def _still_ours(self) -> bool:
        """The path still names the file we opened (one stat, once per batch)."""
        if self._identity is not None and self._path_identity() == self._identity:
            return True
        log.error("proof of play: %s was deleted or replaced while the kiosk ran; "
                  "writing to a new database there", self.path)
        if not self._failing:
            self.failures += 1
        self._failing = True  # until a batch is stored again
        self._close()  # sqlite checkpoints into the orphan and removes its WAL
        if not self.path.exists():  # a WAL left without its database would be replayed
            for suffix in ("-wal", "-shm"):  # into the new one: it belongs to the orphan
                with contextlib.suppress(OSError):
                    self.path.with_name(self.path.name + suffix).unlink()
        return False

    def _open(self) -> bool:
        if self._db is not None:
            if self._still_ours():
                return True
        elif self.clock() < self._retry_at:
            return False
        try:
            try:
                db = self._connect()
            except sqlite3.DatabaseError as exc:
                if not _damaged(exc) or not self._move_aside(exc):
                    raise
                db = self._connect()
        except (sqlite3.Error, OSError) as exc:
            self._fail("open", exc)
            return False
        self._db = db
        self._identity = self._path_identity()
        self._maybe_prune(force=True)
        return self._db is not None

    def _reopen_fresh(self) -> None:
        """After a damaged database was moved aside: a new one, nothing in it to prune."""
        try:
            self._db = self._connect()
        except (sqlite3.Error, OSError) as exc:
            self._fail("open", exc)
            return
        self._identity = self._path_identity()

    def _stored(self) -> None:
        """A batch was written: whatever failed before works again."""
        self._tries_failed = 0
        if self._failing:
            log.info("proof of play: writing to %s again", self.path)
            self._failing = False

    def _bounded(self, batch: list[object]) -> list[object]:
        """While the database stays busy, rows wait here, but not without limit."""
        surplus = len(batch) - self._queue.maxsize
        if surplus > 0:
            self.lost += surplus
            return batch[surplus:]
        return batch

    def _commit(self, batch: list[object], fresh_try: bool = True) -> bool:
        """True when the batch is done with (stored or given up); False: busy, retry it."""
        if not self._open():
            self.lost += len(batch)
            return True
        assert self._db is not None
        plays = [(r.started, r.exhibit, r.item, r.duration_s, r.mode)
                 for r in batch if isinstance(r, _Play)]
        touches = [(r.at, r.exhibit, r.kind) for r in batch if isinstance(r, _Touch)]
        try:
            with self._transaction():
                self._db.executemany("INSERT INTO plays (started, exhibit, item, duration_s,"
                                     " mode) VALUES (?, ?, ?, ?, ?)", plays)
                self._db.executemany("INSERT INTO interactions (at, exhibit, kind)"
                                     " VALUES (?, ?, ?)", touches)
        except sqlite3.DatabaseError as exc:
            if _damaged(exc) and fresh_try:  # corrupt pages found while writing
                if self._move_aside(exc):
                    self._retry_at = 0.0
                    return self._commit(batch, fresh_try=False)  # into a fresh database
                self.lost += len(batch)
                self._fail("write to", exc)
                return True
            if isinstance(exc, sqlite3.OperationalError) and _busy(exc):
                # another process (a report, a backup) holds the lock
                self.busy += 1
                if not self._busy_logged:
                    log.warning("proof of play: %s is busy; keeping the rows for later",
                                self.path)
                    self._busy_logged = True
                return False
            self.lost += len(batch)
            self._fail("write to", exc)  # disk full, read-only, I/O error
            return True
        except (sqlite3.Error, OSError) as exc:
            self.lost += len(batch)
            self._fail("write to", exc)
            return True
        self._busy_logged = False
        self.written += len(batch)
        self.commits += 1
        self._stored()
        return True

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        assert self._db is not None
        self._db.execute("BEGIN IMMEDIATE")
        try:
            yield
        except BaseException:
            with contextlib.suppress(sqlite3.Error):
                self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    def _maybe_prune(self, force: bool = False) -> None:
        if self._db is None or (not force and self.clock() < self._next_prune):
            return
        self._next_prune = self.clock() + PRUNE_EVERY_S
        cutoff = self.wall_clock() - self.retention_days * 86400.0
        try:
            with self._transaction():
                plays = self._db.execute("DELETE FROM plays WHERE started < ?", (cutoff,))
                touches = self._db.execute("DELETE FROM interactions WHERE at < ?", (cutoff,))
        except (sqlite3.Error, OSError) as exc:
            if _damaged(exc) and self._move_aside(exc):
                self._reopen_fresh()
            else:
                self._fail("prune", exc)
            return
        if plays.rowcount > 0 or touches.rowcount > 0:
            log.info("proof of play: removed %d plays and %d touches older than %g days",
                     plays.rowcount, touches.rowcount, self.retention_days)


def _busy(exc: sqlite3.OperationalError) -> bool:
    code = getattr(exc, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    text = str(exc).lower()
    return "locked" in text or "busy" in text


# -- the report ------------------------------------------------------------------------


def hms(seconds: float) -> str:
    """12:34:56; hours grow past 24 rather than wrapping."""
    total = round(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def _local(ts: float) -> str:
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M")


def _since_ts(since: date | None) -> float:
    if since is None:
        return float("-inf")
    return datetime(since.year, since.month, since.day).timestamp()  # local midnight


def _connect_read_only(path: Path) -> sqlite3.Connection:
    db = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=5.0)
    try:
        db.execute("SELECT 1 FROM plays LIMIT 1")  # fails clearly on a file that is not ours
    except BaseException:
        db.close()
        raise
    return db


def report(path: Path, since: date | None = None) -> str:
    """Plain-text table per exhibit: times shown, screen time, touches, top 3 items."""
    start = _since_ts(since)
    db = _connect_read_only(Path(path))
    try:
        first, last = db.execute(
            "SELECT MIN(started), MAX(started + duration_s) FROM plays"
            " WHERE started >= ?", (start,)).fetchone()
        shown = {e: (n, t) for e, n, t in db.execute(
            "SELECT exhibit, COUNT(*), SUM(duration_s) FROM plays WHERE started >= ?"
            " GROUP BY exhibit", (start,))}
        t_first, t_last = db.execute(
            "SELECT MIN(at), MAX(at) FROM interactions WHERE at >= ?", (start,)).fetchone()
        if t_first is not None:
            first = t_first if first is None else min(first, t_first)
            last = t_last if last is None else max(last, t_last)
        touches = dict(db.execute(
            "SELECT exhibit, COUNT(*) FROM interactions WHERE at >= ? GROUP BY exhibit",
            (start,)).fetchall())
        items: dict[str, list[tuple[str, float]]] = {}
        for exhibit, item, total in db.execute(
                "SELECT exhibit, item, SUM(duration_s) AS total FROM plays WHERE started >= ?"
                " GROUP BY exhibit, item ORDER BY exhibit, total DESC, item", (start,)):
            items.setdefault(exhibit, []).append((item, total))
    finally:
        db.close()

    lines = [f"Proof of play: {path}"]
    period = f"{_local(first)} to {_local(last)}" if first is not None else "nothing recorded"
    lines.append(f"Period: {period}"
                 + (f" (asked: since {since.isoformat()})" if since else " (everything kept)"))
    lines.append("")
    exhibits = sorted(set(shown) | set(touches),
                      key=lambda e: (-shown.get(e, (0, 0.0))[1], e))
    if not exhibits:
        lines.append("Nothing was shown in this period.")
        return "\n".join(lines) + "\n"
    name_w = max(12, *(len(e) for e in exhibits))
    name_w = min(name_w, 40)
    header = f"{'Exhibit':<{name_w}}  {'Shown':>7}  {'Screen time':>11}  {'Touches':>7}"
    lines += [header, "-" * len(header)]
    total_n = total_t = total_touch = 0.0
    for exhibit in exhibits:
        n, t = shown.get(exhibit, (0, 0.0))
        touched = touches.get(exhibit, 0)
        total_n, total_t, total_touch = total_n + n, total_t + t, total_touch + touched
        name = exhibit if len(exhibit) <= name_w else exhibit[: name_w - 1] + "…"
        lines.append(f"{name:<{name_w}}  {n:>7}  {hms(t):>11}  {touched:>7}")
        for rank, (item, item_t) in enumerate(items.get(exhibit, [])[:3], 1):
            lines.append(f"    {rank}. {hms(item_t):>9}  {item}")
    lines.append("-" * len(header))
    lines.append(f"{'Total':<{name_w}}  {int(total_n):>7}  {hms(total_t):>11}"
                 f"  {int(total_touch):>7}")
    lines.append("")
    lines.append("Under each exhibit: its 3 most looked-at items, by total screen time.")
    return "\n".join(lines) + "\n"


def parse_since(text: str | None) -> date | None:
    """`2024-05-31` -> date; empty -> None; anything else raises ValueError with a message."""
    if text is None or not text.strip():
        return None
    text = text.strip()
    try:
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            raise ValueError
        since = date.fromisoformat(text)
    except ValueError:
        raise ValueError(f"`{text}` is not a date like 2024-05-31") from None
    try:
        _since_ts(since)
    except (ValueError, OverflowError, OSError):  # before year 1 in local time, say
        raise ValueError(f"`{text}` is out of range (leave --since out to see everything "
                         "kept)") from None
    return since


def report_command(db_path: Path, since_text: str | None) -> int:
    """`run_kiosk.py report [--since YYYY-MM-DD]`: 0 printed, 1 unreadable, 2 bad date or
    a folder given as the database."""
    try:
        since = parse_since(since_text)
    except ValueError as exc:
        print(f"run_kiosk.py: error: --since: {exc}", file=sys.stderr)
        return 2
    db_path = Path(db_path)
    if db_path.is_dir():
        print(f"run_kiosk.py: error: --db: {db_path} is a folder, not a database (give the "
              f"file, e.g. {db_path / DB_NAME})", file=sys.stderr)
        return 2
    if not db_path.is_file():
        print(f"no plays recorded yet ({db_path} does not exist)")
        return 0
    try:
        text = report(db_path, since)
    except sqlite3.Error as exc:
        print(f"run_kiosk.py: error: cannot read {db_path}: {exc} (run the report as the "
              "kiosk's user, e.g. `sudo -u kiosk ...`)", file=sys.stderr)
        return 1
    print(text, end="")
    return 0
