"""Pure generators of 4x6 inch shipping labels and temporary box tags as SVG, PDF, PNG or ZPL bytes.

One layout, drawn in printer dots (812x1218 at 203 dpi), feeds four writers, so every format shows
the same label. The Code 128 barcode has a module width of a whole number of dots and every bar
starts on the dot grid, because a thermal head cannot print half dots: a bar that falls between
dots changes width and the symbol stops scanning. The SVG uses a viewBox in dots (1 unit = 1 dot),
the PDF is written by hand (PDF 1.4, Helvetica), the PNG by Pillow, the ZPL uses the printer's own
``^BC`` Code 128. Nothing here does I/O: the functions return bytes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from typing import Any

import msgspec

from packstation.domain import code128, gs1


def escape(text: str) -> str:
    """``text`` as SVG character data: what ``xml.sax.saxutils.escape`` does, without importing it
    (it brings ``urllib.request``, ``http.client`` and ``email``: ~7 ms of every start)."""
    return text.replace("&", "&amp;").replace(">", "&gt;").replace("<", "&lt;")


LABEL_FORMATS = ("svg", "pdf", "png", "zpl")
CONTENT_TYPES = {
    "svg": "image/svg+xml",
    "pdf": "application/pdf",
    "png": "image/png",
    "zpl": "application/x-zpl",
}
BASE_DPI = 203
WIDTH_IN = 4
HEIGHT_IN = 6
# The reference documents' own example: a valid SSCC, so the test label scans like a real one.
TEST_TRACKING_NUMBER = "00033333333000139047"
FONT_FAMILY = "Helvetica, Arial, 'DejaVu Sans', sans-serif"


class LabelError(ValueError):
    """The label cannot be made (unknown format, text that Code 128 cannot carry)."""


class Rect(msgspec.Struct, frozen=True):
    """A filled black rectangle, in dots."""

    x: int
    y: int
    w: int
    h: int


class Text(msgspec.Struct, frozen=True):
    """One line of black text; ``y`` is the baseline, ``size`` the font size, both in dots."""

    x: int
    y: int
    size: int
    text: str
    bold: bool = False
    anchor: str = "start"  # "start" or "middle"


class Barcode(msgspec.Struct, frozen=True):
    """A symbol: its bars or modules (already as rects) and what the ZPL writer needs to redo it."""

    x: int
    y: int
    module: int
    height: int
    data: str
    rects: tuple[Rect, ...]
    # True: a Code 128 of ``data`` the ZPL writer redoes as ``^BC``; False: any other symbol (a GS1
    # DataMatrix, an EAN-13 ...), which the ZPL writer draws as its rects, dot for dot.
    native_zpl: bool = True


class Layout(msgspec.Struct, frozen=True):
    width: int
    height: int
    dpi: int
    rects: tuple[Rect, ...]
    texts: tuple[Text, ...]
    barcodes: tuple[Barcode, ...]


def content_type(fmt: str) -> str:
    """The MIME type of a label format."""
    return CONTENT_TYPES[_check_format(fmt)]


def human_readable_tracking(tracking_number: str) -> str:
    """Tracking number as printed under the barcode: "(00) 373500..." for SSCCs, as is otherwise."""
    if gs1.is_valid_sscc_tracking(tracking_number):
        return f"(00) {tracking_number[2:]}"
    return tracking_number


# ---------------------------------------------------------------------------------------------- layout


class _Builder:
    def __init__(self, dpi: int) -> None:
        if not 100 <= dpi <= 600:
            raise LabelError(f"dpi {dpi} is outside 100..600")
        self.dpi = dpi
        self.width = WIDTH_IN * dpi
        self.height = HEIGHT_IN * dpi
        self.rects: list[Rect] = []
        self.texts: list[Text] = []
        self.barcodes: list[Barcode] = []

    def d(self, dots_at_203: float) -> int:
        """A length given in 203-dpi dots, in this label's dots."""
        return round(dots_at_203 * self.dpi / BASE_DPI)

    def text(
        self,
        x: float,
        y: float,
        size: float,
        text: str,
        *,
        bold: bool = False,
        anchor: str = "start",
        max_w: int | None = None,
    ) -> None:
        size_dots = self.d(size)
        if max_w is not None:
            limit = max_w
        elif anchor == "middle":
            limit = self.width - 2 * self.d(20)
        else:
            limit = self.width - self.d(x) - self.d(20)
        self.texts.append(Text(self.d(x), self.d(y), size_dots, _fit(text, size_dots, limit), bold, anchor))

    def hline(self, y: float, thickness: float = 4) -> None:
        margin = self.d(20)
        self.rects.append(Rect(margin, self.d(y), self.width - 2 * margin, max(1, self.d(thickness))))

    def frame(self, x: float, y: float, w: float, h: float, thickness: float = 4) -> None:
        x, y, w, h, t = self.d(x), self.d(y), self.d(w), self.d(h), max(1, self.d(thickness))
        self.rects += [Rect(x, y, w, t), Rect(x, y + h - t, w, t), Rect(x, y, t, h), Rect(x + w - t, y, t, h)]

    def barcode(self, data: str, y: float, height: float, max_module: int = 4) -> int:
        """A centred Code 128 symbol; returns its bottom edge (in this label's dots)."""
        try:
            bars = code128.bars(data)
            width_modules = code128.symbol_width(data)
        except code128.Code128Error as exc:
            raise LabelError(str(exc)) from exc
        available = self.width - 2 * self.d(20)
        quiet = code128.QUIET_ZONE_MODULES
        module = min(self.d(max_module), available // (width_modules + 2 * quiet))
        if module < 1:
            raise LabelError(f"{data!r} is too long for a barcode on this label")
        x0 = (self.width - width_modules * module) // 2
        top, h = self.d(y), self.d(height)
        rects = tuple(Rect(x0 + start * module, top, width * module, h) for start, width in bars)
        self.barcodes.append(Barcode(x0, top, module, h, data, rects))
        return top + h

    def layout(self) -> Layout:
        return Layout(
            self.width, self.height, self.dpi, tuple(self.rects), tuple(self.texts), tuple(self.barcodes)
        )


def _fit(text: str, size: int, max_width: int) -> str:
    """Cut text that would run off the label (Helvetica averages about 0.55 em per character)."""
    text = " ".join(str(text).split())
    max_chars = max(1, int(max_width / (0.55 * size)))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def _field(obj: Any, name: str) -> Any:
    if obj is None:
        return None
    if isinstance(obj, Mapping):
        return obj.get(name)
    return getattr(obj, name, None)


def _address_lines(address: Any) -> list[str]:
    """Name, c/o, street lines, "postal code city", country: from an API dict or a model object."""
    if address is None:
        return []
    lines = []
    if _field(address, "name"):
        lines.append(str(_field(address, "name")))
    if _field(address, "care_of"):
        lines.append(f"c/o {_field(address, 'care_of')}")
    lines += [str(line) for line in (_field(address, "address_lines") or []) if line]
    town = " ".join(str(p) for p in (_field(address, "postal_code"), _field(address, "city")) if p)
    if town:
        lines.append(town)
    if _field(address, "country"):
        lines.append(str(_field(address, "country")))
    return lines


def shipping_label_layout(
    *,
    tracking_number: str,
    address_to: Any = None,
    address_from: Any = None,
    shipping_method: str = "",
    order_id: str = "",
    parcel_text: str = "",
    dpi: int = BASE_DPI,
) -> Layout:
    """The drawing of a carrier-style 4x6 label, in dots."""
    if not tracking_number:
        raise LabelError("a shipping label needs a tracking number")
    b = _Builder(dpi)
    # Sender, small, top left; shipping method in a frame, top right.
    b.text(24, 46, 22, "FROM", bold=True)
    y = 74
    for line in _address_lines(address_from)[:5]:
        b.text(24, y, 22, line, max_w=b.d(470))
        y += 26
    b.frame(520, 20, 272, 150)
    b.text(656, 70, 24, "SHIPPING METHOD", bold=True, anchor="middle", max_w=b.d(250))
    b.text(656, 130, 40, (shipping_method or "-").upper(), bold=True, anchor="middle", max_w=b.d(250))
    b.hline(200)
    # Receiver, large.
    b.text(24, 246, 26, "TO", bold=True)
    lines = _address_lines(address_to)
    y = 300
    for index, line in enumerate(lines[:7]):
        is_town = index == len(lines) - 2 or (index == len(lines) - 1 and len(lines) == 1)
        size = 48 if index == 0 or is_town else 40
        b.text(60, y, size, line, bold=index == 0 or is_town)
        y += size + 14
    b.hline(620)
    b.text(24, 672, 34, f"Order {order_id}" if order_id else "", bold=True, max_w=b.d(480))
    b.text(520, 672, 34, parcel_text, bold=True, max_w=b.d(272))
    b.hline(700)
    # The tracking barcode: the reason the label exists.
    b.text(406, 750, 26, "TRACKING NUMBER", bold=True, anchor="middle")
    bottom = b.barcode(tracking_number, 780, 300)
    b.text(406, bottom / dpi * BASE_DPI + 48, 34, human_readable_tracking(tracking_number), anchor="middle")
    b.hline(1150)
    b.text(24, 1190, 22, "4x6 label | Code 128", max_w=b.d(760))
    return b.layout()


def box_tag_layout(
    box_ref: str, order_id: str, *, parcel_text: str = "", note: str = "", dpi: int = BASE_DPI
) -> Layout:
    """A temporary box tag (offline): clearly not a shipping label, with the box reference as barcode."""
    if not box_ref:
        raise LabelError("a box tag needs a box reference")
    b = _Builder(dpi)
    b.frame(20, 20, 772, 170, thickness=10)
    b.text(406, 95, 52, "NOT A SHIPPING LABEL", bold=True, anchor="middle")
    b.text(406, 160, 32, "Temporary box tag", anchor="middle")
    b.text(40, 270, 44, f"Order {order_id}", bold=True)
    if parcel_text:
        b.text(40, 330, 40, parcel_text)
    b.text(40, 390, 32, "Its shipping label prints when online.")
    b.text(40, 430, 32, "Keep this box at the bench until then.")
    if note:
        b.text(40, 480, 28, note)
    bottom = b.barcode(box_ref, 560, 260)
    b.text(406, bottom / dpi * BASE_DPI + 48, 34, box_ref, anchor="middle")
    b.frame(20, 1030, 772, 170, thickness=10)
    b.text(406, 1130, 52, "NOT A SHIPPING LABEL", bold=True, anchor="middle")
    return b.layout()


# --------------------------------------------------------------------------------------------- writers


def _svg(layout: Layout) -> bytes:
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH_IN}in" height="{HEIGHT_IN}in" '
        f'viewBox="0 0 {layout.width} {layout.height}" shape-rendering="crispEdges">',
        f'<rect x="0" y="0" width="{layout.width}" height="{layout.height}" fill="#fff"/>',
        '<g fill="#000">',
    ]
    for r in [*layout.rects, *(r for bc in layout.barcodes for r in bc.rects)]:
        out.append(f'<rect x="{r.x}" y="{r.y}" width="{r.w}" height="{r.h}"/>')
    for t in layout.texts:
        if not t.text:
            continue
        weight = ' font-weight="bold"' if t.bold else ""
        anchor = ' text-anchor="middle"' if t.anchor == "middle" else ""
        out.append(
            f'<text x="{t.x}" y="{t.y}" font-size="{t.size}" font-family="{FONT_FAMILY}"{weight}{anchor}>'
            f"{escape(t.text)}</text>"
        )
    out += ["</g>", "</svg>", ""]
    return "\n".join(out).encode("utf-8")


