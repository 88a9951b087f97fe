"""Barcode-safe fitting: crop a label to its ink, turn it upright from its content, and redraw its
barcodes on whole dots after scaling.

Carriers send labels in shapes we do not choose: a 4x6 label in one corner of an A4 page, a portrait
label laid sideways on a landscape page (turned either way), 300 dpi pictures for a 203 dpi head.
Scaling pixels by a fraction breaks bars (a 3-dot bar becomes 2 or 3 dots at random), so:

- ``ink_box`` finds the label on the page (the bounding box of its black dots, plus a small margin);
- ``find_barcodes`` reads every barcode with zxing-cpp, with its corners and the orientation zxing
  reports (degrees clockwise from upright); ``upright_turn`` takes the orientation that most barcode
  area agrees on, so a page turned clockwise is turned back counter-clockwise and vice versa. No
  barcode found: no turn (the old rule applies: a landscape label that prints larger turned is turned
  clockwise);
- ``redraw`` whites out each barcode in the final image and draws it again from its decoded content
  (``zxingcpp.create_barcode``) at the largest whole number of dots per module that fits its old box,
  centred there, so every bar is a whole number of dots. A barcode that does not fit even at one dot per
  module is refused in words (``LabelError``): it cannot print scannable on this head.

Coordinates of found barcodes travel with the image: ``Found.rotated`` and ``Found.scaled`` move them
into the frame of the final picture.
"""

from __future__ import annotations

import logging
import math
import re
from typing import TYPE_CHECKING

import msgspec
import msgspec.structs
from PIL import Image, ImageChops

from packstation.adapters.labels.errors import LabelError

if TYPE_CHECKING:
    import zxingcpp

log = logging.getLogger(__name__)

Point = tuple[float, float]

# Formats drawn as one row of bars stretched to the box height (height carries no data).
_LINEAR = {
    "Code128",
    "Code39",
    "Code93",
    "Codabar",
    "ITF",
    "EAN13",
    "EAN8",
    "UPCA",
    "UPCE",
}
# Formats with rows of their own aspect: columns and rows scale separately (PDF417 rows are tall).
_STACKED = {"PDF417"}
# Square-module matrix symbols.
_MATRIX = {"QRCode", "DataMatrix", "Aztec"}
_GS1_AI = re.compile(r"\((\d{2,4})\)")
_INK_MARGIN_INCH = 0.06  # white kept around the label's ink when a page is cropped
_WHITE_OUT_DOTS = 2
_SQUARE_TOLERANCE_DEG = 8  # a barcode skewed more than this is left as it is (not ours to straighten)


class Found(msgspec.Struct, frozen=True):
    """A barcode read from a label: what to draw again, and where it is in the current frame."""

    format_name: str
    content: str | bytes
    gs1: bool
    corners: tuple[Point, Point, Point, Point]
    orientation: int  # degrees clockwise from upright, a multiple of 90
    text: str  # what zxing-cpp reads (for checks and messages)

    @property
    def box(self) -> tuple[float, float, float, float]:
        xs = [p[0] for p in self.corners]
        ys = [p[1] for p in self.corners]
        return min(xs), min(ys), max(xs), max(ys)

    @property
    def area(self) -> float:
        left, top, right, bottom = self.box
        return max(1.0, right - left) * max(1.0, bottom - top)

    def rotated(self, width: float, height: float, clockwise: int) -> Found:
        """The same barcode after its frame (``width`` x ``height``) is turned ``clockwise`` degrees."""
        turn = clockwise % 360

        def move(point: Point) -> Point:
            x, y = point
            if turn == 90:
                return height - y, x
            if turn == 180:
                return width - x, height - y
            if turn == 270:
                return y, width - x
            return x, y

        corners = tuple(move(p) for p in self.corners)
        return msgspec.structs.replace(self, corners=corners, orientation=(self.orientation + turn) % 360)

    def scaled(self, sx: float, sy: float, dx: float = 0.0, dy: float = 0.0) -> Found:
        corners = tuple((x * sx + dx, y * sy + dy) for x, y in self.corners)
        return msgspec.structs.replace(self, corners=corners)


