"""The document printer role: with ``document_printer`` set (an OS queue), the end-of-day manifest and the
packing slips go to it as PDF pages instead of receipt text.

For real: a private ``cupsd`` (tests/support/cups_server) with a raw queue whose device is a loopback TCP
listener standing in for the office printer. What the listener receives must be a PDF that pypdfium2
opens, whose text layer carries the document's words, and whose barcodes (the manifest's tracking numbers
as Code 128, the slip's order id as a QR code) zxing-cpp reads back from the rendered page.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import pypdfium2
import pytest
import zxingcpp

from packstation.adapters.labels.pipeline import LabelPipeline
from packstation.adapters.printers.devices import make_printer
from packstation.adapters.printers.queue import PrintQueue
from packstation.app import packing_slip_as_pdf, packing_slip_printer
from packstation.domain.printing import NewPrintJob, PrintJobKind, PrintJobState
from packstation.domain.settings import PrinterRole, StationConfig
from packstation.services.end_of_day import EndOfDay
from tests.integration.test_end_of_day import booked_station, end_of_day_run, tracking_numbers
from tests.integration.test_packing_slip import LINES, SCANS, _sweden
from tests.integration.test_station_runtime import run_station
from tests.support.bench_config import bench_config
from tests.support.cups_server import CupsServer, cups_available
from tests.support.printing import TcpPrinterServer

needs_cups = pytest.mark.skipif(not cups_available(), reason="CUPS is not installed (./dev.sh installs it)")
QUEUE = "Office_A4"


@pytest.fixture
def office(monkeypatch):
    """A CUPS raw queue ``Office_A4`` whose printer is a loopback listener; yields the listener."""
    root = Path(tempfile.mkdtemp(prefix="pcups", dir="/tmp"))  # short: Unix socket paths are limited
    cups = CupsServer(root)
    listener = TcpPrinterServer()
    try:
        monkeypatch.setenv("CUPS_SERVER", str(cups.socket))
        cups.add_raw_queue(QUEUE, listener.port)
        yield listener
    finally:
        listener.close()
        cups.close()
        shutil.rmtree(root, ignore_errors=True)


def received_pdf(listener: TcpPrinterServer, timeout: float = 20.0) -> bytes:
    """The document the printer got, once it has all of it (a PDF ends with %%EOF)."""
    deadline = time.monotonic() + timeout
    while b"%%EOF" not in listener.received and time.monotonic() < deadline:
        time.sleep(0.02)
    return listener.received


def read_pdf(data: bytes) -> tuple[str, list[str], tuple[float, float]]:
    """The PDF's text (every page), the barcodes read from its pages rendered at 200 dpi, the first
    page's size in points."""
    assert data.startswith(b"%PDF-")
    pdf = pypdfium2.PdfDocument(data)
    try:
        texts, codes = [], []
        for page in pdf:
            texts.append(page.get_textpage().get_text_range())
            image = page.render(scale=200 / 72).to_pil().convert("L")
            codes += [r.text for r in zxingcpp.read_barcodes(image)]
        return "\n".join(texts), codes, tuple(pdf[0].get_size())
    finally:
        pdf.close()


def test_documents_go_to_the_document_printer_as_pdf_otherwise_as_before():
    config = StationConfig(printer="tcp://10.0.0.5", receipt_printer="usb:04b8:0202", print_packing_slip=True)
    assert config.manifest_destination().role is PrinterRole.RECEIPT
    assert config.slip_destination().uri == "usb:04b8:0202" and not packing_slip_as_pdf(config)
    office = replace(config, document_printer=f"cups:{QUEUE}")
    assert (office.manifest_destination().uri, office.manifest_destination().as_pdf) == (
        f"cups:{QUEUE}",
        True,
    )
    assert packing_slip_printer(office) == f"cups:{QUEUE}" and packing_slip_as_pdf(office)
    assert replace(office, print_packing_slip=False).slip_destination() is None
    assert StationConfig(printer="tcp://10.0.0.5").manifest_destination().uri == "tcp://10.0.0.5"


