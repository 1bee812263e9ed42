"""systemd integration: sd_notify datagrams, a watchdog fed only by frames, restart counting."""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from pathlib import Path

import pytest

from kiosk.operations.supervise import (
    RestartLog,
    Watchdog,
    notify,
    should_enter_safe_mode,
    state_dir,
    watchdog_interval_s,
)


class NotifySocket:
    """A stand-in for systemd's notify socket."""

    def __init__(self, address: str) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(address)
        self.sock.settimeout(2)

    def received(self) -> list[str]:
        self.sock.settimeout(0.2)
        messages = []
        try:
            while True:
                messages.append(self.sock.recv(4096).decode())
        except TimeoutError:
            return messages


@pytest.fixture
def notify_socket(tmp_path: Path) -> Iterator[tuple[NotifySocket, str]]:
    path = str(tmp_path / "notify.sock")
    sock = NotifySocket(path)
    yield sock, path
    sock.sock.close()


def test_notify_sends_a_datagram(notify_socket: tuple[NotifySocket, str]) -> None:
    sock, path = notify_socket
    assert notify("READY=1", {"NOTIFY_SOCKET": path})
    assert sock.received() == ["READY=1"]


def test_notify_abstract_namespace() -> None:
    name = f"kiosk-test-{os.getpid()}"
    sock = NotifySocket("\0" + name)
    try:
        assert notify("STATUS=hello", {"NOTIFY_SOCKET": "@" + name})
        assert sock.received() == ["STATUS=hello"]
    finally:
        sock.sock.close()


def test_notify_without_a_socket_is_a_no_op(tmp_path: Path) -> None:
    assert notify("READY=1", {}) is False
    # a socket that went away: logged, never raised
    assert notify("READY=1", {"NOTIFY_SOCKET": str(tmp_path / "gone.sock")}) is False


