"""Optional HTTP status endpoint: `GET /status` (JSON) and `GET /screenshot.png`. Off by default.

It runs on its own threads and only reads what the loop already published, so a slow or
hostile client costs the show nothing, and cannot lock others out either:
- the request line and headers must all arrive within `head_deadline_s` (5 s), not 5 s
  per byte, and are bounded in size; nothing else is read (no bodies, no files served);
- at most `max_per_client` (4) connections per client address and `max_connections` (32)
  in all; over a cap the oldest connection still sending its head is cut (a normal
  request sends its head in milliseconds), and when all are being answered the newcomer
  gets 503 at once;
- a token is judged the moment it is seen (`?token=` on the request line, or the
  Authorization header): a wrong one is answered 401 before the rest of the head.
Bound to anything but loopback it refuses to start without a token; the token is checked
with a constant-time comparison.

The screenshot: the loop asks `FrameGrabber.wanted()` each frame (a bool read) and only
when a client is waiting copies the raw frame with `offer()`; the PNG is encoded here, on
the server thread, with the stdlib (zlib), and reused for a second.
"""

from __future__ import annotations

import contextlib
import hmac
import http.client
import io
import json
import logging
import os
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

from kiosk.errors import KioskError
from kiosk.operations.endpoint_rules import MIN_TOKEN_CHARS, is_loopback, refusal

__all__ = ["MIN_TOKEN_CHARS", "FrameGrabber", "StatusServer", "StatusServerError",
           "encode_png", "is_loopback"]

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 8192  # request line + all headers
MAX_REQUEST_LINE = 2048
MAX_HEADERS = 64
PATHS = ("/status", "/screenshot.png")


class StatusServerError(KioskError):
    """The endpoint was configured in a way that would be unsafe or cannot work."""


# -- screenshot: raw frame from the loop, PNG made here ----------------------------------


def encode_png(raw: bytes, width: int, height: int, level: int = 3) -> bytes:
    """RGB bytes (row after row, no padding) -> PNG, with the stdlib only."""
    stride = width * 3
    if len(raw) != stride * height:
        raise ValueError(f"{len(raw)} bytes is not a {width}x{height} RGB frame")
    view = memoryview(raw)
    rows = b"".join(b"\x00" + view[y * stride:(y + 1) * stride] for y in range(height))

    def chunk(kind: bytes, data: bytes) -> bytes:
        return (struct.pack(">I", len(data)) + kind + data
                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)  # 8-bit RGB
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header)
            + chunk(b"IDAT", zlib.compress(rows, level)) + chunk(b"IEND", b""))


