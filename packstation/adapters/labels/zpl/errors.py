"""The ZPL renderer's error: a label it cannot draw at all (a single bad command is a warning instead)."""

from __future__ import annotations

from packstation.adapters.labels.errors import LabelError


class ZplError(LabelError):
    """The ZPL file cannot be rendered; ``user_message`` says why in one line."""


# Hard limits on what one field or page may allocate: a typo such as ^GB99999,99999 or ^A0N,9000 must
# end in a warning, not in gigabytes of pixels. 16000 dots is 26 inches at 600 dpi.
MAX_DOTS = 16000
MAX_PIXELS = 64_000_000  # 8 MB of 1-bit pixels


def check_size(width: int, height: int, what: str) -> None:
    """Raise ZplError when an image of ``width`` x ``height`` dots would be unreasonably large."""
    if width > MAX_DOTS or height > MAX_DOTS or width * height > MAX_PIXELS:
        raise ZplError(f"{what} would be {width}x{height} dots, too large to draw")