def ink_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    """The bounding box of the black dots of a grey or 1-bit picture, or None when it is blank."""
    if image.mode != "1":
        image = image.convert("L").convert("1", dither=Image.Dither.NONE)  # threshold at mid-grey
    # Inverted, black dots are the non-zero pixels getbbox() looks for. "1" -> "L" first: it maps
    # every white pixel to 255 (Image.new("1", ..., 1) stores 1s, which inverting would leave non-zero).
    # Native operations only: packing the bits to read them inverted cost 2-3 ms on a 4x6 label.
    return ImageChops.invert(image.convert("L")).getbbox()


def crop_box(image: Image.Image, dpi: float) -> tuple[int, int, int, int]:
    """Where to cut the page: the ink plus a small margin, inside the page (the whole page if blank)."""
    box = ink_box(image)
    if box is None:
        return 0, 0, image.width, image.height
    margin = max(1, round(_INK_MARGIN_INCH * dpi))
    left, top, right, bottom = box
    return (
        max(0, left - margin),
        max(0, top - margin),
        min(image.width, right + margin),
        min(image.height, bottom + margin),
    )


def find_barcodes(image: Image.Image) -> list[Found]:
    """Every barcode zxing-cpp reads on the picture, with what is needed to draw it again."""
    try:
        import zxingcpp
    except ImportError:  # without zxing-cpp labels print as scaled, as before
        return []
    # What is read: the formats this module can draw again, and MaxiCode (left as scaled, but its
    # orientation turns a UPS label upright); the rest (Micro QR, DataBar, ...) were left as scaled
    # and are not looked for. Not downscaled: the picture is a clean drawing at the label's own
    # resolution or finer, on which zxing-cpp finds large symbols as well as small ones (downscaled
    # copies are for camera pictures); turned and inverted symbols are still looked for.
    formats = _reading_formats()
    if image.mode == "1":
        # A 1-bit picture (every renderer's): handed over one byte per dot and read as it is. zxing-cpp's
        # default binarizer (local averages, for photographs) found the same barcodes ~20% slower.
        picture: object = memoryview(image.tobytes("raw", "L")).cast("B", (image.height, image.width))
        results = zxingcpp.read_barcodes(
            picture, formats=formats, try_downscale=False, binarizer=zxingcpp.Binarizer.BoolCast
        )
    else:
        grey = image if image.mode == "L" else image.convert("L")
        results = zxingcpp.read_barcodes(grey, formats=formats, try_downscale=False)
    found = []
    for result in results:
        position = result.position
        corners = tuple(
            (float(p.x), float(p.y))
            for p in (position.top_left, position.top_right, position.bottom_right, position.bottom_left)
        )
        orientation = int(result.orientation)
        square = round(orientation / 90) * 90
        if abs(orientation - square) > _SQUARE_TOLERANCE_DEG:
            log.info("a %s barcode is skewed by %d degrees: left as drawn", result.format, orientation)
            continue
        content, gs1 = _content(result)
        found.append(
            Found(
                _format_name(result.format),
                content,
                gs1,
                corners,  # type: ignore[arg-type]
                square % 360,
                result.text,
            )
        )
    return found


def _reading_formats() -> zxingcpp.BarcodeFormats:
    import zxingcpp

    names = sorted(_LINEAR | _STACKED | _MATRIX | {"MaxiCode"})
    return zxingcpp.BarcodeFormats([getattr(zxingcpp.BarcodeFormat, name) for name in names])


def _format_name(fmt: object) -> str:
    return str(getattr(fmt, "name", fmt)).split(".")[-1]


def _content(result: object) -> tuple[str | bytes, bool]:
    import zxingcpp

    kind = result.content_type  # type: ignore[attr-defined]
    if kind == zxingcpp.ContentType.GS1:
        return _GS1_AI.sub(r"[\1]", result.text), True  # type: ignore[attr-defined]
    if kind == zxingcpp.ContentType.Text:
        return result.text, False  # type: ignore[attr-defined]
    return bytes(result.bytes), False  # type: ignore[attr-defined]


def upright_turn(found: list[Found]) -> int:
    """Degrees to turn the picture clockwise so that most barcode area reads upright (0 when unsure)."""
    votes: dict[int, float] = {}
    for barcode in found:
        votes[barcode.orientation] = votes.get(barcode.orientation, 0.0) + barcode.area
    if not votes:
        return 0
    orientation = max(votes, key=lambda o: (votes[o], o == 0))
    return (360 - orientation) % 360


def turn_image(image: Image.Image, clockwise: int) -> Image.Image:
    turn = clockwise % 360
    if turn == 90:
        return image.transpose(Image.Transpose.ROTATE_270)
    if turn == 180:
        return image.transpose(Image.Transpose.ROTATE_180)
    if turn == 270:
        return image.transpose(Image.Transpose.ROTATE_90)
    return image