def test_watchdog_interval_is_half_of_watchdog_usec() -> None:
    assert watchdog_interval_s({"WATCHDOG_USEC": "30000000"}) == 15.0
    assert watchdog_interval_s({}) is None
    assert watchdog_interval_s({"WATCHDOG_USEC": "soon"}) is None
    assert watchdog_interval_s({"WATCHDOG_USEC": "0"}) is None
    pid = str(os.getpid())
    assert watchdog_interval_s({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": pid}) == 1.0
    assert watchdog_interval_s({"WATCHDOG_USEC": "2000000", "WATCHDOG_PID": "1"}) is None


def test_watchdog_ready_after_first_frame_then_pings_at_half_interval(
        notify_socket: tuple[NotifySocket, str]) -> None:
    sock, path = notify_socket
    env = {"NOTIFY_SOCKET": path, "WATCHDOG_USEC": "30000000"}
    dog = Watchdog(env=env, clock=lambda: 0.0)
    assert sock.received() == []  # nothing before a frame was presented
    assert dog.presented(100.0) == "READY=1"
    sent = [dog.presented(100.0 + i / 60) for i in range(1, 60 * 30)]  # 30 s at 60 Hz
    assert sent.count("WATCHDOG=1") == 1  # at 115 s, not at every frame
    assert dog.presented(130.0) == "WATCHDOG=1"
    dog.status("playing Harbour")
    dog.status("playing Harbour")  # unchanged: not sent again
    dog.stopping()
    assert sock.received() == ["READY=1", "WATCHDOG=1", "WATCHDOG=1",
                               "STATUS=playing Harbour", "STOPPING=1"]


def test_watchdog_is_not_pinged_without_a_presented_frame() -> None:
    """A frozen loop (or one that stopped presenting) must starve the watchdog."""
    sent: list[str] = []
    now = [0.0]
    dog = Watchdog(env={"WATCHDOG_USEC": "10000000"}, clock=lambda: now[0], send=sent.append)
    for _ in range(100):  # time passes, the loop never presents
        now[0] += 1.0
        assert not dog.present_due()  # not even ready: nothing to keep alive
    assert sent == []
    dog.presented()
    assert sent == ["READY=1"]
    now[0] += 60.0  # a minute without a presented frame: no ping was sent on its own
    assert sent == ["READY=1"]
    assert dog.present_due()  # the loop is asked to present (an unchanged frame is fine)
    dog.presented()
    assert sent == ["READY=1", "WATCHDOG=1"] and not dog.present_due()


def test_watchdog_without_watchdog_usec_only_says_ready() -> None:
    sent: list[str] = []
    dog = Watchdog(env={}, clock=lambda: 0.0, send=sent.append)
    assert not dog.enabled
    for t in range(1000):
        dog.presented(float(t))
        assert not dog.present_due(float(t))
    assert sent == ["READY=1"]


# -- restarts ----------------------------------------------------------------------------


def test_safe_mode_after_five_restarts_within_ten_minutes() -> None:
    t0 = 1_700_000_000.0
    # the first start and 4 restarts: not yet
    assert not should_enter_safe_mode([t0 + i * 10 for i in range(5)], t0 + 40)
    # the first start and 5 restarts within 10 minutes: safe mode
    assert should_enter_safe_mode([t0 + i * 10 for i in range(6)], t0 + 50)
    # the same six starts spread over more than 10 minutes: no
    spread = [t0 + i * 150 for i in range(6)]  # 0 .. 750 s
    assert not should_enter_safe_mode(spread, t0 + 750)
    # once the old ones leave the window, normal mode again
    burst = [t0 + i * 10 for i in range(6)]
    assert not should_enter_safe_mode(burst, t0 + 50 + 601)
    # starts "in the future" (the clock was set back) do not count
    assert not should_enter_safe_mode([t0 + 10_000] * 10, t0)
    # the limits are parameters
    assert should_enter_safe_mode([t0, t0 + 1, t0 + 2], t0 + 2, window_s=5, limit=2)


def test_restart_log_persists_and_counts(tmp_path: Path) -> None:
    t0 = 1_700_000_000.0
    for i in range(6):
        log = RestartLog(tmp_path)  # a new process each time
        log.record_start(t0 + i * 30)
        assert log.should_enter_safe_mode(t0 + i * 30) is (i >= 5)
    assert RestartLog(tmp_path).restarts() == 5
    assert RestartLog(tmp_path).restarts(t0 + 150, window_s=60) == 2  # 3 starts in 60 s
    assert json.loads((tmp_path / "restarts.json").read_text())["starts"][0] == t0
    RestartLog(tmp_path).clean_exit()
    log = RestartLog(tmp_path)
    assert log.restarts() == 0
    log.record_start(t0 + 200)
    assert not log.should_enter_safe_mode(t0 + 200)


def test_restart_log_is_bounded_and_survives_garbage(tmp_path: Path) -> None:
    log = RestartLog(tmp_path)
    for i in range(500):
        log.record_start(float(i))
    assert len(json.loads((tmp_path / "restarts.json").read_text())["starts"]) == 50
    (tmp_path / "restarts.json").write_text("{half a file")
    assert RestartLog(tmp_path).starts == []
    assert not RestartLog(tmp_path).should_enter_safe_mode(0.0)


def test_restart_log_in_an_unwritable_place_does_not_raise(tmp_path: Path) -> None:
    (tmp_path / "a-file").write_text("x")
    log = RestartLog(tmp_path / "a-file")
    log.record_start(1.0)  # logged, not raised
    log.clean_exit()
    assert log.restarts() == 0


def test_state_dir_prefers_systemd(tmp_path: Path) -> None:
    assert state_dir(tmp_path, env={"STATE_DIRECTORY": "/var/lib/kiosk"}) == tmp_path
    assert state_dir(env={"STATE_DIRECTORY": "/var/lib/kiosk:/var/lib/other"}) == Path(
        "/var/lib/kiosk")
    assert state_dir(home=tmp_path, env={}) == tmp_path / "state"
