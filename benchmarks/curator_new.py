"""From a folder of 30 camera photos with IPTC captions to a validated exhibit and its proof
PDF: how long?

Runs what a curator types, as separate processes: `run_kiosk.py new` (reads the metadata,
copies the photos, writes the manifest) then `run_kiosk.py validate` (reads the manifest,
decodes every photo to check it), then `run_kiosk.py proof` (every slide drawn in each
offered language, written as PDF and HTML). References, measured in the same run: copying the same
folder with shutil (the floor for `new`), and `run_kiosk.py schema` (starting the program
and printing, the floor of any command). Target (issue 11): under 30 s in all.

    python benchmarks/curator_new.py [--photos 30] [--runs 3]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2
import numpy as np
from PIL import Image

from tests.media_meta import CAPTION, HEADLINE, iptc_segment

ROOT = Path(__file__).resolve().parents[1]


def camera_jpeg(w: int = 4000, h: int = 3000) -> bytes:
    """A 12 MP photo-like JPEG (gradients and sensor noise, quality 90)."""
    rng = np.random.default_rng(7)
    y, x = np.mgrid[0:h, 0:w].astype(np.float32)
    base = np.dstack([127 + 100 * np.sin(x / w * 6), 127 + 100 * np.cos(y / h * 5),
                      255 * (x + y) / (w + h)])
    img = np.clip(base + rng.normal(0, 12, (h, w, 3)), 0, 255).astype(np.uint8)
    ok, data = cv2.imencode(".jpg", img, [cv2.IMWRITE_JPEG_QUALITY, 90])
    assert ok
    return data.tobytes()


def with_metadata(jpeg: bytes, n: int) -> bytes:
    """The photo as a camera and a photo desk leave it: EXIF capture date, IPTC texts."""
    exif = Image.Exif()
    exif.get_ifd(0x8769)[0x9003] = f"2019:05:{1 + n % 28:02d} 10:{n % 60:02d}:00"
    payload = exif.tobytes()
    app1 = b"\xff\xe1" + (len(payload) + 2).to_bytes(2, "big") + payload
    app13 = iptc_segment({HEADLINE: f"Harbour view {n}",
                          CAPTION: f"Boats return before the market opens, photograph {n}."})
    return jpeg[:2] + app1 + app13 + jpeg[2:]


def run(*args: str) -> tuple[float, str]:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, str(ROOT / "run_kiosk.py"), *args],
                          capture_output=True, text=True, timeout=600)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"{args[0]} failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    return elapsed, done.stdout


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--photos", type=int, default=30)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="kiosk-curator-bench-") as tmp:
        scans = Path(tmp, "scans")
        scans.mkdir()
        jpeg = camera_jpeg()
        for n in range(1, args.photos + 1):
            (scans / f"IMG_{n:04d}.jpg").write_bytes(with_metadata(jpeg, n))
        size_mb = sum(p.stat().st_size for p in scans.iterdir()) / 1e6
        copy_s, start_s, new_s, validate_s, proof_s = [], [], [], [], []
        for r in range(args.runs):
            show = Path(tmp, f"show{r}")
            (show / "exhibits").mkdir(parents=True)
            start = time.perf_counter()
            shutil.copytree(scans, show / "copy")
            copy_s.append(time.perf_counter() - start)
            start_s.append(run("schema")[0])
            flags = ["--exhibits", str(show / "exhibits"), "--config",
                     str(ROOT / "config" / "kiosk.yaml")]
            elapsed, _ = run("new", "harbour", "--from", str(scans), *flags)
            new_s.append(elapsed)
            elapsed, out = run("validate", *flags)
            validate_s.append(elapsed)
            proof_s.append(run("proof", "--out", str(show / "proof.pdf"), *flags)[0])
        summary = out.strip().splitlines()[-1]
    copy, begin, new, check, proof = (statistics.median(v)
                                      for v in (copy_s, start_s, new_s, validate_s, proof_s))
    print(f"{args.photos} photos of 12 MP ({size_mb:.0f} MB), median of {args.runs} runs")
    print(f"  copy the folder (reference):  {copy:6.2f} s")
    print(f"  run_kiosk.py schema (start):  {begin:6.2f} s  (reference)")
    print(f"  run_kiosk.py new:             {new:6.2f} s  ({new / copy:.1f}x the copy, "
          f"{new / begin:.1f}x a start)")
    print(f"  run_kiosk.py validate:        {check:6.2f} s  ({check / begin:.1f}x a start)")
    print(f"  run_kiosk.py proof:           {proof:6.2f} s  ({proof / begin:.1f}x a start; "
          "3 languages, 960x540)")
    print(f"  folder to validated exhibit:  {new + check:6.2f} s")
    print(f"  ... and its proof PDF:        {new + check + proof:6.2f} s  (target < 30 s)")
    print(f"  validate said: {summary}")


if __name__ == "__main__":
    main()
