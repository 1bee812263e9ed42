"""Clips inside the show: gapless hand-overs, frames in order, bad files skipped."""

from __future__ import annotations

import itertools
import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pygame
import pytest

from kiosk.media.audio import init_mixer
from kiosk.media.photo_cache import PhotoCache
from kiosk.media.video import STALLED, VideoReader
from kiosk.playback.clips import MAX_STALLS, Clips
from kiosk.playback.clock import MonotonicClock
from kiosk.playback.player import CachedImages, Player
from kiosk.render.compositor import Compositor, Look
from kiosk.render.surfaces import pixels
from kiosk.render.text import TextRenderer
from kiosk.show.loader import LoadOptions, load_show
from kiosk.show.settings import default_fonts
from tests.clips import frame_number, make_clip, truncate
from tests.conftest import ROOT, ShowDir, wait_for, write_image

SIZE = (320, 240)


def live_player(show_dir: ShowDir, now: float, cache_bytes: int = 2**20
                ) -> tuple[Player, Clips, PhotoCache]:
    """The show's player with real clips and a photo cache, as the loop has them."""
    show = load_show(LoadOptions(show_dir.exhibits, show_dir.assets)).show
    fonts = default_fonts()
    compositor = Compositor(SIZE, TextRenderer(fonts.text, fonts.heading), Look())
    cache = PhotoCache(cache_bytes, SIZE, 10**8)
    clips = Clips(SIZE, compositor)
    return Player(show, compositor, CachedImages(cache), now, clips=clips), clips, cache


def drive(player: Player, cache: PhotoCache, target: pygame.Surface, seconds: float
          ) -> Iterator[object]:
    """Run the player as the loop does for ``seconds``, at 60 Hz: each frame, once drawn
    onto ``target``."""
    clock = MonotonicClock()
    pacer = pygame.time.Clock()
    until = clock.now() + seconds
    while clock.now() < until:
        cache.poll()
        frame = player.update(clock.now())
        player.draw(target, frame)
        yield frame
        player.prepare()
        pacer.tick(60)


def play(show_dir: ShowDir, seconds: float) -> tuple[list[np.ndarray], list, Player]:
    """Run the player as the loop does, recording every frame and what was on screen."""
    player, clips, cache = live_player(show_dir, MonotonicClock().now(), 64 * 2**20)
    target = pygame.Surface(SIZE, 0, 32)
    frames, steps = [], []
    with cache:
        try:
            for frame in drive(player, cache, target, seconds):
                frames.append(pygame.surfarray.array3d(target).swapaxes(0, 1).copy())
                steps.append(frame)
        finally:
            assert clips.stop()
    return frames, steps, player


@pytest.fixture(scope="module", autouse=True)
def mixer():
    init_mixer()  # SDL's dummy audio driver: the sound clock runs as on a real card
    yield
    pygame.mixer.quit()


