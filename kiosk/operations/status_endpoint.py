"""Optional HTTP status endpoint: `GET /status` (JSON) and `GET /screenshot.png`. Off by default.

It runs on its own threads and only reads what the loop already published, so a slow or
hostile client costs the show nothing: each connection has a socket timeout, the request
line and headers are bounded, connections are capped, and there is nothing else to ask
for (no files are served). Bound to anything but loopback it refuses to start without a
token; the token is checked with a constant-time comparison.

The screenshot: the loop asks `FrameGrabber.wanted()` each frame (a bool read) and only
when a client is waiting copies the raw frame with `offer()`; the PNG is encoded here, on
the server thread, with the stdlib (zlib), and reused for a second.
"""

from __future__ import annotations

import hmac
import http.client
import ipaddress
import json
import logging
import socket
import struct
import threading
import time
import zlib
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

log = logging.getLogger(__name__)

MAX_REQUEST_BYTES = 8192  # request line + all headers
MAX_REQUEST_LINE = 2048
MIN_TOKEN_CHARS = 16
PATHS = ("/status", "/screenshot.png")


class StatusServerError(ValueError):
    """The endpoint was configured in a way that would be unsafe or cannot work."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False  # a name or "" (all addresses): treat as reachable from outside


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


class _Handler(BaseHTTPRequestHandler):
    server_version = "kiosk"
    sys_version = ""
    protocol_version = "HTTP/1.0"  # one request per connection
    timeout = 5.0  # replaced per server
    server: _Server

    def setup(self) -> None:
        self.timeout = self.server.owner.timeout_s
        super().setup()
        self.rfile = _Budget(self.rfile, MAX_REQUEST_BYTES)  # type: ignore[assignment]

    def handle_one_request(self) -> None:
        try:
            self.raw_requestline = self.rfile.readline(MAX_REQUEST_LINE + 1)
            if len(self.raw_requestline) > MAX_REQUEST_LINE:
                self.requestline = self.request_version = self.command = ""
                self.send_error(414)
                return
            if not self.raw_requestline:
                self.close_connection = True
                return
            if not self.parse_request():
                return
            self.route()
            self.wfile.flush()
        except http.client.LineTooLong:
            self.close_connection = True
            self._reply(431, b"request head too large\n")
        except (TimeoutError, ConnectionError) as exc:
            log.debug("status endpoint: %s from %s", exc, self.client_address[0])
            self.close_connection = True

    def route(self) -> None:
        owner = self.server.owner
        if self.command != "GET":
            self._reply(405, b"only GET\n", {"Allow": "GET"})
            return
        url = urlsplit(self.path)
        if owner.token is not None and not self._authorised(owner.token, url.query):
            self._reply(401, b"token required\n", {"WWW-Authenticate": "Bearer"})
            return
        if url.path == "/status":
            self._status(owner)
        elif url.path == "/screenshot.png":
            self._screenshot(owner)
        else:
            self._reply(404, b"not found: try /status or /screenshot.png\n")

    def _authorised(self, token: str, query: str) -> bool:
        given = ""
        header = self.headers.get("Authorization", "")
        if header[:7].lower() == "bearer ":
            given = header[7:].strip()
        elif query:
            given = (parse_qs(query).get("token") or [""])[0]
        return hmac.compare_digest(given.encode("utf-8"), token.encode("utf-8"))

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
        self.send_response(code)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_request(self, code: int | str = "-", size: int | str = "-") -> None:
        path = urlsplit(getattr(self, "path", "")).path  # never log a ?token=
        log.debug("status endpoint: %s %s %s -> %s", self.client_address[0],
                  getattr(self, "command", ""), path[:100], code)

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("status endpoint: %s: %s", self.client_address[0], format % args)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False  # stop() must not wait for a stalled client
    owner: StatusServer

    def __init__(self, address: tuple[str, int], owner: StatusServer) -> None:
        self.owner = owner
        self.slots = threading.BoundedSemaphore(owner.max_connections)
        if ":" in address[0]:
            self.address_family = socket.AF_INET6
        super().__init__(address, _Handler)

    def process_request(self, request: Any, client_address: Any) -> None:
        if not self.slots.acquire(blocking=False):  # too many at once: drop the newcomer
            self.shutdown_request(request)
            return
        try:
            super().process_request(request, client_address)
        except BaseException:
            self.slots.release()
            raise

    def process_request_thread(self, request: Any, client_address: Any) -> None:
        try:
            super().process_request_thread(request, client_address)
        finally:
            self.slots.release()

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
                 timeout_s: float = 5.0, max_connections: int = 16) -> None:
        token = token or None
        if not is_loopback(host):
            if token is None:
                raise StatusServerError(
                    f"the status endpoint on {host or 'all addresses'}:{port} is reachable "
                    "from the network and needs a token; set one (e.g. the output of "
                    "`python3 -c 'import secrets; print(secrets.token_urlsafe(24))'`) "
                    "or bind to 127.0.0.1")
            if len(token) < MIN_TOKEN_CHARS:
                raise StatusServerError(f"the status endpoint token is too short: use at "
                                        f"least {MIN_TOKEN_CHARS} characters")
        if not 0 <= port <= 65535:
            raise StatusServerError(f"port {port} is out of range")
        self.host = host
        self.port = port
        self.token = token
        self.get_status = get_status
        self.get_screenshot_png = get_screenshot_png
        self.timeout_s = timeout_s
        self.max_connections = max_connections
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
