"""ZPL labels for any head: drawn for raster (ESC/POS) printers and for the screen, sent as-is to ZPL ones.

``prepare_zpl`` is the pipeline's one entry for a ZPL label. A ZPL printer gets the carrier's own bytes
(it draws them best); the picture we render is only for the preview, so a renderer problem there is
logged and never stops the print. A raster head gets our rendering, centred on the head.

Barcodes fields are drawn by the renderer at the target size on whole dots. A barcode inside a bitmap
(``^GF``, ``~DG``/``^XG``, ``^IM``) is pixels and loses bars when the label is shrunk to fit the head: when
a file has bitmaps, the label is also drawn at its own size, and every barcode that reads there but not
on the fitted picture is drawn again in place on whole dots (``fitting.redraw``), from its content.
"""

from __future__ import annotations

import logging
import re
import time

import msgspec
from PIL import Image

from packstation.adapters.labels import fitting
from packstation.adapters.labels.encode import encode_escpos
from packstation.adapters.labels.errors import LabelError
from packstation.adapters.labels.raster import Head, centre_mono, mono_to_pil, pil_to_mono
from packstation.adapters.labels.tspl_epl import encode_label_language
from packstation.adapters.labels.zpl.api import DEFAULT_SOURCE_DPI, render_zpl
from packstation.adapters.labels.zpl.errors import ZplError
from packstation.domain.raster import MonoImage
from packstation.domain.setting_grammars import MediaSensing

log = logging.getLogger(__name__)

_BITMAP_COMMAND = re.compile(rb"[\^~](?:GF|DG|XG|IM)", re.I)


class ZplPrint(msgspec.Struct, frozen=True):
    data: bytes  # what the printer receives
    images: tuple[MonoImage, ...]  # what was (or would be) printed, for the screen
    warnings: tuple[str, ...]
    render_seconds: float
    encode_seconds: float


def render_for_head(data: bytes, head: Head) -> tuple[list[MonoImage], tuple[str, ...]]:
    """The label's pages at the head's dpi, fitted to and centred on its width."""
    try:
        result = render_zpl(data, dpi=head.dpi, max_width=head.width)
    except ZplError:
        raise
    except MemoryError:
        raise LabelError("the ZPL label is too large to render") from None
    except Exception as exc:  # a renderer bug must fail the job, not the station
        log.error("rendering a ZPL label failed", exc_info=True)
        raise LabelError(f"the ZPL label could not be rendered ({type(exc).__name__}: {exc})") from None
    images, warnings = list(result.images), list(result.warnings)
    if _BITMAP_COMMAND.search(data):
        images = _keep_bitmap_barcodes(data, images, warnings)
    return [centre(image, head.width) for image in images], tuple(dict.fromkeys(warnings))


def _keep_bitmap_barcodes(data: bytes, images: list[MonoImage], warnings: list[str]) -> list[MonoImage]:
    """Draw again, on whole dots, the barcodes that read on the label at its own size but were lost
    on the fitted picture (bitmaps are scaled as pixels)."""
    reference = render_zpl(data, dpi=DEFAULT_SOURCE_DPI).images
    if len(reference) != len(images):
        return images
    out = []
    for source, fitted in zip(reference, images, strict=True):
        if (source.width, source.height) == (fitted.width, fitted.height):
            out.append(fitted)  # drawn at its own size: the bitmaps are the carrier's own pixels
            continue
        source_pil, fitted_pil = mono_to_pil(source), mono_to_pil(fitted)
        on_fitted: dict[str, list[fitting.Found]] = {}
        for barcode in fitting.find_barcodes(fitted_pil):
            on_fitted.setdefault(barcode.text, []).append(barcode)
        lost, pairs = [], []
        for barcode in fitting.find_barcodes(source_pil):
            if on_fitted.get(barcode.text):
                pairs.append((barcode, on_fitted[barcode.text].pop(0)))
            else:
                lost.append(barcode)
        mapping = _mapping(pairs) or _ink_mapping(source_pil, fitted_pil)
        if not lost or mapping is None:
            out.append(fitted)
            continue
        sx, dx, sy, dy = mapping
        moved = [barcode.scaled(sx, sy, dx, dy) for barcode in lost]
        out.append(pil_to_mono(fitting.redraw(fitted_pil, moved, warnings)))
    return out


def _mapping(pairs: list[tuple[fitting.Found, fitting.Found]]) -> tuple[float, float, float, float] | None:
    """Scale and offset (x, y) from the label at its own size to the fitted one, fitted by least
    squares to the corners of the barcodes that read on both (the renderer drew those itself)."""
    xs = [(a[0], b[0]) for one, two in pairs for a, b in zip(one.corners, two.corners, strict=True)]
    ys = [(a[1], b[1]) for one, two in pairs for a, b in zip(one.corners, two.corners, strict=True)]

    def fit(points: list[tuple[float, float]]) -> tuple[float, float] | None:
        n = len(points)
        mean_u = sum(u for u, _ in points) / n
        mean_v = sum(v for _, v in points) / n
        spread = sum((u - mean_u) ** 2 for u, _ in points)
        if spread < 1:
            return None
        slope = sum((u - mean_u) * (v - mean_v) for u, v in points) / spread
        return slope, mean_v - slope * mean_u

    if not pairs:
        return None
    x_fit, y_fit = fit(xs), fit(ys)
    if x_fit is None or y_fit is None or not (0.2 < x_fit[0] < 5 and 0.2 < y_fit[0] < 5):
        return None
    return x_fit[0], x_fit[1], y_fit[0], y_fit[1]


def _ink_mapping(source: Image.Image, fitted: Image.Image) -> tuple[float, float, float, float] | None:
    """The same from the bounding boxes of the ink, when no barcode reads on both."""
    source_ink, fitted_ink = fitting.ink_box(source), fitting.ink_box(fitted)
    if source_ink is None or fitted_ink is None:
        return None
    sx = (fitted_ink[2] - fitted_ink[0]) / max(1, source_ink[2] - source_ink[0])
    sy = (fitted_ink[3] - fitted_ink[1]) / max(1, source_ink[3] - source_ink[1])
    return sx, fitted_ink[0] - source_ink[0] * sx, sy, fitted_ink[1] - source_ink[1] * sy


def centre(image: MonoImage, width: int) -> MonoImage:
    if image.width <= width:
        return centre_mono(image, width)  # on the packed rows: no unpacking and packing again
    canvas = Image.new("1", (width, image.height), 1)
    picture = mono_to_pil(image)
    if picture.width > width:
        picture = picture.crop((0, 0, width, picture.height))
    canvas.paste(picture, ((width - picture.width) // 2, 0))
    return pil_to_mono(canvas)


def prepare_zpl(
    data: bytes, head: Head, *, lang: str, preview: bool, cut: bool, media: MediaSensing = MediaSensing.GAP
) -> ZplPrint:
    started = time.perf_counter()
    if lang == "zpl" and not preview:
        try:
            images, warnings = render_for_head(data, head)
        except LabelError as exc:
            log.warning("ZPL label not shown on screen: %s", exc.user_message)
            images, warnings = [], ()
        return ZplPrint(data, tuple(images), warnings, time.perf_counter() - started, 0.0)
    images, warnings = render_for_head(data, head)
    rendered = time.perf_counter()
    if preview:
        out = b""
    elif lang in ("tspl", "epl"):
        out = encode_label_language(images, head, lang, media)
    else:
        out = encode_escpos(images, head, cut=cut)
    return ZplPrint(out, tuple(images), warnings, rendered - started, time.perf_counter() - rendered)
