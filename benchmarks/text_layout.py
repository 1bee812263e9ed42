"""How long does a museum label in three languages take to lay out, and to draw?

A label (title, caption, credit line) in English, Arabic and Simplified Chinese at
1920x1080 sizes, laid out fresh each run (caches cleared): bidi, runs and fonts,
HarfBuzz shaping, line breaking. Target: under 5 ms for the three languages. Also the
label as the compositor fits it into its safe area (issue 10 item 4): a label that fits
at once, and a caption four times too long, for which every size down to the smallest
readable one is laid out.

For scale, the same strings are measured with pygame's SDL_ttf (``Font.size``, what the
old renderer called per candidate line, without bidi or shaping) in the same run.

    python benchmarks/text_layout.py [--runs 200]

Needs fonts-noto-core and fonts-noto-cjk (setup.sh installs them).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

os.environ.setdefault("SDL_VIDEODRIVER", "dummy")
os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import pygame

from kiosk.render.text import TextRenderer, TextStyle
from kiosk.show.settings import default_fonts

H = 1080
WIDTH = round(1920 * 0.62)
LABEL = {
    "en": ("Maiden Tower at dusk",
           "The tower seen from the sea in the evening light, with the walls of the old "
           "city behind it and the boulevard along the shore; photographed in 1994.",
           "City archive  ·  1994  ·  Photo A. Aliyev"),
    "ar": ("برج العذراء عند الغسق",
           "البرج كما يُرى من البحر في ضوء المساء، وخلفه أسوار المدينة القديمة والكورنيش "
           "على طول الشاطئ؛ التُقطت الصورة عام 1994 قرب Icherisheher.",
           "أرشيف المدينة  ·  1994  ·  تصوير A. Aliyev"),
    "zh": ("黄昏时的少女塔",
           "傍晚从海上望去的少女塔，身后是老城的城墙和沿岸的林荫大道。这张照片摄于一九九四年，"
           "是城市档案馆收藏的「内城」系列之一。",
           "城市档案馆  ·  1994  ·  摄影：A. Aliyev"),
}
STYLES = (TextStyle("heading", round(H * 0.036)), TextStyle("text", round(H * 0.029),
                                                                 line_spacing=1.1),
          TextStyle("text", round(H * 0.022)))
LINES = (2, 4, 2)


def lay_out(r: TextRenderer, draw: bool) -> None:
    for lang, parts in LABEL.items():
        for text, style, lines in zip(parts, STYLES, LINES, strict=True):
            s = TextStyle(style.role, style.size_px, line_spacing=style.line_spacing,
                          language=lang)
            if draw:
                r.render(text, s, WIDTH, lines)
            else:
                r.layout(text, s, WIDTH, lines)


def timed(fn, runs: int) -> list[float]:
    out = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=200)
    args = ap.parse_args()
    fonts = default_fonts()
    r = TextRenderer(fonts.text, fonts.heading, languages=list(LABEL))
    lay_out(r, True)  # faces opened, glyphs cached: what a running kiosk has

    def layout_only() -> None:
        r.clear_cache()
        lay_out(r, False)

    def layout_and_draw() -> None:
        r.clear_cache()
        lay_out(r, True)

    from kiosk.render import label_fit, label_parts
    from kiosk.show.model import Label, Text

    def fitted(captions: dict[str, str]) -> None:
        r.clear_cache()
        screen = (1920, H)
        minimum = label_fit.min_text_px(screen, 55.0, 1.0)
        for lang, (title, _, meta) in LABEL.items():
            label = Label(Text({lang: title}), Text({lang: captions[lang]}),
                          credit=Text({lang: meta}))
            text = label_parts.label_text(label, lang, lang)
            fit = label_parts.fit(r, text, label_fit.design_sizes(screen), minimum,
                                  label_fit.label_area(screen), label_parts.gap_px(H))
            label_parts.line_limits(r, text, fit, WIDTH, label_parts.gap_px(H))

    usual = {lang: parts[1] for lang, parts in LABEL.items()}
    # A caption too long for the label: every size down to the smallest is tried.
    long = {lang: " ".join([parts[1]] * 4) for lang, parts in LABEL.items()}

    pygame.font.init()
    sdl = {(p, s.size_px): pygame.font.Font(str(p), s.size_px)
           for p in fonts.text + fonts.heading for s in STYLES}

    def sdl_measure() -> None:
        for parts in LABEL.values():
            for text, style in zip(parts, STYLES, strict=True):
                path = (fonts.heading if style.role == "heading" else fonts.text)[0]
                font = sdl[(path, style.size_px)]
                words = text.split(" ")
                for k in range(1, len(words) + 1):  # the old greedy wrap, one size() a word
                    font.size(" ".join(words[:k]))

    results = {name: timed(fn, args.runs) for name, fn in (
        ("layout, 3 languages", layout_only), ("layout + draw", layout_and_draw),
        ("fitted to the safe area", lambda: fitted(usual)),
        ("fitted, too long (all sizes)", lambda: fitted(long)),
        ("SDL_ttf measuring (reference)", sdl_measure))}
    ref = statistics.median(results["SDL_ttf measuring (reference)"])
    print(f"label of title + caption + credit line, en + ar + zh, {WIDTH} px wide, "
          f"{args.runs} runs")
    for name, times in results.items():
        med = statistics.median(times)
        p95 = sorted(times)[int(len(times) * 0.95) - 1]
        print(f"  {name:32s} median {med:6.2f} ms  p95 {p95:6.2f} ms  "
              f"({med / ref:4.1f}x reference)")
    ok = statistics.median(results["layout, 3 languages"]) < 5.0
    print("target: layout < 5 ms:", "met" if ok else "NOT met")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