class FrameGrabber:
    """Hands one raw frame from the loop to the server thread, only when someone asks.

    Loop side (render thread), after presenting a frame:
        if grabber.wanted():
            grabber.offer(pygame.image.tobytes(canvas, "RGB"), canvas.get_size())
    Server side: `png()` is the `get_screenshot_png` callback.
    """

    def __init__(self, min_interval_s: float = 1.0, wait_s: float = 2.0,
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.min_interval_s = min_interval_s
        self.wait_s = wait_s
        self.clock = clock
        self._want = False
        self._frame: tuple[bytes, tuple[int, int]] | None = None
        self._got = threading.Event()
        self._lock = threading.Lock()
        self._png: bytes | None = None
        self._png_at = float("-inf")

    def wanted(self) -> bool:
        return self._want

    def offer(self, raw: bytes, size: tuple[int, int]) -> None:
        self._frame = (raw, size)
        self._want = False
        self._got.set()

    def png(self) -> bytes | None:
        with self._lock:  # one grab and encode at a time; concurrent clients share it
            if self._png is not None and self.clock() - self._png_at < self.min_interval_s:
                return self._png
            self._got.clear()
            self._want = True
            if not self._got.wait(self.wait_s):
                self._want = False
                return self._png  # the loop did not answer: the last one, or None
            frame, self._frame = self._frame, None
            if frame is None:
                return self._png
            raw, (w, h) = frame
            self._png = encode_png(raw, w, h)
            self._png_at = self.clock()
            return self._png


# -- the server ----------------------------------------------------------------------------


class _Budget:
    """Wraps the request's input: a request may read at most `limit` bytes of head."""

    def __init__(self, inner: Any, limit: int) -> None:
        self.inner = inner
        self.remaining = limit

    def readline(self, size: int = -1) -> bytes:
        if self.remaining <= 0:
            raise http.client.LineTooLong("request head")
        n = self.remaining if size is None or size < 0 else min(size, self.remaining)
        line = self.inner.readline(n)
        self.remaining -= len(line)
        if self.remaining <= 0 and not line.endswith(b"\n"):
            raise http.client.LineTooLong("request head")
        return line

    def read(self, size: int = -1) -> bytes:
        return b""  # bodies are never read

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


class _HeadDeadline(KioskError, TimeoutError):
    """The request head did not arrive within the deadline for the whole head."""


class _DeadlineReader(io.RawIOBase):
    """The socket's input with one deadline for everything read through it.

    A socket timeout alone is per recv: a client sending a byte a second never trips it.
    Here each recv may wait only for what is left of the request's time. It also tells
    `arrived()` once the blank line that ends a head came in: from then on the client is
    no longer slow, whatever the parsing still takes."""

    def __init__(self, sock: socket.socket, deadline: float, arrived: Callable[[], None],
                 clock: Callable[[], float] = time.monotonic) -> None:
        self.sock = sock
        self.deadline = deadline
        self.arrived = arrived
        self.clock = clock
        self._tail: bytes | None = b""  # None once the head has arrived

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        left = self.deadline - self.clock()
        if left <= 0:
            raise _HeadDeadline("request head deadline")
        self.sock.settimeout(left)
        try:
            n = self.sock.recv_into(buffer)
        except TimeoutError:
            raise _HeadDeadline("request head deadline") from None
        if self._tail is not None and n:
            seen = self._tail + bytes(memoryview(buffer)[:n])
            if _ends_head(seen):
                self.arrived()
                self._tail = None
            else:
                self._tail = seen[-3:]
        return n

    def close(self) -> None:  # the socket belongs to the server, which closes it
        super().close()


def _ends_head(data: bytes) -> bool:
    return b"\r\n\r\n" in data or b"\n\n" in data


def _head_waiting(sock: socket.socket) -> bool:
    """A whole head sits unread in the socket: the client is done, the kiosk is behind."""
    try:  # through a duplicate: the handler's socket keeps its timeout (a timed socket
        # waits for data before a recv, even with MSG_DONTWAIT)
        with socket.socket(fileno=os.dup(sock.fileno())) as peek:
            peek.settimeout(0)
            return _ends_head(peek.recv(MAX_REQUEST_BYTES, socket.MSG_PEEK))
    except OSError:
        return False


def _token_ok(given: str, token: str) -> bool:
    return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))


