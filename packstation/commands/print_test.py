"""`packstation print-test --printer URI [LABEL_FILE]`: print a label file, or the built-in test label.

``--role receipt`` / ``--role document`` test-print the configured receipt or document printer instead
of the label printer; the document printer gets a PDF test page (words, a Code 128 and a QR code, in
its ``paper`` size) through its OS queue (the system's driver renders it).

The label goes through exactly the path of a real job: a print job in a (throw-away) job store, the
print queue worker, the label pipeline and the printer. Any failure is one line and exit status 1.
With the ``preview`` printer the rendered label is saved as a PNG and its path printed.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path
from typing import TYPE_CHECKING

from packstation.commands import UserFacingError

if TYPE_CHECKING:
    from packstation.adapters.printers.uri import PrinterSpec
    from packstation.domain.printing import PrintJob
    from packstation.domain.raster import LabelPreview, SvgRasterizer

BUILT_IN_FORMATS = ("svg", "pdf", "png", "zpl")
USB_BACKEND = None  # tests put a fake pyusb backend here


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "label_file", nargs="?", help="label to print (SVG, PDF, PNG or ZPL); default: test label"
    )
    parser.add_argument(
        "--format",
        dest="test_format",
        choices=BUILT_IN_FORMATS,
        help="format of the built-in test label (default: zpl for lang=zpl printers, else svg)",
    )
    parser.add_argument(
        "--role",
        choices=("label", "receipt", "document"),
        default="label",
        help="which configured printer to test (default: the label printer)",
    )


def run(args: argparse.Namespace) -> int:
    from packstation.adapters.config import config_from_args
    from packstation.adapters.printers.errors import PrinterError
    from packstation.adapters.printers.uri import parse_printer_uri
    from packstation.domain.printing import PrintJobState
    from packstation.domain.settings import PRINTER_ROLES, PrinterRole

    role = PrinterRole(getattr(args, "role", "label") or "label")
    config = config_from_args(args)
    uri = str(getattr(config, PRINTER_ROLES[role]) or "").strip()
    if not uri:
        raise UserFacingError(f"no {role.value} printer is configured (setting {PRINTER_ROLES[role]})")
    if role is PrinterRole.DOCUMENT:
        return _print_document(uri, config.station_id)
    try:
        spec = parse_printer_uri(uri)
    except PrinterError as exc:
        raise UserFacingError(exc.user_message) from None
    data, what = _label_bytes(args, spec)
    preview_path = Path(tempfile.gettempdir()) / "packstation-preview.png"
    job = _print_once(uri, data, preview_path)
    if job.state is not PrintJobState.DONE:
        raise UserFacingError(f"printing {what} on {spec.describe()} failed: {job.error}")
    if spec.kind == "preview":
        print(f"Printed {what} to the preview: {preview_path}")
    else:
        print(f"Printed {what} on the {spec.describe()}")
    if job.error:  # printed, with what the renderer could not draw exactly (the job's detail)
        print(f"Note: {job.error}")
    return 0


def _print_document(uri: str, station: str) -> int:
    from packstation.adapters.document_pdf import test_page_document
    from packstation.adapters.printers.errors import PrinterError
    from packstation.adapters.printers.os_queues import make_os_queue_printer
    from packstation.adapters.printers.uri import PrinterKind, parse_printer_uri

    try:
        spec = parse_printer_uri(uri)
        if spec.kind not in (PrinterKind.CUPS, PrinterKind.WIN32):
            raise UserFacingError(f"the document printer {uri!r} must be cups:QUEUE or win32:PRINTER NAME")
        page = test_page_document(station, spec.paper)
        make_os_queue_printer(spec).print_document(page, "packstation test page")
    except PrinterError as exc:
        raise UserFacingError(f"the test page did not print: {exc.user_message}") from None
    print(f"Printed the PDF test page on the {spec.describe()}")
    return 0


def _label_bytes(args: argparse.Namespace, spec: PrinterSpec) -> tuple[bytes, str]:
    if args.label_file:
        path = Path(args.label_file)
        try:
            return path.read_bytes(), str(path)
        except OSError as exc:
            raise UserFacingError(f"cannot read the label file {path}: {exc.strerror or exc}") from None
    from packstation.domain import labelgen

    fmt = args.test_format or ("zpl" if spec.lang == "zpl" else "svg")
    return labelgen.make_test_label(fmt, dpi=spec.dpi), f"the built-in {fmt.upper()} test label"


def _print_once(uri: str, data: bytes, preview_path: Path) -> PrintJob:
    from functools import partial

    from packstation.adapters.labels import LabelPipeline
    from packstation.adapters.printers.devices import make_printer
    from packstation.adapters.printers.queue import PrintQueue
    from packstation.adapters.store.store import Store
    from packstation.domain.printing import NewPrintJob, PrintJobKind

    pipeline = LabelPipeline(_svg_rasterizer_if_needed(data))
    factory = partial(
        make_printer, usb_backend=USB_BACKEND, preview_sink=partial(_save_preview, preview_path)
    )
    with tempfile.TemporaryDirectory(prefix="packstation-print-test-") as folder:
        store = Store.open(Path(folder) / "print-test.sqlite")
        try:
            queue = PrintQueue(store.print_jobs, factory, None, pipeline)
            job_id = store.print_jobs.add(NewPrintJob(kind=PrintJobKind.TEST, printer_uri=uri, payload=data))
            try:
                asyncio.run(queue.drain())
            finally:
                queue.close()
            job = store.print_jobs.get(job_id)
            assert job is not None  # added above, in this private store
            return job
        finally:
            store.close()


def _svg_rasterizer_if_needed(data: bytes) -> SvgRasterizer | None:
    """Qt is loaded only when the label is an SVG (it is the one format that needs it)."""
    from packstation.adapters.labels.detect import LabelFormat, sniff_format

    if sniff_format(data) is not LabelFormat.SVG:
        return None
    from packstation.gui.raster import QtSvgRasterizer, ensure_qt_gui_app

    ensure_qt_gui_app()
    return QtSvgRasterizer()


def _save_preview(path: Path, preview: LabelPreview) -> None:
    from packstation.adapters.labels.raster import mono_to_pil

    if preview.images:
        mono_to_pil(preview.images[0]).save(path)
    elif preview.zpl is not None:
        path.with_suffix(".zpl").write_text(preview.zpl, encoding="latin-1")
