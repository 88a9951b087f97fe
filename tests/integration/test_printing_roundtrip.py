"""Every label format, printed through the real python-escpos device classes to a file printer, a loopback
TCP printer and a fake USB printer (a pyusb backend), at 576 and 832 dots: the captured bytes are decoded
back into an image and zxing-cpp must read the tracking number from it."""

from __future__ import annotations

import re

import pytest

from packstation.adapters.labels import LabelPipeline
from packstation.adapters.printers.devices import make_printer
from packstation.adapters.printers.uri import label_target
from packstation.domain import labelgen
from tests.support.escpos_decode import decode_escpos, read_barcodes
from tests.support.fake_usb import FakeUsbBackend, FakeUsbPrinter
from tests.support.printing import TcpPrinterServer

TRACKING = {"svg": "JJD00991234567890", "pdf": "00370123450000000016", "png": "TRK-42-PNG-0815"}


@pytest.fixture
def pipeline(qapp):
    from packstation.gui.raster import QtSvgRasterizer

    return LabelPipeline(QtSvgRasterizer())


class Transport:
    """Opens one kind of printer and returns what it received."""

    def __init__(self, kind: str, tmp_path) -> None:
        self.kind = kind
        self.tmp_path = tmp_path
        self.server: TcpPrinterServer | None = None
        self.usb = FakeUsbPrinter()
        self.backend = FakeUsbBackend([self.usb])

    def uri(self, query: str) -> str:
        if self.kind == "file":
            return f"file:{self.tmp_path / 'printer.bin'}?{query}"
        if self.kind == "tcp":
            self.server = TcpPrinterServer()
            return f"{self.server.uri}?{query}"
        return f"usb:04b8:0e28?serial=FAKE0001&{query}"

    def received(self, expected: int) -> bytes:
        if self.kind == "file":
            return (self.tmp_path / "printer.bin").read_bytes()
        if self.kind == "tcp":  # before the label the station asks for the printer's status (3 bytes)
            return self.server.wait_for(expected + 3)
        return bytes(self.usb.received)

    def status_around(self, lang: str) -> tuple[bytes, bytes]:
        """The status queries sent before and after the label: the loopback printer never answers (one
        query before, none after); the fake USB printer answers DLE EOT 4 only (so DLE EOT 4 and 2 are
        asked before and after), and nothing in ZPL."""
        if self.kind == "file":
            return b"", b""
        if lang == "zpl":
            return b"~HS", b""
        if self.kind == "tcp":
            return b"\x10\x04\x04", b""
        return b"\x10\x04\x04\x10\x04\x02", b"\x10\x04\x04\x10\x04\x02"

    def close(self) -> None:
        if self.server:
            self.server.close()


@pytest.fixture(params=["file", "tcp", "usb"])
def transport(request, tmp_path):
    t = Transport(request.param, tmp_path)
    yield t
    t.close()


def print_label(pipeline, transport, data: bytes, query: str, tracking: str):
    printer = make_printer(transport.uri(query), usb_backend=transport.backend)
    payload = pipeline.prepare(data, target=label_target(printer.spec), tracking_number=tracking)
    printer.send(payload)
    return payload, transport.received(len(payload.data))


@pytest.mark.parametrize("width", [576, 832])
@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_raster_label_prints_and_scans_back(pipeline, transport, fmt, width):
    tracking = TRACKING[fmt]
    data = labelgen.make_label(fmt, tracking_number=tracking, order_id="A-1", parcel_text="1 of 1")
    payload, received = print_label(pipeline, transport, data, f"width={width}", tracking)

    stream = decode_escpos(received)
    before, after = transport.status_around("escpos")
    assert received.startswith(before) and received.endswith(after)  # the status checks around it
    received = received[len(before) : len(received) - len(after)]
    assert received == payload.data  # exactly the bytes python-escpos produced, nothing lost or added
    assert stream.cuts == 1
    [page] = stream.pages
    assert page.width == width
    assert read_barcodes(page) == [tracking]


def test_file_printer_appends_every_label(pipeline, tmp_path):
    transport = Transport("file", tmp_path)
    data = labelgen.make_label("png", tracking_number="APPEND-1")
    first, _ = print_label(pipeline, transport, data, "width=576", "APPEND-1")
    data2 = labelgen.make_label("png", tracking_number="APPEND-2")
    second, received = print_label(pipeline, transport, data2, "width=576", "APPEND-2")
    assert received == first.data + second.data
    pages = decode_escpos(received).pages
    assert [read_barcodes(p) for p in pages] == [["APPEND-1"], ["APPEND-2"]]


def test_cut_0_sends_no_cut(pipeline, tmp_path):
    transport = Transport("file", tmp_path)
    data = labelgen.make_label("pdf", tracking_number="NOCUT-1")
    _, received = print_label(pipeline, transport, data, "width=576&cut=0", "NOCUT-1")
    stream = decode_escpos(received)
    assert stream.cuts == 0
    assert read_barcodes(stream.pages[0]) == ["NOCUT-1"]


def test_zpl_goes_raw_to_zpl_printers(pipeline, transport):
    data = labelgen.make_label("zpl", tracking_number="ZPL-RAW-1")
    payload, received = print_label(pipeline, transport, data, "lang=zpl&width=832", "ZPL-RAW-1")
    assert payload.data == data
    before, _after = transport.status_around("zpl")
    assert received.startswith(before)  # the host status query before the label (no answer)
    assert received[len(before) :] == data  # no conversion: the very bytes of the label


def decode_gfa(zpl: bytes):
    """The compressed ^GFA graphic of our raster-to-ZPL output, drawn back by the ZPL renderer."""
    from packstation.adapters.labels.zpl import render_zpl

    assert re.search(rb"\^GFA,\d+,\d+,\d+,:Z64:", zpl)
    result = render_zpl(zpl, dpi=203, source_dpi=203)
    assert result.warnings == ()
    [image] = result.images
    return image


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_raster_labels_become_zpl_graphics_for_zpl_printers(pipeline, tmp_path, fmt):
    transport = Transport("file", tmp_path)
    tracking = TRACKING[fmt]
    data = labelgen.make_label(fmt, tracking_number=tracking)
    payload, received = print_label(pipeline, transport, data, "lang=zpl&width=832", tracking)
    assert received.startswith(b"^XA") and received.rstrip().endswith(b"^XZ")
    assert decode_gfa(received) == payload.images[0]  # the printer draws exactly our raster
    assert read_barcodes(decode_gfa(received)) == [tracking]
