"""Turning files into pixels and sound, off the render thread."""

from __future__ import annotations

import logging
import os
import threading

from kiosk.errors import MediaError

log = logging.getLogger("kiosk.media")

# A read this slow is a stall (a dead network share, a hung decoder): the clip is given up.
STALL_TIMEOUT_S = 5.0
# Until a clip's first picture or sound is out, a read may be slow for good reasons (a
# cold disk cache, a card or a machine still starting up): it is waited out this long.
FIRST_READ_TIMEOUT_S = 15.0


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


def short_reason(e: Exception) -> str:
    """The first words of an FFmpeg or OS error, short enough for a log line or status."""
    text = getattr(e, "strerror", None) or str(e)
    return text.split(":")[0].strip()[:80] or type(e).__name__


def join_worker(thread: threading.Thread | None, timeout_s: float, what: str) -> bool:
    """Wait up to ``timeout_s`` for a stopped worker; False (and a warning naming
    ``what``) when it is still busy, e.g. in a read FFmpeg cannot interrupt."""
    if thread is None or thread is threading.current_thread():
        return True
    thread.join(timeout_s)
    if thread.is_alive():
        log.warning("%s still busy after %.1f s", what, timeout_s)
        return False
    return True
