"""Turn SVG, PDF and PNG labels into 1-bit images that fit a printer head, without losing the barcode.

Every path ends in a plain threshold (no dithering: dithering turns bar edges into noise). Vector
labels (SVG, PDF) are rendered straight at the final size so no resampling happens afterwards. Raster
labels (PNG) are thresholded at their own resolution and then scaled by a whole factor when one is close
(every bar keeps a uniform width), otherwise nearest-neighbour up or area-average-then-threshold down.
A landscape label is turned a quarter when that lets it print larger on the head; the image is centred
by padding it to the head width ourselves (python-escpos' ``center`` is broken for tall images).
"""

from __future__ import annotations

import io
import math
import warnings
from dataclasses import dataclass

from PIL import Image

from packstation.adapters.labels import safety
from packstation.adapters.labels.errors import LabelError
from packstation.domain.raster import MonoImage, SvgRasterizer

_THRESHOLD = [255 if v >= 128 else 0 for v in range(256)]  # grey -> "1" (0 = black in Pillow)
_SNAP_TOLERANCE = 0.12  # how far from a whole scale factor we still snap to it


@dataclass(frozen=True)
class Head:
    """The printable area of a raster head: width in dots and resolution."""

    width: int = 576
    dpi: int = 203


@dataclass(frozen=True)
class Fit:
    rotate: bool  # turn the label a quarter (clockwise) before printing
    width: int  # size of the unrotated rendering, in dots
    height: int


def plan_fit(natural_w: float, natural_h: float, head: Head) -> Fit:
    """Decide size and orientation for a label whose natural size (at the head's dpi) is given in dots."""
    if natural_w <= 0 or natural_h <= 0:
        raise LabelError("the label has no size")
    scale_upright = min(1.0, head.width / natural_w)
    scale_turned = min(1.0, head.width / natural_h)
    rotate = natural_w > natural_h and scale_turned > scale_upright
    scale = scale_turned if rotate else scale_upright
    width = max(1, math.floor(natural_w * scale + 1e-6))
    height = max(1, math.floor(natural_h * scale + 1e-6))
    length = width if rotate else height
    if length > safety.MAX_LABEL_LENGTH_INCHES * head.dpi:
        raise LabelError(
            f"the label would be {length / head.dpi:.0f} inches long on this printer; "
            f"the limit is {safety.MAX_LABEL_LENGTH_INCHES} inches"
        )
    return Fit(rotate, width, height)


def mono_to_pil(image: MonoImage) -> Image.Image:
    """A Pillow "1" image (Pillow convention: 0 = black) of a MonoImage."""
    return Image.frombytes("1", (image.width, image.height), image.data, "raw", "1;I")


def pil_to_mono(image: Image.Image) -> MonoImage:
    """A MonoImage of a Pillow "1" image; padding bits past the last dot are cleared to white."""
    data = image.tobytes("raw", "1;I")
    width, height = image.size
    if width % 8:
        row_len = (width + 7) // 8
        keep = (0xFF << (8 - width % 8)) & 0xFF
        buffer = bytearray(data)
        buffer[row_len - 1 :: row_len] = bytes(b & keep for b in buffer[row_len - 1 :: row_len])
        data = bytes(buffer)
    return MonoImage(width, height, data)


def threshold(grey: Image.Image) -> Image.Image:
    return grey.point(_THRESHOLD, "1")


