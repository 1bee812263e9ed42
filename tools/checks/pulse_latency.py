"""The kiosk learns its sound's real latency from a sound server.

A private PulseAudio server (started here and stopped on the way out) plays into a sound
card that this check plays itself: a FIFO read 5 ms at a time at a fixed pace, holding
170 ms. The kiosk's mixer opens through SDL's pulseaudio driver; the latency the kiosk
then reports to its clips' clocks must cover that card buffer (the clock assumed 21 ms
before), and closing the sound must stop the worker that asks the server.

    python tools/checks/pulse_latency.py
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(1, str(ROOT))
from _pulse import CHANNELS, RATE, SoundCard, pulse_server  # noqa: E402

CARD_BYTES = 32768


def main() -> int:
    problems: list[str] = []
    with tempfile.TemporaryDirectory() as tmp, pulse_server() as server:
        card = SoundCard(server, Path(tmp) / "card.raw", CARD_BYTES)
        card.start()
        try:
            os.environ.update(server.client_env({}), SDL_AUDIODRIVER="pulseaudio")
            os.environ.pop("KIOSK_SOUND_LATENCY", None)
            from kiosk.media.audio import reported_latency
            from kiosk.media.sound_device import SoundDevice

            device = SoundDevice()
            if not device.open():
                return fail(["the mixer did not open on the PulseAudio server"])
            deadline = time.monotonic() + 10
            while reported_latency() is None and time.monotonic() < deadline:
                time.sleep(0.05)
            latency = reported_latency()
            card_s = card.buffer_bytes / (2 * CHANNELS) / RATE
            if latency is None:
                problems.append("no latency reported within 10 s")
            elif not card_s * 0.5 <= latency <= card_s + 0.3:
                problems.append(f"reported {latency * 1000:.0f} ms for a card holding "
                                f"{card_s * 1000:.0f} ms")
            if not device.close():
                problems.append("the latency worker did not stop")
            if reported_latency() is not None:
                problems.append("a latency is still reported after the sound closed")
        finally:
            card.stop()
    if problems:
        return fail(problems)
    print(f"ok: the kiosk reports {latency * 1000:.0f} ms of sound latency on a card "
          f"holding {card_s * 1000:.0f} ms (it assumed 21 ms before)")
    return 0


def fail(problems: list[str]) -> int:
    for p in problems:
        print(f"FAIL: {p}")
    return 1


if __name__ == "__main__":
    sys.exit(main())
