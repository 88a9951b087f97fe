"""Receipt-printer layout shared by the manifest and the packing slip: styled lines of fixed width.

A receipt is a list of ``PrintLine``: text (already fitted to the paper's character width), whether it is
bold or large, its alignment, and optionally a Code128 barcode or a QR code printed after it. The ESC/POS
encoder (``adapters.receipt_escpos``) turns them into bytes; ``plain_text`` gives the same receipt as text
for screens, logs and tests. Widths: 48 characters on 80 mm paper, 42 on 58 mm (font A at 203 dpi).
"""

from __future__ import annotations

import textwrap
import unicodedata

import msgspec

WIDTH_80MM = 48
WIDTH_58MM = 42
PAPER_WIDTHS = {80: WIDTH_80MM, 58: WIDTH_58MM}


class PrintLine(msgspec.Struct, frozen=True):
    text: str = ""
    bold: bool = False
    large: bool = False  # double width and height: half as many characters fit
    center: bool = False
    barcode: str | None = None  # Code128 payload printed below the text
    qr: str | None = None  # QR code payload printed below the text


def columns_for_paper(paper_mm: int) -> int:
    """Characters per line for 80 or 58 mm paper."""
    try:
        return PAPER_WIDTHS[paper_mm]
    except KeyError:
        raise ValueError(f"paper width {paper_mm} mm is not supported (use 80 or 58)") from None


def clean(text: object) -> str:
    """One printable line: control characters and line breaks become spaces, runs of spaces collapse."""
    value = "" if text is None else str(text)
    value = "".join(" " if unicodedata.category(ch)[0] == "C" else ch for ch in value)
    return " ".join(value.split())


def fit(text: object, width: int) -> str:
    """Cut to ``width`` characters, marking the cut with "…" so nobody mistakes it for the whole."""
    value = clean(text)
    return value if len(value) <= width else value[: max(0, width - 1)] + "…"


def wrap(text: object, width: int, indent: str = "") -> list[str]:
    """Wrap on words to ``width``; long words are broken. Always at least one line."""
    value = clean(text)
    lines = textwrap.wrap(value, width=width, subsequent_indent=indent, break_long_words=True)
    return lines or [""]


def two_columns(left: object, right: object, width: int) -> str:
    """``left`` and ``right`` on one line, right-aligned; ``left`` is shortened when both do not fit."""
    right_text = fit(right, width)
    room = width - len(right_text) - 1
    if room < 1:
        return right_text
    return f"{fit(left, room):<{room}} {right_text}"


def rule(width: int, char: str = "-") -> PrintLine:
    return PrintLine(char * width)


def plain_text(lines: list[PrintLine]) -> str:
    """The receipt as text, one line per ``PrintLine`` (barcodes/QR codes shown as their payload)."""
    out = []
    for line in lines:
        out.append(line.text)
        if line.barcode:
            out.append(f"[code128 {line.barcode}]")
        if line.qr:
            out.append(f"[qr {line.qr}]")
    return "\n".join(out) + "\n"
