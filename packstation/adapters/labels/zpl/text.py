"""Text fields: fonts (``^A``, ``^CF``, ``^CW``), ``^FB`` blocks, drawn unrotated into an ink mask.

Zebra's scalable font 0 is a condensed bold sans; we draw it with DejaVu Sans Condensed Bold. The
bitmap fonts A-H are fixed-pitch cells that only grow by whole magnifications; we draw them with
DejaVu Sans Mono squeezed into the cell. Both fonts ship in ``resources/fonts``. Masks are Pillow "1"
images where 1 = ink, with the text's baseline reported so ``^FT`` can place it.
"""

from __future__ import annotations

import math
import sys
import unicodedata
from functools import cache
from pathlib import Path

import msgspec
from PIL import Image, ImageDraw, ImageFont

from packstation.adapters.labels.zpl.errors import check_size
from packstation.adapters.labels.zpl.state import Font, Justify

# Bitmap font cells (height, width) in dots of an 8 dots/mm head, from the ZPL II guide's font table.
BITMAP_FONTS: dict[str, tuple[int, int]] = {
    "A": (9, 5),
    "B": (11, 7),
    "C": (18, 10),
    "D": (18, 10),
    "E": (28, 15),
    "F": (26, 13),
    "G": (60, 40),
    "H": (21, 13),
}
SCALABLE = "0"
_SCALABLE_FILE = "DejaVuSansCondensed-Bold.ttf"
_MONO_FILE = "DejaVuSansMono.ttf"


def fonts_dir() -> Path:
    """``resources/fonts``: next to the package in a checkout, inside the bundle when frozen."""
    bundle = getattr(sys, "_MEIPASS", None)
    if bundle:
        return Path(bundle) / "resources" / "fonts"
    return Path(__file__).resolve().parents[4] / "resources" / "fonts"


