"""The photo cache as the render loop relies on it: never blocks, stays in budget, survives.

Timing is driven by Events and semaphores held by a fake decoder; waits only poll for a
result with a generous deadline, they never sleep to make something happen.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest

from kiosk.media.images import ImageError, fit_size, load_image
from kiosk.media.photo_cache import PhotoCache, Request, Result
from tests.conftest import wait_for

DEADLINE_S = 10.0
SCREEN = (40, 30)
UNIT = SCREEN[0] * SCREEN[1] * 3  # bytes of one screen-sized BGR image


# ------------------------------------------------------------------------- helpers


class FakeDecoder:
    """Records what it is asked to decode; can hold each decode until the test allows it."""

    def __init__(self, gated: bool = False, errors: dict[str, BaseException] | None = None):
        self.calls: list[str] = []
        self.entered: queue.SimpleQueue[str] = queue.SimpleQueue()
        self.errors = errors or {}
        self._tokens = threading.Semaphore(0)
        self._open = threading.Event()
        if not gated:
            self._open.set()
        self.on_call: Callable[[], None] | None = None

    def allow(self, n: int = 1) -> None:
        self._tokens.release(n)

    def hold(self) -> None:
        """Hold decodes from now on (and forget which ones already started)."""
        self._open.clear()
        while self._tokens.acquire(blocking=False):
            pass
        while not self.entered.empty():
            self.entered.get_nowait()

    def open(self) -> None:
        self._open.set()
        self._tokens.release(1000)

    def __call__(self, path, w, h, fit, max_pixels, background):
        name = Path(path).name
        self.calls.append(name)
        if self.on_call:
            self.on_call()
        self.entered.put(name)
        if not self._open.is_set():
            assert self._tokens.acquire(timeout=DEADLINE_S), "test never released the decode"
        if name in self.errors:
            raise self.errors[name]
        return np.full((h, w, 3), len(self.calls) % 256, np.uint8)

    def next_entered(self) -> str:
        return self.entered.get(timeout=DEADLINE_S)


def req(name: str, fit: str = "contain", folder: Path = Path("/photos")) -> Request:
    return Request(name, folder / name, fit)


def wait_until(predicate: Callable[[], bool], what: str) -> None:
    try:
        wait_for(predicate, DEADLINE_S)
    except AssertionError:
        raise AssertionError(f"timed out waiting for {what}") from None


def wait_ready(cache: PhotoCache, *keys: str) -> None:
    wait_until(lambda: all(cache.state(k) == "ready" for k in keys), f"{keys} ready")


def collect(cache: PhotoCache, n: int) -> list[Result]:
    out: list[Result] = []

    def enough() -> bool:
        out.extend(cache.poll())
        return len(out) >= n

    wait_until(enough, f"{n} results")
    return out


def photo_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name.startswith("kiosk-photo")]


@pytest.fixture(autouse=True)
def no_leaked_threads():
    yield
    assert photo_threads() == [], "a test left photo workers running"


# --------------------------------------------------------------------- real decode


def test_real_decode_is_ready_at_the_fitted_size(tmp_path, make_image):
    """Guards against caching the full-size photo, or one entry for both fits."""
    wide = make_image(tmp_path / "wide.png", 400, 300)
    tall = make_image(tmp_path / "tall.jpg", 300, 400)
    screen = (200, 100)
    with PhotoCache(10 * 200 * 100 * 3, screen, workers=2) as cache:
        cache.want([Request("wide", wide, "contain"), Request("tall", tall, "cover")])
        results = collect(cache, 2)
        assert {r.key for r in results} == {"wide", "tall"}
        assert all(r.error is None and r.decode_ms >= 0 for r in results)

        w, h = fit_size(400, 300, *screen, "contain")
        assert cache.state("wide") == "ready"
        assert cache.get("wide").shape == (h, w, 3)
        assert cache.get("tall").shape == (100, 200, 3)
        assert cache.get("tall").dtype == np.uint8
        with pytest.raises(ValueError):
            cache.get("tall")[0, 0] = 0  # shared with other frames: read-only

        # The same photo with another fit is another entry; the old one is still there.
        cache.want([Request("wide", wide, "cover")])
        wait_ready(cache, "wide")
        assert cache.get("wide").shape == (100, 200, 3)
        assert cache.get("wide", fit="contain").shape == (h, w, 3)
        assert cache.entries == 3


def test_screen_size_change_decodes_again_at_the_new_size(tmp_path, make_image):
    photo = make_image(tmp_path / "p.png", 400, 300)
    with PhotoCache(10**7, (200, 100)) as cache:
        cache.want([Request("p", photo, "cover")])
        wait_ready(cache, "p")
        cache.set_screen_size((80, 60))
        assert cache.state("p") == "pending"
        wait_ready(cache, "p")
        assert cache.get("p").shape == (60, 80, 3)


def test_bad_files_fail_with_a_reason_and_the_worker_goes_on(tmp_path, make_image):
    """Guards against one unreadable file stopping every later photo."""
    corrupt = tmp_path / "corrupt.jpg"
    corrupt.write_bytes(b"\xff\xd8\xff\xe0" + b"\x00garbage" * 10)
    good = make_image(tmp_path / "good.png", 80, 60)
    calls: list[str] = []

    def counting(path, *args):
        calls.append(Path(path).name)
        return load_image(path, *args)

    with PhotoCache(10**7, SCREEN, workers=1, decode=counting) as cache:
        wanted = [
            Request("missing", tmp_path / "missing.jpg", "contain"),
            Request("corrupt", corrupt, "contain"),
            Request("good", good, "contain"),
        ]
        cache.want(wanted)
        results = {r.key: r for r in collect(cache, 3)}
        assert cache.state("missing") == "failed"
        assert cache.failure("missing") == "file not found"
        assert results["missing"].error == "file not found"
        assert results["missing"].image is None
        assert cache.state("corrupt") == "failed"
        assert cache.failure("corrupt")
        assert cache.state("good") == "ready"
        assert cache.stats.failures == 2 and cache.stats.decodes == 1

        # Remembered: wanting them again does not decode (or log) them again.
        cache.want([])
        cache.want(wanted)
        assert cache.state("missing") == "failed"
        cache.forget_failures()
        collect(cache, 2)
        assert calls.count("missing.jpg") == 2 and calls.count("good.png") == 1


# ------------------------------------------------------------------------ priority


def test_first_decode_is_the_current_photo():
    """Guards against prefetch of later items delaying the one due on screen."""
    dec = FakeDecoder(gated=True)
    with PhotoCache(10 * UNIT, SCREEN, workers=1, decode=dec) as cache:
        cache.want([req("cur"), req("next"), req("prev"), req("after")])
        assert dec.next_entered() == "cur"
        dec.open()
        collect(cache, 4)
    assert dec.calls == ["cur", "next", "prev", "after"]


def test_new_want_drops_queued_work_that_is_no_longer_wanted():
    """Guards against a fast swipe decoding every photo it skipped past."""
    dec = FakeDecoder(gated=True)
    with PhotoCache(10 * UNIT, SCREEN, workers=1, decode=dec) as cache:
        cache.want([req("a"), req("b"), req("c")])
        assert dec.next_entered() == "a"  # a is in flight, b and c queued
        cache.want([req("d"), req("e")])
        assert cache.state("b") == "absent"
        assert cache.state("a") == "pending"  # still running
        dec.open()
        results = collect(cache, 3)
        # The in-flight decode finished and was kept, as there was room.
        assert [r.key for r in results] == ["a", "d", "e"]
        assert results[0].image is not None
        assert cache.state("a") == "ready"
    assert dec.calls == ["a", "d", "e"]


def test_in_flight_decode_that_no_longer_fits_is_not_kept():
    """Guards against a skipped-past photo evicting the neighbours the visitor came back to."""
    dec = FakeDecoder()
    with PhotoCache(2 * UNIT, SCREEN, workers=1, decode=dec) as cache:
        cache.want([req("x"), req("y")])
        wait_ready(cache, "x", "y")
        dec.hold()
        cache.want([req("a")])
        assert dec.next_entered() == "a"
        cache.want([req("x"), req("y")])  # swiped back before a finished
        dec.open()
        [result] = collect(cache, 3)[2:]
        assert result == (result.key, None, None, result.decode_ms, "contain", SCREEN)
        assert result.key == "a"
        assert cache.state("a") == "absent"
        assert cache.state("x") == cache.state("y") == "ready"
        assert cache.stats.discarded == 1 and cache.stats.evictions == 0
    assert dec.calls == ["x", "y", "a"]


# -------------------------------------------------------------------------- budget


def test_byte_budget_holds_over_a_long_slideshow():
    """Guards against memory growing with the number of photos shown (days-long runs)."""
    budget = 5 * UNIT
    over: list[int] = []
    dec = FakeDecoder()
    with PhotoCache(budget, SCREEN, workers=2, decode=dec) as cache:
        dec.on_call = lambda: over.append(cache.bytes_used) if cache.bytes_used > budget else None
        names = [f"p{i}" for i in range(50)]
        for i, name in enumerate(names):
            wanted = [name, *names[i + 1 : i + 2], *names[max(0, i - 1) : i], *names[i + 2 : i + 3]]
            cache.want([req(n) for n in wanted])
            wait_ready(cache, *wanted)
            for r in cache.poll():
                assert r.error is None
            assert cache.bytes_used <= budget
            assert cache.entries <= 5
        assert over == []
        assert cache.stats.evictions >= 40
        assert cache.stats.decodes == 50
        # Each photo was prefetched before it came up, except the very first.
        assert (cache.stats.hits, cache.stats.misses) == (49, 1)


def test_unwanted_entries_are_evicted_least_important_first_and_wanted_kept():
    budget = 5 * UNIT
    with PhotoCache(budget, SCREEN, workers=1, decode=FakeDecoder()) as cache:
        cache.want([req("u0"), req("u1"), req("u2")])
        wait_ready(cache, "u0", "u1", "u2")

        cache.want([req("w0"), req("w1"), req("w2")])
        wait_ready(cache, "w0", "w1", "w2")
        # 6 units wanted in 5: only the least important unwanted one went.
        assert [cache.state(k) for k in ("u0", "u1", "u2")] == ["ready", "ready", "absent"]

        cache.want([req("v0"), req("v1"), req("v2")])
        wait_ready(cache, "v0", "v1", "v2")
        # u1, u0 (older) then w2 (least important of the last list) made room.
        states = {k: cache.state(k) for k in ("u0", "u1", "w0", "w1", "w2")}
        assert states == {"u0": "absent", "u1": "absent", "w0": "ready", "w1": "ready",
                          "w2": "absent"}
        assert cache.bytes_used == budget
        assert cache.stats.evictions == 4


def test_decoding_says_whether_a_decode_is_queued_or_running_not_what_never_fits():
    """The show's first moving picture stays still while this is true: it must turn
    false once the wanted photos are in, even when some of them can never fit."""
    dec = FakeDecoder(gated=True)
    with PhotoCache(2 * UNIT, SCREEN, workers=1, decode=dec) as cache:
        assert not cache.decoding()
        cache.want([req("a"), req("b"), req("c")])  # c is beyond the budget
        assert cache.decoding()
        assert dec.next_entered() == "a"
        dec.allow()
        assert dec.next_entered() == "b"  # a done, b running
        assert cache.decoding()
        dec.allow()
        wait_ready(cache, "a", "b")
        wait_until(lambda: not cache.decoding(), "the worker idle")
        assert cache.state("c") == "pending"  # wanted, never decoded: not waited for


def test_wanted_set_over_budget_sheds_the_least_important_and_warns_once(caplog):
    """Guards against decode/evict churn when the budget is smaller than the prefetch."""
    dec = FakeDecoder()
    with caplog.at_level(logging.WARNING, logger="kiosk.media.photo_cache"):
        with PhotoCache(3 * UNIT, SCREEN, workers=1, decode=dec) as cache:
            cache.want([req("a"), req("b"), req("c")])
            wait_ready(cache, "a", "b", "c")
            cache.want([req("d"), req("a"), req("b"), req("c")])
            wait_ready(cache, "d")
            assert [cache.state(k) for k in "abc"] == ["ready", "ready", "pending"]
            assert cache.bytes_used == 3 * UNIT
            cache.want([req("e"), req("d"), req("a"), req("b")])
            wait_ready(cache, "e")
            assert cache.state("b") == "pending"
        warnings = [r for r in caplog.records if "budget" in r.getMessage()]
        assert len(warnings) == 1
    assert dec.calls == ["a", "b", "c", "d", "e"]  # nothing decoded only to be thrown away


def test_current_photo_is_kept_even_when_alone_over_budget():
    dec = FakeDecoder()
    with PhotoCache(UNIT // 2, SCREEN, workers=1, decode=dec) as cache:
        cache.want([req("cur"), req("next")])
        wait_ready(cache, "cur")
        assert cache.bytes_used == UNIT
        assert cache.state("next") == "pending"
        cache.want([req("next"), req("cur")])
        wait_ready(cache, "next")
        assert cache.state("cur") == "pending"  # still wanted, evicted, not re-decoded
        assert cache.bytes_used == UNIT
    assert dec.calls == ["cur", "next"]


# ------------------------------------------------------------------ threads, errors


def test_stop_reports_a_stuck_decode_and_joins_once_it_returns(caplog):
    """Guards against exit hanging silently on a decode that never returns."""
    dec = FakeDecoder(gated=True)
    cache = PhotoCache(10 * UNIT, SCREEN, workers=2, decode=dec).start()
    cache.want([req("stuck")])
    assert dec.next_entered() == "stuck"
    with caplog.at_level(logging.WARNING, logger="kiosk.media.photo_cache"):
        assert cache.stop(timeout_s=0.05) is False
    assert "stuck" in caplog.text
    wait_until(lambda: len(photo_threads()) == 1, "the idle worker to leave")
    dec.open()
    assert cache.stop() is True
    assert photo_threads() == []
    assert cache.poll() == []  # work finishing after stop is dropped


def test_stop_joins_idle_workers_and_is_idempotent():
    cache = PhotoCache(UNIT, SCREEN, workers=3, decode=FakeDecoder())
    with cache:
        assert len(photo_threads()) == 3
        assert all(not t.daemon for t in cache.threads)
    assert photo_threads() == []
    assert cache.stop() is True
    with pytest.raises(RuntimeError):
        cache.start()


def test_stop_drops_queued_work():
    dec = FakeDecoder(gated=True)
    cache = PhotoCache(10 * UNIT, SCREEN, workers=1, decode=dec).start()
    cache.want([req("a"), req("b"), req("c")])
    assert dec.next_entered() == "a"
    dec.allow()
    assert cache.stop() is True
    assert dec.calls == ["a"]


@pytest.mark.parametrize(
    ("error", "reason"),
    [
        (RuntimeError("boom"), "RuntimeError: boom"),
        (MemoryError("out"), "MemoryError: out"),
        (ImageError("file is truncated"), "file is truncated"),
    ],
)
def test_decoder_exception_fails_that_photo_only(error, reason, caplog):
    """Guards against a decoder bug killing the worker and freezing every later photo."""
    dec = FakeDecoder(errors={"bad": error})
    with PhotoCache(10 * UNIT, SCREEN, workers=1, decode=dec) as cache:
        cache.want([req("bad"), req("good")])
        results = {r.key: r for r in collect(cache, 2)}
        assert results["bad"].error == reason
        assert cache.state("bad") == "failed"
        assert cache.failure("bad") == reason
        assert cache.state("good") == "ready"
        assert all(t.is_alive() for t in cache.threads)
    assert "/photos/bad" in caplog.text


def test_decoder_returning_no_image_is_a_failure():
    def broken(path, *args):
        return None if Path(path).name == "none" else np.zeros((3, 3, 3), np.uint8)

    with PhotoCache(UNIT, SCREEN, decode=broken) as cache:
        cache.want([req("none"), req("ok")])
        collect(cache, 2)
        assert cache.failure("none").startswith("TypeError")
        assert cache.state("ok") == "ready"


def test_bug_in_bookkeeping_is_logged_and_the_worker_carries_on(caplog, monkeypatch):
    """Guards against a worker dying silently (the loop would wait for photos forever)."""
    cache = PhotoCache(10 * UNIT, SCREEN, workers=1, decode=FakeDecoder())
    real_insert = cache._insert_locked
    broke = []

    def insert_once_broken(ek, image):
        if not broke:
            broke.append(ek.key)
            raise KeyError("simulated bug")
        return real_insert(ek, image)

    monkeypatch.setattr(cache, "_insert_locked", insert_once_broken)
    with caplog.at_level(logging.ERROR, logger="kiosk.media.photo_cache"), cache:
        cache.want([req("a"), req("b")])
        wait_ready(cache, "b")
        assert cache.state("a") == "failed"  # not retried in a loop
        assert "internal error" in cache.failure("a")
        assert all(t.is_alive() for t in cache.threads)
    assert "unexpected error" in caplog.text


def test_render_thread_calls_never_wait_for_a_decode():
    """Guards against a dropped frame (or a frozen screen) while a big photo decodes."""
    dec = FakeDecoder(gated=True)
    with PhotoCache(10 * UNIT, SCREEN, workers=2, decode=dec) as cache:
        cache.want([req("a"), req("b"), req("c")])
        assert {dec.next_entered(), dec.next_entered()} == {"a", "b"}  # both workers held
        done = threading.Event()

        def frames():
            for i in range(200):
                order = ["a", "b", "c", f"x{i % 3}"]
                cache.want([req(n) for n in (order if i % 2 else order[::-1])])
                cache.poll()
                cache.get("a")
                cache.state("c")
                cache.failure("b")
                _ = cache.bytes_used, cache.entries, cache.stats
            cache.forget_failures()
            done.set()

        render = threading.Thread(target=frames, name="fake-render")
        render.start()
        try:
            assert done.wait(DEADLINE_S), "render-thread call blocked behind a decode"
        finally:
            dec.open()
            render.join(DEADLINE_S)
    assert not render.is_alive()


def test_want_every_frame_with_the_same_list_is_a_no_op():
    dec = FakeDecoder()
    with PhotoCache(10 * UNIT, SCREEN, decode=dec) as cache:
        wanted = [req("a"), req("b")]
        for _ in range(100):
            cache.want(list(wanted))
        collect(cache, 2)
        for _ in range(100):
            cache.want(list(wanted))
        assert cache.poll() == []
        assert dec.calls == ["a", "b"]
        assert cache.stats.misses == 1 and cache.stats.hits == 0
        assert cache.state("never") == "absent"
        assert cache.get("never") is None


def test_request_from_a_manifest_photo_and_no_work_after_stop():
    photo = SimpleNamespace(key="/show/a.jpg", path=Path("/show/a.jpg"), fit="cover")
    assert Request.of(photo) == Request("/show/a.jpg", Path("/show/a.jpg"), "cover")
    dec = FakeDecoder()
    cache = PhotoCache(UNIT, SCREEN, decode=dec).start()
    assert cache.stop() is True
    cache.want([Request.of(photo)])
    assert dec.calls == []


@pytest.mark.filterwarnings("ignore::pytest.PytestUnhandledThreadExceptionWarning")
def test_a_worker_killed_by_its_decoder_is_replaced(tmp_path):
    """A BaseException (not an Exception) ends the worker thread; the loop's revive()
    starts a new one and the show's photos decode again."""
    import threading as _threading

    from kiosk.media.images import load_image
    from kiosk.media.photo_cache import PhotoCache, Request
    from tests.conftest import write_image

    good = write_image(tmp_path / "good.png", 64, 48)
    bad = write_image(tmp_path / "bad.png", 64, 48)

    def decode(path, *args, **kwargs):
        if str(path).endswith("bad.png"):
            raise SystemExit("a decoder that takes its thread down")
        return load_image(path, *args, **kwargs)

    cache = PhotoCache(8 * 2**20, (64, 48), 10**8, decode=decode)
    with cache:
        cache.want([Request("bad", bad, "contain")])
        deadline = _threading.Event()
        for _ in range(200):
            if not any(t.is_alive() for t in cache.threads):
                break
            deadline.wait(0.01)
        assert not any(t.is_alive() for t in cache.threads)
        assert cache.revive() == 1
        cache.want([Request("good", good, "contain")])
        for _ in range(200):
            if cache.state("good") == "ready":
                break
            deadline.wait(0.01)
        assert cache.state("good") == "ready"
