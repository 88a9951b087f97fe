"""ZPL labels for any head: drawn for raster (ESC/POS) printers and for the screen, sent as-is to ZPL ones.

``prepare_zpl`` is the pipeline's one entry for a ZPL label. A ZPL printer gets the carrier's own bytes
(it draws them best); the picture we render is only for the preview, so a renderer problem there is
logged and never stops the print. A raster head gets our rendering, centred on the head.
"""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass

from PIL import Image

from packstation.adapters.labels.encode import encode_escpos
from packstation.adapters.labels.errors import LabelError
from packstation.adapters.labels.raster import Head, mono_to_pil, pil_to_mono
from packstation.adapters.labels.tspl_epl import encode_label_language
from packstation.adapters.labels.zpl.api import render_zpl
from packstation.adapters.labels.zpl.errors import ZplError
from packstation.domain.raster import MonoImage
from packstation.domain.setting_grammars import MediaSensing

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ZplPrint:
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
    return [centre(image, head.width) for image in result.images], result.warnings


def centre(image: MonoImage, width: int) -> MonoImage:
    if image.width == width:
        return image
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
