"""The optional HTTP status endpoint: two read-only paths, tokens, and no stalls."""

from __future__ import annotations

import http.client
import json
import socket
import threading
import time
import zlib
from collections.abc import Iterator

import pytest

from kiosk.operations.status_endpoint import (
    FrameGrabber,
    StatusServer,
    StatusServerError,
    encode_png,
    is_loopback,
)
from tests.conftest import wait_for

TOKEN = "s3cret-token-for-tests-0123456789"
STATUS = {"state": "playing", "exhibit": "Harbour", "fps": 60.0}


@pytest.fixture
def server() -> Iterator[StatusServer]:
    srv = StatusServer(port=0, get_status=lambda: STATUS,
                       get_screenshot_png=lambda: encode_png(b"\x10\x20\x30" * 4, 2, 2),
                       timeout_s=2.0, head_deadline_s=2.0)
    srv.start()
    yield srv
    srv.stop()


@pytest.fixture
def token_server() -> Iterator[StatusServer]:
    srv = StatusServer(port=0, token=TOKEN, get_status=lambda: STATUS)
    srv.start()
    yield srv
    srv.stop()


def request(srv: StatusServer, method: str = "GET", path: str = "/status",
            headers: dict[str, str] | None = None, timeout: float = 5.0
            ) -> tuple[int, dict[str, str], bytes]:
    host, port = srv.address
    con = http.client.HTTPConnection(host, port, timeout=timeout)
    try:
        con.request(method, path, headers=headers or {})
        resp = con.getresponse()
        return resp.status, dict(resp.getheaders()), resp.read()
    finally:
        con.close()


def raw(srv: StatusServer, data: bytes) -> bytes:
    with socket.create_connection(srv.address, timeout=5) as sock:
        sock.sendall(data)
        chunks = []
        while chunk := sock.recv(65536):
            chunks.append(chunk)
    return b"".join(chunks)


def test_get_status_is_json(server: StatusServer) -> None:
    assert server.address[1] != 0
    status, headers, body = request(server)
    assert status == 200
    assert headers["Content-Type"].startswith("application/json")
    assert headers["Cache-Control"] == "no-store"
    assert json.loads(body) == STATUS


def test_get_screenshot_is_png(server: StatusServer) -> None:
    status, headers, body = request(server, path="/screenshot.png")
    assert status == 200 and headers["Content-Type"] == "image/png"
    assert body.startswith(b"\x89PNG\r\n\x1a\n")


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS",
                                    "BREW"])
def test_other_methods_are_405_with_allow_get(server: StatusServer, method: str) -> None:
    status, headers, _ = request(server, method=method)
    assert status == 405
    assert headers["Allow"] == "GET"


@pytest.mark.parametrize("path", ["/other", "/", "/status/", "/status.json",
                                  "/../etc/passwd", "/%2e%2e/etc/passwd",
                                  "//etc/passwd", "/screenshot.png/../../etc/passwd"])
def test_other_paths_are_404(server: StatusServer, path: str) -> None:
    status, _, body = request(server, path=path)
    assert status == 404
    assert b"root:" not in body


def test_raw_traversal_request_is_404(server: StatusServer) -> None:
    reply = raw(server, b"GET /../etc/passwd HTTP/1.0\r\n\r\n")
    assert reply.startswith(b"HTTP/1.0 404")


def test_oversized_request_heads_are_refused(server: StatusServer) -> None:
    long_line = raw(server, b"GET /" + b"a" * 5000 + b" HTTP/1.0\r\n\r\n")
    assert long_line.split(b"\r\n")[0].split()[1] == b"414"
    many_headers = raw(server, b"GET /status HTTP/1.0\r\n"
                       + b"".join(b"X-Pad-%d: %s\r\n" % (i, b"x" * 100) for i in range(200))
                       + b"\r\n")
    assert many_headers.split(b"\r\n")[0].split()[1] == b"431"


@pytest.mark.parametrize("host", ["0.0.0.0", "", "192.168.1.20", "::", "kiosk.local"])
def test_token_required_off_loopback(host: str) -> None:
    with pytest.raises(StatusServerError, match="needs a token"):
        StatusServer(host=host, port=0, get_status=lambda: STATUS)
    with pytest.raises(StatusServerError, match="too short"):
        StatusServer(host=host, port=0, token="1234", get_status=lambda: STATUS)


def test_loopback_names() -> None:
    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert is_loopback("127.0.0.2")
    assert not is_loopback("0.0.0.0") and not is_loopback("") and not is_loopback("10.0.0.1")


def test_non_loopback_bind_with_a_token_serves() -> None:
    srv = StatusServer(host="0.0.0.0", port=0, token=TOKEN, get_status=lambda: STATUS)
    srv.start()
    try:
        port = srv.address[1]
        con = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
        con.request("GET", "/status")
        assert con.getresponse().status == 401
        con.close()
    finally:
        srv.stop()


