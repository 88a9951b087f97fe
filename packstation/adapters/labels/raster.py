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
import warnings as warnings_module
from dataclasses import dataclass
from typing import TYPE_CHECKING

import msgspec

from packstation.adapters.labels import safety
from packstation.adapters.labels.errors import LabelError
from packstation.domain.raster import MonoImage, SvgRasterizer, row_bytes_for

if TYPE_CHECKING:
    # Pillow is imported by the functions that draw (the first label), not with this module: the
    # print queue imports it at every start-up, and Pillow's import costs ~15-25 ms there (``fitting``
    # imports Pillow too).
    from PIL import Image

    from packstation.adapters.labels import fitting

_SNAP_TOLERANCE = 0.12  # how far from a whole scale factor we still snap to it
_PDF_COARSE_DPI = 50  # enough to find where on the page the label is
_PDF_FINE_DPI = 300  # barcodes are read here (to know their content, position and orientation)
_ANALYSIS_MAX_PIXELS = 8_000_000  # the finer drawings for reading barcodes stay below this


def warm_up() -> None:
    """Import what drawing a label needs (Pillow, zxing-cpp, the XML parser) now: the app does it on a
    worker thread once its window is up, so that the first label does not pay for them."""
    import importlib

    for name in ("xml.etree.ElementTree", "PIL.Image", "zxingcpp", "packstation.adapters.labels.fitting"):
        importlib.import_module(name)


class Head(msgspec.Struct, frozen=True):
    """The printable area of a raster head: width in dots and resolution."""

    width: int = 576
    dpi: int = 203


@dataclass
class RenderFacts:
    """What a renderer tells the pipeline about the picture it made, beyond the picture."""

    # The print holds the source's own dots, only cropped, turned, padded or repeated by a whole
    # factor (a PNG at its own resolution or twice it): no scaling can have broken a barcode, so the
    # pipeline need not read the print back to prove its barcode survived.
    exact: bool = False


class Fit(msgspec.Struct, frozen=True):
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
    from PIL import Image

    return Image.frombytes("1", (image.width, image.height), image.data, "raw", "1;I")


def pil_to_mono(image: Image.Image) -> MonoImage:
    """A MonoImage of a Pillow "1" image; padding bits past the last dot are cleared to white.

    Packing the bits (``tobytes``) is the one per-dot step left in the pipeline (1-3 ms for a 4x6
    label at 832 dots): do it once per picture, at the end."""
    width, height = image.size
    return MonoImage(width, height, _clear_padding(image.tobytes("raw", "1;I"), width))


def _clear_padding(data: bytes, width: int) -> bytes:
    """Rows with the bits past the last dot of each row cleared (white), in one strided pass."""
    if not width % 8:
        return data
    row_len = row_bytes_for(width)
    buffer = bytearray(data)
    last = buffer[row_len - 1 :: row_len]
    buffer[row_len - 1 :: row_len] = last.translate(_KEEP_HIGH_BITS[width % 8])
    return bytes(buffer)


# _KEEP_HIGH_BITS[n]: a bytes.translate table keeping the n leftmost dots of a byte.
_KEEP_HIGH_BITS = [bytes(b & ((0xFF << (8 - n)) & 0xFF) for b in range(256)) for n in range(8)]


