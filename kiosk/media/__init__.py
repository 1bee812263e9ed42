"""Turning files into pixels and sound, off the render thread."""

from __future__ import annotations

import os

from kiosk.errors import MediaError


def check_readable_file(path: str, error: type[MediaError]) -> None:
    """The reasons a media file cannot even be opened, said once for photos and clips."""
    try:
        st = os.stat(path)
    except FileNotFoundError:
        raise error("file not found") from None
    except OSError as e:
        raise error(f"file cannot be read ({e.strerror or e})") from None
    if os.path.isdir(path):
        raise error("path is a directory, not a file")
    if st.st_size == 0:
        raise error("file is empty")
