"""kiosk: an unattended exhibition presenter for photos, videos and captions."""

__version__ = "0.1.0"

import os as _os

# pygame prints a greeting on import; a kiosk's log and a curator's terminal do not want it.
_os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
# FFmpeg inside OpenCV reports every damaged packet on stderr; the kiosk logs one line
# per bad clip itself.
_os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")