def test_photo_clip_card_play_in_order_without_gaps(show_dir: ShowDir,
                                                    monkeypatch: pytest.MonkeyPatch):
    drawn_on: list[str] = []  # the threads the photo's and the card's layers were drawn on
    real_layer = Compositor.layer

    def layer(self, step, image):
        if not self.has_layer(step):
            drawn_on.append(threading.current_thread().name)
        return real_layer(self, step, image)

    monkeypatch.setattr(Compositor, "layer", layer)
    write_image(show_dir.assets / "red.png", 64, 48, (0, 0, 200))
    make_clip(show_dir.assets / "clip.mp4", 160, 120, 1.2, fps=25)
    show_dir.manifest("a.yaml", "items:\n  - photo: red.png\n    duration: 0.5s\n"
                                "    transition: crossfade 0.2s\n"
                                "  - video: clip.mp4\n    transition: crossfade 0.2s\n"
                                "    fit: cover\n"
                                "  - card: After\n    duration: 1s\n    transition: cut\n")
    frames, steps, player = play(show_dir, 3.4)
    kinds = [type(f.current).__name__ if f.current is not None else None for f in steps]
    assert "Video" in kinds and kinds.index("TextCard") > kinds.index("Video")
    first_picture = next(i for i, f in enumerate(frames) if f.max() > 0)
    blank = [i for i, f in enumerate(frames[first_picture:], first_picture) if f.max() < 8]
    assert blank == []  # no black frame anywhere, boundaries included
    # While the clip runs alone, its frames come in order (the picture follows the clock).
    numbers = [frame_number(f[:, :, ::-1]) for f, s in zip(frames, steps, strict=True)
               if type(s.current).__name__ == "Video" and s.previous is None]
    assert len(numbers) > 20
    assert all(b >= a for a, b in itertools.pairwise(numbers))
    assert numbers[-1] >= 25  # it played, not stuck on its first frame
    assert player.skipped == {}
    # Drawn ahead, off the render thread: 12-33 ms at 1080p would drop frames of the clip.
    assert drawn_on and set(drawn_on) == {"layers"}


def test_a_layer_the_layer_thread_cannot_draw_is_drawn_on_the_render_thread(
        show_dir: ShowDir, monkeypatch: pytest.MonkeyPatch):
    """Guards against a show held for ever on a step whose layer fails off the render
    thread: it is asked for once, then drawn where the loop survives a fault."""
    real_layer = Compositor.layer
    failed: list[str] = []

    def layer(self, step, image):
        if threading.current_thread() is not threading.main_thread():
            failed.append(threading.current_thread().name)
            raise RuntimeError("no fonts on this thread")
        return real_layer(self, step, image)

    monkeypatch.setattr(Compositor, "layer", layer)
    write_image(show_dir.assets / "red.png", 64, 48, (0, 0, 200))
    show_dir.manifest("a.yaml", "items:\n  - photo: red.png\n    duration: 0.4s\n"
                                "  - card: After\n    duration: 0.4s\n")
    frames, steps, _ = play(show_dir, 1.5)
    kinds = [type(s.current).__name__ for s in steps if s.current is not None]
    assert "Photo" in kinds and "TextCard" in kinds  # the show went on
    assert all(f.max() > 0 for f, s in zip(frames, steps, strict=True) if s.current)
    assert failed == ["layers", "layers"]  # each asked once, not once a frame


def test_a_layer_drawn_ahead_before_a_reload_is_not_kept(show_dir: ShowDir):
    """Guards against an old caption coming back: a layer asked for before a reload (or
    new fonts) and finished after it is dropped, and drawn again from the new show."""
    show_dir.manifest("a.yaml", "items:\n  - card: Before\n")
    card = load_show(LoadOptions(show_dir.exhibits, show_dir.assets)).show.exhibits[0].steps[0]
    fonts = default_fonts()
    compositor = Compositor(SIZE, TextRenderer(fonts.text, fonts.heading), Look())
    asked = compositor.generation
    drawn = compositor.twin().layer(card, None)
    compositor.forget()  # the show was reloaded meanwhile
    compositor.keep_layer(compositor.layer_key(card), drawn, asked)
    assert not compositor.has_layer(card)
    compositor.keep_layer(compositor.layer_key(card), drawn, compositor.generation)
    assert compositor.has_layer(card)


def test_a_broken_clip_is_skipped_and_the_show_goes_on(show_dir: ShowDir):
    write_image(show_dir.assets / "red.png", 64, 48, (0, 0, 200))
    # Fixed noise: some random bytes happen to look like a sound-only stream to FFmpeg.
    junk = np.random.default_rng(4).integers(0, 256, 4000, np.uint8).tobytes()
    (show_dir.assets / "junk.mp4").write_bytes(junk)
    show_dir.manifest("a.yaml", "items:\n  - photo: red.png\n    duration: 0.4s\n"
                                "  - video: junk.mp4\n  - card: After\n    duration: 2s\n")
    _, steps, player = play(show_dir, 1.5)
    assert any(type(s.current).__name__ == "TextCard" for s in steps)
    (path, reason), = player.skipped.items()
    assert path.endswith("junk.mp4") and "not a video" in reason