@pytest.mark.parametrize("headers,path", [
    ({}, "/status"),
    ({"Authorization": "Bearer wrong"}, "/status"),
    ({"Authorization": f"Basic {TOKEN}"}, "/status"),
    ({"Authorization": f"Bearer {TOKEN}x"}, "/status"),
    ({}, "/status?token=wrong"),
    ({"Authorization": f"Bearer {TOKEN}"}, "/status?token=wrong"),  # one wrong is enough
    ({}, "/screenshot.png"),
    ({}, "/other"),
])
def test_missing_or_wrong_token_is_401(token_server: StatusServer, headers: dict[str, str],
                                       path: str) -> None:
    status, resp_headers, body = request(token_server, headers=headers, path=path)
    assert status == 401
    assert resp_headers["WWW-Authenticate"] == "Bearer"
    assert b"playing" not in body


def test_right_token_is_200(token_server: StatusServer) -> None:
    status, _, body = request(token_server, headers={"Authorization": f"Bearer {TOKEN}"})
    assert status == 200 and json.loads(body) == STATUS
    status, _, body = request(token_server, path=f"/status?token={TOKEN}")
    assert status == 200 and json.loads(body) == STATUS


def test_a_silent_client_does_not_block_others(server: StatusServer) -> None:
    """Guards against a single-threaded server where one idle socket stalls everyone."""
    idle = socket.create_connection(server.address, timeout=10)
    half = socket.create_connection(server.address, timeout=10)
    half.sendall(b"GET /status HTTP/1.0\r\n")  # never finishes its headers
    try:
        started = time.monotonic()
        status, _, _ = request(server, timeout=1.0)
        assert status == 200 and time.monotonic() - started < 1.0
        # and the idle one is cut off by the head deadline (2 s in this fixture)
        idle.settimeout(10)
        assert idle.recv(100).startswith(b"HTTP/1.0 408")
    finally:
        idle.close()
        half.close()


def test_a_slow_status_callback_does_not_block_the_caller_of_stop() -> None:
    release, inside = threading.Event(), threading.Event()

    def slow() -> dict[str, str]:
        inside.set()
        release.wait(3)
        return {"state": "playing"}

    srv = StatusServer(port=0, get_status=slow)
    srv.start()
    client = threading.Thread(target=lambda: request(srv, timeout=5), daemon=True)
    client.start()
    assert inside.wait(5), "the request never reached the status callback"
    started = time.monotonic()
    srv.stop()
    assert time.monotonic() - started < 2.0
    release.set()
    client.join(5)


def test_no_status_yet_is_503_and_failing_callbacks_are_500() -> None:
    def broken() -> bytes:
        raise RuntimeError("boom")

    srv = StatusServer(port=0, get_status=lambda: None, get_screenshot_png=broken)
    srv.start()
    try:
        assert request(srv)[0] == 503
        assert request(srv, path="/screenshot.png")[0] == 500
    finally:
        srv.stop()


def test_stop_frees_the_port() -> None:
    srv = StatusServer(port=0, get_status=lambda: STATUS)
    host, port = srv.start()
    srv.stop()
    with socket.socket() as probe:
        assert probe.connect_ex((host, port)) != 0


# -- screenshots: raw frame from the loop, PNG made on the server's thread ---------------


def decode_png_rgb(png: bytes) -> tuple[int, int, bytes]:
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    pos, idat, size = 8, b"", (0, 0)
    while pos < len(png):
        length = int.from_bytes(png[pos:pos + 4], "big")
        kind, data = png[pos + 4:pos + 8], png[pos + 8:pos + 8 + length]
        if kind == b"IHDR":
            size = int.from_bytes(data[:4], "big"), int.from_bytes(data[4:8], "big")
        elif kind == b"IDAT":
            idat += data
        pos += 12 + length
    w, h = size
    rows = zlib.decompress(idat)
    return w, h, b"".join(rows[y * (w * 3 + 1) + 1:(y + 1) * (w * 3 + 1)] for y in range(h))


def test_encode_png_round_trips() -> None:
    raw_rgb = bytes(range(256)) * 3 * 2  # 8x... any content
    w, h = 16, len(raw_rgb) // 48
    assert decode_png_rgb(encode_png(raw_rgb, w, h)) == (w, h, raw_rgb)
    with pytest.raises(ValueError):
        encode_png(b"123", 2, 2)


