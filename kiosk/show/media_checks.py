"""Checks of `validate` that open files: media that decodes, fonts that can draw captions."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from kiosk.errors import Problem, Severity
from kiosk.media.images import ImageError, load_image, probe_image
from kiosk.media.subtitles import SubtitleError, Subtitles, read_subtitles
from kiosk.media.video import VideoError, VideoInfo, probe_video
from kiosk.render.fonts import script_name
from kiosk.show.fields import format_seconds
from kiosk.show.loader import ShowResult, shown_path
from kiosk.show.model import Photo, Step, Text, TextCard, Video, Where
from kiosk.show.settings import Settings

DEFAULT_SCREEN = (1920, 1080)


def _problem(where: Where, severity: Severity, message: str, hint: str = "",
             kind: str = "media") -> Problem:
    return Problem(where.path, where.line, where.col, severity, message, hint, kind=kind)


def _check_photo(photo: Photo, screen: tuple[int, int], max_pixels: int) -> list[Problem]:
    name = photo.path.name
    try:
        info = probe_image(photo.path)
        # A small decode proves the data is whole (a truncated file fails here) at little cost.
        load_image(photo.path, 64, 64, "contain", max_pixels=max_pixels)
    except ImageError as exc:
        return [_problem(photo.where, "error", f"`{name}` cannot be shown: {exc.reason}",
                         "replace the file, or remove the item")]
    w, h = screen
    scale = (max(w / info.width, h / info.height) if photo.fit == "cover"
             else min(w / info.width, h / info.height))
    if scale > 1.25:  # a little enlargement is invisible; more looks soft
        return [_problem(photo.where, "warning",
                         f"`{name}` is {info.width}x{info.height}, smaller than the "
                         f"{w}x{h} screen; it will be enlarged and look soft",
                         "use a larger original if there is one")]
    return []


def check_media(show: ShowResult, settings: Settings) -> list[Problem]:
    """Every photo opens and decodes; undersized ones are named. Runs on a few threads."""
    screen = settings.screen.size or DEFAULT_SCREEN
    photos: dict[Path, Photo] = {}
    for exhibit in show.show.exhibits:
        for step in exhibit.steps:
            if isinstance(step, Photo):
                photos.setdefault(step.path, step)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = pool.map(lambda p: _check_photo(p, screen, settings.max_image_pixels),
                           photos.values())
        return [problem for found in results for problem in found]


MIN_CLIP_S, MAX_CLIP_S = 0.2, 24 * 3600.0
MIN_FPS, MAX_FPS = 1.0, 240.0
END_SLACK_S = 0.05  # `end: 12s` on a clip of 11.96s is what the curator meant
CUT_SHORT_S = 0.5  # the picture may stop this much before the stated length


def clock(seconds: float) -> str:
    """A clip position to a tenth of a second: ``12.5s``, ``1m45s``, ``2m``."""
    return format_seconds(seconds, places=1)


def _video_problems(video: Video, info: VideoInfo | VideoError) -> list[Problem]:
    name = video.path.name
    if isinstance(info, VideoError):
        return [_problem(video.where, "error", f"`{name}` cannot be played: {info.reason}",
                         "replace the file, or remove the item")]
    problems: list[Problem] = []
    length = info.duration_s
    if length is None or not MIN_CLIP_S < length < MAX_CLIP_S:
        stated = "does not say how long it is" if length is None else f"is {clock(length)} long"
        problems.append(_problem(video.where, "error", f"`{name}` {stated}",
                                 "a clip must run between 0.2s and 24h; re-export the file"))
        length = None
    elif (info.picture_ends_s is not None
          and info.picture_ends_s < length - CUT_SHORT_S):
        problems.append(_problem(
            video.where, "error",
            f"`{name}` is cut short: its picture stops at {clock(info.picture_ends_s)} "
            f"of {clock(length)}", "copy the file again from its source"))
    if info.fps is not None and not MIN_FPS <= info.fps <= MAX_FPS:
        problems.append(_problem(video.where, "error",
                                 f"`{name}` has an unusable frame rate ({info.fps:g} fps)",
                                 "re-export it at 25 or 30 frames per second"))
    if length is not None:
        if video.start_s >= length:
            problems.append(_problem(
                video.where, "error",
                f"`start` ({clock(video.start_s)}) is past the end of the clip ({clock(length)})",
                f"start before {clock(length)}, or remove `start`"))
        if video.end_s is not None and video.end_s > length + END_SLACK_S:
            problems.append(_problem(
                video.where, "error",
                f"`end` ({clock(video.end_s)}) is past the end of the clip ({clock(length)})",
                "remove `end` to play to the end of the clip"))
    if not info.has_audio and not video.mute and video.volume > 0:
        problems.append(_problem(video.where, "warning",
                                 f"`{name}` has no sound track; it plays silently",
                                 "add `mute: yes` to the item if that is intended"))
    return problems


def _subtitle_problems(video: Video, info: VideoInfo | VideoError,
                       read: dict[Path, tuple[Subtitles | None, list[SubtitleError]]],
                       offered: tuple[str, ...], base: Path) -> list[Problem]:
    problems: list[Problem] = []
    for language, path in video.subtitles.items():
        if language not in offered and language.split("-")[0] not in offered:
            problems.append(_problem(
                video.where, "warning",
                f"the `{language}` subtitles will never show: `{language}` is not among the "
                f"offered languages ({', '.join(offered)})",
                f"add `{language}` to `languages: offered` in the settings, "
                "or remove these subtitles", kind="subtitle"))
        subtitles, errors = read[path]
        shown = shown_path(path, base)
        problems.extend(Problem(shown, e.line, 1, "error", e.message, e.hint, kind="subtitle")
                        for e in errors)
        if subtitles is None:
            continue
        problems.extend(Problem(shown, 1, 1, "warning", note, "save the file as UTF-8",
                                kind="subtitle") for note in subtitles.notes)
        problems.extend(_readability(subtitles, language, shown))
        length = info.duration_s if isinstance(info, VideoInfo) else None
        ends = [(t, what) for t, what in ((length, "the clip ends"),
                                          (video.end_s, "the item's `end`")) if t is not None]
        if not ends:
            continue
        end, what = min(ends)
        late = next((c for c in subtitles.cues if c.start_s >= end), None)
        if late is not None:
            problems.append(Problem(
                shown, late.line, 1, "warning",
                f"this cue starts at {clock(late.start_s)}, after {what} ({clock(end)})",
                "cue times count from the start of the clip file, not from `start`",
                kind="subtitle"))
    return problems


def _readability(subtitles: Subtitles, language: str, shown: str) -> list[Problem]:
    """One warning per cue that `language`'s readers cannot read in time, at its line."""
    from kiosk.media.subtitle_rules import cue_notes

    problems = []
    for cue in subtitles.cues:
        notes = cue_notes(cue, language)
        if notes:
            problems.append(Problem(
                shown, cue.line, 1, "warning",
                f"this `{language}` cue is hard to read: " + "; ".join(notes),
                "split it into shorter cues, or give it more time", kind="subtitle"))
    return problems


