"""Interpret ZPL II commands and compose each ``^XA``..``^XZ`` format into one 1-bit page.

Every field is drawn unrotated into its own ink mask (text, barcode or graphic), turned to its
orientation, placed by ``^FO`` (top-left corner) or ``^FT`` (baseline / bottom-left), and merged onto
the page: ink, white (``^GB ...,W``) or reversed (``^FR``, ``^LR``). Positions scale from the label's
dots to the target head's; barcode modules are rounded to whole target dots in ``barcodes``. Printer
setup commands are accepted and ignored; anything else unknown becomes a warning.
"""

from __future__ import annotations

import copy
import logging
from dataclasses import dataclass, field

from PIL import Image, ImageChops

from packstation.adapters.labels.zpl import barcodes, graphics, text
from packstation.adapters.labels.zpl.errors import ZplError, check_size
from packstation.adapters.labels.zpl.lexer import Command, tokenize
from packstation.adapters.labels.zpl.state import FieldState, Font, Justify, Orientation, PrinterState

log = logging.getLogger(__name__)

# Printer setup, media, status and memory commands: they change how a printer feeds or reports, not
# what a label looks like.
_IGNORED_CODES = (
    "MN MT MM MD PR SD JU PQ PM MF ML MP MW JM JZ JS JT SZ PH PP PS PF TA JA JB JC JD JE JF JG JI JL JN "
    "JO JP JQ JR JW JX KD KL KN KP NC NI NS SC SE SL SO SP SQ SR SS ST SX TO WD ZZ EG HH HI HM HS HU HV "
    "HW HZ CM CO CV DU EF EP ID CN PA JH JJ KV LF NT PN RS RT HQ HT JV WT WV NB NN NP PL WA WI WL WP WR "
    "WS XB XS"
)
IGNORED = frozenset(_IGNORED_CODES.split())
_ENCODINGS = {0: "cp850", 13: "cp850", 27: "cp1252", 28: "utf-8"}
_ROTATE = {
    Orientation.NORMAL: None,
    Orientation.ROTATED: Image.Transpose.ROTATE_270,
    Orientation.INVERTED: Image.Transpose.ROTATE_180,
    Orientation.BOTTOM_UP: Image.Transpose.ROTATE_90,
}
_BARCODE_CODES = frozenset(["BC", "B3", "B2", "BE", "B8", "BU", "BQ", "BX", "B7", "BO", "BD"])
_GRAPHIC_CODES = frozenset(["GB", "GC", "GD", "GE", "GF", "XG", "IM"])


class Paint:
    INK = 0
    WHITE = 1
    REVERSE = 2


@dataclass
class Op:
    x: int
    y: int
    mask: Image.Image
    paint: int


@dataclass
class Page:
    ops: list[Op]
    width: int | None  # ^PW in target dots
    length: int | None  # ^LL in target dots
    inverted: bool


@dataclass
class Store:
    """What a printer keeps in memory across formats in one file: graphics and stored formats."""

    graphics: dict[str, Image.Image] = field(default_factory=dict)
    formats: dict[str, list[Command]] = field(default_factory=dict)


def object_name(raw: str, default_ext: str) -> str:
    """``R:LOGO.GRF`` / ``logo`` -> ``LOGO.GRF``: device letters are interchangeable here."""
    name = raw.strip().upper()
    if len(name) > 2 and name[1] == ":":
        name = name[2:]
    if "." not in name:
        name += default_ext
    return name


def split_formats(commands: list[Command]) -> list[Command | list[Command]]:
    """The file in order: commands outside any format, and each ^XA..^XZ format's commands as a list."""
    items: list[Command | list[Command]] = []
    current: list[Command] | None = None
    for command in commands:
        if command.prefix == "^" and command.code == "XA":
            if current:
                items.append(current)
            current = []
        elif command.prefix == "^" and command.code == "XZ":
            if current is not None:
                items.append(current)
            current = None
        elif current is not None:
            current.append(command)
        else:
            items.append(command)
    if current:
        items.append(current)
    return items


