"""`packstation printers` and `packstation print-test` end to end, with a fake USB bus and real files."""

from __future__ import annotations

import pytest

from packstation import cli
from packstation.adapters.printers.discovery import find_usb_printers
from packstation.commands import print_test, printers
from packstation.domain import labelgen
from tests.support.escpos_decode import decode_escpos, read_barcodes
from tests.support.fake_usb import FakeUsbBackend, FakeUsbPrinter


@pytest.fixture
def usb_bus(monkeypatch):
    devices = [
        FakeUsbPrinter(),  # Epson, class 7
        FakeUsbPrinter(vendor_id=0x0A5F, product_id=0x00D3, serial="ZEB1", interface_class=0xFF),
        FakeUsbPrinter(vendor_id=0x1234, product_id=0x5678, serial="KBD", interface_class=3),  # a keyboard
        FakeUsbPrinter(vendor_id=0x1111, product_id=0x2222, serial="GEN7"),  # unknown vendor, class 7
    ]
    backend = FakeUsbBackend(devices)
    monkeypatch.setattr(printers, "USB_BACKEND", backend)
    monkeypatch.setattr(print_test, "USB_BACKEND", backend)
    return devices


def test_find_usb_printers_lists_class7_and_known_vendors(usb_bus):
    found = {info.uri: info for info in find_usb_printers(FakeUsbBackend(usb_bus))}
    assert set(found) == {
        "usb:04b8:0e28?serial=FAKE0001",
        "usb:0a5f:00d3?serial=ZEB1&lang=zpl&width=832",
        "usb:1111:2222?serial=GEN7",
    }
    epson = found["usb:04b8:0e28?serial=FAKE0001"]
    assert (epson.vendor_name, epson.product, epson.printer_class) == ("Epson", "Fake Thermal Printer", True)


def test_settings_find_printers_names_each_usb_printer(usb_bus):
    # The settings dialog's "Find printers" button: it used to fail on the first printer found
    # (UsbPrinterInfo had no description).
    from packstation.app import list_usb_printers

    found = dict(list_usb_printers(FakeUsbBackend(usb_bus)))
    assert found["usb:04b8:0e28?serial=FAKE0001"] == "Packstation Test Fake Thermal Printer"
    assert found["usb:0a5f:00d3?serial=ZEB1&lang=zpl&width=832"]
    assert len(found) == 3


def test_printers_command(usb_bus, capsys):
    assert cli.main(["printers"]) == 0
    out = capsys.readouterr().out
    assert "usb:04b8:0e28?serial=FAKE0001" in out and "Packstation Test Fake Thermal Printer" in out
    assert "KBD" not in out


def test_printers_command_without_libusb(monkeypatch, capsys):
    import usb.core

    def no_backend(*args, **kwargs):
        raise usb.core.NoBackendError("No backend available")

    monkeypatch.setattr(usb.core, "find", no_backend)
    assert cli.main(["printers"]) == 1
    assert "install libusb-1.0-0" in capsys.readouterr().err


def test_print_test_builtin_label_to_fake_usb(usb_bus, capsys):
    assert cli.main(["print-test", "--printer", "usb:04b8:0e28?width=832", "--format", "pdf"]) == 0
    assert "Printed the built-in PDF test label" in capsys.readouterr().out
    pages = decode_escpos(bytes(usb_bus[0].received)).pages
    assert [read_barcodes(p) for p in pages] == [[labelgen.TEST_TRACKING_NUMBER]]


@pytest.mark.parametrize("fmt", ["svg", "pdf", "png"])
def test_print_test_label_file_to_file_printer(tmp_path, capsys, fmt, qapp):
    label = tmp_path / f"label.{fmt}"
    label.write_bytes(labelgen.make_label(fmt, tracking_number=f"CLI-{fmt}"))
    out = tmp_path / "printer.bin"
    assert cli.main(["print-test", "--printer", f"file:{out}", str(label)]) == 0
    pages = decode_escpos(out.read_bytes()).pages
    assert [read_barcodes(p) for p in pages] == [[f"CLI-{fmt}"]]


def test_print_test_zpl_to_zpl_printer(tmp_path):
    out = tmp_path / "zebra.bin"
    assert cli.main(["print-test", "--printer", f"file:{out}?lang=zpl"]) == 0
    assert out.read_bytes() == labelgen.make_test_label("zpl")


@pytest.mark.parametrize(
    ("argv", "expected"),
    [
        (["print-test", "--printer", "usb:04b8:9999"], "not found"),
        (["print-test", "--printer", "nonsense"], "unknown printer URI"),
        (["print-test", "--printer", "preview", "/no/such/label.pdf"], "cannot read the label file"),
        (["print-test", "--printer", "preview", "--format", "zpl"], None),
    ],
)
def test_print_test_failures_are_one_line(usb_bus, capsys, argv, expected):
    status = cli.main(argv)
    err = capsys.readouterr().err
    if expected is None:
        assert status == 0
        return
    assert status == 1
    assert expected in err and err.count("\n") == 1


def test_print_test_refuses_garbage_file(tmp_path, capsys):
    junk = tmp_path / "label.pdf"
    junk.write_bytes(b"this is not a label")
    assert cli.main(["print-test", "--printer", f"file:{tmp_path / 'p.bin'}", str(junk)]) == 1
    assert "unsupported label format" in capsys.readouterr().err