@cache
def _truetype(file: str, size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    path = fonts_dir() / file
    try:
        return ImageFont.truetype(str(path), max(1, size))
    except OSError:  # a broken install: Pillow's own font still draws something legible
        return ImageFont.load_default(max(1, size))


class Text(msgspec.Struct, frozen=True):
    mask: Image.Image  # mode "1", 1 = ink
    baseline: int  # row of the baseline of the last line, from the mask's top


def cell_size(font: Font) -> tuple[int, int, bool]:
    """(height, width, is_bitmap) of a character cell in label dots, after ZPL's magnification rules."""
    base = BITMAP_FONTS.get(font.name)
    if base is None:
        height = font.height if font.height > 0 else 9
        width = font.width if font.width > 0 else height
        return max(1, height), max(1, width), False
    base_h, base_w = base
    mult_h = max(1, min(10, round(font.height / base_h))) if font.height > 0 else 1
    mult_w = max(1, min(10, round(font.width / base_w))) if font.width > 0 else mult_h
    return base_h * mult_h, base_w * mult_w, True


class LineDrawer:
    """Draws single lines of one font at one scale (sizes worked out once per field)."""

    def __init__(self, font: Font, scale: float) -> None:
        height, width, bitmap = cell_size(font)
        self.bitmap = bitmap
        check_size(round(width * scale), round(height * scale), "a character")
        self.cell_h = max(1, round(height * scale))
        self.cell_w = max(1, round(width * scale))
        if bitmap:
            self.face = _truetype(_MONO_FILE, max(1, round(self.cell_h * 0.85)))
        else:
            self.face = _truetype(_SCALABLE_FILE, max(1, round(self.cell_h * 0.9)))
        ascent, descent = _metrics(self.face)
        self.ascent = ascent
        self.line_h = max(self.cell_h, ascent + descent)
        # font 0: width is a stretch of the natural glyphs; bitmap fonts: every character is one cell
        self.x_scale = width / height if not bitmap else 1.0

    def width(self, text: str) -> int:
        text = printable(text)
        return self._width(text, self.face.getlength(text) if text and not self.bitmap else 0.0)

    def _width(self, text: str, length: float) -> int:
        """``width`` from the face's natural ``length`` of the text (measured once per line)."""
        if not text:
            return 0
        if self.bitmap:
            return len(text) * self.cell_w
        return max(1, round(length * self.x_scale))

    def draw(self, text: str) -> Image.Image:
        """One line, ``line_h`` rows tall, baseline at ``ascent``."""
        text = printable(text)
        length = self.face.getlength(text) if text else 0.0
        target = max(1, self._width(text, length))
        check_size(target, self.line_h, "a line of text")
        natural = max(1, math.ceil(length)) if text else 1
        check_size(natural, self.line_h, "a line of text")
        image = Image.new("1", (natural, self.line_h), 0)
        if text:
            draw = ImageDraw.Draw(image)
            draw.fontmode = "1"
            draw.text((0, self.ascent), text, font=self.face, fill=1, anchor="ls")
        if target != natural:
            image = image.resize((target, self.line_h), Image.Resampling.NEAREST)
        return image


def printable(text: str) -> str:
    """Control characters print nothing on a head (and make FreeType's layout fail): left out."""
    return "".join(c for c in text if unicodedata.category(c) != "Cc")


def _metrics(face: ImageFont.FreeTypeFont | ImageFont.ImageFont) -> tuple[int, int]:
    if isinstance(face, ImageFont.FreeTypeFont):
        ascent, descent = face.getmetrics()
        return ascent, descent
    box = face.getbbox("Hg")
    return int(box[3]), 0


def render_line(text: str, font: Font, scale: float) -> Text:
    drawer = LineDrawer(font, scale)
    return Text(drawer.draw(text), drawer.ascent)


def render_block(
    text: str,
    font: Font,
    scale: float,
    *,
    width: int,
    max_lines: int,
    spacing: int,
    justify: Justify,
    indent: int,
    cut: bool = False,
) -> Text:
    """A ^FB block: word-wrapped to ``width`` label dots, at most ``max_lines`` (later lines overprint
    the last one, as on a printer), ``\\&`` forces a break."""
    drawer = LineDrawer(font, scale)
    box_w = max(1, round(width * scale)) if width > 0 else max(1, drawer.width(text))
    hang = round(indent * scale)
    lines: list[tuple[str, bool]] = []  # (text, is the last line of its paragraph)
    for paragraph in text.split("\\&"):
        wrapped = _wrap(paragraph, drawer, box_w, hang)
        lines.extend((line, i == len(wrapped) - 1) for i, line in enumerate(wrapped))
    max_lines = max(1, max_lines)
    step = drawer.line_h + round(spacing * scale)
    # ^FT places a block by the baseline of its last *possible* line, so the mask always has them all
    height = max(1, step * (max_lines - 1) + drawer.line_h)
    check_size(box_w, height, "a text block")
    mask = Image.new("1", (box_w, height), 0)
    for index, (line, last) in enumerate(lines):
        if cut and index >= max_lines:  # ^TB cuts what does not fit; ^FB overprints the last line
            break
        row = min(index, max_lines - 1)
        left = hang if index > 0 else 0
        _paste_line(mask, drawer, line, row * step, left, box_w, justify, last)
    return Text(mask, (max_lines - 1) * step + drawer.ascent)


def _wrap(paragraph: str, drawer: LineDrawer, box_w: int, hang: int) -> list[str]:
    words = paragraph.split(" ")
    lines: list[str] = []
    current = ""
    for word in words:
        candidate = f"{current} {word}" if current else word
        room = box_w - (hang if lines else 0)
        if current and drawer.width(candidate) > room:
            lines.append(current)
            current = word
        else:
            current = candidate
        while drawer.width(current) > box_w and len(current) > 1:  # one word wider than the block
            cut = len(current)
            while cut > 1 and drawer.width(current[:cut]) > box_w:
                cut -= 1
            lines.append(current[:cut])
            current = current[cut:]
    lines.append(current)
    return lines


def _paste_line(
    mask: Image.Image,
    drawer: LineDrawer,
    line: str,
    top: int,
    left: int,
    box_w: int,
    justify: Justify,
    last: bool,
) -> None:
    if justify is Justify.JUSTIFIED and not last and " " in line.strip():
        words = line.split()
        widths = [drawer.width(w) for w in words]
        gap = (box_w - left - sum(widths)) / (len(words) - 1)
        x = float(left)
        for word, w in zip(words, widths, strict=True):
            image = drawer.draw(word)
            mask.paste(1, (round(x), top), image)
            x += w + gap
        return
    image = drawer.draw(line)
    if justify is Justify.CENTER:
        x = (box_w - image.width) // 2
    elif justify is Justify.RIGHT:
        x = box_w - image.width
    else:
        x = left
    mask.paste(1, (x, top), image)
