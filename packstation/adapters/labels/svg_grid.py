"""Is an SVG label drawn on a grid of whole units? Then it can be read for its barcodes at that grid.

The barcode-safe fitting reads a label's barcodes on a drawing finer than the print (their content,
place and orientation), because bars drawn between pixels come out a pixel wider or narrower and
stop reading. That finer drawing (twice the head's resolution) and reading it cost most of a
fractionally scaled label's preparation. Most generated labels, the station's own ``labelgen`` ones
included, are drawn in a ``viewBox`` of whole units (often the printer's dots), every shape on whole
units: drawn at n pixels per unit, every edge lands on a pixel edge and the picture is the designer's
own grid, exactly, as a PNG label is read at its own pixels. ``analysis_grid`` proves that, or
answers None (the fitting then draws at twice the head's resolution, as before):

* the root's ``viewBox`` starts at 0,0, is a whole number of units each way and has as many units per
  inch across as down;
* only shapes whose every edge is known and straight: ``rect`` (square corners), ``polygon``/``polyline``
  and ``path`` of segments across or down (M L H V Z; a ``line`` is only a stroke), every coordinate
  a whole number, no ``transform`` other than a whole-unit ``translate``; text (drawn with the
  station's own fonts; a barcode font is refused by name); nothing else (images, ``use``, curves,
  clipping, nested ``svg`` ...);
* strokes: none (a stroke puts edges half its width beside the shape's; ``stroke`` of ``none`` is
  fine).

It also tells whether some feature is only one unit wide: two edges one unit apart on one axis, of
shapes side by side on the other (the bars and spaces of one barcode, its modules, or a coincidence:
it can only find too many, never miss a one-unit bar, space or module, as every coordinate is whole).
zxing-cpp reads every symbology at two or more pixels per module; a grid with one-unit features is
drawn at two pixels per unit.
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

import msgspec

if TYPE_CHECKING:
    import xml.etree.ElementTree as ET

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_PATH_TOKEN = re.compile(r"[A-Za-z]|[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_TRANSLATE = re.compile(r"^\s*translate\(\s*([^,\s)]+)(?:[\s,]+([^,\s)]+))?\s*\)\s*$")
# Elements that draw nothing by themselves or only text.
_NEUTRAL = {"svg", "g", "title", "desc", "metadata", "text", "tspan"}
_SHAPES = {"rect", "line", "polygon", "polyline", "path"}
# A font drawing bars or modules makes text a barcode: such a label is read at the finer drawing.
_BARCODE_FONT = re.compile(
    r"barcode|code\s*-?\s*(?:128|39|93)|3\s*of\s*9|\bean|\bupc|interleaved|2\s*of\s*5|"
    r"datamatrix|pdf\s*417|\bqr|aztec|maxicode|\bidautomation|\bfree\s*3",
    re.I,
)


_Edge = tuple[int, int, int]  # where on one axis, and the shape's extent on the other


class Grid(msgspec.Struct, frozen=True):
    """The SVG's own grid: ``units_per_inch`` user units per inch; whether a feature is one unit wide."""

    units_per_inch: float
    one_unit_features: bool


def analysis_grid(root: ET.Element, width_in: float, height_in: float) -> Grid | None:
    """The grid every shape of the SVG sits on, or None when that cannot be shown (see the module)."""
    units = _units_per_inch(root, width_in, height_in)
    if units is None:
        return None
    xs: list[_Edge] = []
    ys: list[_Edge] = []
    if not _walk(root, 0, 0, xs, ys, top=True):
        return None
    return Grid(units, _one_unit_apart(xs) or _one_unit_apart(ys))


def _units_per_inch(root: ET.Element, width_in: float, height_in: float) -> float | None:
    view_box = root.get("viewBox") or root.get("viewbox")
    if not view_box or width_in <= 0 or height_in <= 0:
        return None
    parts = _numbers(view_box)
    if parts is None or len(parts) != 4 or parts[0] != 0 or parts[1] != 0:
        return None
    across, down = parts[2] / width_in, parts[3] / height_in
    if across <= 0 or abs(across - down) > 1e-6 * across:
        return None  # stretched differently across and down: a unit is not square
    if not _whole(parts[2]) or not _whole(parts[3]):
        return None
    return across


def _walk(elem: ET.Element, dx: int, dy: int, xs: list[_Edge], ys: list[_Edge], *, top: bool) -> bool:
    tag = _local(elem.tag)
    if tag == "svg" and not top:
        return False  # a nested viewport has a grid of its own
    if tag not in _NEUTRAL and tag not in _SHAPES:
        return False
    for name in ("style", "font-family", "font"):
        value = elem.get(name)
        if value and (_BARCODE_FONT.search(value) or (name == "style" and "transform" in value)):
            return False
    if not _unstroked(elem):
        return False
    if elem.get("clip-path") or elem.get("mask") or elem.get("filter"):
        return False
    transform = elem.get("transform")
    if transform is not None:
        moved = _translate(transform)
        if moved is None:
            return False
        dx, dy = dx + moved[0], dy + moved[1]
    if tag in _SHAPES and not _edges(tag, elem, dx, dy, xs, ys):
        return False
    return all(_walk(child, dx, dy, xs, ys, top=False) for child in elem)


def _unstroked(elem: ET.Element) -> bool:
    stroke = elem.get("stroke")
    if stroke is not None and stroke.strip().lower() != "none":
        return False
    style = elem.get("style") or ""
    for declaration in style.split(";"):
        name, _, value = declaration.partition(":")
        if name.strip().lower() == "stroke" and value.strip().lower() != "none":
            return False
    return True


