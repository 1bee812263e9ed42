"""What a staff PIN check costs, and that the render loop does not feel it.

(a) cost: ``check_pin`` against a hash made with the kiosk's iteration count, median of
    --reps, as a ratio to the previous count (200,000) measured in the same run; and
    what that means for someone guessing offline from a copied settings file, on one
    core of this machine (every 4-digit and every 6-digit PIN).
(b) the loop: a 60 Hz loop on the main thread (sleep to each deadline, a little work)
    runs once with the staff worker idle and once while it checks PINs back to back.
    Reported: the worst lateness of a frame in each run, which should stay well below
    one frame (16.7 ms) as the hash releases the GIL; for reference, the same loop
    checking a PIN on its own thread twice a second (what the kiosk did before).

    python benchmarks/pin_check.py [--reps 9] [--seconds 3]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from kiosk.visitor.staff_pin import ITERATIONS, check_pin, hash_pin
from kiosk.visitor.staff_store import LockStore, StaffWorker

PREVIOUS = 200_000


def median_check_s(stored: str, reps: int) -> float:
    times = []
    for _ in range(reps):
        t = time.perf_counter()
        check_pin("0000", stored)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def worst_lateness_s(seconds: float, worker: StaffWorker | None, stored: str,
                     inline_every: int = 0) -> float:
    """Run a 60 Hz loop; with a worker, keep it checking PINs the whole time; with
    ``inline_every``, check a PIN on the loop's own thread every that many frames."""
    interval = 1 / 60
    start = time.perf_counter()
    deadline, worst, pending, frame = start, 0.0, 0, 0
    while deadline - start < seconds:
        deadline += interval
        frame += 1
        if inline_every and frame % inline_every == 0:
            check_pin("0000", stored)
        if worker is not None:
            while worker.poll() is not None:
                pending -= 1
            if pending == 0:
                worker.check("0000", stored)
                pending = 1
        sum(range(2000))  # a little frame work
        wait = deadline - time.perf_counter()
        if wait > 0:
            time.sleep(wait)
        worst = max(worst, time.perf_counter() - deadline)
    return worst


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reps", type=int, default=9)
    parser.add_argument("--seconds", type=float, default=3.0)
    args = parser.parse_args()

    now_hash, old_hash = hash_pin("2468"), hash_pin("2468", iterations=PREVIOUS)
    cost = median_check_s(now_hash, args.reps)
    old = median_check_s(old_hash, args.reps)
    print(f"(a) check_pin at {ITERATIONS:,} iterations: {cost * 1000:.0f} ms "
          f"= {cost / old:.2f}x the {PREVIOUS:,}-iteration check ({old * 1000:.0f} ms)")
    for digits in (4, 6):
        hours = 10 ** digits * cost / 3600
        print(f"    every {digits}-digit PIN, one core: {hours:,.1f} h")

    idle = worst_lateness_s(args.seconds, None, now_hash)
    worker = StaffWorker(LockStore(Path(tempfile.mkdtemp(prefix="kiosk-bench-state-"))))
    worker.start()
    try:
        busy = worst_lateness_s(args.seconds, worker, now_hash)
    finally:
        worker.stop()
    inline = worst_lateness_s(args.seconds, None, now_hash, inline_every=30)
    print(f"(b) worst frame lateness at 60 Hz: worker idle {idle * 1000:.2f} ms, "
          f"worker checking PINs back to back {busy * 1000:.2f} ms; "
          f"the check on the loop's own thread {inline * 1000:.0f} ms "
          f"({inline / max(busy, 1e-4):.0f}x; one frame is 16.7 ms)")


if __name__ == "__main__":
    main()
