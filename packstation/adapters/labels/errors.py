"""The one error type of the label pipeline: a label that cannot be printed, told in plain words."""

from __future__ import annotations


class LabelError(Exception):
    """The label file is unusable (unknown format, corrupt, unsafe, too large, wrong printer language).

    ``user_message`` is one line a packer can read; it goes onto the failed print job.
    """

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class LabelPrinterMismatchError(LabelError):
    """The label's language cannot be printed by this printer (ZPL on an ESC/POS head)."""
