"""The ESC/POS encoder as it was before issue 13 item 6: python-escpos ``image(impl="bitImageRaster")``
per band. Kept for the benchmark's "old pipeline" column and the byte-for-byte test of our framing."""

from __future__ import annotations

from packstation.adapters.labels.encode import BAND_ROWS, ESC_INIT, bands, ensure_escpos_env, escpos_profile
from packstation.adapters.labels.raster import Head, mono_to_pil
from packstation.domain.raster import MonoImage


def encode_escpos_with_escpos_image(images: list[MonoImage], head: Head, *, cut: bool) -> bytes:
    ensure_escpos_env()
    from escpos.printer import Dummy

    printer = Dummy(profile=escpos_profile(head))
    printer._raw(ESC_INIT)
    for image in images:
        for band in bands(image, BAND_ROWS):
            printer.image(mono_to_pil(band), impl="bitImageRaster", center=False, fragment_height=BAND_ROWS)
        if cut:
            printer.cut()
    return printer.output
