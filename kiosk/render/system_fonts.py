"""Fonts installed on the machine, found the way Linux programs find them (fontconfig).

For each writing system the kiosk asks ``fc-match`` for the best sans-serif face for a
language, so Han characters get the regional forms their language expects (Simplified
Chinese, Traditional Chinese, Japanese and Korean faces differ, and Noto Sans CJK keeps all
four in one .ttc). The show's own languages are looked up when a renderer is built (all at
once, in parallel processes), every other script's on a short-lived thread right after, so
a frame does not wait for fontconfig. Without fontconfig the kiosk still runs on its own
fonts.

Deciding which language to ask for is pure (:func:`fc_language`); asking is the edge
(:class:`FontConfig`), replaceable by any callable in tests.
"""

from __future__ import annotations

import logging
import shutil
import subprocess
import threading
from collections.abc import Callable, Iterable
from typing import ClassVar

from kiosk.render.faces import FontFace

__all__ = [
    "NO_SYSTEM_FONTS",
    "SCRIPT_PACKAGES",
    "FontConfig",
    "LookUp",
    "fc_language",
    "parse_fc_match",
]

log = logging.getLogger(__name__)

_BATCH = 6  # fc-match processes at a time in the background

# A look-up: (fontconfig language, bold) -> faces, best first.
LookUp = Callable[[str, bool], tuple[FontFace, ...]]

# The language fontconfig is asked for, per script, when the text's own language says
# nothing more specific.
_SCRIPT_LANG = {
    "Arab": "ar", "Hebr": "he", "Deva": "hi", "Beng": "bn", "Guru": "pa", "Gujr": "gu",
    "Orya": "or", "Taml": "ta", "Telu": "te", "Knda": "kn", "Mlym": "ml", "Sinh": "si",
    "Thai": "th", "Laoo": "lo", "Tibt": "bo", "Mymr": "my", "Geor": "ka", "Armn": "hy",
    "Ethi": "am", "Khmr": "km", "Mong": "mn", "Grek": "el", "Cyrl": "ru", "Latn": "en",
    "Syrc": "syr", "Thaa": "dv", "Cher": "chr", "Hang": "ko", "Hira": "ja", "Kana": "ja",
    "Hani": "zh-cn", "Bopo": "zh-tw",
}
# Languages written in a script whose fonts differ from the script's default language.
_OWN_FONT_LANGS = {"fa", "ur", "ps", "ku", "sd", "ug", "mr", "ne", "sa"}
_HAN = ("Hani", "Bopo")

# The Debian package that brings fonts for a script (named by `validate`).
SCRIPT_PACKAGES = {script: "fonts-noto-core" for script in _SCRIPT_LANG}
SCRIPT_PACKAGES.update({s: "fonts-noto-cjk" for s in ("Hani", "Bopo", "Hang", "Hira", "Kana")})


def fc_language(script: str, language: str) -> str:
    """The fontconfig language to ask for a run of ``script`` in a ``language`` text.

    >>> fc_language("Hani", "zh-Hant"), fc_language("Hani", "ja"), fc_language("Arab", "fa")
    ('zh-tw', 'ja', 'fa')
    """
    lang = language.lower().replace("_", "-")
    primary = lang.split("-")[0]
    if script in _HAN or (script in ("Hira", "Kana", "Hang") and primary in ("zh", "ja", "ko")):
        if primary == "ja":
            return "ja"
        if primary == "ko":
            return "ko"
        if primary == "zh":
            parts = set(lang.split("-")[1:])
            if "hk" in parts or "mo" in parts:
                return "zh-hk"
            if "hant" in parts or "tw" in parts:
                return "zh-tw"
            return "zh-cn"
        return _SCRIPT_LANG[script]
    if primary in _OWN_FONT_LANGS and script in ("Arab", "Deva"):
        return primary
    return _SCRIPT_LANG.get(script, primary or "en")


