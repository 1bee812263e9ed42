"""Save what an X display shows as a PNG.

    DISPLAY=:77 python tools/checks/screenshot.py out.png [WIDTHxHEIGHT]
"""

import sys
from pathlib import Path

import pygame

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
from kiosk.operations.x11 import grab_screen

if __name__ == "__main__":
    rgb = grab_screen()
    surface = pygame.surfarray.make_surface(rgb.swapaxes(0, 1))
    if len(sys.argv) > 2:
        w, h = (int(v) for v in sys.argv[2].split("x"))
        surface = pygame.transform.smoothscale(surface, (w, h))
    pygame.image.save(surface, sys.argv[1])
    print(f"saved {sys.argv[1]} ({surface.get_width()}x{surface.get_height()})")