def _edges(tag: str, elem: ET.Element, dx: int, dy: int, xs: list[_Edge], ys: list[_Edge]) -> bool:
    """Adds the shape's edges (each subpath of a path is a shape of its own); False when a coordinate
    is not a whole unit (or cannot be known)."""
    shapes: list[list[tuple[float, float]]]
    if tag == "rect":
        if any(_attr(elem, name) != 0 for name in ("rx", "ry")):
            return False  # rounded corners are curves
        values = [_attr(elem, name) for name in ("x", "y", "width", "height")]
        if any(v is None for v in values):
            return False
        x, y, w, h = (v for v in values if v is not None)
        shapes = [[(x, y), (x + w, y + h)]]
    elif tag == "line":
        return False  # a line draws only its stroke, which is not allowed here
    elif tag in ("polygon", "polyline"):
        numbers = _numbers(elem.get("points") or "")
        if numbers is None or len(numbers) % 2:
            return False
        shapes = [list(zip(numbers[::2], numbers[1::2], strict=True))]
    else:
        subpaths = _path_points(elem.get("d") or "")
        if subpaths is None:
            return False
        shapes = subpaths
    for points in shapes:
        if not points:
            continue
        if not all(_whole(x) and _whole(y) for x, y in points):
            return False
        # Every side across or down (a fill closes the outline back to its start): a slanted side
        # passes between pixels however whole its ends are.
        if tag != "rect" and any(
            a[0] != b[0] and a[1] != b[1] for a, b in zip(points, [*points[1:], points[0]], strict=True)
        ):
            return False
        across = [round(x) + dx for x, _ in points]
        down = [round(y) + dy for _, y in points]
        # Every vertical edge of the shape lies within its height, every horizontal one within its
        # width: taking the whole extent can only find more shapes side by side, never fewer.
        top, bottom, left, right = min(down), max(down), min(across), max(across)
        xs.extend((x, top, bottom) for x in set(across))
        ys.extend((y, left, right) for y in set(down))
    return True


def _one_unit_apart(edges: list[_Edge]) -> bool:
    """Whether two edges lie one unit apart with the shapes they bound side by side (their extents
    on the other axis overlap): a bar, space or module one unit wide."""
    by_place: dict[int, list[tuple[int, int]]] = {}
    for place, low, high in edges:
        by_place.setdefault(place, []).append((low, high))
    for place, spans in by_place.items():
        beside = by_place.get(place + 1)
        if beside and _overlap(spans, beside):
            return True
    return False


def _overlap(first: list[tuple[int, int]], second: list[tuple[int, int]]) -> bool:
    """Whether a span of ``first`` and one of ``second`` share more than a point."""
    first, second = sorted(first), sorted(second)
    i = j = 0
    while i < len(first) and j < len(second):
        (a_low, a_high), (b_low, b_high) = first[i], second[j]
        if max(a_low, b_low) < min(a_high, b_high):
            return True
        if a_high < b_high:
            i += 1
        else:
            j += 1
    return False


def _path_points(d: str) -> list[list[tuple[float, float]]] | None:
    """The vertices of each subpath of a path of straight segments (M/L/H/V/Z, absolute or
    relative), or None for anything else (curves, arcs)."""
    if _PATH_TOKEN.sub(" ", d).replace(",", " ").strip():
        return None  # something that is neither a command nor a number
    subpaths: list[list[tuple[float, float]]] = []
    x = y = start_x = start_y = 0.0
    command = ""
    tokens = _PATH_TOKEN.findall(d)
    i = 0
    while i < len(tokens):
        token = tokens[i]
        if token.isalpha():
            command = token
            i += 1
            if command in "Zz":
                x, y = start_x, start_y
                continue
            if command not in "MmLlHhVv":
                return None  # curves and arcs: edges between pixels
            continue
        if not command or command in "Zz":
            return None
        arity = 1 if command in "HhVv" else 2
        if i + arity > len(tokens) or any(t.isalpha() for t in tokens[i : i + arity]):
            return None
        values = [float(t) for t in tokens[i : i + arity]]
        i += arity
        relative = command.islower()
        if command in "Hh":
            x = x + values[0] if relative else values[0]
        elif command in "Vv":
            y = y + values[0] if relative else values[0]
        else:
            x, y = (x + values[0], y + values[1]) if relative else (values[0], values[1])
        if command in "Mm":
            start_x, start_y = x, y
            subpaths.append([])
            command = "l" if relative else "L"  # later pairs of a moveto are linetos
        if not subpaths:
            return None
        subpaths[-1].append((x, y))
    return subpaths


def _translate(transform: str) -> tuple[int, int] | None:
    match = _TRANSLATE.match(transform)
    if not match:
        return None
    try:
        dx = float(match.group(1))
        dy = float(match.group(2)) if match.group(2) is not None else 0.0
    except ValueError:
        return None
    return (round(dx), round(dy)) if _whole(dx) and _whole(dy) else None


def _attr(elem: ET.Element, name: str) -> float | None:
    value = elem.get(name)
    if value is None:
        return 0.0
    value = value.strip()
    if value.endswith("px"):
        value = value[:-2]
    try:
        return float(value)
    except ValueError:
        return None  # units or percentages: not on the grid as written


def _numbers(text: str) -> list[float] | None:
    stripped = _NUMBER.sub(" ", text).replace(",", " ")
    if stripped.strip():
        return None
    return [float(n) for n in _NUMBER.findall(text)]


def _whole(value: float) -> bool:
    return abs(value - round(value)) < 1e-9


def _local(tag: object) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""