@needs_cups
def test_the_manifest_prints_on_a_cups_document_printer_as_a_pdf_that_reads_back(emu, store, office):
    booked_station(emu, store, (2, 1))
    expected = tracking_numbers(store)
    eod = EndOfDay(
        store, station="Bench 1", printer_uri=f"cups:{QUEUE}?paper=letter", as_pdf=True, clock=lambda: 1.79e9
    )
    end_of_day_run(emu, store, eod)

    async def main():
        queue = PrintQueue(store.print_jobs, make_printer, None, LabelPipeline(None))
        eod.enqueue_print = queue.enqueue
        try:
            message = eod.print_manifest()
            await queue.drain()
        finally:
            queue.close()
        return message

    assert asyncio.run(main()) == "Manifest (3 parcels) sent to the document printer."
    (job,) = [j for j in store.print_jobs.recent() if j.kind is PrintJobKind.DOCUMENT]
    assert job.state is PrintJobState.DONE, job.error
    text, codes, size = read_pdf(received_pdf(office))
    assert "PICKUP MANIFEST" in text and "Station: Bench 1" in text
    assert all(number in text for number in expected)
    assert sorted(codes) == expected  # every tracking number scans from the printed page
    assert tuple(round(side) for side in size) == (612, 792)  # paper=letter: US Letter in points


@needs_cups
def test_a_packing_slip_prints_on_the_document_printer_as_a_pdf_with_its_qr_code(
    emulator, tmp_path, office, qapp
):
    emulator.seed_shipment("ORD-S", LINES, address_to={**_sweden(), "name": "Åsa Öberg"})
    receipt = tmp_path / "receipt.bin"
    config = bench_config(
        tmp_path,
        emulator,
        print_packing_slip=True,
        receipt_printer=f"file:{receipt}",
        document_printer=f"cups:{QUEUE}",
    )
    _, view, problems, _ = run_station(config, SCANS, qapp)
    assert problems == [] and view.complete
    text, codes, size = read_pdf(received_pdf(office))
    assert "FÖLJESEDEL" in text and "Åsa Öberg" in text  # Swedish, and every letter kept
    assert "Mug" in text and "Plate" in text and "ORD-S" in text
    assert codes == ["ORD-S"]
    assert tuple(round(side) for side in size) == (595, 842)  # A4 unless the URI says paper=letter
    assert not receipt.exists()  # the document printer took the slip, not the receipt printer
    assert received_pdf(office, timeout=0.5).count(b"%PDF-") == 1  # one slip, once


def test_a_pdf_document_for_a_thermal_head_fails_in_words(store, tmp_path):
    queue = PrintQueue(store.print_jobs, make_printer, None, LabelPipeline(None))
    job_id = store.print_jobs.add(
        NewPrintJob(
            kind=PrintJobKind.DOCUMENT, printer_uri=f"file:{tmp_path / 'x.bin'}", payload=b"%PDF-1.4 x"
        )
    )
    try:
        asyncio.run(queue.drain())
    finally:
        queue.close()
    job = store.print_jobs.get(job_id)
    assert job.state is PrintJobState.FAILED
    assert "not an OS print queue: set the document printer to cups:QUEUE" in job.error
    assert not (tmp_path / "x.bin").exists()


def test_doctor_fails_a_document_printer_that_is_not_an_os_queue(tmp_path, capsys, monkeypatch):
    import json

    from packstation.adapters.config import TOKEN_ENV, config_file_path
    from packstation.cli import main
    from packstation.emulator import DEMO_TOKEN

    path = config_file_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    # a hand-edited config file (Settings refuses this): the document printer is a label head's port
    path.write_text(json.dumps({"printer": "preview", "document_printer": "tcp://127.0.0.1:9"}), "utf-8")
    monkeypatch.setenv(TOKEN_ENV, DEMO_TOKEN)
    try:
        status = main(["doctor", "--data-dir", str(tmp_path / "data"), "--offline"])
    finally:
        path.unlink(missing_ok=True)
    lines = [line for line in capsys.readouterr().out.splitlines() if "Document printer" in line]
    assert status == 1
    assert len(lines) == 1 and lines[0].startswith("FAIL")
    assert "the document printer 'tcp://127.0.0.1:9' is not an OS print queue" in lines[0]
