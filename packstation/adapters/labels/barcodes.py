"""Did the barcode survive? A shipping label is only worth printing if its barcode scans.

After a carrier label is rendered for the head, zxing-cpp reads the 1-bit result. If it finds no
barcode there, the label is rendered again at twice the resolution (the "source" as well as we can see
it): if a barcode reads there, our scaling or thresholding destroyed it and the label is refused with a
clear message instead of printing an unscannable label. A label in which zxing-cpp finds no barcode
even then (a symbology it does not know) prints as before: it is not evidence of a fault.

Reading a whole 4x6 label every way zxing-cpp knows (every symbology, turned, inverted, downscaled)
takes 20-30 ms, more than rendering it; the question here is only whether *any* barcode reads, so the
print is first read the cheap way (linear symbologies, at its own resolution, stopping at the first
one: under a millisecond to a few), and read every way only when that finds nothing. The pipeline skips
the check for a print that holds the source's own dots (``raster.RenderFacts.exact``).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from packstation.adapters.labels.errors import LabelError
from packstation.domain.raster import MonoImage

log = logging.getLogger(__name__)


def _picture(image: MonoImage) -> memoryview:
    """The print one byte per dot (0 = black, 255 = white), shaped (rows, columns) as zxing-cpp takes a
    buffer: handing it a 1-bit Pillow image made it convert that itself, twice as slowly."""
    from PIL import Image

    bits = Image.frombytes("1", (image.width, image.height), image.data, "raw", "1;I", image.row_bytes)
    return memoryview(bits.tobytes("raw", "L")).cast("B", (image.height, image.width))


def read_barcodes(image: MonoImage) -> list[str]:
    import zxingcpp

    return [result.text for result in zxingcpp.read_barcodes(_picture(image))]


def has_barcode(image: MonoImage) -> bool:
    """Whether zxing-cpp reads any barcode on the print: the cheap way first, then every way."""
    import zxingcpp

    picture = _picture(image)
    quick = zxingcpp.read_barcode(
        picture,
        formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.LinearCodes),
        try_downscale=False,
        try_invert=False,
    )
    return quick is not None or bool(zxingcpp.read_barcodes(picture))


def check_barcode_kept(images: list[MonoImage], reference: Callable[[], list[MonoImage]], what: str) -> None:
    """Raise LabelError when the rendered label has no readable barcode but the source has one."""
    try:
        import zxingcpp  # noqa: F401
    except ImportError:  # the check needs zxing-cpp; without it labels print unchecked, as before
        log.debug("zxing-cpp is missing: barcodes are not checked")
        return
    if any(has_barcode(image) for image in images):
        return
    try:
        finer = reference()
    except LabelError:
        return
    if any(read_barcodes(image) for image in finer):
        raise LabelError(
            f"the barcode on the {what} label cannot be read once scaled for this printer (it reads on "
            "the original), so it was not printed: check the printer's width and dpi settings, or ask "
            "the carrier for a label made for this printer"
        )