class _Handler(BaseHTTPRequestHandler):
    server_version = "kiosk"
    sys_version = ""
    protocol_version = "HTTP/1.0"  # one request per connection
    server: _Server

    def setup(self) -> None:
        owner = self.server.owner
        super().setup()
        self.connection.settimeout(owner.timeout_s)  # each server's own
        self.rfile.close()  # replaced: reads go through the whole-head deadline
        deadline = time.monotonic() + owner.head_deadline_s
        reader = io.BufferedReader(_DeadlineReader(
            self.connection, deadline, lambda: self.server.head_arrived(self.connection)))
        # The handler reads rfile only through readline/read, which _Budget has.
        self.rfile = _Budget(reader, MAX_REQUEST_BYTES)  # type: ignore[assignment]

    def handle_one_request(self) -> None:
        self.close_connection = True
        self.requestline = self.request_version = self.command = ""
        try:
            if self._read_head():
                self.server.head_done(self.connection)
                self.connection.settimeout(self.server.owner.timeout_s)  # for the answer
                self.route()
            self.wfile.flush()
        except http.client.LineTooLong:
            self._reply(431, b"request head too large\n")
        except _HeadDeadline:
            log.debug("status endpoint: request head too slow from %s", self.client_address[0])
            self._reply(408, b"request head too slow\n")
        except (TimeoutError, ConnectionError, OSError) as exc:
            log.debug("status endpoint: %s from %s", exc, self.client_address[0])
        finally:  # answered: what is left (closing) takes no place under the caps
            self.server.forget(self.connection)

    def _read_head(self) -> bool:
        """Request line and headers; the token is judged as soon as it is seen. False when
        the request was answered already (or the client went away)."""
        raw = self.rfile.readline(MAX_REQUEST_LINE + 1)
        if len(raw) > MAX_REQUEST_LINE:
            self._reply(414, b"request line too long\n")
            return False
        if not raw.endswith(b"\n"):
            return False  # closed (or cut off) before the line was complete
        self.raw_requestline = raw
        self.requestline = raw.decode("iso-8859-1").rstrip("\r\n")
        words = self.requestline.split()
        if len(words) != 3 or not words[2].startswith("HTTP/"):
            self.request_version = "HTTP/1.0"
            self._reply(400, b"bad request line\n")
            return False
        self.command, self.path, self.request_version = words
        self.request_version = "HTTP/1.0"  # answers are 1.0 whatever was asked
        if self.command != "GET":
            self._reply(405, b"only GET\n", {"Allow": "GET"})
            return False
        token = self.server.owner.token
        self.authorised = token is None
        query = parse_qs(urlsplit(self.path).query).get("token")
        if token is not None and query:
            if not _token_ok(query[0], token):
                return self._unauthorised()  # before reading a single header
            self.authorised = True
        for _ in range(MAX_HEADERS + 1):
            line = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if len(line) > MAX_REQUEST_LINE:
                raise http.client.LineTooLong("header line")
            if line in (b"\r\n", b"\n"):
                return self.authorised or self._unauthorised()
            if not line.endswith(b"\n"):
                return False  # the client went away mid-head
            name, _, value = line.partition(b":")
            if token is not None and name.strip().lower() == b"authorization":
                text = value.decode("iso-8859-1").strip()
                if text[:7].lower() != "bearer " or not _token_ok(text[7:].strip(), token):
                    return self._unauthorised()  # before reading the rest of the head
                self.authorised = True
        raise http.client.LineTooLong("too many headers")

    def _unauthorised(self) -> bool:
        self._reply(401, b"token required\n", {"WWW-Authenticate": "Bearer"})
        return False

    def route(self) -> None:
        owner = self.server.owner
        path = urlsplit(self.path).path
        if path == "/status":
            self._status(owner)
        elif path == "/screenshot.png":
            self._screenshot(owner)
        else:
            self._reply(404, b"not found: try /status or /screenshot.png\n")

    def _status(self, owner: StatusServer) -> None:
        try:
            status = owner.get_status()
            body = json.dumps(status, ensure_ascii=False, default=str).encode("utf-8")
        except Exception as exc:
            owner.callback_failed("status", exc)
            self._reply(500, b"status unavailable\n")
            return
        if status is None:
            self._reply(503, b"no status yet\n", {"Retry-After": "1"})
            return
        self._reply(200, body, content_type="application/json; charset=utf-8")

    def _screenshot(self, owner: StatusServer) -> None:
        try:
            png = owner.get_screenshot_png()
        except Exception as exc:
            owner.callback_failed("screenshot", exc)
            self._reply(500, b"screenshot unavailable\n")
            return
        if not png:
            self._reply(503, b"no frame yet\n", {"Retry-After": "1"})
            return
        self._reply(200, png, content_type="image/png")

    def _reply(self, code: int, body: bytes, headers: dict[str, str] | None = None,
               content_type: str = "text/plain; charset=utf-8") -> None:
        self.request_version = self.request_version or "HTTP/1.0"
        try:
            self.connection.settimeout(self.server.owner.timeout_s)
            self.send_response(code)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            for name, value in (headers or {}).items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)
        except OSError as exc:  # the client went away or does not read
            log.debug("status endpoint: cannot answer %s: %s", self.client_address[0], exc)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = urlsplit(getattr(self, "path", "")).path  # never log a ?token=
        log.debug("status endpoint: %s %s %s -> %s", self.client_address[0],
                  getattr(self, "command", ""), path[:100], code)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("status endpoint: %s: %s", self.client_address[0], format % args)


@dataclass
class _Conn:
    client: str
    since: float
    sock: socket.socket
    in_head: bool = True  # its request line and headers are not read yet
    arrived: bool = False  # ... but they have all come in: not a slow client
    cut: bool = False  # shut down to make room; its thread is ending


BUSY_REPLY = (b"HTTP/1.0 503 Service Unavailable\r\nContent-Type: text/plain\r\n"
              b"Content-Length: 5\r\nRetry-After: 5\r\nConnection: close\r\n\r\nbusy\n")