def finish(image: Image.Image, fit: Fit, head: Head) -> MonoImage:
    """Rotate if planned, then pad to the head width with the label centred."""
    if fit.rotate:
        image = image.transpose(Image.Transpose.ROTATE_270)
    width, height = image.size
    if width > head.width:  # rounding in a renderer can add a dot; never send wider than the head
        image = image.crop(((width - head.width) // 2, 0, (width - head.width) // 2 + head.width, height))
        width = head.width
    if width < head.width:
        canvas = Image.new("1", (head.width, height), 1)
        canvas.paste(image, ((head.width - width) // 2, 0))
        image = canvas
    return pil_to_mono(image)


def render_svg(data: bytes, head: Head, rasterizer: SvgRasterizer | None) -> list[MonoImage]:
    info = safety.check_svg(data)
    if rasterizer is None:
        raise LabelError("SVG labels cannot be rendered here: no SVG renderer is available")
    fit = plan_fit(info.width_in * head.dpi, info.height_in * head.dpi, head)
    try:
        rendered = rasterizer(data, fit.width, fit.height)
    except ValueError as exc:
        raise LabelError(f"the SVG label could not be drawn ({exc})") from None
    return [finish(mono_to_pil(rendered), fit, head)]


def render_pdf(data: bytes, head: Head) -> list[MonoImage]:
    import pypdfium2

    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as exc:
        raise LabelError(f"the PDF label is truncated or corrupt ({exc})") from None
    try:
        pages = len(document)
        if pages == 0:
            raise LabelError("the PDF label has no pages")
        if pages > safety.MAX_PDF_PAGES:
            raise LabelError(
                f"the PDF has {pages} pages; a label file may have at most {safety.MAX_PDF_PAGES}"
            )
        for index in range(pages):  # every page is checked before any is drawn
            page = document[index]
            try:
                safety.check_embedded_pixels(_pdf_image_sizes(page), "PDF")
            finally:
                page.close()
        images = []
        for index in range(pages):
            page = document[index]
            try:
                width_pt, height_pt = page.get_size()
                fit = plan_fit(width_pt / 72 * head.dpi, height_pt / 72 * head.dpi, head)
                bitmap = page.render(
                    scale=fit.width / width_pt,
                    grayscale=True,
                    no_smoothtext=True,
                    no_smoothimage=True,
                    no_smoothpath=True,
                    fill_color=(255, 255, 255, 255),
                )
                grey = bitmap.to_pil().convert("L")
            except pypdfium2.PdfiumError as exc:
                raise LabelError(f"page {index + 1} of the PDF label could not be drawn ({exc})") from None
            finally:
                page.close()
            images.append(finish(threshold(grey), fit, head))
        return images
    finally:
        document.close()


def _pdf_image_sizes(page: object) -> list[tuple[int, int]]:
    """The pixel size of every image a PDF page draws (in forms too), from the image dictionaries:
    pdfium reads /Width and /Height without decoding the image."""
    import pypdfium2.raw as pdfium_c

    sizes = []
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):  # type: ignore[attr-defined]
        width, height = obj.get_px_size()
        sizes.append((int(width), int(height)))
    return sizes


def render_png(data: bytes, head: Head) -> list[MonoImage]:
    width, height = safety.png_dimensions(data)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG"])
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LabelError(f"the PNG label is too large to decode safely ({width}x{height} pixels)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise LabelError(f"the PNG label is truncated or corrupt ({exc})") from None
    grey = _flatten_to_grey(image)
    source_dpi = _plausible_dpi(image.info.get("dpi"))
    factor = head.dpi / source_dpi if source_dpi else 1.0
    fit = plan_fit(width * factor, height * factor, head)
    return [finish(_scale_mono(threshold(grey), fit, head), fit, head)]


def _flatten_to_grey(image: Image.Image) -> Image.Image:
    """Grey on white: transparent pixels count as paper, not as black."""
    if image.mode in ("L", "1"):
        return image.convert("L")
    if image.mode == "P" and "transparency" not in image.info:
        return image.convert("L")
    rgba = image.convert("RGBA")
    background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
    return Image.alpha_composite(background, rgba).convert("L")


def _plausible_dpi(dpi: object) -> float | None:
    """PNG resolution, if it looks meant (72/96 are tool defaults, not label resolutions)."""
    try:
        value = float(dpi[0])  # type: ignore[index]
    except (TypeError, ValueError, IndexError):
        return None
    return value if 100 <= value <= 1200 else None


def _scale_mono(image: Image.Image, fit: Fit, head: Head) -> Image.Image:
    """Scale a thresholded image to the planned size, by a whole factor when one is near."""
    src_w, src_h = image.size
    if (fit.width, fit.height) == (src_w, src_h):
        return image
    scale = fit.width / src_w
    if scale > 1:
        whole = round(scale)
        size = (src_w * whole, src_h * whole)
        across = size[1] if fit.rotate else size[0]  # the side that must fit the head
        if whole == 1 and abs(scale - 1) <= _SNAP_TOLERANCE:
            return image
        if whole < 2 or abs(scale - whole) > _SNAP_TOLERANCE * scale or across > head.width:
            size = (fit.width, fit.height)
        return image.resize(size, Image.Resampling.NEAREST)
    shrink = math.ceil(1 / scale - 1e-9)
    if shrink > 1 and shrink - 1 / scale <= _SNAP_TOLERANCE * shrink:
        return threshold(image.convert("L").reduce(shrink))
    return threshold(image.convert("L").resize((fit.width, fit.height), Image.Resampling.BOX))
