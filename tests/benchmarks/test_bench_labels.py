"""Label speed for a 4x6 label at 203 dpi on a 4-inch (832-dot) head, per input format.

Measures, through the production path (print job in the SQLite store -> print queue -> label download
over loopback HTTP -> render + encode in the worker thread -> python-escpos bytes to a loopback TCP
printer): the time from starting the job to the first byte at the printer, the bytes sent, and our
render+encode time against a naive pipeline (full-colour rasterisation with cairosvg / pypdfium2 /
Pillow, then python-escpos ``image()`` with its default options and default profile).

Run as a test (correctness only, timings are reported, never asserted) or as a script for the table:
    .venv/bin/python -m tests.benchmarks.test_bench_labels
"""

from __future__ import annotations

import asyncio
import contextlib
import io
import os
import statistics
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from packstation.adapters.labels import LabelPipeline, Target
from packstation.domain import labelgen

TRACKING = "00373500000000000017"
TARGET = Target(width=832, dpi=203)
FORMATS = ("svg", "pdf", "png", "zpl")


def labels() -> dict[str, bytes]:
    return {fmt: labelgen.make_label(fmt, tracking_number=TRACKING, order_id="BENCH") for fmt in FORMATS}


class LabelServer:
    """Serves /label.<fmt> on loopback HTTP with the right content type."""

    def __init__(self, files: dict[str, bytes]) -> None:
        class Handler(BaseHTTPRequestHandler):
            def do_GET(self):
                fmt = self.path.rsplit(".", 1)[-1]
                body = files[fmt]
                self.send_response(200)
                self.send_header("Content-Type", labelgen.CONTENT_TYPES[fmt])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def url(self, fmt: str) -> str:
        return f"http://127.0.0.1:{self.httpd.server_port}/label.{fmt}"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def svg_rasterizer():
    from packstation.gui.raster import QtSvgRasterizer, ensure_qt_gui_app

    ensure_qt_gui_app()
    return QtSvgRasterizer()


def print_job_end_to_end(pipeline, store, server, fmt: str):
    """Returns (seconds from job start to the first byte at the printer, bytes received)."""
    import httpx

    from packstation.adapters.printers.devices import make_printer
    from packstation.adapters.printers.queue import PrintQueue
    from packstation.domain.printing import NewPrintJob, PrintJobKind, PrintJobState
    from tests.support.status_printer import StatusPrinter

    lang = "zpl" if fmt == "zpl" else "escpos"
    # A head that answers status queries (as most do): the status asked before the label costs one
    # loopback round trip, so the first byte (the query) comes a millisecond before the label's.
    printer = StatusPrinter(lang)
    uri = f"{printer.uri}?width={TARGET.width}&lang={lang}"

    async def scenario():
        async with httpx.AsyncClient() as client:

            async def fetch(url):
                response = await client.get(url)
                response.raise_for_status()
                return response.content, response.headers.get("content-type")

            queue = PrintQueue(store.print_jobs, make_printer, fetch, pipeline)
            job = store.print_jobs.add(
                NewPrintJob(kind=PrintJobKind.LABEL, printer_uri=uri, source_url=server.url(fmt))
            )
            try:
                await fetch(server.url(fmt))  # warm the connection pool as a running station would be
                started = time.perf_counter()
                await queue.drain()
            finally:
                queue.close()
            assert store.print_jobs.get(job).state is PrintJobState.DONE, store.print_jobs.get(job).error
            return started

    try:
        started = asyncio.run(scenario())
        received = printer.wait_for(1)
        return printer.first_byte_at[0] - started, received
    finally:
        printer.close()


def naive_encode(fmt: str, data: bytes) -> bytes:
    """The naive pipeline: full-colour raster, then python-escpos image() with default options."""
    from escpos.printer import Dummy
    from PIL import Image

    if fmt == "svg":
        try:
            import cairosvg

            png = cairosvg.svg2png(bytestring=data, output_width=812, output_height=1218)
            image = Image.open(io.BytesIO(png))
        except ImportError:  # fall back to Qt full colour ARGB, antialiased
            image = _qt_argb(data)
    elif fmt == "pdf":
        import pypdfium2

        document = pypdfium2.PdfDocument(data)
        image = document[0].render(scale=203 / 72).to_pil()
        document.close()
    else:
        image = Image.open(io.BytesIO(data))
    printer = Dummy()
    with contextlib.redirect_stdout(io.StringIO()):  # the default profile prints a warning per image
        printer.image(image)
    printer.cut()
    return printer.output


