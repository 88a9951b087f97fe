"""Recognise a label file's format from its bytes (and, as a hint, its content type).

File names and content types lie (servers say ``application/octet-stream``, carriers mislabel PNGs), so
the bytes decide; the content type only names what was expected in the error message. Anything that is
not SVG, PDF, PNG or ZPL is refused with a message saying what it looks like instead.
"""

from __future__ import annotations

import re
from enum import StrEnum

from packstation.adapters.labels.errors import LabelError


class LabelFormat(StrEnum):
    SVG = "svg"
    PDF = "pdf"
    PNG = "png"
    ZPL = "zpl"
    ESCPOS = "escpos"  # ready-made receipt bytes of a document print job; never sniffed from a label


CONTENT_TYPES: dict[str, LabelFormat] = {
    "image/svg+xml": LabelFormat.SVG,
    "application/pdf": LabelFormat.PDF,
    "image/png": LabelFormat.PNG,
    "application/x-zpl": LabelFormat.ZPL,
    "application/zpl": LabelFormat.ZPL,
    "text/zpl": LabelFormat.ZPL,
    "x-application/zpl": LabelFormat.ZPL,
}

PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
_SNIFF_BYTES = 4096
# Formats we recognise only to name them in the refusal.
_OTHER_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\xff\xd8\xff", "a JPEG image"),
    (b"GIF8", "a GIF image"),
    (b"BM", "a BMP image"),
    (b"RIFF", "a WebP/RIFF file"),
    (b"II*\x00", "a TIFF image"),
    (b"MM\x00*", "a TIFF image"),
    (b"PK\x03\x04", "a ZIP archive"),
    (b"\x1f\x8b", "a gzip archive"),
    (b"{", "JSON"),
    (b"[", "JSON"),
)
_XML_PROLOGUE = re.compile(rb"^(?:<\?xml[^>]*\?>|<!--.*?-->|<!DOCTYPE[^>]*>|\s)*<svg[\s>:]", re.S | re.I)
# A ZPL file starts with a command (``^XA``, or a preamble such as ``^CI28``, a ``^FX`` comment, a large
# ``~DG`` graphic) or with ZebraDesigner's ``CT~~CD,~CC^~CT~`` header; its first ``^XA`` may be far in.
_ZPL_FIRST = re.compile(rb"(?:CT~~CD,~CC\^~CT~|[\^~]{1,2}[A-Z@0-9][A-Z@0-9])", re.I)
_ZPL_FORMAT = re.compile(rb"\^XA", re.I)


def content_type_format(content_type: str | None) -> LabelFormat | None:
    """The format a content type announces, or None for unknown/generic types."""
    if not content_type:
        return None
    mime = content_type.split(";", 1)[0].strip().lower()
    return CONTENT_TYPES.get(mime)


def sniff_format(data: bytes) -> LabelFormat | None:
    """The format the bytes themselves show, or None."""
    head = data[:_SNIFF_BYTES]
    if head.startswith(PNG_MAGIC):
        return LabelFormat.PNG
    if b"%PDF-" in head[:1024]:
        return LabelFormat.PDF
    text = head.lstrip(b"\xef\xbb\xbf")
    if _XML_PROLOGUE.match(text) or (text.lstrip().startswith(b"<") and b"<svg" in text):
        return LabelFormat.SVG
    if looks_like_zpl(data):
        return LabelFormat.ZPL
    return None


def looks_like_zpl(data: bytes) -> bool:
    """ZPL: begins (after a BOM and white space) with a ZPL command and has a ``^XA`` somewhere."""
    if not _ZPL_FIRST.match(data.lstrip(b"\xef\xbb\xbf").lstrip()[:64]):
        return False
    return _ZPL_FORMAT.search(data) is not None


def detect_label_format(data: bytes, content_type: str | None = None) -> LabelFormat:
    """Return the label's format or raise LabelError saying why it cannot be printed."""
    if not data:
        raise LabelError("the label file is empty")
    found = sniff_format(data)
    if found is not None:
        return found
    announced = content_type_format(content_type)
    what = _describe(data)
    if announced is not None:
        raise LabelError(
            f"the label was sent as {announced.value.upper()} but its content is {what}: "
            "the file is corrupt or not a label"
        )
    kind = f" ({content_type.split(';', 1)[0].strip()})" if content_type else ""
    raise LabelError(
        f"unsupported label format{kind}: the file is {what}; labels must be SVG, PDF, PNG or ZPL"
    )


def _describe(data: bytes) -> str:
    head = data[:16]
    for magic, name in _OTHER_MAGIC:
        if head.startswith(magic):
            return name
    stripped = data[:512].lstrip()
    if stripped[:1] == b"<":
        return "HTML or XML that is not an SVG image"
    if all(32 <= b < 127 or b in (9, 10, 13) for b in data[:256]):
        return "plain text"
    return "unrecognised binary data"
