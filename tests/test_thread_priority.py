"""Work wanted on a later step runs below the render loop's priority; work the frame on
screen waits for (a clip's decoder) does not (see kiosk/thread_priority.py)."""

from __future__ import annotations

import os
import threading
from pathlib import Path

from kiosk.media.images import load_image
from kiosk.media.photo_cache import PhotoCache, Request
from kiosk.media.video import VideoReader
from kiosk.thread_priority import BACKGROUND_NICE
from tests.clips import make_clip
from tests.conftest import wait_for, write_image


def nice_here() -> int:
    return os.getpriority(os.PRIO_PROCESS, threading.get_native_id())


def test_a_photo_for_a_later_step_decodes_below_the_render_thread(tmp_path: Path) -> None:
    seen: list[int] = []

    def decode(path, *args):
        seen.append(nice_here())
        return load_image(path, *args)

    render = nice_here()
    with PhotoCache(10**7, (320, 180), workers=2, decode=decode) as cache:
        cache.want([Request("a", write_image(tmp_path / "a.png"), "contain")])
        wait_for(lambda: cache.state("a") == "ready")
    assert seen == [min(19, render + BACKGROUND_NICE)]
    assert nice_here() == render  # the caller keeps its own


def test_a_clip_decodes_at_the_render_threads_priority(tmp_path: Path) -> None:
    clip = make_clip(tmp_path / "c.mp4", seconds=1.0)
    reader = VideoReader(clip, (160, 120), queue_frames=2).start()
    try:
        wait_for(lambda: reader.queued)
        thread = next(t for t in threading.enumerate() if t.name == "kiosk-video")
        assert os.getpriority(os.PRIO_PROCESS, thread.native_id) == nice_here()
    finally:
        reader.stop()
