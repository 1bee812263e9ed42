"""Work wanted on a later step runs below the render loop's priority; work the frame on
screen waits for (a clip's decoder) does not (see kiosk/thread_priority.py)."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from kiosk.media.images import load_image
from kiosk.media.photo_cache import PhotoCache, Request
from kiosk.media.video import VideoReader
from kiosk.thread_priority import BACKGROUND_NICE
from tests.clips import make_clip
from tests.conftest import ROOT, wait_for, write_image


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


POOL_CHECK = """
import os, sys, threading
import cv2, numpy as np
from kiosk.media.video_fit import warm_up
from kiosk.thread_priority import run_in_background
if sys.argv[1] == "warm":
    warm_up((640, 360))  # what Parts.open does before any worker starts (a small window)
def photo_worker():
    run_in_background()
    cv2.cvtColor(np.zeros((1620, 1920), np.uint8), cv2.COLOR_YUV2BGRA_I420)
t = threading.Thread(target=photo_worker)
t.start()
t.join()
base = os.getpriority(os.PRIO_PROCESS, 0)
for tid in os.listdir("/proc/self/task"):
    if int(tid) != t.native_id:  # (an ended thread can linger there a moment)
        print(os.getpriority(os.PRIO_PROCESS, int(tid)) - base)
"""


@pytest.mark.parametrize("start, lowered", [("warm", False), ("cold", True)])
def test_opencvs_workers_keep_the_render_threads_priority(start: str, lowered: bool) -> None:
    """OpenCV's worker threads take the priority of the thread that first needs them.
    Warmed up on the render thread at start-up, they stay at its priority when a
    background photo decode uses them first; cold, they would convert the render
    thread's clip frames in the background too."""
    out = subprocess.run([sys.executable, "-c", POOL_CHECK, start], capture_output=True,
                         text=True, timeout=60, check=True, cwd=ROOT).stdout
    offsets = [int(line) for line in out.split()]
    assert len(offsets) >= 2  # the main thread and OpenCV's pool (the worker has ended)
    assert (BACKGROUND_NICE in offsets) is lowered, offsets
