"""Raster labels for TSPL heads (TSC, Xprinter, Munbyn, iDPRT, HPRT) and EPL2 heads (older Zebra LP/TLP).

Both languages print a 1-bit image through their own bitmap command, one label per page:

- TSPL: ``SIZE w mm,h mm`` / ``GAP`` or ``BLINE`` / ``DENSITY`` / ``CLS`` / ``BITMAP x,y,bytes,rows,0,``
  + binary rows / ``PRINT 1,1`` (TSC TSPL/TSPL2 programming manual). Lines end in CR LF.
- EPL2: ``N`` / ``q`` width / ``Q`` length,gap / ``GW x,y,bytes,rows,`` + binary rows / ``P1`` (Zebra EPL2
  programming guide). Lines end in LF; a leading LF ends any half-sent command from a previous job.

In both, a 0 bit prints a dot and a 1 bit leaves paper white: the inverse of ``MonoImage`` (1 = black),
so rows are inverted with one byte table (the padding bits at the end of each row become white).
The cutter flag is not used: these are tear-off label heads; a cutter is set on the printer itself.
"""

from __future__ import annotations

from packstation.adapters.labels.raster import Head
from packstation.domain.raster import MonoImage
from packstation.domain.setting_grammars import MediaSensing

TSPL_DENSITY = 8  # the TSC default darkness (0..15)
EPL_DENSITY = 10  # EPL2 D command default range 0..15
GAP_MM = 3.0  # the common gap between die-cut labels
MARK_MM = 3.0  # a black mark's usual height
_INVERT = bytes(255 - b for b in range(256))


def _mm(dots: int, dpi: int) -> str:
    return f"{dots / dpi * 25.4:.1f}"


def _white_is_one(image: MonoImage) -> bytes:
    return image.data.translate(_INVERT)


def encode_tspl(images: list[MonoImage], head: Head, *, media: MediaSensing = MediaSensing.GAP) -> bytes:
    """TSPL bytes: one label per page, each a full-page BITMAP."""
    out = bytearray()
    for image in images:
        out += f"SIZE {_mm(image.width, head.dpi)} mm,{_mm(image.height, head.dpi)} mm\r\n".encode()
        if media is MediaSensing.MARK:
            out += f"BLINE {MARK_MM:.1f} mm,0 mm\r\n".encode()
        elif media is MediaSensing.CONTINUOUS:
            out += b"GAP 0 mm,0 mm\r\n"
        else:
            out += f"GAP {GAP_MM:.1f} mm,0 mm\r\n".encode()
        out += f"DENSITY {TSPL_DENSITY}\r\n".encode()
        out += b"CLS\r\n"
        out += f"BITMAP 0,0,{image.row_bytes},{image.height},0,".encode()
        out += _white_is_one(image)
        out += b"\r\nPRINT 1,1\r\n"
    return bytes(out)


def encode_epl(images: list[MonoImage], head: Head, *, media: MediaSensing = MediaSensing.GAP) -> bytes:
    """EPL2 bytes: one label per page, each a full-page GW graphic."""
    out = bytearray()
    for image in images:
        out += b"\nN\n"
        out += f"q{image.row_bytes * 8}\n".encode()
        gap = round(GAP_MM / 25.4 * head.dpi)
        if media is MediaSensing.MARK:
            out += f"Q{image.height},B{round(MARK_MM / 25.4 * head.dpi)}\n".encode()
        elif media is MediaSensing.CONTINUOUS:
            out += f"Q{image.height},0\n".encode()
        else:
            out += f"Q{image.height},{gap}\n".encode()
        out += f"D{EPL_DENSITY}\n".encode()
        out += f"GW0,0,{image.row_bytes},{image.height},".encode()
        out += _white_is_one(image)
        out += b"\nP1\n"
    return bytes(out)


def encode_label_language(images: list[MonoImage], head: Head, lang: str, media: MediaSensing) -> bytes:
    """The bytes for a TSPL or EPL head; ValueError for any other language (the caller's bug)."""
    if lang == "tspl":
        return encode_tspl(images, head, media=media)
    if lang == "epl":
        return encode_epl(images, head, media=media)
    raise ValueError(f"{lang!r} is not a TSPL/EPL language")