def naive_svg_renderer() -> str:
    try:
        import cairosvg  # noqa: F401

        return "cairosvg"
    except ImportError:
        return "QSvgRenderer ARGB (cairosvg not installed)"


def _qt_argb(data: bytes):
    from PIL import Image
    from PySide6.QtCore import QByteArray
    from PySide6.QtGui import QImage, QPainter
    from PySide6.QtSvg import QSvgRenderer

    image = QImage(812, 1218, QImage.Format.Format_ARGB32)
    image.fill(0xFFFFFFFF)
    painter = QPainter(image)
    QSvgRenderer(QByteArray(data)).render(painter)
    painter.end()
    return Image.frombuffer("RGBA", (812, 1218), bytes(image.constBits()), "raw", "BGRA", 0, 1)


def median_seconds(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def measure(repeat: int = 15) -> list[dict]:
    from tests.support.escpos_decode import decode_escpos, read_barcodes

    files = labels()
    rasterizer = svg_rasterizer()
    server = LabelServer(files)
    rows = []
    folder = tempfile.mkdtemp(prefix="packstation-bench-")
    from packstation.adapters.store.store import Store

    store = Store.open(Path(folder) / "bench.sqlite")
    try:
        for fmt in FORMATS:
            data = files[fmt]
            target = Target(TARGET.width, TARGET.dpi, "zpl" if fmt == "zpl" else "escpos")
            # A pipeline of its own for each run: it keeps what it prepared, and a label it has seen
            # is not prepared again (a reprint), which is not what is measured here.
            LabelPipeline(rasterizer).prepare(data, target=target)  # warm-up (fonts, imports)
            ours = median_seconds(
                lambda d=data, t=target: LabelPipeline(rasterizer).prepare(d, target=t), repeat
            )
            first_byte = statistics.median(
                print_job_end_to_end(LabelPipeline(rasterizer), store, server, fmt)[0] for _ in range(5)
            )
            _, received = print_job_end_to_end(LabelPipeline(rasterizer), store, server, fmt)
            if fmt == "zpl":
                assert received == b"~HS" + data + b"~HS"  # the label between the host status queries
                naive = None
            else:
                assert [read_barcodes(p) for p in decode_escpos(received).pages] == [[TRACKING]]
                naive_encode(fmt, data)
                naive = median_seconds(lambda f=fmt, d=data: naive_encode(f, d), max(3, repeat // 3))
            rows.append(
                {
                    "format": fmt,
                    "first_byte_ms": first_byte * 1000,
                    "bytes_sent": len(received),
                    "ours_ms": ours * 1000,
                    "naive_ms": None if naive is None else naive * 1000,
                    "ratio": None if naive is None else ours / naive,
                }
            )
    finally:
        store.close()
        server.close()
    return rows


def format_table(rows: list[dict]) -> str:
    lines = [
        f"4x6 label, 203 dpi, {TARGET.width}-dot head; naive SVG renderer: {naive_svg_renderer()}",
        f"{'format':<7}{'job->1st byte ms':>18}{'bytes sent':>12}"
        f"{'ours ms':>10}{'naive ms':>10}{'ours/naive':>12}",
    ]
    for row in rows:
        naive = "n/a" if row["naive_ms"] is None else f"{row['naive_ms']:.1f}"
        ratio = "n/a (raw)" if row["ratio"] is None else f"{row['ratio']:.2f}"
        lines.append(
            f"{row['format']:<7}{row['first_byte_ms']:>18.1f}{row['bytes_sent']:>12}"
            f"{row['ours_ms']:>10.1f}{naive:>10}{ratio:>12}"
        )
    return "\n".join(lines)


# -- as tests -------------------------------------------------------------------------------------


@pytest.mark.benchmark
@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_bench_render_encode(benchmark, qapp, fmt):
    from tests.support.escpos_decode import decode_escpos, read_barcodes

    data = labels()[fmt]
    rasterizer = svg_rasterizer()
    payload = benchmark(lambda: LabelPipeline(rasterizer).prepare(data, target=TARGET))  # no reprints
    assert [read_barcodes(p) for p in decode_escpos(payload.data).pages] == [[TRACKING]]


@pytest.mark.benchmark
@pytest.mark.slow
def test_bench_table(qapp, tmp_path):
    rows = measure(repeat=3)
    assert [row["format"] for row in rows] == list(FORMATS)
    assert all(row["bytes_sent"] > 0 for row in rows)
    print("\n" + format_table(rows))


if __name__ == "__main__":
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    os.environ.setdefault(
        "ESCPOS_CAPABILITIES_PICKLE_DIR", os.path.join(tempfile.gettempdir(), "packstation-escpos")
    )
    print(format_table(measure()))
