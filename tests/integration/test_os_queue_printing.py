"""Printing through the operating system's spooler.

CUPS for real: a private ``cupsd`` (tests/support/cups_server) with a raw queue whose device is a loopback
TCP listener. A label goes through ``cups:QUEUE`` as ESC/POS and TSPL; the listener must receive exactly
the bytes the pipeline produced, and the barcode must read back from them. The Windows path runs
python-escpos' own ``Win32Raw`` against a fake ``win32print`` module (this machine has no Windows).
"""

from __future__ import annotations

import sys
import types

import pytest

from packstation.adapters.labels import LabelPipeline
from packstation.adapters.printers import errors as e
from packstation.adapters.printers.devices import make_printer
from packstation.adapters.printers.os_queues import cups_queues, windows_printers
from packstation.adapters.printers.uri import label_target
from packstation.domain import labelgen
from tests.support.cups_server import CupsServer, cups_available
from tests.support.escpos_decode import decode_escpos, read_barcodes
from tests.support.printing import TcpPrinterServer
from tests.support.tspl_epl_decode import decode_tspl

needs_cups = pytest.mark.skipif(not cups_available(), reason="CUPS is not installed (./dev.sh installs it)")


@pytest.fixture
def pipeline(qapp):
    from packstation.gui.raster import QtSvgRasterizer

    return LabelPipeline(QtSvgRasterizer())


@pytest.fixture
def cups(tmp_path_factory, monkeypatch):
    import tempfile

    root = tempfile.mkdtemp(prefix="pcups", dir="/tmp")  # short: Unix socket paths are limited
    from pathlib import Path

    server = CupsServer(Path(root))
    monkeypatch.setenv("CUPS_SERVER", str(server.socket))
    yield server
    server.close()
    import shutil

    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture
def listener():
    server = TcpPrinterServer()
    yield server
    server.close()


@needs_cups
@pytest.mark.parametrize(("lang", "query"), [("escpos", "width=576"), ("tspl", "lang=tspl&width=832")])
def test_label_through_a_real_cups_queue_arrives_byte_for_byte(pipeline, cups, listener, lang, query):
    cups.add_raw_queue("bench_label", listener.port)
    printer = make_printer(f"cups:bench_label?{query}")
    data = labelgen.make_label("svg", tracking_number="CUPS0001234", order_id="A-1")
    payload = pipeline.prepare(data, target=label_target(printer.spec), tracking_number="CUPS0001234")

    printer.send(payload)

    received = listener.wait_for(len(payload.data))
    assert received == payload.data  # CUPS passed the raw job on untouched
    if lang == "escpos":
        [page] = decode_escpos(received).pages
    else:
        [page] = decode_tspl(received, 203).pages
    assert read_barcodes(page) == ["CUPS0001234"]


@needs_cups
def test_cups_queues_are_listed_with_ready_to_paste_uris(cups, listener):
    cups.add_raw_queue("Zebra_Bench_2", listener.port)
    [queue] = cups_queues()
    assert (queue.name, queue.uri) == ("Zebra_Bench_2", "cups:Zebra_Bench_2")
    assert queue.device == f"socket://127.0.0.1:{listener.port}"


@needs_cups
def test_an_unknown_cups_queue_says_so(cups):
    printer = make_printer("cups:no_such_queue")
    with pytest.raises(e.PrinterNotFoundError, match="no CUPS queue no_such_queue"):
        printer.probe()
    payload = types.SimpleNamespace(data=b"\x1b@")
    with pytest.raises(e.PrinterNotFoundError, match="packstation printers"):
        printer.send(payload)


@needs_cups
def test_a_paused_cups_queue_fails_the_probe_with_the_fix(cups, listener):
    cups.add_raw_queue("paused_q", listener.port)
    cups.lpadmin("-p", "paused_q")  # keeps it
    import subprocess

    subprocess.run(["cupsdisable", "paused_q"], env=cups.env, check=True, capture_output=True)
    with pytest.raises(e.PrinterFaultError, match="cupsenable paused_q"):
        make_printer("cups:paused_q").probe()


@needs_cups
def test_a_job_cups_cannot_deliver_is_maybe_printed_never_resent(pipeline, cups):
    import socket

    free = socket.socket()
    free.bind(("127.0.0.1", 0))
    port = free.getsockname()[1]
    free.close()  # nothing listens: CUPS keeps the job and retries
    cups.add_raw_queue("offline_q", port)
    printer = make_printer("cups:offline_q?timeout=1")
    with pytest.raises(e.PrinterFaultError) as info:
        printer.send(types.SimpleNamespace(data=b"\x1b@hello"))
    assert info.value.maybe_printed
    assert "still holds the label" in info.value.user_message


