"""kiosk: an unattended exhibition presenter for photos, videos and captions."""

__version__ = "0.1.0"
