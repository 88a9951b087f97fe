"""Checks that run before any decoder touches a label: size caps, PNG dimensions, SVG hygiene.

A label is downloaded from a URL we do not control, so it is hostile until proven otherwise:
- bytes are capped, and a PNG's pixel count is read from its header and capped before decoding
  (a 100 KB PNG can inflate to gigabytes); so are the images a PDF page or an SVG embeds (a 1.6 MB
  PDF can hold one 40000x40000 image: 1.6 GB decoded), read from their headers;
- an SVG may not declare a DOCTYPE or entities (no entity expansion, no XXE), may reference only
  itself (``#id``) or inline ``data:`` URIs (nothing is ever fetched), and may not multiply its own
  size through nested ``<use>`` elements (a "billion laughs" made of geometry).
"""

from __future__ import annotations

import re
import struct
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from packstation.adapters.labels.detect import PNG_MAGIC
from packstation.adapters.labels.errors import LabelError
from packstation.domain.raster import MonoImage

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET  # parsed when an SVG label is checked, not at start-up

MAX_LABEL_BYTES = 20 * 1024 * 1024
MAX_SOURCE_PIXELS = 40_000_000  # a PNG larger than this is refused before it is decoded
MAX_LABEL_LENGTH_INCHES = 24  # the longest label we agree to print (a 4x6 label is 6)
MAX_PDF_PAGES = 20
MAX_SVG_ELEMENTS = 200_000  # counted after expanding <use> references
MAX_SVG_DEPTH = 200

_XLINK_HREF = "{http://www.w3.org/1999/xlink}href"
_URL_REF = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.I)
_IMPORT = re.compile(r"@import", re.I)
_SVG_UNITS_PER_INCH = {"in": 1.0, "cm": 2.54, "mm": 25.4, "pt": 72.0, "pc": 6.0, "px": 96.0, "": 96.0}
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(in|cm|mm|pt|pc|px)?\s*$")


def check_label_size(data: bytes) -> None:
    if len(data) > MAX_LABEL_BYTES:
        raise LabelError(
            f"the label file is too large ({len(data) / 1e6:.1f} MB; "
            f"the limit is {MAX_LABEL_BYTES // 2**20} MB)"
        )


def check_source_pixels(width: int, height: int, what: str) -> None:
    if width <= 0 or height <= 0:
        raise LabelError(f"the {what} label has no size ({width}x{height})")
    if width * height > MAX_SOURCE_PIXELS:
        raise LabelError(
            f"the {what} label is too large to print ({width}x{height} pixels; "
            f"the limit is {MAX_SOURCE_PIXELS // 1_000_000} million pixels)"
        )


def check_embedded_pixels(sizes: list[tuple[int, int]], what: str) -> None:
    """The images a page (PDF) or drawing (SVG) embeds, from their headers: each and all together must
    stay under the pixel cap, because the renderer decodes them at full size whatever the output size."""
    total = 0
    for width, height in sizes:
        if width * height > MAX_SOURCE_PIXELS:
            raise LabelError(
                f"the {what} label holds an image of {width}x{height} pixels, too large to print safely "
                f"(the limit is {MAX_SOURCE_PIXELS // 1_000_000} million pixels): ask for the label again"
            )
        total += max(0, width) * max(0, height)
    if total > MAX_SOURCE_PIXELS:
        raise LabelError(
            f"the {what} label holds images of {total // 1_000_000} million pixels in all, too many to "
            f"print safely (the limit is {MAX_SOURCE_PIXELS // 1_000_000} million)"
        )


def check_not_blank(images: list[MonoImage], what: str) -> None:
    """A label that rendered without a single black dot is not printed as if it were fine: the
    renderer dropped its content (an image it could not decode, a font it could not draw)."""
    if images and all(image.data.count(0) == len(image.data) for image in images):
        raise LabelError(
            f"the {what} label came out blank (nothing on it could be drawn): it was not printed; "
            "ask the carrier for the label again"
        )


def png_dimensions(data: bytes) -> tuple[int, int]:
    """Width and height from the PNG header, without decoding the image."""
    if len(data) < 33 or not data.startswith(PNG_MAGIC) or data[12:16] != b"IHDR":
        raise LabelError("the PNG label is truncated or corrupt (no image header)")
    width, height = struct.unpack(">II", data[16:24])
    check_source_pixels(width, height, "PNG")
    return width, height


@dataclass(frozen=True)
class SvgInfo:
    width_in: float  # intrinsic size in inches (user units count as CSS pixels, 96 per inch)
    height_in: float
    # the parsed document, so that the fitting can look at its shapes without parsing it again
    root: ET.Element | None = field(default=None, compare=False, repr=False)


def check_svg(data: bytes) -> SvgInfo:
    """Refuse unsafe or broken SVGs; return the intrinsic size of a good one."""
    head = data[:65536]
    if re.search(rb"<!DOCTYPE|<!ENTITY", data, re.I):
        raise LabelError(
            "the SVG label declares a DOCTYPE or entities, which are not allowed (nothing is expanded)"
        )
    if re.search(rb"<\?xml-stylesheet", head, re.I):
        raise LabelError("the SVG label links an external style sheet, which is not allowed")
    import xml.etree.ElementTree as ET

    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise LabelError(f"the SVG label is truncated or not well-formed XML ({exc})") from None
    if _local(root.tag) != "svg":
        raise LabelError(f"the label is XML but its root element is <{_local(root.tag)}>, not <svg>")
    _check_references(root)
    check_embedded_pixels(_embedded_image_sizes(root), "SVG")
    return replace(_intrinsic_size(root), root=root)