def centre_mono(image: MonoImage, width: int) -> MonoImage:
    """``image`` centred on a ``width``-dot wide page (``width`` >= the image's), on the packed rows.

    Each row gets whole white bytes either side, then the whole buffer is shifted right by the odd
    bits at once (a big-integer shift): the bits a row pushes out are its own white padding, so they
    land as white at the start of the next row. Unpacking to a picture and packing again cost 3-4 ms.
    """
    if width < image.width:
        raise ValueError(f"cannot centre a {image.width}-dot wide image on {width} dots")
    data = _clear_padding(image.data, image.width)
    if width == image.width:
        return image if data is image.data else MonoImage(width, image.height, data)
    src, dst = image.row_bytes, row_bytes_for(width)
    byte_shift, bit_shift = divmod((width - image.width) // 2, 8)
    out = bytearray(dst * image.height)
    for column in range(src):  # one strided copy per source byte column, not one per row
        out[byte_shift + column :: dst] = data[column::src]
    if bit_shift:
        out = bytearray((int.from_bytes(out, "big") >> bit_shift).to_bytes(len(out), "big"))
    return MonoImage(width, image.height, bytes(out))


def threshold(grey: Image.Image) -> Image.Image:
    """Grey to Pillow "1" at mid-grey (>= 128 is white), no dithering: Pillow's own conversion."""
    from PIL import Image

    return grey.convert("1", dither=Image.Dither.NONE)


def finish(image: Image.Image, fit: Fit, head: Head) -> MonoImage:
    """Rotate if planned, then pad to the head width with the label centred."""
    from PIL import Image

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


def render_svg(
    data: bytes, head: Head, rasterizer: SvgRasterizer | None, warnings: list[str] | None = None
) -> list[MonoImage]:
    from packstation.adapters.labels import fitting

    info = safety.check_svg(data)
    if rasterizer is None:
        raise LabelError("SVG labels cannot be rendered here: no SVG renderer is available")
    notes = [] if warnings is None else warnings
    natural_w, natural_h = info.width_in * head.dpi, info.height_in * head.dpi
    first = plan_fit(natural_w, natural_h, head)
    found: list[fitting.Found] = []
    analysis_size = (1, 1)
    if natural_w > natural_h or not _whole(first.width / natural_w):
        # Read the barcodes on a finer drawing: their orientation turns the label, their content is
        # drawn again on whole dots after the fractional scale.
        aw, ah = _svg_analysis_size(info, natural_w, natural_h, head)
        try:
            finer = mono_to_pil(rasterizer(data, aw, ah))
        except ValueError as exc:
            raise LabelError(f"the SVG label could not be drawn ({exc})") from None
        found, analysis_size = fitting.find_barcodes(finer), (aw, ah)
    turn = fitting.upright_turn(found)
    fit = _fit_turned(natural_w, natural_h, turn, head)
    width, height = _unturned_size(fit, turn)
    try:
        drawn = rasterizer(data, width, height)
    except ValueError as exc:
        raise LabelError(f"the SVG label could not be drawn ({exc})") from None
    _note_size(info.width_in, info.height_in, fit, head, notes)
    total = _total_turn(turn, fit)
    if total == 0 and not found and drawn.width <= head.width:
        return [centre_mono(drawn, head.width)]  # drawn upright at its size: only centred
    return [_place(mono_to_pil(drawn), found, analysis_size, total, head, notes)]


def _svg_analysis_size(
    info: safety.SvgInfo, natural_w: float, natural_h: float, head: Head
) -> tuple[int, int]:
    """The size of the drawing an SVG's barcodes are read on: its own grid of whole units where every
    shape sits on one (``svg_grid``), at whole pixels per unit, at least the head's resolution and two
    pixels across its narrowest feature; otherwise twice the head's resolution (bars between pixels
    need that many to read). The smaller of the two when both apply; both below the pixel cap."""
    from packstation.adapters.labels import svg_grid

    factor = min(2.0, (_ANALYSIS_MAX_PIXELS / max(1.0, natural_w * natural_h)) ** 0.5)
    finer = max(1, round(natural_w * factor)), max(1, round(natural_h * factor))
    grid = None if info.root is None else svg_grid.analysis_grid(info.root, info.width_in, info.height_in)
    if grid is None:
        return finer
    per_unit = max(2 if grid.one_unit_features else 1, math.ceil(head.dpi / grid.units_per_inch - 1e-9))
    own = (
        round(info.width_in * grid.units_per_inch) * per_unit,
        round(info.height_in * grid.units_per_inch) * per_unit,
    )
    if own[0] * own[1] > min(_ANALYSIS_MAX_PIXELS, finer[0] * finer[1]):
        return finer
    return own


def render_pdf(data: bytes, head: Head, warnings: list[str] | None = None) -> list[MonoImage]:
    import pypdfium2

    notes = [] if warnings is None else warnings
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
        opened = []
        try:
            for index in range(pages):  # every page is checked before any is drawn
                opened.append(document[index])
                safety.check_embedded_pixels(_pdf_image_sizes(opened[-1]), "PDF")
            images = []
            for index, page in enumerate(opened):
                try:
                    images.append(_render_pdf_page(page, head, notes))
                except pypdfium2.PdfiumError as exc:
                    raise LabelError(
                        f"page {index + 1} of the PDF label could not be drawn ({exc})"
                    ) from None
            return images
        finally:
            for page in opened:
                page.close()
    finally:
        document.close()


def _pdf_mono(page: object, scale: float, crop: tuple[float, float, float, float]) -> Image.Image:
    """The page (or its ``crop``) drawn by pdfium in grey at ``scale``, thresholded to Pillow "1"."""
    bitmap = page.render(  # type: ignore[attr-defined]
        scale=scale,
        crop=crop,
        grayscale=True,
        no_smoothtext=True,
        no_smoothimage=True,
        no_smoothpath=True,
        fill_color=(255, 255, 255, 255),
    )
    grey = bitmap.to_pil()  # shares pdfium's buffer: converted (copied) while the bitmap lives
    return threshold(grey if grey.mode == "L" else grey.convert("L"))


def _render_pdf_page(page: object, head: Head, notes: list[str]) -> MonoImage:
    """Crop the page to its ink (found on a coarse drawing), read its barcodes on a fine one, then
    draw the crop at the final size, turned upright, with the barcodes drawn again on whole dots."""
    from packstation.adapters.labels import fitting

    width_pt, height_pt = page.get_size()  # type: ignore[attr-defined]
    coarse_scale = _PDF_COARSE_DPI / 72
    coarse = _pdf_mono(page, coarse_scale, (0, 0, 0, 0))
    left, top, right, bottom = fitting.crop_box(coarse, _PDF_COARSE_DPI)
    crop = (
        left / coarse_scale,
        max(0.0, height_pt - bottom / coarse_scale),
        max(0.0, width_pt - right / coarse_scale),
        top / coarse_scale,
    )
    crop_w = max(1.0, width_pt - crop[0] - crop[2])
    crop_h = max(1.0, height_pt - crop[1] - crop[3])
    natural_w, natural_h = crop_w / 72 * head.dpi, crop_h / 72 * head.dpi
    found: list[fitting.Found] = []
    fine_size = (1, 1)
    cropped = crop_w < 0.9 * width_pt or crop_h < 0.9 * height_pt  # the label is part of a page
    # A portrait page printed at its own size was made for this kind of head: drawn as it is. Any
    # other shape (cut from a larger page, landscape, shrunk) has its barcodes read and drawn again.
    if cropped or natural_w > natural_h or plan_fit(natural_w, natural_h, head).width < natural_w - 1:
        fine_dpi = min(_PDF_FINE_DPI, (_ANALYSIS_MAX_PIXELS / (crop_w * crop_h / 72**2)) ** 0.5)
        fine = _pdf_mono(page, fine_dpi / 72, crop)
        found, fine_size = fitting.find_barcodes(fine), fine.size
    turn = fitting.upright_turn(found)
    fit = _fit_turned(natural_w, natural_h, turn, head)
    width, _ = _unturned_size(fit, turn)
    final = _pdf_mono(page, width / crop_w, crop)
    _note_size(crop_w / 72, crop_h / 72, fit, head, notes)
    return _place(final, found, fine_size, _total_turn(turn, fit), head, notes)


def _pdf_image_sizes(page: object) -> list[tuple[int, int]]:
    """The pixel size of every image a PDF page draws (in forms too), from the image dictionaries:
    pdfium reads /Width and /Height without decoding the image."""
    import pypdfium2.raw as pdfium_c

    sizes = []
    for obj in page.get_objects(filter=(pdfium_c.FPDF_PAGEOBJ_IMAGE,)):  # type: ignore[attr-defined]
        width, height = obj.get_px_size()
        sizes.append((int(width), int(height)))
    return sizes


def render_png(
    data: bytes, head: Head, warnings: list[str] | None = None, facts: RenderFacts | None = None
) -> list[MonoImage]:
    from PIL import Image

    from packstation.adapters.labels import fitting

    notes = [] if warnings is None else warnings
    width, height = safety.png_dimensions(data)
    try:
        with warnings_module.catch_warnings():
            warnings_module.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data), formats=["PNG"])
            image.load()
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise LabelError(f"the PNG label is too large to decode safely ({width}x{height} pixels)") from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise LabelError(f"the PNG label is truncated or corrupt ({exc})") from None
    source_dpi = _plausible_dpi(image.info.get("dpi"))
    factor = head.dpi / source_dpi if source_dpi else 1.0
    # A 1-bit picture is its own threshold (most carrier PNGs): no trip through grey.
    picture = image if image.mode == "1" else threshold(_flatten_to_grey(image))
    box = fitting.crop_box(picture, source_dpi or head.dpi)
    if box != (0, 0, width, height):  # the label sits in one part of a page
        picture = picture.crop(box)
        width, height = picture.size
    natural_w, natural_h = width * factor, height * factor
    first = plan_fit(natural_w, natural_h, head)
    found: list[fitting.Found] = []
    if width > height or not _whole(first.width / width):
        found = fitting.find_barcodes(picture)
    turn = fitting.upright_turn(found)
    fit = _fit_turned(natural_w, natural_h, turn, head)
    unturned_w, unturned_h = _unturned_size(fit, turn)
    total = _total_turn(turn, fit)
    scaled = _scale_mono(picture, Fit(total % 180 == 90, unturned_w, unturned_h), head)
    inch = source_dpi or head.dpi
    _note_size(width / inch, height / inch, fit, head, notes)
    if facts is not None:  # the picture's own dots, repeated by a whole factor at most
        facts.exact = _whole(scaled.width / width) and _whole(scaled.height / height)
    return [_place(scaled, found, (width, height), total, head, notes)]


