"""Barcode fields (``^BC ^B3 ^B2 ^BE ^B8 ^BU ^BQ ^BX ^B7 ^BO ^BD``): zxing-cpp symbols on whole dots.

zxing-cpp (3.x, built on zint) makes the symbol; we only take its module pattern and draw every module
as a whole number of the target head's dots: the label's module width times the scale, rounded (at least
one dot). For the two-width codes (Code 39, Interleaved 2 of 5) narrow and wide bars come from ``^BY``'s
ratio, again in whole dots. ZPL's own conventions (Code 128 invocation codes such as ``>;`` and ``>8``,
the UCC case mode, check digits, ``^BQ``'s ``QA,`` prefix) are handled here before encoding.
"""

from __future__ import annotations

import re

import msgspec
import zxingcpp
from PIL import Image

from packstation.adapters.labels.zpl.errors import check_size
from packstation.adapters.labels.zpl.state import Font
from packstation.adapters.labels.zpl.text import LineDrawer
from packstation.domain.gs1 import gs1_check_digit

F = zxingcpp.BarcodeFormat


class Symbol(msgspec.Struct, frozen=True):
    mask: Image.Image  # mode "1", 1 = ink, unrotated, interpretation line included
    bars_bottom: int  # row below the last bar row (the ^FT anchor)


class Bars(msgspec.Struct, frozen=True):
    """What a barcode command asks for, in label dots (before scaling)."""

    module: int
    ratio: float
    height: int
    hri: bool = True
    hri_above: bool = False


class BarcodeError(ValueError):
    """The data cannot be encoded in this symbology (told as a warning; the field is left empty)."""


def _matrix(content: str, fmt: zxingcpp.BarcodeFormat, **options: object) -> tuple[int, int, bytes]:
    try:
        barcode = zxingcpp.create_barcode(content, fmt, **options)
    except (ValueError, RuntimeError) as exc:
        raise BarcodeError(f"{fmt.name} cannot encode {content!r}: {exc}") from None
    view = _pixels(barcode.to_image(scale=1, add_quiet_zones=False))
    height, width = _shape(view)
    return width, height, view.tobytes()


