"""`packstation print-commands [--printer URI] [--output FILE.png|.svg|.pdf]`: the command sheet.

Prints the barcodes a packer scans instead of touching the screen (``CMD:CLOSE-BOX``, ``CMD:REPRINT``, …,
then ``BOX:<code>`` for each configured box type; ``packstation.domain.commands_sheet``), each with a
large caption and a one-line hint. The sheet is cut into labels of up to ``CODES_PER_LABEL`` codes, laid
out in the printer's own dots (its head width and resolution) so that every Code 128 module is a whole
number of dots, and printed through the same print-queue path as ``print-test`` (a throw-away job store,
the print queue worker, the label pipeline, the printer).

``--demo`` adds the demo's pick lists (Code 128) and product barcodes as products carry them
(``emulator.demo.demo_sheet``: EAN-13s, the ITF-14 case code, GS1-128 and GS1 DataMatrix symbols with
expiry, lot and serial, encoded by zxing-cpp in ``adapters.labels.symbols`` and laid out on whole dots)
so a new user can scan through the demo with a real scanner; ``--supervisor`` adds
``CMD:ACCEPT-WEIGHT`` and ``CMD:LEARN``.

With ``--output`` nothing is printed: the sheet is written to a file for an office printer, as one long
image (PNG, SVG) or one 4x6 inch page per label (PDF).
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from packstation.commands import UserFacingError

CODES_PER_LABEL = 6
OUTPUT_FORMATS = (".png", ".svg", ".pdf")
SHEET_DPI = 203  # --output: a 4 inch wide sheet at a label printer's resolution
SHEET_WIDTH_IN = 4
USB_BACKEND = None  # tests put a fake pyusb backend here


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--output",
        metavar="FILE",
        help="write the sheet to FILE (.png, .svg or .pdf) instead of printing it",
    )
    parser.add_argument(
        "--demo",
        action="store_true",
        help="add the demo's pick lists and product barcodes (EAN, case pack, GS1 lot/serial/expiry)",
    )
    parser.add_argument(
        "--supervisor", action="store_true", help="add the supervisor's commands (accept weight, learn)"
    )


def sheet_entries(box_types: Any, *, demo: bool = False, supervisor: bool = False) -> list[Any]:
    """The sheet's rows: the commands, the box types and, with ``demo``, the demo's orders and products."""
    from packstation.domain.commands_sheet import command_sheet

    entries = command_sheet(tuple(box_types), supervisor=supervisor)
    if demo:
        from packstation.emulator.demo import demo_sheet

        entries += demo_sheet()  # SheetEntry rows, real product symbols included
    return entries


def sheet_png(entries: list[Any]) -> bytes:
    """The whole sheet as one long PNG (what ``--output sheet.png`` writes), e.g. for the demo's window."""
    return _stacked_png(sheet_layouts(entries, width=SHEET_WIDTH_IN * SHEET_DPI, dpi=SHEET_DPI))


def run(args: argparse.Namespace) -> int:
    from packstation.adapters.config import config_from_args

    config = config_from_args(args)
    entries = sheet_entries(
        config.box_types, demo=getattr(args, "demo", False), supervisor=getattr(args, "supervisor", False)
    )
    if getattr(args, "output", None):
        path = Path(args.output)
        write_sheet(entries, path)
        print(f"Wrote the command sheet ({len(entries)} codes) to {path}")
        return 0
    return _print(entries, config.printer)


# ------------------------------------------------------------------------------------------- layout


def sheet_layouts(entries: list[Any], *, width: int, dpi: int, per_label: int = CODES_PER_LABEL) -> list[Any]:
    """One ``labelgen.Layout`` per ``per_label`` entries, ``width`` dots wide, 6 inches tall at ``dpi``."""
    chunks = [entries[i : i + per_label] for i in range(0, len(entries), per_label)] or [[]]
    return [
        _label_layout(chunk, index + 1, len(chunks), width=width, dpi=dpi)
        for index, chunk in enumerate(chunks)
    ]


