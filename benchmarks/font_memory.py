"""Font memory: the kiosk's RSS with CJK and Arabic captions against a Latin-only show.

Two headless runs (SDL dummy video, a 1920x1080 window) of the same show of 1080p photos
with full museum labels, cut every 2.5 s so every label is drawn several times:

- reference: every label in English and Russian (the kiosk's own Noto Sans draws them);
- scripts: the same show offering en, ru, zh and ar, where a third of the labels are in
  Simplified Chinese only and a third in Arabic only (shown whatever the language), so
  the CJK collection and the Arabic face are opened, shaped with and drawn from.

The status file's ``rss_bytes`` is sampled every second; the figure is the peak after the
first loop (photo cache filled) and the last sample, per run. The font files mapped into
the process during the run are listed with their resident pages (fonts are memory-mapped
and read as glyphs are needed).

Target: scripts RSS at most 60 MiB above the reference.

    python benchmarks/font_memory.py [--seconds 60] [--photos 12]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _clips import env_for, watch_kiosk
from _harness import LABEL, LABEL_AR, LABEL_ZH, camera_like

MIB = 2**20
DURATION_S = 2.5
FONT_SUFFIXES = (".ttf", ".ttc", ".otf", ".otc")

def make_show(root: Path, photos: int, scripts: bool) -> list[str]:
    (root / "exhibits").mkdir(parents=True)
    (root / "config").mkdir()
    assets = root / "assets"
    assets.mkdir()
    items = []
    for n in range(photos):
        camera_like(assets / f"p{n:02d}.jpg", 1920, 1080, seed=n)
        label = LABEL
        if scripts:
            label = (LABEL, LABEL_ZH, LABEL_AR)[n % 3]
        items.append(f"  - photo: p{n:02d}.jpg\n" + label.format(n=n + 1))
    (root / "exhibits" / "bench.yaml").write_text(
        f"title: Bench\ndefaults: {{duration: {DURATION_S}s, transition: cut}}\nitems:\n"
        + "".join(items))
    offered = "[en, ru, zh-Hans, ar]" if scripts else "[en, ru]"
    (root / "config" / "kiosk.yaml").write_text(
        f"cache_size: 64MB\nlanguages: {{offered: {offered}, default: en}}\n")
    return ["--exhibits", str(root / "exhibits"), "--config", str(root / "config" / "kiosk.yaml"),
            "--windowed", "--size", "1920x1080"]


def font_pages(pid: int) -> tuple[set[str], int]:
    """Font files mapped into the process, and how many of their bytes are resident."""
    files: set[str] = set()
    resident = 0
    current = ""
    for line in Path(f"/proc/{pid}/smaps").read_text().splitlines():
        head = line.split()
        if head and "-" in head[0] and len(head) >= 5:  # a mapping's first line
            current = head[-1] if len(head) >= 6 else ""
            if current.lower().endswith(FONT_SUFFIXES):
                files.add(current)
        elif head and head[0] == "Rss:" and current.lower().endswith(FONT_SUFFIXES):
            resident += int(head[1]) * 1024
    return files, resident


def measure(photos: int, seconds: float, scripts: bool
            ) -> tuple[float, float, list[str], float]:
    """(peak RSS after the first loop, last RSS, font files mapped during the run, peak
    resident bytes of those files), in MiB."""
    mapped: set[str] = set()
    font_rss = [0]
    pid: list[int] = []

    def sample_fonts(_snap: dict) -> bool:
        try:
            files, resident = font_pages(pid[0])
        except (OSError, ValueError, IndexError):
            return False  # (an exiting process maps nothing)
        mapped.update(files)
        font_rss[0] = max(font_rss[0], resident)
        return False

    with tempfile.TemporaryDirectory() as tmp:
        args = make_show(Path(tmp), photos, scripts)
        watched = watch_kiosk(args, env_for(None), seconds, Path(tmp) / "status.json", 1.0,
                              stop_when=sample_fonts, on_start=lambda p: pid.append(p.pid))
    if watched.code != 0 or "Traceback" in watched.stderr:
        raise SystemExit(f"the kiosk failed ({watched.code}):\n{watched.stderr[-3000:]}")
    loop_s = photos * DURATION_S
    after = [s.status["rss_bytes"] for s in watched.samples
             if s.status.get("uptime_s", 0) >= loop_s + 2 and s.status.get("rss_bytes")]
    if not after:
        raise SystemExit(f"too short: run for more than one loop ({loop_s:g} s)")
    names = sorted({Path(m).name for m in mapped})
    return max(after) / MIB, after[-1] / MIB, names, font_rss[0] / MIB


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--photos", type=int, default=12)
    args = parser.parse_args()
    runs = {}
    for name, scripts in (("latin", False), ("zh+ar", True)):
        print(f"running the {name} show for {args.seconds:g} s ...", flush=True)
        runs[name] = measure(args.photos, args.seconds, scripts)
    print(f"\n{os.cpu_count()} cores; {args.photos} photos cut every {DURATION_S:g} s, "
          f"{args.seconds:g} s per run; RSS sampled every second after the first loop")
    print(f"{'show':>8} {'peak MiB':>9} {'last MiB':>9} {'font pages MiB':>14}  "
          "font files mapped during the run")
    for name, (peak, last, mapped, pages) in runs.items():
        print(f"{name:>8} {peak:9.1f} {last:9.1f} {pages:14.1f}  " + (", ".join(mapped) or "-"))
    (peak_l, last_l, _, _), (peak_s, last_s, _, _) = runs["latin"], runs["zh+ar"]
    print(f"zh+ar above latin: peak {peak_s - peak_l:+.1f} MiB ({peak_s / peak_l:.3f}x), "
          f"last {last_s - last_l:+.1f} MiB  [target <= 60 MiB above]")


if __name__ == "__main__":
    main()