def redraw(image: Image.Image, found: list[Found], warnings: list[str]) -> Image.Image:
    """Draw every barcode again in place on ``image`` (a 1-bit picture in the barcodes' frame), on
    whole dots; returns the new picture. Raises LabelError when a barcode cannot fit at all."""
    if not found:
        return image
    out = image.copy()
    for barcode in found:
        symbol = _symbol(barcode, out, warnings)
        if symbol is None:
            continue
        left, top, right, bottom = barcode.box
        centre_x, centre_y = (left + right) / 2, (top + bottom) / 2
        # White out the old bars (two dots beyond the box catch fringes the scaling smeared and bar
        # ends zxing-cpp's box leaves out) and the new symbol's footprint, then draw it centred where
        # the old one was.
        x0 = round(centre_x - symbol.width / 2)
        y0 = round(centre_y - symbol.height / 2)
        grow = _WHITE_OUT_DOTS
        out.paste(
            1,
            (
                math.floor(left) - grow,
                math.floor(top) - grow,
                math.ceil(right) + grow + 1,
                math.ceil(bottom) + grow + 1,
            ),
        )
        out.paste(1, (x0, y0, x0 + symbol.width, y0 + symbol.height))
        out.paste(symbol, (x0, y0))
    return out


def _symbol(barcode: Found, canvas: Image.Image, warnings: list[str]) -> Image.Image | None:
    """The barcode drawn upright on whole dots to fit its box, then turned as it lies on the label."""
    matrix = _matrix(barcode)
    if matrix is None:
        return None
    left, top, right, bottom = barcode.box
    sideways = barcode.orientation in (90, 270)
    along = (bottom - top if sideways else right - left) + 1  # extent in reading direction, in dots
    across = (right - left if sideways else bottom - top) + 1
    room = canvas.height if sideways else canvas.width
    width, height = matrix.size
    if width > room:
        raise LabelError(
            f"the {barcode.format_name} barcode {barcode.text!r} needs {width} dots across even at one dot "
            f"per bar, but the printer has {room}: this label cannot print scannable on this printer; "
            "use a wider printer or ask the carrier for a smaller label"
        )
    module = max(1, math.floor(along / width + 1e-6))
    if width * module > along + 2:
        warnings.append(
            f"the {barcode.format_name} barcode {barcode.text!r} is printed wider than on the label "
            "(one dot per bar is the least a printer can do)"
        )
    name = barcode.format_name
    if name in _LINEAR:
        rows = max(1, round(across))
        symbol = matrix.crop((0, 0, width, 1)).resize((width * module, rows), Image.Resampling.NEAREST)
    elif name in _STACKED:
        row_dots = max(1, math.floor(across / height + 1e-6))
        symbol = matrix.resize((width * module, height * row_dots), Image.Resampling.NEAREST)
    else:
        module = max(1, math.floor(min(along / width, across / height) + 1e-6))
        symbol = matrix.resize((width * module, height * module), Image.Resampling.NEAREST)
    return turn_image(symbol, barcode.orientation)


def _matrix(barcode: Found) -> Image.Image | None:
    """The symbol at one dot per module, black = 0 (Pillow "1"), without quiet zones or text."""
    import zxingcpp

    name = barcode.format_name
    if name not in _LINEAR | _STACKED | _MATRIX:
        return None  # MaxiCode and the rest: zxing-cpp cannot rebuild them faithfully; left as scaled
    fmt = getattr(zxingcpp.BarcodeFormat, name, None)
    if fmt is None:
        return None
    options: dict[str, object] = {"gs1": True} if barcode.gs1 else {}
    try:
        symbol = zxingcpp.create_barcode(barcode.content, fmt, **options)
    except Exception as exc:
        log.warning("could not draw the %s barcode %r again: %s", name, barcode.text, exc)
        return None
    view = memoryview(symbol.to_image(scale=1, add_quiet_zones=False, add_hrt=False))  # type: ignore[arg-type]  # the stub has no __buffer__
    if view.shape is None or len(view.shape) < 2:
        return None
    height, width = view.shape[0], view.shape[1]
    grey = Image.frombuffer("L", (width, height), bytes(view), "raw", "L", 0, 1)
    return grey.convert("1", dither=Image.Dither.NONE)