def _label_layout(entries: list[Any], number: int, total: int, *, width: int, dpi: int) -> Any:
    from packstation.domain import code128
    from packstation.domain.commands_sheet import Symbology
    from packstation.domain.labelgen import Barcode, LabelError, Layout, Rect, Text

    def d(dots_at_203: float) -> int:
        return round(dots_at_203 * dpi / 203)

    height = 6 * dpi
    margin = d(16)
    header = d(64)
    row = (height - header) // CODES_PER_LABEL
    texts = [Text(margin, d(40), d(30), f"packstation commands  ({number}/{total})", bold=True)]
    rects = [Rect(margin, d(52), width - 2 * margin, max(1, d(3)))]
    barcodes = []
    for index, entry in enumerate(entries):
        top = header + index * row
        texts.append(Text(margin, top + d(36), d(32), entry.caption, bold=True))
        if entry.hint:
            texts.append(Text(margin, top + d(62), d(20), _fit(entry.hint, d(20), width - 2 * margin)))
        bar_top, bar_height = top + d(72), row - d(72) - d(38)
        if entry.symbology is Symbology.CODE128:
            try:
                bars = code128.bars(entry.barcode)
                modules = code128.symbol_width(entry.barcode)
            except code128.Code128Error as exc:
                raise UserFacingError(f"cannot make a barcode of {entry.barcode!r}: {exc}") from None
            # Whole dots per module (a thermal head prints no half dots), quiet zones included.
            module = min(d(3) or 1, (width - 2 * margin) // (modules + 2 * code128.QUIET_ZONE_MODULES))
            if module < 1:
                raise LabelError(f"{entry.barcode!r} is too long for a {width}-dot wide printer")
            x0 = (width - modules * module) // 2
            bar_rects = tuple(Rect(x0 + start * module, bar_top, w * module, bar_height) for start, w in bars)
            barcodes.append(Barcode(x0, bar_top, module, bar_height, entry.barcode, bar_rects))
        else:
            barcodes.append(_product_symbol(entry, width, margin, bar_top, bar_height, d(3) or 1))
        # What the barcode says, in plain text under it (for a person, or typing it by hand).
        texts.append(Text(width // 2, bar_top + bar_height + d(24), d(20), entry.barcode, anchor="middle"))
        if index < len(entries) - 1:
            rects.append(Rect(margin, top + row - max(1, d(2)), width - 2 * margin, max(1, d(2))))
    return Layout(width, height, dpi, tuple(rects), tuple(texts), tuple(barcodes))


def _product_symbol(entry: Any, width: int, margin: int, top: int, height: int, most: int) -> Any:
    """A product's own symbol (EAN-13, ITF-14, GS1-128, GS1 DataMatrix) encoded by zxing-cpp and laid
    out as rects on whole dots, centred: bars ``height`` tall, or square matrix modules that fit it."""
    from packstation.adapters.labels.symbols import QUIET_ZONE_MODULES, SymbolError, symbol_modules
    from packstation.domain.labelgen import Barcode, LabelError, Rect

    try:
        symbol = symbol_modules(entry.barcode, entry.symbology)
    except SymbolError as exc:
        raise UserFacingError(f"cannot make a barcode of {entry.barcode!r}: {exc}") from None
    quiet = QUIET_ZONE_MODULES[entry.symbology]
    module = min(most, (width - 2 * margin) // (symbol.width + 2 * quiet))
    if not symbol.linear:  # square modules, as many dots as the row's height allows
        module = min((width - 2 * margin) // (symbol.width + 2 * quiet), height // symbol.height)
    if module < 1:
        raise LabelError(f"{entry.barcode!r} is too long for a {width}-dot wide printer")
    x0 = (width - symbol.width * module) // 2
    if symbol.linear:
        rects = tuple(Rect(x0 + start * module, top, w * module, height) for start, w in symbol.runs(0))
        return Barcode(x0, top, module, height, entry.barcode, rects, native_zpl=False)
    y0 = top + (height - symbol.height * module) // 2
    rects = tuple(
        Rect(x0 + start * module, y0 + y * module, w * module, module)
        for y in range(symbol.height)
        for start, w in symbol.runs(y)
    )
    return Barcode(x0, y0, module, symbol.height * module, entry.barcode, rects, native_zpl=False)


def _fit(text: str, size: int, max_width: int) -> str:
    max_chars = max(1, int(max_width / (0.55 * size)))
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def layout_svg(layouts: list[Any]) -> bytes:
    """The layouts stacked top to bottom in one SVG whose user unit is one printer dot, and whose
    physical size (inches) makes a renderer at the layouts' dpi draw every dot on a dot."""
    from packstation.domain.labelgen import FONT_FAMILY

    width, dpi = layouts[0].width, layouts[0].dpi
    height = sum(layout.height for layout in layouts)
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width / dpi:.4f}in" height="{height / dpi:.4f}in" '
        f'viewBox="0 0 {width} {height}" shape-rendering="crispEdges">',
        f'<rect x="0" y="0" width="{width}" height="{height}" fill="#fff"/>',
        '<g fill="#000">',
    ]
    offset = 0
    for layout in layouts:
        for r in [*layout.rects, *(r for bc in layout.barcodes for r in bc.rects)]:
            out.append(f'<rect x="{r.x}" y="{r.y + offset}" width="{r.w}" height="{r.h}"/>')
        for t in layout.texts:
            weight = ' font-weight="bold"' if t.bold else ""
            anchor = ' text-anchor="middle"' if t.anchor == "middle" else ""
            out.append(
                f'<text x="{t.x}" y="{t.y + offset}" font-size="{t.size}" font-family="{FONT_FAMILY}"'
                f"{weight}{anchor}>{escape(t.text)}</text>"
            )
        offset += layout.height
    out += ["</g>", "</svg>", ""]
    return "\n".join(out).encode("utf-8")


# ------------------------------------------------------------------------------------------- output


def write_sheet(entries: list[Any], path: Path) -> None:
    suffix = path.suffix.lower()
    if suffix not in OUTPUT_FORMATS:
        raise UserFacingError(f"cannot write {path.name}: use a file name ending in .png, .svg or .pdf")
    layouts = sheet_layouts(entries, width=SHEET_WIDTH_IN * SHEET_DPI, dpi=SHEET_DPI)
    if suffix == ".svg":
        data = layout_svg(layouts)
    elif suffix == ".png":
        data = _stacked_png(layouts)
    else:
        data = _pdf_pages(layouts)
    try:
        path.write_bytes(data)
    except OSError as exc:
        raise UserFacingError(f"cannot write {path}: {exc.strerror or exc}") from None


def _stacked_png(layouts: list[Any]) -> bytes:
    import io

    from PIL import Image

    from packstation.domain.labelgen import render_layout

    images = [Image.open(io.BytesIO(render_layout("png", layout))) for layout in layouts]
    sheet = Image.new("1", (images[0].width, sum(i.height for i in images)), 1)
    top = 0
    for image in images:
        sheet.paste(image, (0, top))
        top += image.height
    out = io.BytesIO()
    sheet.save(out, format="PNG", dpi=(SHEET_DPI, SHEET_DPI))
    return out.getvalue()


def _pdf_pages(layouts: list[Any]) -> bytes:
    """One 4x6 inch page per label (labelgen's PDF writer), joined into one document by pdfium."""
    import io

    import pypdfium2

    from packstation.domain.labelgen import render_layout

    merged = pypdfium2.PdfDocument.new()
    try:
        for layout in layouts:
            page = pypdfium2.PdfDocument(render_layout("pdf", layout))
            try:
                merged.import_pages(page)
            finally:
                page.close()
        out = io.BytesIO()
        merged.save(out)
        return out.getvalue()
    finally:
        merged.close()


# ------------------------------------------------------------------------------------------- printing


def _print(entries: list[Any], uri: str) -> int:
    from packstation.adapters.printers.errors import PrinterError
    from packstation.adapters.printers.uri import parse_printer_uri
    from packstation.domain.labelgen import LabelError, render_layout
    from packstation.domain.printing import PrintJobState

    try:
        spec = parse_printer_uri(uri)
    except PrinterError as exc:
        raise UserFacingError(exc.user_message) from None
    try:
        layouts = sheet_layouts(entries, width=spec.width, dpi=spec.dpi)
    except LabelError as exc:
        raise UserFacingError(f"cannot lay out the command sheet: {exc}") from None
    if spec.lang == "zpl":
        payloads = [render_layout("zpl", layout) for layout in layouts]
    else:
        payloads = [layout_svg([layout]) for layout in layouts]
    preview_dir = Path(tempfile.gettempdir())
    jobs = _print_jobs(uri, payloads, preview_dir)
    failed = [job for job in jobs if job.state is not PrintJobState.DONE]  # a done job's error is a note
    if failed:
        raise UserFacingError(f"printing the command sheet on {spec.describe()} failed: {failed[0].error}")
    where = (
        f"the preview: {preview_dir / 'packstation-commands-1.png'}"
        if spec.kind == "preview"
        else f"the {spec.describe()}"
    )
    print(f"Printed the command sheet ({len(entries)} codes on {len(jobs)} labels) to {where}")
    return 0


def _print_jobs(uri: str, payloads: list[bytes], preview_dir: Path) -> list[Any]:
    """The print-test path: jobs in a throw-away store, drained by the print queue worker."""
    from functools import partial

    from packstation.adapters.labels import LabelPipeline
    from packstation.adapters.printers.devices import make_printer
    from packstation.adapters.printers.queue import PrintQueue
    from packstation.adapters.store.store import Store
    from packstation.commands.print_test import _svg_rasterizer_if_needed
    from packstation.domain.printing import NewPrintJob, PrintJobKind

    previews = iter(preview_dir / f"packstation-commands-{n}.png" for n in range(1, len(payloads) + 1))
    pipeline = LabelPipeline(_svg_rasterizer_if_needed(payloads[0]))
    factory = partial(
        make_printer, usb_backend=USB_BACKEND, preview_sink=lambda preview: _save_preview(previews, preview)
    )
    with tempfile.TemporaryDirectory(prefix="packstation-print-commands-") as folder:
        store = Store.open(Path(folder) / "print-commands.sqlite")
        try:
            queue = PrintQueue(store.print_jobs, factory, None, pipeline)
            ids = [
                store.print_jobs.add(NewPrintJob(kind=PrintJobKind.TEST, printer_uri=uri, payload=payload))
                for payload in payloads
            ]
            try:
                asyncio.run(queue.drain())
            finally:
                queue.close()
            return [store.print_jobs.get(job_id) for job_id in ids]
        finally:
            store.close()


def _save_preview(paths: Any, preview: Any) -> None:
    from packstation.adapters.labels.raster import mono_to_pil

    path = next(paths, None)
    if path is not None and preview.images:
        mono_to_pil(preview.images[0]).save(path)