def pick_victim(conns: Iterable[_Conn], client: str, per_client: int,
                total: int) -> tuple[bool, _Conn | None]:
    """Room for one more connection from `client`? (admit, connection to cut first).

    Over a cap, the oldest connection of that group still sending its head makes room
    (answered 503, so a normal request caught in a burst is told to retry, not dropped):
    a normal request sends its whole head at once, so in practice only the slow lose
    their place. When everyone in the group is being answered, the newcomer is refused."""
    live = [c for c in conns if not c.cut]
    for group, cap in (([c for c in live if c.client == client], per_client), (live, total)):
        if len(group) >= cap:
            waiting = [c for c in group if c.in_head and not c.arrived]
            if not waiting:
                return False, None
            return True, min(waiting, key=lambda c: c.since)
    return True, None


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for a stalled client
    request_queue_size = 128  # a burst of connects waits in the backlog, not 1 s for a SYN
    owner: StatusServer

    def __init__(self, address: tuple[str, int], owner: StatusServer) -> None:
        self.owner = owner
        self.conns: dict[socket.socket, _Conn] = {}
        self.conns_lock = threading.Lock()
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        client = str(client_address[0])
        with self.conns_lock:
            while True:
                admit, victim = pick_victim(self.conns.values(), client,
                                            self.owner.max_per_client,
                                            self.owner.max_connections)
                if victim is None or not _head_waiting(victim.sock):
                    break
                victim.arrived = True  # accepted a moment ago, its thread not yet reading
            if victim is not None:
                victim.cut = True
                with contextlib.suppress(OSError):
                    # An answer, never a silent close: in a burst the oldest head still on
                    # its way may be a normal client's, which can come back later.
                    victim.sock.send(BUSY_REPLY, socket.MSG_DONTWAIT)
                with contextlib.suppress(OSError):  # its recv returns at once: thread ends
                    victim.sock.shutdown(socket.SHUT_RDWR)
            if admit:
                self.conns[request] = _Conn(client, time.monotonic(), request)
        if not admit:
            with contextlib.suppress(OSError):
                request.setblocking(False)  # a fresh socket's buffer takes it; never wait
                request.send(BUSY_REPLY)
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.forget(request)
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.forget(request)

    def head_arrived(self, request: socket.socket) -> None:
        with self.conns_lock:
            conn = self.conns.get(request)
            if conn is not None:
                conn.arrived = True

    def head_done(self, request: socket.socket) -> None:
        with self.conns_lock:
            conn = self.conns.get(request)
            if conn is not None:
                conn.in_head = False

    def forget(self, request: Any) -> None:
        with self.conns_lock:
            self.conns.pop(request, None)

    def handle_error(self, request: Any, client_address: Any) -> None:
        log.debug("status endpoint: error serving %s", client_address, exc_info=True)


class StatusServer:
    """`GET /status` and `GET /screenshot.png` on a thread of their own.

    `get_status` returns the latest snapshot the loop published (or None before the first);
    `get_screenshot_png` returns PNG bytes or None (e.g. `FrameGrabber.png`).
    """

    def __init__(self, *, host: str = "127.0.0.1", port: int, token: str | None = None,
                 get_status: Callable[[], dict[str, Any] | None],
                 get_screenshot_png: Callable[[], bytes | None] = lambda: None,
                 timeout_s: float = 5.0, head_deadline_s: float = 5.0,
                 max_connections: int = 32, max_per_client: int = 4) -> None:
        token = token or None
        refused = refusal(host, port, token)  # the same rule `validate` applies
        if refused is not None:
            raise StatusServerError(str(refused))
        self.host = host
        self.port = port
        self.token = token
        self.get_status = get_status
        self.get_screenshot_png = get_screenshot_png
        self.timeout_s = timeout_s  # for each write of an answer
        self.head_deadline_s = head_deadline_s  # for the whole request line and headers
        self.max_connections = max_connections
        self.max_per_client = max_per_client
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._failed: set[str] = set()

    @property
    def address(self) -> tuple[str, int]:
        """The bound host and port (the real port when asked for port 0)."""
        if self._server is None:
            return self.host, self.port
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> tuple[str, int]:
        """Bind and serve. Raises OSError when the port cannot be bound."""
        if self._server is not None:
            return self.address
        self._server = _Server((self.host, self.port), self)
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.25},
                                        name="status-http", daemon=True)
        self._thread.start()
        log.info("status endpoint on http://%s:%d/status%s", *self.address,
                 " (token required)" if self.token else "")
        return self.address

    def stop(self) -> None:
        if self._server is None:
            return
        self._server.shutdown()  # returns once serve_forever has left its loop
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def callback_failed(self, what: str, exc: Exception) -> None:
        if what not in self._failed:  # once per kind, not once per request
            self._failed.add(what)
            log.error("status endpoint: cannot produce the %s: %s", what, exc)