def test_a_clip_whose_decoder_stalled_plays_on_its_next_turn(
        show_dir: ShowDir, monkeypatch: pytest.MonkeyPatch):
    """Guards against a clip lost for the day after a slow start: its first open stalls
    (a card still waking up) and it is skipped, but it plays on its next turn."""
    opened = stalling_reader(monkeypatch, stalls=1)
    _, steps, player = play(stalled_show(show_dir), 3.5)
    kinds = [type(f.current).__name__ for f in steps if f.current is not None]
    first_card = kinds.index("TextCard")
    assert "Video" not in kinds[:first_card]  # the stalled first turn was skipped
    assert "Video" in kinds[first_card:]  # and the clip played on its next turn
    assert len(opened) >= 2
    assert player.skipped == {}  # it played: no longer reported as skipped
    assert STALLED not in player.clips.failed.values()


def test_a_clip_that_stalls_turn_after_turn_waits_for_its_file_to_change(
        show_dir: ShowDir, monkeypatch: pytest.MonkeyPatch):
    """A share that stays dead is not opened again every loop for ever."""
    opened = stalling_reader(monkeypatch, stalls=99)
    _, steps, player = play(stalled_show(show_dir), 6.0)
    assert len(opened) == MAX_STALLS
    assert sum(type(f.current).__name__ == "TextCard" for f in steps) > 0
    (path, reason), = player.skipped.items()
    assert path.endswith("clip.mp4") and reason == STALLED


def stalled_show(show_dir: ShowDir) -> ShowDir:
    write_image(show_dir.assets / "red.png", 64, 48, (0, 0, 200))
    make_clip(show_dir.assets / "clip.mp4", 160, 120, 1.0, fps=25)
    show_dir.manifest("a.yaml", "items:\n  - photo: red.png\n    duration: 0.4s\n"
                                "  - video: clip.mp4\n"
                                "  - card: After\n    duration: 0.5s\n")
    return show_dir


def stalling_reader(monkeypatch: pytest.MonkeyPatch, stalls: int) -> list[threading.Event]:
    """Clips whose first ``stalls`` opens answer only after 1 s, past a 0.3 s first-read
    limit; returns one entry per clip opened."""
    import kiosk.playback.clips as clips_module

    opened: list[threading.Event] = []

    def reader(*args, open_source, **kwargs):
        hung = threading.Event()
        first = len(opened) < stalls

        def source(path):
            if first:
                hung.wait(1.0)  # the first open answers long after the 0.3 s limit
            return open_source(path)

        opened.append(hung)
        return VideoReader(*args, open_source=source, stall_timeout_s=0.1,
                           first_read_timeout_s=0.3, **kwargs)

    monkeypatch.setattr(clips_module, "VideoReader", reader)
    return opened


