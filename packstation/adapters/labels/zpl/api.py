"""The renderer's entry point: ZPL bytes in, one ``MonoImage`` per printed label and the warnings out."""

from __future__ import annotations

import logging

import msgspec

from packstation.adapters.labels.zpl.errors import ZplError
from packstation.adapters.labels.zpl.renderer import render_pages
from packstation.domain.raster import MonoImage

log = logging.getLogger(__name__)

# ZPL coordinates are dots of the printer the label was made for; carriers design for 8 dots/mm.
DEFAULT_SOURCE_DPI = 203


class ZplRender(msgspec.Struct, frozen=True):
    images: tuple[MonoImage, ...]
    warnings: tuple[str, ...]  # commands not supported or drawn approximately, in plain words


def render_zpl(
    data: bytes | str,
    *,
    dpi: int = 203,
    source_dpi: int = DEFAULT_SOURCE_DPI,
    max_width: int | None = None,
) -> ZplRender:
    """Render every ``^XA``..``^XZ`` label in ``data`` at ``dpi``.

    The label's dots are taken as ``source_dpi`` dots and scaled to ``dpi``; with ``max_width`` (the
    head's width in dots) a wider label is drawn smaller so it fits, barcodes still on whole dots.
    Raises ``ZplError`` when the file holds no label at all.
    """
    if dpi <= 0 or source_dpi <= 0:
        raise ValueError("dpi must be positive")
    text = data.decode("latin-1") if isinstance(data, bytes) else data
    if text.startswith("\ufeff"):
        text = text[1:]
    elif text.startswith("\xef\xbb\xbf"):
        text = text[3:]
    warnings: list[str] = []
    pages = render_pages(text, dpi, source_dpi, max_width, warnings)
    warnings = list(dict.fromkeys(warnings))  # a field drawn again to fit the head warns once
    for message in warnings:
        log.warning("ZPL label: %s", message)
    if not pages:
        raise ZplError("the ZPL file has no label to print (no ^XA...^XZ format with any field)")
    images = tuple(MonoImage(p.width, p.height, p.tobytes("raw", "1")) for p in pages)
    return ZplRender(images, tuple(warnings))