def _whole(scale: float) -> bool:
    """A scale that keeps every bar a whole number of dots (1x, 2x, 3x ...)."""
    return scale >= 1 - 1e-6 and abs(scale - round(scale)) < 1e-3


def _fit_turned(natural_w: float, natural_h: float, turn: int, head: Head) -> Fit:
    """The fit for the label once turned upright by ``turn`` degrees clockwise."""
    if turn % 180 == 90:
        natural_w, natural_h = natural_h, natural_w
    return plan_fit(natural_w, natural_h, head)


def _unturned_size(fit: Fit, turn: int) -> tuple[int, int]:
    """The size to draw the source at, before it is turned upright (``fit`` is in the upright frame)."""
    return (fit.height, fit.width) if turn % 180 == 90 else (fit.width, fit.height)


def _total_turn(turn: int, fit: Fit) -> int:
    """Clockwise degrees from the source to the print: upright, then a quarter more if it prints larger."""
    return (turn + (90 if fit.rotate else 0)) % 360


def _place(
    drawn: Image.Image,
    found: list[fitting.Found],
    found_frame: tuple[int, int],
    turn: int,
    head: Head,
    notes: list[str],
) -> MonoImage:
    """Turn the drawn label, draw its barcodes again on whole dots unless it was drawn at a whole
    scale of the picture they were read on, and centre it on the head."""
    from PIL import Image

    from packstation.adapters.labels import fitting

    sx, sy = drawn.width / found_frame[0], drawn.height / found_frame[1]
    moved = [barcode.scaled(sx, sy).rotated(drawn.width, drawn.height, turn) for barcode in found]
    picture = fitting.turn_image(drawn, turn)
    if moved and not (_whole(sx) and _whole(sy)):
        if picture.width < head.width:  # centre first: a redrawn barcode may use the head's whole width
            pad = (head.width - picture.width) // 2
            canvas = Image.new("1", (head.width, picture.height), 1)
            canvas.paste(picture, (pad, 0))
            picture, moved = canvas, [barcode.scaled(1, 1, pad, 0) for barcode in moved]
        picture = fitting.redraw(picture, moved, notes)
    return finish(picture, Fit(False, picture.width, picture.height), head)


def _note_size(width_in: float, height_in: float, fit: Fit, head: Head, notes: list[str]) -> None:
    """Say in words when the label prints smaller than it is (the head is narrower than the label)."""
    longest = max(width_in, height_in)
    ratio = max(fit.width, fit.height) / head.dpi / longest if longest else 1.0
    if ratio < 0.95:
        notes.append(
            f"the label is {width_in:.1f} x {height_in:.1f} in; this printer ({head.width} dots at "
            f"{head.dpi} dpi, {head.width / head.dpi:.1f} in) prints it at {ratio:.0%} of its size"
        )


def _flatten_to_grey(image: Image.Image) -> Image.Image:
    """Grey on white: transparent pixels count as paper, not as black."""
    from PIL import Image

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
    from PIL import Image

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