def status_of_run(show_dir: ShowDir, tmp_path: Path, seconds: float) -> tuple[dict, str]:
    status = tmp_path / "status.json"
    env = {**os.environ, "SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy"}
    done = subprocess.run([sys.executable, str(ROOT / "run_kiosk.py"), "--exhibits",
                           str(show_dir.exhibits), "--windowed", "--size", "320x240",
                           "--run-for", str(seconds), "--status-file", str(status)],
                          capture_output=True, text=True, env=env, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    return json.loads(status.read_text()), done.stderr


def test_every_kind_of_bad_clip_in_the_running_kiosk(show_dir: ShowDir, tmp_path: Path):
    """Does not open, no moov, no video stream, corrupt half-way: skipped or ended early,
    one log line each, listed in the status file, and the show goes on."""
    a = show_dir.assets
    (a / "junk.mp4").write_bytes(os.urandom(5000))
    whole = make_clip(a / "whole.mp4", 160, 120, 2.0)
    truncate(whole, a / "nomoov.mp4", 0.6)
    make_clip(a / "sound-only.mp4", 160, 120, 1.0, video=False)
    data = bytearray(make_clip(a / "mid.mp4", 160, 120, 3.0, faststart=True).read_bytes())
    data[len(data) // 2:] = os.urandom(len(data) - len(data) // 2)  # damaged after the middle
    (a / "mid.mp4").write_bytes(bytes(data))
    write_image(a / "green.png", 64, 48, (0, 200, 0))
    show_dir.manifest("a.yaml", "items:\n" + "".join(
        f"  - video: {n}\n" for n in ("junk.mp4", "nomoov.mp4", "sound-only.mp4", "mid.mp4"))
        + "  - photo: green.png\n    duration: 1s\n")
    status, log = status_of_run(show_dir, tmp_path, 9)
    skipped = {Path(s["path"]).name: s["reason"] for s in status["skipped"]}
    assert {"junk.mp4", "nomoov.mp4", "sound-only.mp4"} <= set(skipped)
    assert "moov" in skipped["nomoov.mp4"] and "no video stream" in skipped["sound-only.mp4"]
    assert skipped["mid.mp4"].startswith("ended early")  # it played what it could
    assert status["loop_count"] >= 1  # and the show went round
    assert log.count("skipped junk.mp4") == 1


def test_clip_frames_are_counted_and_traced(show_dir: ShowDir, tmp_path: Path,
                                            monkeypatch: pytest.MonkeyPatch):
    """Frame counts during plain clip playback: the loop's own drop count only sees
    transitions, so a choppy clip would have looked perfect in the status file."""
    trace = tmp_path / "trace.txt"
    monkeypatch.setenv("KIOSK_TRACE_FRAMES", str(trace))
    make_clip(show_dir.assets / "clip.mp4", 160, 120, 1.2, fps=25)
    show_dir.manifest("a.yaml", "items:\n  - video: clip.mp4\n    transition: cut\n"
                                "  - card: After\n    duration: 2s\n    transition: cut\n")
    _, _, player = play(show_dir, 2.2)
    counts = player.clips.frame_summary()
    assert counts["clips"] == 1 and counts["decoded"] == 30
    assert counts["shown"] + counts["dropped"] == 30  # played to its end: every frame went
    assert counts["shown"] >= 25
    intervals = counts["interval_ms"]
    assert intervals["count"] == counts["shown"] - 1
    assert 30 <= intervals["p50"] <= 50  # 25 fps
    lines = [line.split(" ", 2) for line in trace.read_text().splitlines()]
    assert len(lines) == counts["shown"]
    times, pts = [float(t) for t, _, _ in lines], [float(p) for _, p, _ in lines]
    assert times == sorted(times) and pts == sorted(pts) and pts[0] == 0.0
    assert all(key.endswith("|" + lines[0][2].split("|")[-1]) for _, _, key in lines)


def test_the_status_file_has_clip_frames(show_dir: ShowDir, tmp_path: Path):
    make_clip(show_dir.assets / "clip.mp4", 160, 120, 1.0, fps=25)
    show_dir.manifest("a.yaml", "items:\n  - video: clip.mp4\n"
                                "  - card: After\n    duration: 3s\n")
    status, _ = status_of_run(show_dir, tmp_path, 4)
    counts = status["clip_frames"]
    assert counts["clips"] == 1 and counts["decoded"] == 25
    assert counts["shown"] + counts["dropped"] == 25 and counts["shown"] > 0


def play_numbers(show_dir: ShowDir, seconds: float) -> list[int]:
    """Run the player as the loop does; the clip frame number on screen at each frame."""
    return [frame_number(f) for f in play(show_dir, seconds)[0]]


def seams(numbers: list[int]) -> list[list[int]]:
    """The distinct pictures around each place where a clip starts over (the number on
    screen falls): two before and two after."""
    shown = [n for i, n in enumerate(numbers) if i == 0 or n != numbers[i - 1]]
    return [shown[i - 2 : i + 2] for i in range(2, len(shown) - 1) if shown[i] < shown[i - 1]]


@pytest.mark.parametrize("second", [None, "b.mp4"])
def test_a_clip_after_a_clip_starts_on_its_first_frame(show_dir: ShowDir,
                                                       monkeypatch: pytest.MonkeyPatch,
                                                       second: str | None) -> None:
    """Guards the seam of a one-clip loop (and of two clips in a row): the clip that
    follows shows its frame 0 straight after the last frame of the one before, with
    nothing skipped at either side, even from a slow disk (each open takes 0.2 s here).
    A one-clip loop used to reopen the file at the seam, so its clock ran while the
    file opened and the first frames were dropped late."""
    from kiosk.media import video_source

    opened = video_source.AvSource.__init__

    def slow_open(self: video_source.AvSource, *args: object, **kwargs: object) -> None:
        threading.Event().wait(0.2)  # an SD card or a network share, on the reader thread
        opened(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(video_source.AvSource, "__init__", slow_open)
    make_clip(show_dir.assets / "a.mp4", 160, 120, 0.6, fps=25)  # frames 0-14
    items = "items:\n  - video: a.mp4\n    transition: cut\n"
    if second is not None:
        make_clip(show_dir.assets / second, 160, 120, 0.4, fps=25)  # frames 0-9
        items += f"  - video: {second}\n    transition: cut\n"
    show_dir.manifest("a.yaml", items)
    found = seams(play_numbers(show_dir, 2.6))
    assert len(found) >= 3, found
    last = {14, 9} if second else {14}
    for seam in found:
        assert seam[0] + 1 == seam[1] and seam[1] in last, found
        assert seam[2:] == [0, 1], found


def test_a_first_clip_closed_mid_way_plays_from_its_start_when_the_show_opens_again(
        show_dir: ShowDir) -> None:
    """Closing time stops the clip on screen; opening starts the show from its beginning:
    a clip as its first item shows its frame 0 again, not the picture it closed on."""
    make_clip(show_dir.assets / "a.mp4", 160, 120, 2.0, fps=25)  # frames 0-49
    show_dir.manifest("a.yaml", "items:\n  - video: a.mp4\n    transition: cut\n"
                                "  - card: After\n    duration: 3s\n")
    clock = MonotonicClock()
    player, clips, cache = live_player(show_dir, clock.now(), 64 * 2**20)
    target = pygame.Surface(SIZE, 0, 32)

    def numbers(seconds: float) -> list[int]:
        return [frame_number(pixels(target)) for frame in drive(player, cache, target, seconds)
                if type(frame.current).__name__ == "Video"]

    with cache:
        try:
            before = numbers(1.0)
            assert max(before) >= 12, before  # half-way through when the show closes
            player.stop_clips()  # closing time
            player.restart(clock.now())  # opening time
            after = numbers(0.6)
        finally:
            assert clips.stop()
    assert after and after[0] <= 1 and min(after) == after[0], after
    assert after == sorted(after), after  # from its start onwards, never back


class _Reader:
    """The last picture's time is up at 5.0 s of the clip's clock."""

    def ends_by(self, clock_s: float) -> bool:
        return clock_s + 0.002 >= 5.0


class _Track:
    def __init__(self, left_s: float | None, has_audio: bool = True, ended: bool = False):
        self.has_audio, self.ended, self.left_s = has_audio, ended, left_s

    def sound_left_s(self) -> float | None:
        return self.left_s


@pytest.mark.parametrize(("t", "track", "paused", "over"), [
    (4.985, _Track(None, has_audio=False), False, True),  # the next refresh is past the end
    (4.975, _Track(None, has_audio=False), False, False),  # and one before that is not
    (4.985, _Track(None, has_audio=False), True, False),  # paused: the clock stands still
    (4.985, _Track(0.03), False, True),  # an encoder's padding of sound is not waited for
    (4.985, _Track(0.5), False, False),  # a longer sound holds the last picture
    (4.985, _Track(None, ended=True), False, True),
    (4.985, _Track(None), False, False),  # its sound not all decoded yet
])
def test_a_clips_end_is_reported_one_refresh_ahead(t, track, paused, over) -> None:
    """Guards the seam between clips: the end was reported once it had passed, so the
    next clip's first picture came a refresh late and the last one stayed a refresh too
    long at every seam (benchmarks/clip_seams.py: 1.5 periods, now 1.0)."""
    fonts = default_fonts()
    clips = Clips(SIZE, Compositor(SIZE, TextRenderer(fonts.text, fonts.heading), Look()),
                  frame_s=1 / 60)
    try:
        clip = type("C", (), {"reader": _Reader(), "track": track})()
        assert clips._over_by_next_refresh(clip, t, paused) is over
    finally:
        assert clips.stop()


@pytest.mark.parametrize("late_on", [0, 1])
def test_a_clip_at_the_screens_rate_shows_one_new_picture_a_refresh(show_dir: ShowDir,
                                                                    late_on: int):
    """A 60 fps clip on a 60 Hz screen, on a busy machine: the loop wakes 16 ms after
    every other refresh's deadline (the even or the odd ones) and at once otherwise.
    The clip's clock is read at the frame's deadline, so every refresh gets exactly the
    next picture; read at the waking time, pictures came two at one refresh (one
    dropped) and none at the next."""
    make_clip(show_dir.assets / "c.mp4", 64, 48, 1.5, fps=60, audio=None)
    show_dir.manifest("a.yaml", "items:\n  - video: c.mp4\n    transition: cut\n")
    show = load_show(LoadOptions(show_dir.exhibits, show_dir.assets)).show
    fonts = default_fonts()
    compositor = Compositor(SIZE, TextRenderer(fonts.text, fonts.heading), Look())
    period = 1 / 60
    refresh = [0]

    def monotonic() -> float:
        n = refresh[0]
        return n * period + (0.016 if n % 2 == late_on else 0.0)

    clips = Clips(SIZE, compositor, monotonic=monotonic, frame_s=period)
    cache = PhotoCache(2**20, SIZE, 10**8)
    player = Player(show, compositor, CachedImages(cache), 0.0, clips=clips)
    target = pygame.Surface(SIZE, 0, 32)
    shown: list[int] = []  # pictures shown so far, at each refresh
    with cache:
        try:
            for n in range(60):  # a second of refreshes
                refresh[0] = n
                for clip in clips.open.values():  # decoding keeps up, as on a quiet box
                    wait_for(lambda c=clip: c.reader.queued >= 2 or c.reader.decoding_done)
                player.draw(target, player.update(n * period))
                shown.extend(c.reader.stats.shown for c in clips.open.values())
            (clip,) = clips.open.values()
            stats = clip.reader.stats
        finally:
            assert clips.stop()
    assert stats.dropped == 0
    playing = shown[shown.index(1):shown.index(stats.shown)]
    assert playing == list(range(1, stats.shown))  # one new picture at every refresh


def test_a_clip_alone_goes_straight_onto_the_screen_and_into_its_layer_for_the_fade(
        show_dir: ShowDir):
    """While a clip is alone on screen each new picture is converted onto the screen,
    with the letterbox bars repainted round it; its layer is made only when the fade
    to the next item needs it, and then holds the last picture shown."""
    make_clip(show_dir.assets / "c.mp4", 160, 60, 1.0, fps=25, audio=None)
    show_dir.manifest("a.yaml", "items:\n  - video: c.mp4\n    transition: cut\n"
                      "  - card: After\n    transition: crossfade 0.3s\n")
    clock = MonotonicClock()
    player, clips, cache = live_player(show_dir, clock.now())
    compositor = player.compositor
    target = pygame.Surface(SIZE, 0, 32)
    target.fill((255, 0, 0))  # what a letterboxed clip must paint over
    pacer = pygame.time.Clock()
    alone, repainted, faded, version = 0, 0, None, -1
    last_shown: np.ndarray | None = None
    with cache:
        try:
            start = clock.now()
            while faded is None and clock.now() - start < 10:
                frame = player.update(clock.now())
                clip = next(iter(clips.open.values()), None)
                changed = player.draw(target, frame)
                shown = pygame.surfarray.array3d(target).swapaxes(0, 1).copy()
                if clip is not None and frame.current is clip.step and clip.view.latest:
                    alone += 1
                    # Between pictures nothing is drawn or presented.
                    assert bool(changed) == (clip.view.version != version)
                    version = clip.view.version
                    assert clip.view.surface is None  # no layer made, nothing copied
                    assert (shown[:60] == 0).all() and (shown[180:] == 0).all()  # bars
                    assert shown[60:180].std() > 10  # the picture between them
                    if alone == 5:  # controls drawn over it: repainted, no new picture
                        target.fill((0, 255, 0))
                        compositor.invalidate()
                        player.draw(target, frame)
                        again = pygame.surfarray.array3d(target).swapaxes(0, 1)
                        repainted = int((again == shown).all())
                        version = clip.view.version
                    last_shown = shown
                elif clip is not None and frame.previous is clip.step and frame.progress < 1:
                    faded = pygame.surfarray.array3d(clip.view.surface).swapaxes(0, 1)
                player.prepare()
                pacer.tick(60)
        finally:
            assert clips.stop()
    assert alone > 10 and repainted
    assert faded is not None and last_shown is not None
    assert (faded == last_shown).all()  # the fade starts from the picture last shown


def test_a_clip_fading_into_itself_fades_from_its_last_picture(show_dir: ShowDir):
    """A one-clip loop with a crossfade: its next run fades in over the last picture of
    the run before. Both runs are the same clip, so the fade mixed the new run with
    itself: a cut, where the curator asked for a fade."""
    import cv2

    make_clip(show_dir.assets / "c.mp4", 160, 120, 1.0, fps=25, audio=None)
    show_dir.manifest("a.yaml", "items:\n  - video: c.mp4\n    transition: crossfade 0.5s\n")
    clock = MonotonicClock()
    player, clips, cache = live_player(show_dir, clock.now())
    target = pygame.Surface(SIZE, 0, 32)
    pacer = pygame.time.Clock()
    last_alone: np.ndarray | None = None
    mixed: list[float] = []
    with cache:
        try:
            start = clock.now()
            while clock.now() - start < 6 and len(mixed) < 5:
                frame = player.update(clock.now())
                player.draw(target, frame)
                shown = pixels(target)[:, :, :3].astype(int)
                if frame.previous is frame.current and 0.2 < frame.progress < 0.8:
                    arriving = pixels(clips.layer(frame.current)[0])[:, :, :3].copy()
                    assert last_alone is not None
                    expected = cv2.addWeighted(last_alone.astype(np.uint8),
                                               1 - frame.progress, arriving,
                                               frame.progress, 0.0).astype(int)
                    assert np.abs(shown - expected).max() <= 1  # both runs, mixed
                    mixed.append(float(np.abs(shown - arriving.astype(int)).mean()))
                elif frame.transition is None or frame.progress >= 1:
                    last_alone = shown
                player.prepare()
                pacer.tick(60)
        finally:
            assert clips.stop()
    assert len(mixed) == 5 and min(mixed) > 5  # not the arriving run alone
