#!/usr/bin/env python3
"""Start the kiosk: `python run_kiosk.py` plays the show; `--help` lists the commands."""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from kiosk.cli import main

if __name__ == "__main__":
    sys.exit(main(home=Path(__file__).resolve().parent))
