"""The ZPL renderer's error: a label it cannot draw at all (a single bad command is a warning instead)."""

from __future__ import annotations

from packstation.adapters.labels.errors import LabelError


class ZplError(LabelError):
    """The ZPL file cannot be rendered; ``user_message`` says why in one line."""