def _pdf_text(text: str) -> str:
    raw = text.encode("cp1252", errors="replace").decode("latin-1")
    return raw.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")


def _num(value: float) -> str:
    return f"{value:.3f}".rstrip("0").rstrip(".")


def _pdf(layout: Layout) -> bytes:
    scale = 72 / layout.dpi
    page_w, page_h = WIDTH_IN * 72, HEIGHT_IN * 72
    ops = ["0 g"]
    for r in [*layout.rects, *(r for bc in layout.barcodes for r in bc.rects)]:
        y = page_h - (r.y + r.h) * scale
        ops.append(f"{_num(r.x * scale)} {_num(y)} {_num(r.w * scale)} {_num(r.h * scale)} re f")
    for t in layout.texts:
        if not t.text:
            continue
        size = t.size * scale
        x = t.x * scale
        if t.anchor == "middle":
            x -= _helvetica_width(t.text, t.bold) * size / 2
        font = "/F2" if t.bold else "/F1"
        y = page_h - t.y * scale
        ops.append(f"BT {font} {_num(size)} Tf {_num(x)} {_num(y)} Td ({_pdf_text(t.text)}) Tj ET")
    stream = "\n".join(ops).encode("latin-1")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        (
            f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {page_w} {page_h}] /Contents 4 0 R "
            "/Resources << /Font << /F1 5 0 R /F2 6 0 R >> >> >>"
        ).encode(),
        b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica-Bold /Encoding /WinAnsiEncoding >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref_at = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref_at))
    return out.getvalue()