class Interpreter:
    """Draws formats at one scale (target dots per label dot)."""

    def __init__(self, scale: float, source_dpi: int, store: Store, warnings: list[str]) -> None:
        self.scale = scale
        self.source_dpi = source_dpi
        self.store = store
        self.warnings = warnings

    def warn(self, message: str) -> None:
        if message not in self.warnings:
            self.warnings.append(message)

    # --- formats ---------------------------------------------------------------------------------------

    def run_format(self, commands: list[Command], state: PrinterState) -> Page | None:
        """The page one format draws, or None when it draws nothing (setup-only or a stored ^DF)."""
        stored = next((c for c in commands if c.code == "DF"), None)
        if stored is not None:
            index = commands.index(stored)
            self.store.formats[object_name(stored.params(1)[0], ".ZPL")] = commands[index + 1 :]
            for command in commands[:index]:
                self.command(command, state, FieldState(), [], {})
            return None
        commands, values = self._expand_recall(commands)
        ops: list[Op] = []
        current = FieldState()
        for command in commands:
            current = self.command(command, state, current, ops, values)
        self._finish_field(current, state, ops, values)
        if not ops:
            return None
        s = self.scale
        return Page(
            ops,
            round(state.print_width * s) if state.print_width else None,
            round(state.label_length * s) if state.label_length else None,
            state.inverted,
        )

    def _expand_recall(self, commands: list[Command]) -> tuple[list[Command], dict[int, str] | None]:
        """Splice a ^XF stored format in, and take the ^FN values the recalling format supplies
        (None: this format recalls nothing, its ^FN fields print their own data)."""
        if not any(c.code == "XF" for c in commands):
            return commands, None
        values: dict[int, str] = {}
        kept: list[Command] = []
        pending: list[Command] = []
        for command in commands:
            if command.code == "XF":
                name = object_name(command.params(1)[0], ".ZPL")
                template = self.store.formats.get(name)
                if template is None:
                    self.warn(f"^XF: stored format {name} was never defined (^DF); nothing recalled")
                else:
                    kept.extend(template)
                continue
            pending.append(command)
            if command.code == "FS":
                number = next((c for c in pending if c.code == "FN"), None)
                data = next((c for c in pending if c.code in ("FD", "FV")), None)
                placed = any(c.code in ("FO", "FT") for c in pending)
                if number is not None and data is not None and not placed:
                    values[_int(number.args, 0)] = data.args
                else:
                    kept.extend(pending)
                pending = []
        kept.extend(pending)
        return kept, values

    # --- commands --------------------------------------------------------------------------------------

    def command(
        self,
        c: Command,
        state: PrinterState,
        current: FieldState,
        ops: list[Op],
        values: dict[int, str] | None,
    ) -> FieldState:
        code = c.code
        if code in ("FO", "FT"):
            if current.positioned or current.graphics or current.data is not None:
                self._finish_field(current, state, ops, values)
                current = FieldState()
            p = c.params(3)
            current.x, current.y = _int(p[0], 0), _int(p[1], 0)
            current.justification = _int(p[2], state.justification) if p[2] else None
            current.typeset = code == "FT"
            current.positioned = True
        elif code == "FS":
            self._finish_field(current, state, ops, values)
            return FieldState()
        elif code in ("FD", "FV"):
            current.data = c.args.replace("\r", "").replace("\n", "")
        elif code == "FH":
            current.hex_indicator = c.args[:1] or "_"
        elif code == "FR":
            current.reverse = True
        elif code == "FN":
            current.number = _int(c.args, 0)
        elif code == "FB":
            p = c.params(5)
            justify = p[3].upper()[:1] if p[3] else "L"
            current.block = (
                _int(p[0], 0),
                max(1, _int(p[1], 1)),
                _int(p[2], 0),
                Justify(justify) if justify in "LCRJ" else Justify.LEFT,
                _int(p[4], 0),
            )
        elif code == "TB":
            p = c.params(3)
            current.text_box = (p[0], _int(p[1], 0), _int(p[2], 0))
        elif code[0] == "A" and c.prefix == "^":
            current.font = self._font(code[1], c.params(4), state)
        elif code == "CF":
            p = c.params(3)
            old = state.default_font
            name = (p[0] or old.name).upper()[:1]
            height = _int(p[1], old.height)
            width = _int(p[2], height if p[1] else old.width)
            state.default_font = Font(name, height, width)
        elif code == "CW":
            p = c.params(2)
            if p[0]:
                state.font_aliases[p[0].upper()[:1]] = p[1]
        elif code == "BY":
            p = c.params(3)
            state.module_width = max(1, min(10, _int(p[0], state.module_width)))
            state.ratio = max(2.0, min(3.0, _float(p[1], state.ratio)))
            state.bar_height = max(1, _int(p[2], state.bar_height))
        elif code in _BARCODE_CODES:
            current.barcode = (code, c.params(8))
        elif code[0] == "B" and c.prefix == "^":  # a symbology we cannot draw: its data is not text
            self.warn(f"^{code} barcodes are not supported; that field was left empty")
            current.barcode = ("", [])
        elif code in _GRAPHIC_CODES:
            current.graphics.append((code, [c.args]))
        elif code == "LH":
            p = c.params(2)
            state.home_x, state.home_y = _int(p[0], state.home_x), _int(p[1], state.home_y)
        elif code == "LS":
            state.shift = _int(c.args, 0)
        elif code == "LT":
            state.top = max(-120, min(120, _int(c.args, 0)))
        elif code == "PW":
            state.print_width = _int(c.args, 0) or None
        elif code == "LL":
            state.label_length = _int(c.params(1)[0], 0) or None
        elif code == "PO":
            state.inverted = c.args.strip().upper()[:1] == "I"
        elif code == "FW":
            p = c.params(2)
            state.orientation = Orientation.parse(p[0], state.orientation)
            if p[1]:
                state.justification = _int(p[1], 0)
        elif code == "CI":
            number = _int(c.params(1)[0], 0)
            encoding = _ENCODINGS.get(number)
            if encoding is None:
                self.warn(f"^CI{number}: character set not supported; code page 850 used")
                encoding = "cp850"
            state.encoding = encoding
        elif code == "LR":
            state.reverse_all = c.args.strip().upper()[:1] == "Y"
        elif code == "DG":
            self._download_graphic(c)
        elif code == "MU":
            unit = c.params(1)[0].upper()[:1]
            if unit not in ("", "D"):
                self.warn(f"^MU{unit}: measurements in inches/millimetres are not supported; read as dots")
        elif code in ("FX", "CC", "CD", "CT", "XA", "XZ", "DF", "XF") or code in IGNORED:
            pass
        else:
            self.warn(f"{c.prefix}{code} is not supported and was ignored")
        return current

    def _font(self, name: str, p: list[str], state: PrinterState) -> Font:
        name = name.upper()
        if name == "@":
            resource = p[3]
            if resource:
                self._note_named_font(resource)
            name = text.SCALABLE
        elif name in state.font_aliases:
            self._note_named_font(state.font_aliases[name])
            name = text.SCALABLE
        elif name not in text.BITMAP_FONTS and name != text.SCALABLE:
            self.warn(f"^A{name}: font {name} is not built in; drawn with font 0")
            name = text.SCALABLE
        orientation = Orientation.parse(p[0], state.orientation) if p[0] else None
        default = state.default_font
        height = _int(p[1], default.height)
        width = _int(p[2], height if p[1] else default.width)
        return Font(name, height, width, orientation)

    def _note_named_font(self, resource: str) -> None:
        self.warn(f"font {resource.strip()} is not on this station; drawn with font 0 (scalable)")

    def _download_graphic(self, c: Command) -> None:
        """~DG name,total,bytes_per_row,data."""
        parts = c.args.split(c.delimiter, 3)
        if len(parts) < 4:
            self.warn("~DG without data was ignored")
            return
        name = object_name(parts[0], ".GRF")
        try:
            total, per_row = int(parts[1]), int(parts[2])
            raw = graphics.decode_graphic("A", total, per_row, parts[3], self.warnings)
            self.store.graphics[name] = graphics.bitmap(raw, per_row)
        except (ValueError, ZplError) as exc:
            self.warn(f"~DG {name}: {getattr(exc, 'user_message', exc)}; graphic ignored")

    # --- fields ----------------------------------------------------------------------------------------

    def _finish_field(
        self, f: FieldState, state: PrinterState, ops: list[Op], values: dict[int, str] | None
    ) -> None:
        if f.number is not None and values is not None:
            # in a recalled format, ^FD of a numbered field is only a prompt: the value comes from ^FN
            f.data = values.get(f.number)
        for code, args in f.graphics:
            self._graphic(code, args[0], f, state, ops)
        if f.data is None:
            return
        content = self._decode(f.data, f.hex_indicator, state.encoding)
        try:
            if f.barcode is not None:
                self._barcode(content, f, state, ops)
            else:
                self._text(content, f, state, ops)
        except barcodes.BarcodeError as exc:
            self.warn(f"barcode at {f.x},{f.y} not drawn: {exc}")
        except ZplError as exc:
            self.warn(f"field at {f.x},{f.y} not drawn: {exc.user_message}")

    def _decode(self, data: str, indicator: str | None, encoding: str) -> str:
        raw = data.encode("latin-1", "replace")
        if indicator:
            raw = _unhex(raw, indicator.encode("latin-1", "replace"))
        return raw.decode(encoding, "replace")

    def _text(self, content: str, f: FieldState, state: PrinterState, ops: list[Op]) -> None:
        font = f.font or Font(state.default_font.name, state.default_font.height, state.default_font.width)
        block = f.block
        orientation = font.orientation or state.orientation
        if f.text_box is not None:  # ^TB: a block sized in dots; lines that do not fit are cut off
            turn, box_w, box_h = f.text_box
            orientation = Orientation.parse(turn, orientation)
            cell_h = text.cell_size(font)[0]
            lines = max(1, box_h // cell_h) if box_h > 0 else 1
            block = (box_w, lines, 0, Justify.LEFT, 0)
        if block is not None:
            width, lines, spacing, justify, indent = block
            rendered = text.render_block(
                content,
                font,
                self.scale,
                width=width,
                max_lines=lines,
                spacing=spacing,
                justify=justify,
                indent=indent,
                cut=f.text_box is not None,
            )
        else:
            rendered = text.render_line(content, font, self.scale)
        self._place(rendered.mask, (0, rendered.baseline), orientation, f, state, ops)

    def _barcode(self, content: str, f: FieldState, state: PrinterState, ops: list[Op]) -> None:
        assert f.barcode is not None
        code, p = f.barcode
        if not code:
            return
        s = self.scale
        orientation = Orientation.parse(p[0], state.orientation)
        w = self.warnings
        if code in ("BQ", "BD"):
            orientation = Orientation.NORMAL
        if code == "BC":
            spec = self._bars(state, p[1], p[2], p[3])
            symbol = barcodes.code128(content, p, spec, s, w)
        elif code == "B3":
            spec = self._bars(state, p[2], p[3], p[4])
            symbol = barcodes.code39(content, p, spec, s, w)
        elif code == "B2":
            spec = self._bars(state, p[1], p[2], p[3])
            symbol = barcodes.interleaved(content, p, spec, s, w)
        elif code in ("BE", "B8", "BU"):
            spec = self._bars(state, p[1], p[2], p[3])
            symbol = barcodes.ean_upc(code, content, spec, s, w)
        elif code == "BQ":
            symbol = barcodes.qr(content, p, s, self.source_dpi, w)
        elif code == "BX":
            symbol = barcodes.datamatrix(content, p, self._bars(state, "", "N", "N"), s, w)
        elif code == "B7":
            symbol = barcodes.pdf417(content, p, self._bars(state, "", "N", "N"), s, w)
        elif code == "BO":
            symbol = barcodes.aztec(content, p, s, self.source_dpi, w)
        else:
            symbol = barcodes.maxicode(content, p, s, self.source_dpi, w)
        self._place(symbol.mask, (0, symbol.bars_bottom), orientation, f, state, ops)

    @staticmethod
    def _bars(state: PrinterState, height: str, hri: str, above: str) -> barcodes.Bars:
        return barcodes.Bars(
            state.module_width,
            state.ratio,
            _int(height, state.bar_height),
            hri.upper()[:1] != "N",
            above.upper()[:1] == "Y",
        )

    def _graphic(self, code: str, args: str, f: FieldState, state: PrinterState, ops: list[Op]) -> None:
        s = self.scale
        p = [a.strip() for a in args.split(",")]
        p += [""] * (6 - len(p))
        paint = Paint.INK
        try:
            if code == "GB":
                thickness = _int(p[2], 1)
                mask = graphics.box(_int(p[0], thickness), _int(p[1], thickness), thickness, _int(p[4], 0), s)
                paint = Paint.WHITE if p[3].upper()[:1] == "W" else Paint.INK
            elif code == "GC":
                diameter = max(3, _int(p[0], 3))
                mask = graphics.ellipse(diameter, diameter, _int(p[1], 1), s)
                paint = Paint.WHITE if p[2].upper()[:1] == "W" else Paint.INK
            elif code == "GE":
                thickness = _int(p[2], 1)
                mask = graphics.ellipse(_int(p[0], thickness), _int(p[1], thickness), thickness, s)
                paint = Paint.WHITE if p[3].upper()[:1] == "W" else Paint.INK
            elif code == "GD":
                thickness = _int(p[2], 1)
                mask = graphics.diagonal(
                    _int(p[0], thickness), _int(p[1], thickness), thickness, (p[4] or "R").upper()[:1], s
                )
                paint = Paint.WHITE if p[3].upper()[:1] == "W" else Paint.INK
            elif code == "GF":
                parts = args.split(",", 4)
                parts += [""] * (5 - len(parts))
                kind = parts[0].strip() or "A"
                total, per_row = _int(parts[2].strip(), 0), _int(parts[3].strip(), 0)
                raw = graphics.decode_graphic(kind, total, per_row, parts[4], self.warnings)
                mask = self._scale_bitmap(graphics.bitmap(raw, per_row), 1, 1)
            else:  # XG name,mx,my / IM name
                name = object_name(p[0], ".GRF")
                stored = self.store.graphics.get(name)
                if stored is None:
                    self.warn(f"^{code}: graphic {name} was never downloaded (~DG); nothing drawn")
                    return
                mx, my = (_int(p[1], 1), _int(p[2], 1)) if code == "XG" else (1, 1)
                mask = self._scale_bitmap(stored, max(1, min(10, mx)), max(1, min(10, my)))
        except ZplError as exc:
            self.warn(f"^{code} at {f.x},{f.y} not drawn: {exc.user_message}")
            return
        if f.reverse or state.reverse_all:
            paint = Paint.REVERSE
        x, y = self._origin(f, state)
        if f.typeset:
            y -= mask.height
        ops.append(Op(x, y, mask, paint))

    def _scale_bitmap(self, image: Image.Image, mx: int, my: int) -> Image.Image:
        w = max(1, round(image.width * mx * self.scale))
        h = max(1, round(image.height * my * self.scale))
        if (w, h) == image.size:
            return image
        check_size(w, h, "a graphic")
        return image.resize((w, h), Image.Resampling.NEAREST)

    def _origin(self, f: FieldState, state: PrinterState) -> tuple[int, int]:
        s = self.scale
        return (
            round((state.home_x + f.x - state.shift) * s),
            round((state.home_y + f.y + state.top) * s),
        )

    def _place(
        self,
        mask: Image.Image,
        anchor: tuple[int, int],
        orientation: Orientation,
        f: FieldState,
        state: PrinterState,
        ops: list[Op],
    ) -> None:
        w, h = mask.size
        ax, ay = anchor
        turn = _ROTATE[orientation]
        if turn is not None:
            mask = mask.transpose(turn)
        if orientation is Orientation.ROTATED:
            ax, ay = h - 1 - ay, ax
        elif orientation is Orientation.INVERTED:
            ax, ay = w - 1 - ax, h - 1 - ay
        elif orientation is Orientation.BOTTOM_UP:
            ax, ay = ay, w - 1 - ax
        x, y = self._origin(f, state)
        if f.typeset:
            x, y = x - ax, y - ay
        justification = f.justification if f.justification is not None else state.justification
        if justification == 1:
            x -= mask.width
        paint = Paint.REVERSE if (f.reverse or state.reverse_all) else Paint.INK
        ops.append(Op(x, y, mask, paint))


def _ink_below(page: Page, row: int) -> bool:
    """Whether any field has ink at or below ``row`` of the page (empty mask rows do not count)."""
    for op in page.ops:
        if op.y + op.mask.height > row:
            below = op.mask.crop((0, max(0, row - op.y), op.mask.width, op.mask.height))
            if below.getbbox() is not None:
                return True
    return False


def compose(page: Page, max_width: int | None) -> Image.Image:
    """The page as a Pillow "1" image where 1 = ink."""
    right = max((op.x + op.mask.width for op in page.ops), default=1)
    bottom = max((op.y + op.mask.height for op in page.ops), default=1)
    width = page.width or max_width or right
    if max_width:
        width = min(width, max_width)
    height = page.length or bottom
    check_size(width, height, "the label")
    canvas = Image.new("1", (max(1, width), max(1, height)), 0)
    for op in page.ops:
        if op.paint == Paint.INK:
            canvas.paste(1, (op.x, op.y), op.mask)
        elif op.paint == Paint.WHITE:
            canvas.paste(0, (op.x, op.y), op.mask)
        else:
            box = (op.x, op.y, op.x + op.mask.width, op.y + op.mask.height)
            region = canvas.crop(box)
            canvas.paste(ImageChops.logical_xor(region, op.mask), (op.x, op.y))
    if page.inverted:
        canvas = canvas.transpose(Image.Transpose.ROTATE_180)
    return canvas


def _unhex(raw: bytes, indicator: bytes) -> bytes:
    out = bytearray()
    i = 0
    while i < len(raw):
        if raw[i : i + 1] == indicator:
            pair = raw[i + 1 : i + 3]
            try:
                out.append(int(pair, 16))
                i += 3
                continue
            except ValueError:
                pass
        out.append(raw[i])
        i += 1
    return bytes(out)


def _int(value: str, default: int) -> int:
    try:
        return int(value.strip()) if value and value.strip() else default
    except ValueError:
        try:
            return round(float(value))
        except ValueError:
            return default


def _float(value: str, default: float) -> float:
    try:
        return float(value) if value.strip() else default
    except ValueError:
        return default


# Outside a format a printer only acts on ~commands and on the settings that outlive a format.
_OUTSIDE = frozenset(["CI", "CF", "BY", "LH", "PW", "LL", "PO", "FW", "CW", "LS", "LT", "LR", "MU", "DG"])


def run_outside(command: Command, interpreter: Interpreter, state: PrinterState) -> None:
    if command.code in _OUTSIDE:
        interpreter.command(command, state, FieldState(), [], {})


def render_pages(
    text_data: str, dpi: int, source_dpi: int, max_width: int | None, warnings: list[str]
) -> list[Image.Image]:
    """Every printed page of the file, as Pillow "1" images (1 = ink) at ``dpi``."""
    state = PrinterState()
    store = Store()
    base_scale = dpi / source_dpi
    pages: list[Image.Image] = []
    for item in split_formats(tokenize(text_data)):
        if isinstance(item, Command):
            run_outside(item, Interpreter(base_scale, source_dpi, store, warnings), state)
            continue
        scale = base_scale
        before = copy.deepcopy(state)
        page = None
        for attempt in range(4):
            if attempt:  # drawn again smaller: from the state as it was before the first try
                state = copy.deepcopy(before)
            page = Interpreter(scale, source_dpi, store, warnings).run_format(item, state)
            if page is None or not max_width:
                break
            right = max(op.x + op.mask.width for op in page.ops)
            if right <= max_width:
                break
            # fit the head: draw again smaller (barcodes stay on whole dots), not squeeze the picture
            scale *= max_width / right * 0.995
        if page is None:
            continue
        if max_width and max(op.x + op.mask.width for op in page.ops) > max_width:
            warnings.append("the label is wider than the print head even scaled down; its right edge is cut")
        if page.length and _ink_below(page, page.length + 1):
            warnings.append(
                "part of the label lies below its length (^LL) and is cut off, as a printer would"
            )
        pages.append(compose(page, max_width))
    return pages