def _read_subtitles(path: Path) -> tuple[Subtitles | None, list[SubtitleError]]:
    try:
        return read_subtitles(path)
    except SubtitleError as exc:
        return None, [exc]


def check_videos(show: ShowResult, settings: Settings) -> list[Problem]:
    """Every clip opens, has a picture of sane length and rate, `start`/`end` lie inside
    it, its subtitles read; a clip without sound is named unless muted. Each file is read
    once, on a few threads."""
    videos = [step for exhibit in show.show.exhibits for step in exhibit.steps
              if isinstance(step, Video)]
    clips = sorted({v.path for v in videos})
    subtitle_files = sorted({p for v in videos for p in v.subtitles.values()})

    def probe(path: Path) -> VideoInfo | VideoError:
        try:
            return probe_video(path, check_end=True)
        except VideoError as exc:
            return exc

    with ThreadPoolExecutor(max_workers=3) as pool:
        infos = dict(zip(clips, pool.map(probe, clips), strict=True))
        read = dict(zip(subtitle_files, pool.map(_read_subtitles, subtitle_files), strict=True))
    base = Path.cwd()
    offered = settings.languages.offered
    problems: list[Problem] = []
    for video in videos:
        info = infos[video.path]
        problems.extend(_video_problems(video, info))
        problems.extend(_subtitle_problems(video, info, read, offered, base))
    return list(dict.fromkeys(problems))  # a file used by two items is named once


def _texts(step: Step) -> Iterator[tuple[str, Text]]:
    if isinstance(step, TextCard):
        yield "card", step.title
        yield "body", step.body
    elif isinstance(step, (Photo, Video)):
        for name in ("title", "caption", "source", "date", "credit"):
            yield name, getattr(step.label, name)


# Which installed fonts `validate` may count on (fontconfig); tests swap in a fixed answer.
SYSTEM_FONTS: Callable[[str, bool], tuple] | None = None


def check_fonts(show: ShowResult, settings: Settings) -> list[Problem]:
    """Characters no font can draw (configured or installed) would show as empty boxes.

    One warning per writing system, at its first use, naming the languages it is used in
    and the Debian package that brings a font for it.
    """
    from kiosk.render.faces import FontFace
    from kiosk.render.layout import FontPicker
    from kiosk.render.segments import script_of
    from kiosk.render.system_fonts import SCRIPT_PACKAGES, FontConfig
    from kiosk.render.text import LAST_RESORT

    lookup = SYSTEM_FONTS or FontConfig()
    pickers = {role: FontPicker([FontFace(str(p)) for p in paths], lookup, role == "heading",
                                LAST_RESORT[role])
               for role, paths in (("text", settings.fonts.text),
                                   ("heading", settings.fonts.heading))}
    found: dict[str, tuple[Where, list[str], set[str], str]] = {}
    for exhibit in show.show.exhibits:
        texts: list[tuple[Where, str, Text]] = []
        if exhibit.where is not None:
            texts.append((exhibit.where, "title", exhibit.title))
        for step in exhibit.steps:
            texts.extend((step.where, n, t) for n, t in _texts(step))
        for where, name, text in texts:
            role = "heading" if name in ("title", "card") else "text"
            for language, value in text.values.items():
                for ch in pickers[role].missing(value, language):
                    script = script_name(ch)
                    _, chars, langs, _ = found.setdefault(
                        script, (where, [], set(), SCRIPT_PACKAGES.get(script_of(ch), "")))
                    if ch not in chars and len(chars) < 12:
                        chars.append(ch)
                    langs.add(language or settings.languages.default)
    problems = []
    for script, (where, chars, langs, package) in found.items():
        used = ", ".join(f"`{lang}`" for lang in sorted(langs))
        install = (f"install the Debian package {package} (`sudo apt install {package}`, "
                   "or run ./setup.sh), or " if package else "")
        problems.append(_problem(
            where, "warning",
            f"no font on this machine can draw {script} ({''.join(chars)}), used in the "
            f"{used} text{'s' if len(langs) > 1 else ''}",
            install + "add a font that has them to `fonts` in config/kiosk.yaml", kind="font"))
    return problems