def _helvetica_width(text: str, bold: bool) -> float:
    """Approximate advance width in em: exact for digits and space, averaged for letters."""
    width = 0.0
    for char in text:
        if char.isdigit():
            width += 0.556
        elif char in " ()":
            width += 0.278 if char == " " else 0.333
        elif char.isupper():
            width += 0.722 if bold else 0.667
        else:
            width += 0.556 if bold else 0.5
    return width


def _png(layout: Layout) -> bytes:
    from PIL import Image, ImageDraw, ImageFont

    image = Image.new("L", (layout.width, layout.height), 255)
    draw = ImageDraw.Draw(image)
    for r in [*layout.rects, *(r for bc in layout.barcodes for r in bc.rects)]:
        draw.rectangle((r.x, r.y, r.x + r.w - 1, r.y + r.h - 1), fill=0)
    fonts: dict[int, Any] = {}
    for t in layout.texts:
        if not t.text:
            continue
        font = fonts.setdefault(t.size, ImageFont.load_default(size=t.size))
        anchor = "ms" if t.anchor == "middle" else "ls"
        draw.text((t.x, t.y), t.text, fill=0, font=font, anchor=anchor, stroke_width=1 if t.bold else 0)
    # 1-bit output: a thermal head prints dots, not greys.
    mono = image.point(lambda v: 255 if v >= 128 else 0).convert("1", dither=Image.Dither.NONE)
    buffer = io.BytesIO()
    mono.save(buffer, format="PNG", dpi=(layout.dpi, layout.dpi))
    return buffer.getvalue()