def test_no_cups_means_no_queues_listed(monkeypatch):
    monkeypatch.setattr("shutil.which", lambda name: None)
    assert cups_queues() == []


# -- Windows, through a fake win32print ------------------------------------------------------------


class FakeWin32Print(types.ModuleType):
    """The calls python-escpos' Win32Raw and our listing make, recording what the spooler got."""

    PRINTER_ENUM_NAME, PRINTER_ENUM_LOCAL, PRINTER_ENUM_CONNECTIONS = 8, 2, 4

    def __init__(self, printers: list[str]) -> None:
        super().__init__("win32print")
        self.printers = printers
        self.docs: list[tuple[str, str, bytes]] = []
        self._open: dict[int, list] = {}

    def EnumPrinters(self, flags, name, level):
        return [{"pPrinterName": p, "pPortName": "USB001"} for p in self.printers]

    def GetDefaultPrinter(self):
        return self.printers[0]

    def OpenPrinter(self, name):
        if name not in self.printers:
            raise sys.modules["pywintypes"].error(1801, "OpenPrinter", "The printer name is invalid.")
        handle = len(self._open) + 1
        self._open[handle] = [name, None, bytearray()]
        return handle

    def StartDocPrinter(self, handle, level, info):
        self._open[handle][1] = info
        return handle

    def StartPagePrinter(self, handle):
        pass

    def WritePrinter(self, handle, data):
        self._open[handle][2] += data
        return len(data)

    def EndPagePrinter(self, handle):
        pass

    def EndDocPrinter(self, handle):
        name, info, data = self._open[handle]
        self.docs.append((name, info[2], bytes(data)))

    def ClosePrinter(self, handle):
        pass


@pytest.fixture
def fake_win32(monkeypatch):
    import importlib

    pywintypes = types.ModuleType("pywintypes")

    class error(Exception):
        pass

    pywintypes.error = error
    fake = FakeWin32Print(["ZDesigner GK420d", "Xprinter XP-420B"])
    monkeypatch.setitem(sys.modules, "pywintypes", pywintypes)
    monkeypatch.setitem(sys.modules, "win32print", fake)
    import escpos.printer.win32raw as win32raw

    importlib.reload(win32raw)  # it looks for win32print when imported
    monkeypatch.setattr("escpos.printer.Win32Raw", win32raw.Win32Raw)
    yield fake
    monkeypatch.undo()
    importlib.reload(win32raw)


def test_windows_printer_gets_the_raw_bytes_as_one_raw_document(pipeline, fake_win32):
    printer = make_printer("win32:Xprinter XP-420B?lang=tspl&width=832")
    data = labelgen.make_label("png", tracking_number="WIN-0001")
    payload = pipeline.prepare(data, target=label_target(printer.spec), tracking_number="WIN-0001")
    printer.probe()
    printer.send(payload)
    [(name, datatype, sent)] = fake_win32.docs
    assert (name, datatype) == ("Xprinter XP-420B", "RAW")
    assert sent == payload.data
    [page] = decode_tspl(sent, 203).pages
    assert read_barcodes(page) == ["WIN-0001"]


def test_unknown_windows_printer_says_where_to_look(fake_win32):
    printer = make_printer("win32:Nope")
    with pytest.raises(e.PrinterNotFoundError, match="packstation printers"):
        printer.probe()
    with pytest.raises(e.PrinterNotFoundError, match="Printers & scanners"):
        printer.send(types.SimpleNamespace(data=b"x"))
    assert fake_win32.docs == []


def test_windows_printers_are_listed_with_ready_to_paste_uris(fake_win32):
    listed = windows_printers(fake_win32)
    assert [q.uri for q in listed] == ["win32:ZDesigner GK420d", "win32:Xprinter XP-420B"]


def test_windows_printer_without_pywin32_says_what_to_install():
    printer = make_printer("win32:Zebra")
    with pytest.raises(e.PrinterNotFoundError, match="pywin32"):
        printer.probe()


@needs_cups
def test_printers_command_lists_cups_queues_after_usb(cups, listener, capsys, monkeypatch):
    from packstation import cli
    from packstation.commands import printers
    from tests.support.fake_usb import FakeUsbBackend

    monkeypatch.setattr(printers, "USB_BACKEND", FakeUsbBackend([]))
    cups.add_raw_queue("Label_Bench_1", listener.port)
    assert cli.main(["printers"]) == 0
    out = capsys.readouterr().out
    assert "No USB printers found" in out
    assert "CUPS queues:" in out
    assert f"cups:Label_Bench_1{' ' * 10}" in out and f"socket://127.0.0.1:{listener.port}" in out