def _runs(content: str, fmt: zxingcpp.BarcodeFormat, **options: object) -> list[int]:
    """Module widths of bars and spaces (bar first) of a linear symbol."""
    width, height, data = _matrix(content, fmt, **options)
    row = data[(height // 2) * width : (height // 2) * width + width]
    runs: list[int] = []
    current = row[0]
    count = 0
    for value in row:
        if value == current:
            count += 1
        else:
            runs.append(count)
            current, count = value, 1
    runs.append(count)
    return runs


def _linear(widths: list[int], height: int) -> Image.Image:
    row = bytearray()
    ink = True
    for w in widths:
        row.extend((255 if ink else 0,) * w)
        ink = not ink
    check_size(len(row), height, "a barcode")
    line = Image.frombytes("L", (len(row), 1), bytes(row)).point(lambda v: 1 if v else 0, "1")
    return line.resize((len(row), max(1, height)), Image.Resampling.NEAREST)


def _with_hri(bars: Image.Image, text: str, spec: Bars, scale: float) -> Symbol:
    if not spec.hri or not text:
        return Symbol(bars, bars.height)
    drawer = LineDrawer(Font("D", 18, 10), scale)
    line = drawer.draw(text)
    gap = max(1, round(2 * scale))
    width = max(bars.width, line.width)
    height = bars.height + gap + line.height
    image = Image.new("1", (width, height), 0)
    text_x = (width - line.width) // 2
    bars_x = (width - bars.width) // 2
    if spec.hri_above:
        image.paste(line, (text_x, 0))
        image.paste(bars, (bars_x, line.height + gap))
        return Symbol(image, height)
    image.paste(bars, (bars_x, 0))
    image.paste(line, (text_x, bars.height + gap))
    return Symbol(image, bars.height)


def _two_width(runs: list[int], narrow: int, ratio: float) -> list[int]:
    wide = max(narrow + 1, round(narrow * ratio))
    return [narrow if r == 1 else wide for r in runs]


def _module_dots(module: int, scale: float) -> int:
    return max(1, round(max(1, module) * scale))


# --- Code 128 -------------------------------------------------------------------------------------------

_INVOCATION = re.compile(r">(.)", re.S)
_FNC1 = "\x1d"
_AI_LENGTH_BY_PREFIX = {
    **{f"{n:02d}": 2 for n in range(23)},
    **{f"{n:02d}": 3 for n in range(23, 28)},
    "30": 2,
    **{f"{n:02d}": 4 for n in range(31, 37)},
    "37": 2,
    **{f"{n:02d}": 3 for n in range(40, 50)},
    "39": 4,
    "70": 4,
    "71": 4,
    "80": 4,
    "81": 4,
    "82": 4,
    **{f"{n:02d}": 2 for n in range(90, 100)},
}
_FIXED_AI = {
    "00": 18,
    "01": 14,
    "02": 14,
    "03": 14,
    "04": 16,
    "20": 2,
    "402": 17,
    "422": 3,
    "424": 3,
    "426": 3,
    "7001": 13,
    "8001": 14,
    "8005": 6,
    "8006": 18,
    "8018": 18,
}
_FIXED_AI.update({f"1{n}": 6 for n in range(1, 10)})
_FIXED_AI.update({f"41{n}": 13 for n in range(8)})


def _ai_fixed_length(ai: str) -> int | None:
    if ai in _FIXED_AI:
        return _FIXED_AI[ai]
    if len(ai) == 4 and "31" <= ai[:2] <= "36":
        return 6
    return None


def gs1_brackets(elements: list[str]) -> str:
    """``[AI]value...`` for zint from FNC1-separated element strings of AIs and values (no brackets)."""
    out = []
    for element in elements:
        rest = element
        while rest:
            ai_len = _AI_LENGTH_BY_PREFIX.get(rest[:2])
            if ai_len is None or len(rest) < ai_len:
                raise BarcodeError(f"no GS1 application identifier at {rest!r}")
            ai = rest[:ai_len]
            fixed = _ai_fixed_length(ai)
            value_len = fixed if fixed is not None else len(rest) - ai_len
            out.append(f"[{ai}]{rest[ai_len : ai_len + value_len]}")
            rest = rest[ai_len + value_len :]
    return "".join(out)


def _gs1_hri(bracketed: str) -> str:
    return bracketed.replace("[", "(").replace("]", ")")


def code128(data: str, params: list[str], spec: Bars, scale: float, warnings: list[str]) -> Symbol:
    """^BC o,h,f,g,e,m: modes N (invocation codes), U (UCC case), A (automatic), D (UCC/EAN with AIs)."""
    mode = (params[5:6] or ["N"])[0].upper() or "N"
    check = (params[4:5] or ["N"])[0].upper() == "Y"
    gs1: str | None = None
    if mode == "U":
        digits = re.sub(r"\D", "", data)[:19].ljust(19, "0")
        gs1 = f"[{digits[:2]}]{digits[2:]}{gs1_check_digit(digits)}"
    elif mode == "D":
        text = data.replace(" ", "")
        if "(" in text:
            gs1 = text.replace(">8", "").replace("(", "[").replace(")", "]")
        else:
            gs1 = gs1_brackets([e for e in text.replace(">8", _FNC1).split(_FNC1) if e])
    else:
        plain = _code128_plain(data, warnings) if mode == "N" else data
        if plain.startswith(_FNC1):
            try:
                gs1 = gs1_brackets([e for e in plain.split(_FNC1) if e])
            except BarcodeError:
                warnings.append(f"^BC: FNC1 data {data!r} is not GS1; drawn as plain Code 128 without FNC1")
                plain = plain.replace(_FNC1, "")
        elif _FNC1 in plain:
            warnings.append(f"^BC: FNC1 inside {data!r} is not supported; drawn without it")
            plain = plain.replace(_FNC1, "")
        if gs1 is None:
            if check and plain.isdigit():
                plain += str(gs1_check_digit(plain))
            content, hri = plain, plain
    if gs1 is not None:
        content, hri = gs1, _gs1_hri(gs1)
        runs = _runs(content, F.Code128, gs1=True)
    else:
        runs = _runs(content, F.Code128)
    module = _module_dots(spec.module, scale)
    bars = _linear([r * module for r in runs], round(spec.height * scale))
    return _with_hri(bars, hri, spec, scale)


def _code128_plain(data: str, warnings: list[str]) -> str:
    def replace(match: re.Match[str]) -> str:
        code = match.group(1)
        if code in "9:;567":  # start/switch subset: zxing-cpp chooses subsets itself
            return ""
        if code == "8":
            return _FNC1
        if code == "0":
            return ">"
        if code == "=":
            return "~"
        warnings.append(f"^BC: invocation code >{code} is not supported; left out")
        return ""

    return _INVOCATION.sub(replace, data)


# --- other linear codes ---------------------------------------------------------------------------------

_CODE39 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ-. $/+%"


def code39(data: str, params: list[str], spec: Bars, scale: float, warnings: list[str]) -> Symbol:
    """^B3 o,e,h,f,g: Code 39, ``e`` = Y adds the mod-43 check character."""
    text = data.strip("*")
    fmt = F.Code39Std
    if any(ch not in _CODE39 for ch in text):
        warnings.append(f"^B3: {text!r} has characters outside Code 39; drawn as Full ASCII Code 39")
        fmt = F.Code39Ext
    if (params[1:2] or ["N"])[0].upper() == "Y" and fmt is F.Code39Std:
        text += _CODE39[sum(_CODE39.index(ch) for ch in text) % 43]
    runs = _runs(text, fmt)
    narrow = _module_dots(spec.module, scale)
    bars = _linear(_two_width(runs, narrow, spec.ratio), round(spec.height * scale))
    return _with_hri(bars, f"*{text}*", spec, scale)


def interleaved(data: str, params: list[str], spec: Bars, scale: float, warnings: list[str]) -> Symbol:
    """^B2 o,h,f,g,e: Interleaved 2 of 5, padded to an even count, ``e`` = Y adds a mod-10 check."""
    digits = re.sub(r"\D", "", data)
    if digits != data:
        warnings.append(f"^B2: non-digits in {data!r} left out")
    if (params[4:5] or ["N"])[0].upper() == "Y":
        digits += str(gs1_check_digit(digits))
    if len(digits) % 2:
        digits = "0" + digits
    if not digits:
        raise BarcodeError("^B2 has no digits to encode")
    runs = _runs(digits, F.ITF)
    narrow = _module_dots(spec.module, scale)
    bars = _linear(_two_width(runs, narrow, spec.ratio), round(spec.height * scale))
    return _with_hri(bars, digits, spec, scale)


def ean_upc(code: str, data: str, spec: Bars, scale: float, warnings: list[str]) -> Symbol:
    """^BE (EAN-13), ^B8 (EAN-8), ^BU (UPC-A): the check digit is always computed by the printer."""
    fmt, length = {"BE": (F.EAN13, 12), "B8": (F.EAN8, 7), "BU": (F.UPCA, 11)}[code]
    digits = re.sub(r"\D", "", data)
    if len(digits) < length:
        warnings.append(f"^{code}: {data!r} padded with leading zeros to {length} digits")
        digits = digits.rjust(length, "0")
    digits = digits[:length]
    runs = _runs(digits, fmt)
    module = _module_dots(spec.module, scale)
    bars = _linear([r * module for r in runs], round(spec.height * scale))
    return _with_hri(bars, digits + str(gs1_check_digit(digits)), spec, scale)


# --- two-dimensional codes ------------------------------------------------------------------------------


def _matrix_image(content: str, fmt: zxingcpp.BarcodeFormat, module: int, **options: object) -> Image.Image:
    width, height, data = _matrix(content, fmt, **options)
    check_size(width * module, height * module, "a barcode")
    grid = Image.frombytes("L", (width, height), data).point(lambda v: 0 if v else 1, "1")
    return grid.resize((width * module, height * module), Image.Resampling.NEAREST)


def default_magnification(dpi: int) -> int:
    """ZPL's default ^BQ/^BO magnification for the printer's resolution (in that printer's dots)."""
    return 1 if dpi < 200 else 2 if dpi < 300 else 3 if dpi < 600 else 6


def qr(data: str, params: list[str], scale: float, source_dpi: int, warnings: list[str]) -> Symbol:
    """^BQ a,b,c,d,e with field data ``<ec><input mode>,<text>`` (e.g. ``QA,``)."""
    magnification = _int(params[2:3], default_magnification(source_dpi))
    ec = (params[3:4] or ["Q"])[0].upper() or "Q"
    text = data
    if len(data) >= 3 and data[2] == "," and data[0].upper() in "HQML" and data[1].upper() in "AM":
        ec, manual, text = data[0].upper(), data[1].upper() == "M", data[3:]
        if manual and text[:1].upper() in ("N", "A"):
            text = text[1:]
        elif manual and text[:1].upper() == "B":
            text = text[5:]
    elif data[:1] == "D":
        warnings.append("^BQ: structured append (D...) is not supported; the whole data is encoded")
    if ec not in "HQML":
        ec = "Q"
    module = _module_dots(magnification, scale)
    return _square(_matrix_image(text, F.QRCode, module, ecLevel=ec))


def datamatrix(data: str, params: list[str], spec: Bars, scale: float, warnings: list[str]) -> Symbol:
    """^BX o,h,s,c,r,f,g,a: ECC 200 Data Matrix, ``h`` is the module size in dots."""
    size = _int(params[1:2], 0) or max(1, spec.module * 2)
    quality = _int(params[2:3], 200)
    if quality != 200:
        warnings.append(f"^BX: quality {quality} is not supported; drawn as ECC 200")
    module = _module_dots(size, scale)
    return _square(_matrix_image(data, F.DataMatrix, module, forceSquare=True))


def pdf417(data: str, params: list[str], spec: Bars, scale: float, warnings: list[str]) -> Symbol:
    """^B7 o,h,s,c,r,t: PDF417 with row height ``h``, security level ``s``, columns/rows, truncation."""
    options: dict[str, object] = {}
    security = _int(params[2:3], -1)
    if 0 <= security <= 8:
        options["ecLevel"] = str(security)
    columns, rows = _int(params[3:4], 0), _int(params[4:5], 0)
    if 1 <= columns <= 30:
        options["columns"] = columns
    if 3 <= rows <= 90:
        options["rows"] = rows
    fmt = F.CompactPDF417 if (params[5:6] or ["N"])[0].upper() == "Y" else F.PDF417
    width, height, raw = _matrix(data, fmt, **options)
    # zint draws each PDF417 row 3 modules tall: take one line per row
    lines = [raw[y * width : (y + 1) * width] for y in range(height)]
    step = 3 if height % 3 == 0 and all(lines[y] == lines[y - y % 3] for y in range(height)) else 1
    grid = [lines[y] for y in range(0, height, step)]
    module = _module_dots(spec.module, scale)
    row_h = _int(params[1:2], 0)
    row_dots = (
        max(1, round(row_h * scale)) if row_h > 0 else max(module * 2, round(spec.height * scale / len(grid)))
    )
    check_size(width * module, len(grid) * row_dots, "a PDF417 symbol")
    image = Image.frombytes("L", (width, len(grid)), b"".join(grid)).point(lambda v: 0 if v else 1, "1")
    return _square(image.resize((width * module, len(grid) * row_dots), Image.Resampling.NEAREST))


def aztec(data: str, params: list[str], scale: float, source_dpi: int, warnings: list[str]) -> Symbol:
    """^BO o,m,e,ec,menu,n,id: Aztec with magnification ``m``."""
    magnification = _int(params[1:2], default_magnification(source_dpi))
    module = _module_dots(magnification, scale)
    return _square(_matrix_image(data, F.Aztec, module))


MAXICODE_MM = (28.14, 26.91)  # the symbol's fixed size, width x height


def maxicode(data: str, params: list[str], scale: float, source_dpi: int, warnings: list[str]) -> Symbol:
    """^BD m,n,t: MaxiCode at its fixed physical size (hexagons have no whole-dot grid)."""
    mode = _int(params[0:1], 2)
    if mode in (2, 3):
        warnings.append(
            f"^BD: MaxiCode mode {mode} (structured carrier message) is drawn in mode 4 with the same data; "
            "zxing-cpp cannot build the primary message"
        )
    try:
        barcode = zxingcpp.create_barcode(data, F.MaxiCode)
    except (ValueError, RuntimeError) as exc:
        raise BarcodeError(f"MaxiCode cannot encode {data!r}: {exc}") from None
    dots_per_mm = source_dpi / 25.4 * scale
    target = (max(30, round(MAXICODE_MM[0] * dots_per_mm)), max(30, round(MAXICODE_MM[1] * dots_per_mm)))
    factor = max(1, round(target[0] / 150) + 1)
    view = _pixels(barcode.to_image(scale=factor, add_quiet_zones=False))
    height, width = _shape(view)
    image = Image.frombytes("L", (width, height), view.tobytes())
    image = image.resize(target, Image.Resampling.BOX).point(lambda v: 1 if v < 128 else 0, "1")
    return _square(image)


def _pixels(image: zxingcpp.Image) -> memoryview:
    """The 8-bit grey pixels (0 = black) of a zxing-cpp image, through its buffer protocol."""
    return memoryview(image)  # type: ignore[arg-type]  # the stub does not declare __buffer__


def _shape(view: memoryview) -> tuple[int, int]:
    if view.shape is None or len(view.shape) < 2:
        raise BarcodeError("zxing-cpp returned an image without a shape")
    return view.shape[0], view.shape[1]


def _square(image: Image.Image) -> Symbol:
    return Symbol(image, image.height)


def _int(values: list[str], default: int) -> int:
    try:
        return int(values[0]) if values and values[0] else default
    except ValueError:
        return default