def _zpl_field(text: str) -> str:
    """Field data with ^FH hex escapes for the characters ZPL treats as commands."""
    return "".join(f"_{ord(c):02X}" if c in "^~_" else c for c in text)


def _zpl(layout: Layout) -> bytes:
    out = ["^XA", "^CI28", f"^PW{layout.width}", f"^LL{layout.height}", "^LH0,0"]
    for r in layout.rects:
        thickness = min(r.w, r.h)
        out.append(f"^FO{r.x},{r.y}^GB{r.w},{r.h},{thickness},B,0^FS")
    for t in layout.texts:
        if not t.text:
            continue
        if t.anchor == "middle":
            # ^FB centres the text in a block as wide as the label, around the anchor point.
            width = 2 * min(t.x, layout.width - t.x)
            out.append(
                f"^FO{t.x - width // 2},{t.y - t.size}^A0N,{t.size},{t.size}"
                f"^FB{width},1,0,C,0^FH_^FD{_zpl_field(t.text)}^FS"
            )
        else:
            out.append(f"^FO{t.x},{t.y - t.size}^A0N,{t.size},{t.size}^FH_^FD{_zpl_field(t.text)}^FS")
    for bc in layout.barcodes:
        if not bc.native_zpl:
            out.extend(f"^FO{r.x},{r.y}^GB{r.w},{r.h},{min(r.w, r.h)},B,0^FS" for r in bc.rects)
            continue
        out.append(
            f"^FO{bc.x},{bc.y}^BY{bc.module},3,{bc.height}^BCN,{bc.height},N,N,N,A^FH_^FD{_zpl_field(bc.data)}^FS"
        )
    out.append("^XZ")
    return ("\n".join(out) + "\n").encode("utf-8")


_WRITERS = {"svg": _svg, "pdf": _pdf, "png": _png, "zpl": _zpl}


def _check_format(fmt: str) -> str:
    normalized = (fmt or "").lower().lstrip(".")
    if normalized not in _WRITERS:
        raise LabelError(f"unknown label format {fmt!r}; use one of {', '.join(LABEL_FORMATS)}")
    return normalized


def render_layout(fmt: str, layout: Layout) -> bytes:
    """Write a layout in one of LABEL_FORMATS."""
    return _WRITERS[_check_format(fmt)](layout)


def make_label(
    fmt: str,
    *,
    tracking_number: str,
    address_to: Any = None,
    address_from: Any = None,
    shipping_method: str = "",
    order_id: str = "",
    parcel_text: str = "",
    dpi: int = BASE_DPI,
) -> bytes:
    """A 4x6 inch shipping label. Addresses are API-style dicts or objects with the same fields."""
    _check_format(fmt)
    layout = shipping_label_layout(
        tracking_number=tracking_number,
        address_to=address_to,
        address_from=address_from,
        shipping_method=shipping_method,
        order_id=order_id,
        parcel_text=parcel_text,
        dpi=dpi,
    )
    return render_layout(fmt, layout)


def make_box_tag(
    fmt: str, box_ref: str, order_id: str, *, parcel_text: str = "", note: str = "", dpi: int = BASE_DPI
) -> bytes:
    """A temporary box tag ("NOT A SHIPPING LABEL") carrying the box reference as a barcode."""
    _check_format(fmt)
    return render_layout(fmt, box_tag_layout(box_ref, order_id, parcel_text=parcel_text, note=note, dpi=dpi))


TEST_ADDRESS_FROM = {
    "name": "Acme, Main Warehouse",
    "address_lines": ["Frihamnsgatan 56"],
    "postal_code": "11556",
    "city": "Stockholm",
    "country": "SE",
}
TEST_ADDRESS_TO = {
    "name": "Coop Extra Sandnes",
    "address_lines": ["Elvegata 11"],
    "postal_code": "4306",
    "city": "Sandnes",
    "country": "NO",
}


def make_test_label(fmt: str, *, dpi: int = BASE_DPI) -> bytes:
    """The built-in test label: fixed addresses and the tracking number TEST_TRACKING_NUMBER."""
    return make_label(
        fmt,
        tracking_number=TEST_TRACKING_NUMBER,
        address_to=TEST_ADDRESS_TO,
        address_from=TEST_ADDRESS_FROM,
        shipping_method="pnl-mpc",
        order_id="TEST",
        parcel_text="Parcel 1 of 1",
        dpi=dpi,
    )