def _embedded_image_sizes(root: ET.Element) -> list[tuple[int, int]]:
    """Pixel sizes of the ``data:`` images an SVG embeds, from their headers (nothing is decoded)."""
    import base64
    import binascii
    import io

    from PIL import Image

    sizes = []
    for elem in root.iter():
        if _local(elem.tag) != "image":
            continue
        ref = (elem.get(_XLINK_HREF) or elem.get("href") or "").strip()
        if ref[:5].lower() != "data:" or "," not in ref:
            continue
        meta, _, payload = ref[5:].partition(",")
        try:
            raw = base64.b64decode(payload, validate=False) if meta.endswith(";base64") else b""
        except (binascii.Error, ValueError):
            continue  # undecodable: nothing the renderer could draw either
        if not raw:
            continue
        try:
            with Image.open(io.BytesIO(raw)) as image:  # reads the header only
                sizes.append(image.size)
        except Image.DecompressionBombError:
            raise LabelError(
                "the SVG label embeds an image too large to print safely (over "
                f"{MAX_SOURCE_PIXELS // 1_000_000} million pixels)"
            ) from None
        except (OSError, SyntaxError, ValueError):
            continue  # unreadable: the renderer draws nothing for it (a blank label is caught later)
    return sizes


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _is_local_ref(value: str) -> bool:
    value = value.strip()
    return value.startswith("#") or value[:5].lower() == "data:" or value == ""


def _check_references(root: ET.Element) -> None:
    by_id: dict[str, ET.Element] = {}
    for elem in root.iter():
        elem_id = elem.get("id")
        if elem_id:
            by_id[elem_id] = elem
        for name, value in elem.attrib.items():
            local = _local(name)
            if local in ("href", "src") and not _is_local_ref(value):
                raise LabelError(
                    f"the SVG label references an external file ({value[:60]!r}); nothing is fetched, "
                    "so the label is refused"
                )
            if "url(" in value.lower():
                _check_css(value)
        if _local(elem.tag) == "style" and elem.text:
            _check_css(elem.text)
    _check_expansion(root, by_id)


def _check_css(css: str) -> None:
    if _IMPORT.search(css):
        raise LabelError("the SVG label imports an external style sheet, which is not allowed")
    for target in _URL_REF.findall(css):
        if not _is_local_ref(target):
            raise LabelError(f"the SVG label references an external file ({target[:60]!r}); it is refused")


def _check_expansion(root: ET.Element, by_id: dict[str, ET.Element]) -> None:
    """Count elements as the renderer will see them, following <use>; refuse cycles and blow-ups."""
    memo: dict[int, int] = {}
    active: set[int] = set()

    def cost(elem: ET.Element, depth: int) -> int:
        key = id(elem)
        if key in memo:
            return memo[key]
        if depth > MAX_SVG_DEPTH:
            raise LabelError("the SVG label is nested too deeply to be a label")
        if key in active:
            raise LabelError("the SVG label refers to itself in a loop (<use> cycle)")
        active.add(key)
        total = 1
        for child in elem:
            total += cost(child, depth + 1)
        if _local(elem.tag) == "use":
            ref = (elem.get(_XLINK_HREF) or elem.get("href") or "").strip()
            target = by_id.get(ref[1:]) if ref.startswith("#") else None
            if target is not None:
                total += cost(target, depth + 1)
        active.discard(key)
        if total > MAX_SVG_ELEMENTS:
            raise LabelError("the SVG label is too complex to print (it expands to too many shapes)")
        memo[key] = total
        return total

    cost(root, 0)


def _length_in(value: str | None) -> float | None:
    if not value:
        return None
    match = _LENGTH.match(value)
    if not match:
        return None  # percentages and the like: fall back to the viewBox
    return float(match.group(1)) / _SVG_UNITS_PER_INCH[match.group(2) or ""]


def _intrinsic_size(root: ET.Element) -> SvgInfo:
    width, height = _length_in(root.get("width")), _length_in(root.get("height"))
    view_box = root.get("viewBox") or root.get("viewbox")
    vb_w = vb_h = None
    if view_box:
        parts = re.split(r"[\s,]+", view_box.strip())
        try:
            if len(parts) == 4:
                vb_w, vb_h = float(parts[2]), float(parts[3])
        except ValueError:
            vb_w = vb_h = None
    if width is None and vb_w:
        width = vb_w / 96 if height is None or not vb_h else height * vb_w / vb_h
    if height is None and vb_h:
        height = vb_h / 96 if not vb_w or width is None else width * vb_h / vb_w
    if not width or not height or width <= 0 or height <= 0:
        raise LabelError("the SVG label has no usable size (width/height or viewBox)")
    if max(width, height) > MAX_LABEL_LENGTH_INCHES * 4:
        raise LabelError(f"the SVG label is {width:.0f}x{height:.0f} inches, far larger than any label")
    return SvgInfo(width, height)
