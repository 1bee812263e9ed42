"""Slow clients against the HTTP status endpoint: do normal readers and the show still get through?

Runs the kiosk headless (SDL's dummy video driver, 1920x1080, a state folder of its own)
with the status endpoint on 127.0.0.1, over a show of photos with 1 s crossfades every
2 s, twice in the same invocation:
- reference: nobody attacks; a normal `GET /status` every 0.5 s;
- attack: the same, while 50 slow clients (5 from each of 10 loopback addresses,
  127.0.0.2-11) each send a request head one byte a second and never finish it, opening
  a new connection whenever the kiosk cuts one (as a slowloris tool does).
Reads the answer times of the normal requests (median, max, failures) and the kiosk's own
dropped-frame count from its status (the figures the status file holds, read through
the endpoint at the start and end of the measuring window, so start-up is left out).

Targets with the attack: a normal GET /status answers within 1 s (max), and dropped
frames stay <= 0.1 % of the animated frames.

Only loopback addresses are used; every loop stops by itself at the end of the run.

    python benchmarks/slow_clients.py [--seconds 60] [--clients 50] [--addresses 10]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _harness import PYTHON, ROOT, camera_like, kiosk_env

WARM_UP_S = 15.0  # one loop of the show: every photo decoded and cached
HEAD = b"GET /status HTTP/1.0\r\nHost: kiosk\r\nX-Slow: " + b"a" * 4000


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class SlowClients:
    """`n` sockets from the given loopback addresses, one byte a second each, reopened when
    cut; stops at `until` (monotonic) at the latest."""

    def __init__(self, port: int, sources: list[str], until: float, tick_s: float = 1.0
                 ) -> None:
        self.port, self.sources, self.until, self.tick_s = port, sources, until, tick_s
        self.socks: list[tuple[socket.socket, int] | None] = [None] * len(sources)
        self.opened = self.cut = self.bytes = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="slow-clients", daemon=True)

    def _open(self, i: int) -> None:
        sock = socket.socket()
        try:
            sock.bind((self.sources[i], 0))
            sock.settimeout(2)
            sock.connect(("127.0.0.1", self.port))
            sock.setblocking(False)
        except OSError:
            sock.close()
            return
        self.opened += 1
        self.socks[i] = (sock, 0)

    @staticmethod
    def _answered(sock: socket.socket) -> bool:
        try:
            sock.recv(1, socket.MSG_PEEK)
        except BlockingIOError:
            return False
        except OSError:
            return True
        return True  # an answer (408/503) or the end: the kiosk cut it

    def _run(self) -> None:
        while time.monotonic() < self.until and not self._stop.is_set():
            for i, entry in enumerate(self.socks):
                if entry is None:
                    self._open(i)
                    continue
                sock, sent = entry
                if self._answered(sock):
                    self.cut += 1
                    sock.close()
                    self.socks[i] = None
                    continue
                try:
                    sock.send(HEAD[sent % len(HEAD):][:1])
                    self.bytes += 1
                    self.socks[i] = (sock, sent + 1)
                except OSError:
                    self.cut += 1
                    sock.close()
                    self.socks[i] = None
            self._stop.wait(self.tick_s)

    def start(self) -> None:
        for i in range(len(self.sources)):
            self._open(i)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(10)
        for entry in self.socks:
            if entry is not None:
                entry[0].close()


def get_status(port: int) -> tuple[dict | None, float]:
    """(the status, or None when not answered 200; seconds) for one normal request, as a
    monitoring agent sends it."""
    started = time.perf_counter()
    con = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        con.request("GET", "/status")
        resp = con.getresponse()
        status = json.loads(resp.read()) if resp.status == 200 else None
    except (OSError, http.client.HTTPException, ValueError):
        status = None
    finally:
        con.close()
    return status, time.perf_counter() - started


def frame_counts(status: dict) -> tuple[int, int]:
    """(dropped, animated) so far; the animated count is kept for 2 minutes of frames."""
    return int(status["dropped_frames"]), int(status["frame_work_ms"].get("count", 0))


def run(root: Path, seconds: float, attackers: list[str]) -> dict:
    port = free_port()
    (root / "config" / "kiosk.yaml").write_text(
        f"http: {{port: {port}, host: 127.0.0.1}}\nscreen: {{size: 1920x1080}}\n")
    status_file = root / f"status-{len(attackers)}.json"
    state = root / f"state-{len(attackers)}"
    env = {**kiosk_env(None), "STATE_DIRECTORY": str(state)}
    proc = subprocess.Popen([PYTHON, str(ROOT / "run_kiosk.py"), "run",
                             "--exhibits", str(root / "exhibits"),
                             "--config", str(root / "config" / "kiosk.yaml"),
                             "--size", "1920x1080", "--run-for", str(seconds),
                             "--status-file", str(status_file)], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + seconds
    answers: list[float] = []
    failures = 0
    slow = None
    first = last = None
    try:
        while time.monotonic() < end - 2 and get_status(port)[0] is None:  # serving
            time.sleep(0.2)
        time.sleep(WARM_UP_S)  # past the first decodes and layouts of the show
        if attackers:
            slow = SlowClients(port, attackers, until=end)
            slow.start()
            time.sleep(3)  # every slow client has its connection and is sending
        while time.monotonic() < end - 2 and proc.poll() is None:
            status, took = get_status(port)
            if status is not None:
                answers.append(took)
                first = first or frame_counts(status)
                last = frame_counts(status)
            else:
                failures += 1
            time.sleep(0.5)
    finally:
        if slow is not None:
            slow.stop()
        _, err = proc.communicate(timeout=seconds + 60)
    if proc.returncode != 0:
        raise SystemExit(f"the kiosk failed ({proc.returncode}):\n{err[-2000:]}")
    final = json.loads(status_file.read_text())
    if first is None or last is None:
        raise SystemExit("no normal request was answered")
    return {"answers": answers, "failures": failures, "status": final,
            "window": (last[0] - first[0], last[1] - first[1]),
            "slow": None if slow is None else (slow.opened, slow.cut, slow.bytes)}


def describe(name: str, result: dict) -> tuple[float, float, float]:
    answers, status = result["answers"], result["status"]
    dropped, animated = result["window"]
    share = 100 * dropped / max(animated, 1)
    med = statistics.median(answers) * 1000 if answers else float("nan")
    worst = max(answers) * 1000 if answers else float("nan")
    print(f"{name}: {len(answers)} normal GET /status answered, {result['failures']} failed; "
          f"answer time median {med:.1f} ms, max {worst:.1f} ms")
    print(f"{' ' * len(name)}  while measuring: {animated} animated frames, dropped "
          f"{dropped} = {share:.3f} % (whole run, start-up included: {status['dropped_frames']}"
          f" of {status['frame_work_ms'].get('count', 0)})")
    if result["slow"] is not None:
        opened, cut, sent = result["slow"]
        print(f"{' ' * len(name)}  slow clients: {opened} connections opened, {cut} cut by "
              f"the kiosk, {sent} bytes sent one at a time")
    return med, worst, share


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--addresses", type=int, default=10)
    args = parser.parse_args()
    attackers = [f"127.0.0.{2 + i % args.addresses}" for i in range(args.clients)]
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for folder in ("exhibits", "assets", "config"):
            (root / folder).mkdir()
        for n in range(6):
            camera_like(root / "assets" / f"p{n}.jpg", 1920, 1080, seed=n)
        (root / "exhibits" / "a.yaml").write_text(
            "title: Bench\ndefaults: {duration: 2s, transition: crossfade 1s}\nitems:\n"
            + "".join(f"  - photo: p{n}.jpg\n    caption: Photo {n}\n" for n in range(6)))
        print(f"{os.cpu_count()} cores; {args.seconds:.0f} s per run, headless 1920x1080, "
              "crossfades every 2 s", flush=True)
        reference = run(root, args.seconds, [])
        attacked = run(root, args.seconds, attackers)
    ref_med, _, ref_drop = describe("reference", reference)
    med, worst, drop = describe(f"{args.clients} slow clients", attacked)
    print(f"\nwith the attack: answer median {med / ref_med:.2f}x the reference, max "
          f"{worst:.0f} ms [target < 1000 ms]; dropped {drop:.3f} % vs {ref_drop:.3f} % "
          "[target <= 0.1 %]")


if __name__ == "__main__":
    main()