def test_frame_grabber_asks_the_loop_once_per_second() -> None:
    now = [100.0]
    grabber = FrameGrabber(min_interval_s=1.0, wait_s=5.0, clock=lambda: now[0])
    offers = []

    def grab() -> bytes | None:
        """A client's request on its own thread; this thread answers as the loop does."""
        got: list[bytes | None] = []
        client = threading.Thread(target=lambda: got.append(grabber.png()), daemon=True)
        client.start()
        wait_for(lambda: grabber.wanted() or not client.is_alive())
        if grabber.wanted():
            offers.append(1)
            grabber.offer(b"\xff\x00\x00" * 6, (3, 2))
        client.join(5)
        return got[0]

    assert not grabber.wanted()
    first = grab()
    assert first is not None and decode_png_rgb(first)[:2] == (3, 2)
    assert grab() is first  # within a second: the same bytes, no new copy
    now[0] += 1.5
    assert grab() is not first
    assert len(offers) == 2


def test_frame_grabber_gives_up_when_the_loop_does_not_answer() -> None:
    grabber = FrameGrabber(wait_s=0.1)
    started = time.monotonic()
    assert grabber.png() is None
    assert time.monotonic() - started < 1.0
    assert not grabber.wanted()


# -- strangers cannot starve it: caps, a deadline for the whole head, early token checks ---


class SlowClients:
    """Real sockets that send a request head one byte at a time and never finish it.

    One thread sends the next byte on every open socket each `tick_s`; a socket the server
    cut is opened again `reopen_s` later, as a slowloris tool refills its pool. Stops by
    itself after `max_ticks`, or when the block ends."""

    HEAD = b"GET /status HTTP/1.0\r\nX-Slow: " + b"a" * 4000

    def __init__(self, address: tuple[str, int], sources: list[str], tick_s: float = 0.05,
                 max_ticks: int = 2000, reopen_s: float = 1.0) -> None:
        self.address, self.sources, self.tick_s, self.max_ticks = address, sources, tick_s, \
            max_ticks
        self.reopen_ticks = max(1, round(reopen_s / tick_s))
        self.socks: list[tuple[socket.socket, int] | None] = [None] * len(sources)
        self.cut_at = [0] * len(sources)
        self.ticks = 0
        self.cut = 0  # connections the server closed or refused
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _open(self, i: int) -> None:
        sock = socket.socket()
        sock.bind((self.sources[i], 0))
        sock.settimeout(2)
        sock.connect(self.address)
        sock.setblocking(False)
        self.socks[i] = (sock, 0)

    @staticmethod
    def _answered(sock: socket.socket) -> bool:
        try:
            sock.recv(1, socket.MSG_PEEK)  # bytes of an answer, or b"" at the end
        except BlockingIOError:
            return False
        except OSError:
            return True  # reset
        return True

    def _run(self) -> None:
        while self.ticks < self.max_ticks and not self._stop.is_set():
            for i, entry in enumerate(self.socks):
                if entry is None:
                    if self.ticks - self.cut_at[i] >= self.reopen_ticks:
                        self._open(i)
                    continue
                sock, sent = entry
                if self._answered(sock):  # a 408/503, or closed: the server cut it
                    self.cut += 1
                    self.cut_at[i] = self.ticks
                    sock.close()
                    self.socks[i] = None
                    continue
                try:
                    sock.send(self.HEAD[sent % len(self.HEAD):][:1])
                    self.socks[i] = (sock, sent + 1)
                except OSError:
                    self.cut += 1
                    self.cut_at[i] = self.ticks
                    sock.close()
                    self.socks[i] = None
            self.ticks += 1
            self._stop.wait(self.tick_s)  # the attack's own pace, not a timing assertion

    def __enter__(self) -> SlowClients:
        for i in range(len(self.sources)):
            self._open(i)
        self._thread.start()
        wait_for(lambda: self.ticks >= 3)
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join(10)
        for entry in self.socks:
            if entry is not None:
                entry[0].close()


@pytest.mark.parametrize("sources", [
    ["127.0.0.1"] * 17,  # one stranger, from the very address the normal client uses
    [f"127.0.0.{10 + i}" for i in range(17)],  # seventeen strangers
], ids=["one-address", "17-addresses"])
def test_17_slow_clients_do_not_starve_a_normal_request(sources: list[str]) -> None:
    """Guards issue 14: 17 connections sending their head a byte at a time left every
    other request with an empty reply for as long as they kept going."""
    srv = StatusServer(port=0, get_status=lambda: STATUS, head_deadline_s=60.0,
                       max_connections=8, max_per_client=4)
    srv.start()
    try:
        with SlowClients(srv.address, sources) as slow:
            for _ in range(3):  # the attack keeps going between the requests
                status, _, body = request(srv, timeout=5.0)
                assert status == 200 and json.loads(body) == STATUS
            assert slow.ticks < slow.max_ticks  # it was still sending bytes throughout
    finally:
        srv.stop()


