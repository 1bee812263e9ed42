"""The staff lock holds (issue 14): through the real controller and gesture path, across
a new pad, a rebuilt controller and a restart; lockouts grow; every wrong PIN is logged."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.operations.logs import RepeatFilter
from kiosk.visitor.staff_lock import ATTEMPTS_PER_ROUND, LOCK_STEPS_S, StaffLock
from kiosk.visitor.staff_pin import hash_pin
from kiosk.visitor.staff_store import LOCK_FILE, LockStore, StaffWorker
from tests.conftest import ShowDir, wait_for

WALL = 1_800_000_000.0
RIGHT, WRONG = "2468", "1111"


# -- the pure lock -------------------------------------------------------------------------


def fail(lock: StaffLock, times: int, wall: float) -> None:
    for _ in range(times):
        lock.failed(wall)


def test_lockouts_grow_with_each_round_and_the_right_pin_starts_over():
    """One minute, then five, then fifteen, then fifteen again: guessing gets slow."""
    lock = StaffLock()
    wall = WALL
    seen = []
    for _ in range(4):
        fail(lock, ATTEMPTS_PER_ROUND - 1, wall)
        assert not lock.locked(wall)
        lock.failed(wall)
        seen.append(lock.locked_until - wall)
        wall = lock.locked_until  # the lock has run out
    assert seen == [60.0, 300.0, 900.0, 900.0] == [*LOCK_STEPS_S, LOCK_STEPS_S[-1]]
    lock.succeeded()
    fail(lock, ATTEMPTS_PER_ROUND, wall)
    assert lock.locked_until - wall == 60.0


def test_the_lock_message_counts_down_in_one_wording():
    lock = StaffLock()
    fail(lock, ATTEMPTS_PER_ROUND, WALL)
    assert lock.message(WALL) == "Locked: try again in 60 s"
    assert lock.message(WALL + 4.5) == "Locked: try again in 56 s"
    assert lock.message(WALL + 60.0) == ""


def test_a_clock_set_back_cannot_lock_for_longer_than_the_longest_lockout():
    lock = StaffLock(failures=5, total=5, locked_until=WALL + 30 * 86400)
    assert lock.remaining_s(WALL) == LOCK_STEPS_S[-1]


def test_the_status_counts_wrong_pins_and_says_until_when_it_is_locked():
    lock = StaffLock()
    assert lock.status(WALL) == {"pin_failures": 0, "pin_locked_until": None}
    fail(lock, ATTEMPTS_PER_ROUND, WALL)
    status = lock.status(WALL)
    assert status["pin_failures"] == 5
    assert status["pin_locked_until"] == "2027-01-15T08:01:00+00:00"


def test_every_wrong_pin_reaches_the_log_even_through_the_repeat_filter(caplog):
    """Guards issue 14: the second round of wrong-PIN lines was folded away as repeats."""
    passed: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            passed.append(record)

    handler = Keep()
    handler.addFilter(RepeatFilter(window_s=3600))  # the filter the kiosk's log uses
    logger = logging.getLogger("kiosk.visitor.staff")
    logger.addHandler(handler)
    try:
        lock = StaffLock()
        wall = WALL
        for _ in range(3 * ATTEMPTS_PER_ROUND):
            lock.failed(wall)
            wall = max(wall, lock.locked_until)
    finally:
        logger.removeHandler(handler)
    wrong = [r for r in passed if "wrong PIN, attempt" in r.getMessage()]
    assert len(wrong) == 3 * ATTEMPTS_PER_ROUND
    assert sum("locked for" in r.getMessage() for r in passed) == 3


# -- the store ---------------------------------------------------------------------------


def test_the_store_keeps_the_lock_and_survives_damage(tmp_path: Path, caplog):
    caplog.set_level(logging.INFO)
    store = LockStore(tmp_path)
    assert store.load() == StaffLock()
    assert "no wrong PINs on record" in caplog.text
    store.save(StaffLock(7, 12, WALL + 100).to_dict())
    assert store.load() == StaffLock(7, 12, WALL + 100)
    assert [p.name for p in tmp_path.iterdir()] == [LOCK_FILE]  # no temporary files left
    for damage in ("{", "[]", '{"failures": -1, "locked_until": 0}', '{"failures": 1}'):
        (tmp_path / LOCK_FILE).write_text(damage)
        caplog.clear()
        assert store.load() == StaffLock()
        assert "is damaged" in caplog.text and "starting unlocked" in caplog.text


def test_the_worker_checks_off_the_calling_thread_and_saves_before_it_stops(
        tmp_path: Path, monkeypatch):
    threads = []

    def check(pin: str, stored: str) -> bool:
        threads.append(threading.current_thread())
        return pin == RIGHT

    monkeypatch.setattr("kiosk.visitor.staff_store.check_pin", check)
    worker = StaffWorker(LockStore(tmp_path))
    worker.start()
    try:
        worker.check(WRONG, "hash")
        worker.check(RIGHT, "hash")
        verdicts = [wait_for(worker.poll, 20.0, done=lambda x: x is not None)
                    for _ in range(2)]
        worker.save(StaffLock(3, 3, 0.0))
    finally:
        worker.stop()
    assert verdicts == [False, True]
    assert threads and threading.main_thread() not in threads
    assert json.loads((tmp_path / LOCK_FILE).read_text())["failures"] == 3


# -- through the real controller: pygame events, gestures, the worker ----------------------


@pytest.fixture
def app(show_dir: ShowDir, tmp_path: Path, monkeypatch) -> Iterator[object]:
    """A real kiosk (SDL dummy driver) with a staff PIN, its state in a folder of its own."""
    from kiosk.app import App, RunOptions
    from kiosk.show.paths import ShowPaths

    monkeypatch.setenv("STATE_DIRECTORY", str(tmp_path / "state"))
    show_dir.manifest("a.yaml", "items:\n  - photo: photos/p0.jpg\n    duration: 1h\n"
                                "  - photo: photos/p1.jpg\n")
    config = show_dir.settings(f'staff:\n  pin_hash: "{hash_pin(RIGHT, iterations=1000)}"\n'
                               "idle_timeout: 10m\n")
    app = App(ShowPaths(show_dir.exhibits, show_dir.assets, config),
              RunOptions(windowed=True, size=(640, 360), run_for_s=60))
    app.setup()
    try:
        yield app
    finally:
        app.teardown()


class Staff:
    """A member of staff (or a guesser) at the screen, on a fake clock."""

    def __init__(self, app, t: float = 1.0) -> None:
        from kiosk.visitor.controller import VisitorController

        self.app, self.t = app, t
        self.exits: list[bool] = []
        self.view = VisitorController(app.settings, app.parts.display.size, app.parts.player,
                                      lambda how: self.exits.append(True))
        self.view.start()

    def stop(self) -> None:
        self.view.stop()

    def _finger(self, kind: str, x: float, y: float) -> None:
        import pygame

        t = {"down": pygame.FINGERDOWN, "up": pygame.FINGERUP}[kind]
        event = pygame.event.Event(t, touch_id=1, finger_id=0, x=x, y=y, dx=0.0, dy=0.0,
                                   pressure=1.0)
        assert self.view.process_event(event, self.t, None)

    def wait(self, seconds: float) -> None:
        self.t += seconds
        self.view.update(self.t, None)

    def long_press(self, x: float, y: float) -> None:
        self._finger("down", x, y)
        self.wait(self.app.settings.touch.long_press_s + 0.1)
        self._finger("up", x, y)
        self.wait(0.3)

    def corner_gesture(self) -> None:
        self.long_press(0.03, 0.04)
        self.long_press(0.97, 0.96)

    def key(self, name: str) -> None:
        w, h = self.view.size
        rect = next(e.rect for e in self.view.pin_elements if e.id == f"pin:{name}")
        self._finger("down", rect.center[0] / w, rect.center[1] / h)
        self.wait(0.05)
        self._finger("up", rect.center[0] / w, rect.center[1] / h)
        self.wait(0.5)

    def enter(self, pin: str) -> None:
        for digit in pin:
            self.key(digit)
        self.key("ok")
        # The check runs on the staff worker's thread: frames go on until its verdict.
        wait_for(lambda: self.wait(0.0) or self.view.visitor.checking, 20.0,
                 done=lambda c: not c)

    @property
    def message(self) -> str:
        return self.view.visitor.pin_message(self.view._wall(self.t))


def test_the_lock_holds_through_cancel_and_a_new_pad(app, caplog):
    """Guards the bypass of issue 14: five wrong PINs, Cancel, the corner gesture, and the
    right PIN used to end the show at once."""
    caplog.set_level(logging.INFO)
    staff = Staff(app)
    try:
        staff.corner_gesture()
        assert staff.view.visitor.pin is not None
        for _ in range(ATTEMPTS_PER_ROUND):
            staff.enter(WRONG)
        assert staff.message.startswith("Locked: try again in")
        staff.key("cancel")
        assert staff.view.visitor.pin is None
        staff.corner_gesture()
        assert staff.view.visitor.pin is not None
        assert staff.message.startswith("Locked: try again in")
        locked_at = staff.t
        staff.enter(RIGHT)
        assert staff.exits == []
        assert staff.message.startswith("Locked: try again in")
        status = staff.view.staff_status(staff.t)
        assert status["pin_failures"] == 5 and status["pin_locked_until"] is not None
        assert len([r for r in caplog.records if "wrong PIN, attempt" in r.getMessage()]) == 5
        staff.wait(LOCK_STEPS_S[0] - (staff.t - locked_at) + 1)  # the minute is over
        staff.corner_gesture()
        staff.enter(RIGHT)
        assert staff.exits == [True]
        assert staff.view.staff_status(staff.t) == {"pin_failures": 0,
                                                    "pin_locked_until": None}
    finally:
        staff.stop()


def test_the_lock_survives_a_restart(app):
    """A new controller over the same state folder (a restart, a new screen size, a
    reload) still refuses the right PIN until the lockout is over."""
    first = Staff(app)
    try:
        first.corner_gesture()
        for _ in range(ATTEMPTS_PER_ROUND):
            first.enter(WRONG)
        spent = first.t  # fake seconds the first run moved its wall clock on
    finally:
        first.stop()  # saves still queued are written
    second = Staff(app)
    try:
        second.corner_gesture()
        assert second.message.startswith("Locked: try again in")
        second.enter(RIGHT)
        assert second.exits == []
        assert second.view.staff_status(second.t)["pin_failures"] == ATTEMPTS_PER_ROUND
        second.wait(LOCK_STEPS_S[0] + spent + 1)
        second.corner_gesture()
        second.enter(RIGHT)
        assert second.exits == [True]
    finally:
        second.stop()


def test_a_paused_loop_resumes_when_the_visitor_goes_idle(app):
    """Guards "Space pauses the loop forever": the key paused the timeline directly, and
    nothing used to resume it. The key goes through the controller as the loop sends it."""
    import pygame

    staff = Staff(app, t=app.clock.now())
    try:
        timeline = app.parts.player.timeline
        space = pygame.event.Event(pygame.KEYDOWN, key=pygame.K_SPACE, mod=0, unicode=" ",
                                   scancode=44)
        assert staff.view.process_event(space, staff.t, None)
        assert timeline.paused
        staff.wait(0.0)
        staff.wait(app.settings.idle_timeout_s + app.settings.reset_warning_s - 1)
        assert timeline.paused  # the countdown warns first
        staff.wait(1.5)
        assert not timeline.paused
    finally:
        staff.stop()


def test_new_hashes_use_the_documented_cost_and_older_counts_still_verify():
    """docs/visitors.md promises 600,000 iterations for new hashes, and that a hash made
    with another count (as before, 200,000) keeps working: the count is in the hash."""
    from kiosk.visitor.staff_pin import ITERATIONS, check_pin

    assert ITERATIONS == 600_000
    scheme, count, _, _ = hash_pin(RIGHT, salt="00").split("$")  # one full-cost hash
    assert (scheme, int(count)) == ("pbkdf2_sha256", ITERATIONS)
    older = hash_pin(RIGHT, iterations=2_000)
    assert check_pin(RIGHT, older) and not check_pin(WRONG, older)