def parse_fc_match(output: str, limit: int = 4) -> tuple[FontFace, ...]:
    """Faces from ``fc-match -s -f '%{file}|%{index}\\n'`` output, first ``limit``, no repeats."""
    faces: list[FontFace] = []
    for line in output.splitlines():
        path, _, index = line.rpartition("|")
        if not path or not index.isdigit():
            continue
        lowered = path.lower()
        if not lowered.endswith((".ttf", ".otf", ".ttc", ".otc")):
            continue  # bitmap and Type 1 fonts cannot be shaped
        face = FontFace(path, int(index))
        if face not in faces:
            faces.append(face)
        if len(faces) >= limit:
            break
    return tuple(faces)


def NO_SYSTEM_FONTS(language: str, bold: bool) -> tuple[FontFace, ...]:
    """A look-up that finds nothing: only the configured fonts are used."""
    return ()


class FontConfig:
    """Asks fontconfig; answers are kept for the life of the process."""

    # Per program (a test's stand-in must not answer for the real one), language, bold.
    _answers: ClassVar[dict[str | None, dict[tuple[str, bool], tuple[FontFace, ...]]]] = {}
    _background: ClassVar[threading.Thread | None] = None

    def __init__(self, program: str = "fc-match", timeout_s: float = 5.0) -> None:
        self.program = shutil.which(program)
        self.timeout_s = timeout_s
        self._cache = self._answers.setdefault(self.program, {})

    @property
    def available(self) -> bool:
        return self.program is not None

    def prefetch(self, keys: Iterable[tuple[str, bool]], *, gently: bool = False) -> None:
        """Look up many (language, bold) pairs at once, in parallel processes; ``gently``
        runs them at the lowest CPU priority (the show is starting meanwhile)."""
        todo = [k for k in dict.fromkeys(keys) if k not in self._cache]
        if not todo or self.program is None:
            return
        procs = []
        for lang, bold in todo:
            try:
                nice = ["nice", "-n", "19"] if gently and shutil.which("nice") else []
                procs.append(((lang, bold), subprocess.Popen(
                    [*nice, self.program, "-s", "-f", "%{file}|%{index}\n",
                     self._pattern(lang, bold)],
                    stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)))
            except OSError as exc:
                log.warning("fontconfig cannot be asked for fonts: %s", exc)
                break
        for key, proc in procs:
            try:
                out, _ = proc.communicate(timeout=self.timeout_s)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.communicate()
                out = ""
            self._cache[key] = parse_fc_match(out)

    def prefetch_in_background(self, keys: Iterable[tuple[str, bool]],
                               before: Callable[[], object] | None = None) -> None:
        """Look ``keys`` up on a thread of their own, a few processes at a time, so that no
        frame waits for fontconfig when a script first appears. The thread ends by itself
        once its list is done; a look-up asked meanwhile waits for it (:meth:`join`).
        ``before`` runs first on that thread (other start-up work that need not hold up
        the first frame)."""
        todo = [k for k in dict.fromkeys(keys) if k not in self._cache]
        if not todo or self.program is None or self._background_alive():
            return

        def run() -> None:
            if before is not None:
                before()
            for i in range(0, len(todo), _BATCH):
                self.prefetch(todo[i:i + _BATCH], gently=True)

        thread = threading.Thread(target=run, name="fontconfig-lookups", daemon=True)
        FontConfig._background = thread
        thread.start()

    @classmethod
    def _background_alive(cls) -> bool:
        return cls._background is not None and cls._background.is_alive()

    def join(self) -> None:
        """Wait for the background look-ups (if any) to finish."""
        thread = FontConfig._background
        if thread is not None and thread is not threading.current_thread():
            thread.join(self.timeout_s * 4)

    def __call__(self, language: str, bold: bool) -> tuple[FontFace, ...]:
        if self.program is None:
            return ()
        key = (language, bold)
        if key not in self._cache and self._background_alive():
            self.join()
        if key not in self._cache:
            self.prefetch([key])
        return self._cache.get(key, ())

    @staticmethod
    def _pattern(lang: str, bold: bool) -> str:
        return f"sans-serif:lang={lang}" + (":weight=bold" if bold else ":weight=regular")

    @staticmethod
    def every_language() -> list[str]:
        """The fontconfig languages a caption may ask for: one per script, and the
        regional Han forms."""
        return list(dict.fromkeys([*_SCRIPT_LANG.values(), "zh-tw", "zh-hk", "ja", "ko"]))