def test_the_deadline_is_for_the_whole_head_not_per_byte() -> None:
    """Guards issue 14: the socket timeout was per recv, so a client sending a byte every
    so often was never cut off."""
    srv = StatusServer(port=0, get_status=lambda: STATUS, timeout_s=5.0, head_deadline_s=0.5)
    srv.start()
    try:
        with SlowClients(srv.address, ["127.0.0.1"], tick_s=0.05, max_ticks=400) as slow:
            wait_for(lambda: slow.cut >= 1 or slow.ticks >= slow.max_ticks, timeout_s=30)
            assert slow.cut >= 1, "a byte every 50 ms kept the connection open for 20 s"
    finally:
        srv.stop()


@pytest.mark.parametrize("head", [
    b"GET /status?token=wrong HTTP/1.0\r\n",
    b"GET /status HTTP/1.0\r\nAuthorization: Bearer wrong\r\n",
    b"GET /status HTTP/1.0\r\nAuthorization: Basic d3Jvbmc=\r\n",
])
def test_a_wrong_token_is_refused_before_the_rest_of_the_head(head: bytes) -> None:
    """Guards issue 14: the token was checked only after all headers had arrived."""
    srv = StatusServer(port=0, token=TOKEN, get_status=lambda: STATUS, head_deadline_s=60.0)
    srv.start()
    try:
        with socket.create_connection(srv.address, timeout=10) as sock:
            sock.sendall(head)  # and nothing more: the head is not finished
            assert sock.recv(100).startswith(b"HTTP/1.0 401")
    finally:
        srv.stop()


def test_a_client_over_its_cap_while_all_are_answered_gets_503_at_once() -> None:
    """The newcomer is refused with 503 rather than left hanging."""
    release = threading.Event()
    inside = threading.Semaphore(0)

    def slow_status() -> dict[str, str]:
        inside.release()
        release.wait(10)
        return STATUS

    srv = StatusServer(port=0, get_status=slow_status, max_per_client=2)
    srv.start()
    clients = [threading.Thread(target=lambda: request(srv, timeout=15), daemon=True)
               for _ in range(2)]
    try:
        for client in clients:
            client.start()
        for _ in clients:
            assert inside.acquire(timeout=5)  # both are being answered
        with socket.create_connection(srv.address, timeout=10) as sock:
            reply = sock.recv(200)
        assert reply.startswith(b"HTTP/1.0 503") and b"Retry-After" in reply
    finally:
        release.set()
        for client in clients:
            client.join(10)
        srv.stop()


def test_a_connection_cut_to_make_room_is_answered_not_dropped() -> None:
    """Guards a defect the operator trial found: in a burst of 1,000 requests from one
    address, a few normal clients whose head was still on its way were taken for slow ones
    and closed with no reply at all. A cut connection is now told to retry (503)."""
    srv = StatusServer(port=0, get_status=lambda: STATUS, head_deadline_s=60.0,
                       max_per_client=1)
    srv.start()
    try:
        with socket.create_connection(srv.address, timeout=10) as first:
            first.sendall(b"GET /status HTTP/1.0\r\n")  # its head is not complete yet
            wait_for(lambda: len(srv._server.conns) == 1, timeout_s=5)
            status, _, body = request(srv, timeout=5.0)  # over the cap: makes room
            assert status == 200 and json.loads(body) == STATUS
            reply = first.recv(200)
        assert reply.startswith(b"HTTP/1.0 503") and b"Retry-After" in reply
    finally:
        srv.stop()


def test_status_server_error_is_a_kiosk_error() -> None:
    from kiosk.errors import KioskError

    assert issubclass(StatusServerError, KioskError)
    assert not issubclass(StatusServerError, ValueError)


def test_who_makes_room_over_a_cap() -> None:
    """Only a client still sending its head loses its place, the oldest first; a head that
    has all arrived, or an answer under way, is never cut."""
    from kiosk.operations.status_endpoint import _Conn, pick_victim

    def conn(client: str, since: float, **state: bool) -> _Conn:
        return _Conn(client, since, socket.socket(), **state)

    old, new = conn("a", 1.0), conn("a", 2.0)
    assert pick_victim([old, new], "a", per_client=4, total=8) == (True, None)
    assert pick_victim([new, old], "a", per_client=2, total=8) == (True, old)
    arrived = conn("a", 0.5, arrived=True)
    assert pick_victim([arrived, new], "a", per_client=2, total=8) == (True, new)
    answering = [conn("a", 1.0, in_head=False), conn("a", 2.0, in_head=False)]
    assert pick_victim(answering, "a", per_client=2, total=8) == (False, None)
    others = [conn("b", 1.0), conn("c", 0.1, cut=True), conn("c", 3.0)]
    assert pick_victim(others, "a", per_client=2, total=2) == (True, others[0])
    for c in (old, new, arrived, *answering, *others):
        c.sock.close()
