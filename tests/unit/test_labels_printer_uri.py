"""Printer URIs: every kind and head parameter, and a clear message for every mistake."""

from __future__ import annotations

import pytest

from packstation.adapters.printers.errors import PrinterUriError
from packstation.adapters.printers.uri import label_target, parse_printer_uri


@pytest.mark.parametrize(
    ("uri", "fields"),
    [
        (
            "usb:04b8:0e28",
            {"kind": "usb", "vendor_id": 0x04B8, "product_id": 0x0E28, "width": 576, "dpi": 203},
        ),
        ("usb:0x0A5F:0x00D3?serial=Z1&lang=zpl&width=832", {"serial": "Z1", "lang": "zpl", "width": 832}),
        ("tcp://192.168.1.50", {"kind": "tcp", "host": "192.168.1.50", "port": 9100}),
        ("tcp://printer-3.local:6101?cut=0", {"host": "printer-3.local", "port": 6101, "cut": False}),
        ("file:/tmp/out.bin?width=832&dpi=300", {"kind": "file", "path": "/tmp/out.bin", "dpi": 300}),
        ("file:///var/spool/x.bin", {"path": "/var/spool/x.bin"}),
        ("preview", {"kind": "preview", "cut": True, "lang": "escpos"}),
        ("preview?width=832", {"width": 832}),
        ("tcp://h?timeout=3", {"timeout_s": 3.0}),
        ("tcp://10.0.0.7?lang=tspl&dpi=300", {"lang": "tspl", "dpi": 300, "media": "gap"}),
        ("usb:1203:0230?lang=epl&media=mark", {"lang": "epl", "media": "mark"}),
        ("file:/tmp/x?lang=tspl&media=continuous", {"media": "continuous"}),
        ("cups:Zebra_ZD420?lang=zpl&width=832", {"kind": "cups", "queue": "Zebra_ZD420", "lang": "zpl"}),
        ("win32:ZDesigner GK420d (EPL)?lang=epl", {"kind": "win32", "queue": "ZDesigner GK420d (EPL)"}),
        ("win32:\\\\server\\Label 1", {"kind": "win32", "queue": "\\\\server\\Label 1"}),
    ],
)
def test_good_uris(uri, fields):
    spec = parse_printer_uri(uri)
    for name, value in fields.items():
        assert getattr(spec, name) == value


def test_os_queues_describe_themselves_by_name():
    assert parse_printer_uri("cups:Label").describe() == "CUPS queue Label"
    assert parse_printer_uri("win32:Zebra 1").describe() == "Windows printer 'Zebra 1'"


def test_target_carries_the_media_sensing():
    assert label_target(parse_printer_uri("preview?lang=tspl&media=mark")).media == "mark"


def test_target_follows_the_spec():
    target = label_target(parse_printer_uri("preview?width=832&cut=0"))
    assert (target.width, target.cut, target.preview) == (832, False, True)


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("", "no printer is configured"),
        ("lpt1", "unknown printer URI"),
        ("usb:04b8", "expected usb:VID:PID"),
        ("usb:zzzz:0001", "expected usb:VID:PID"),
        ("tcp:printer", "expected tcp://HOST"),
        ("tcp://", "not a host name"),
        ("tcp://host:99999", "port must be 1..65535"),
        ("tcp://host:abc", "port must be"),
        ("file:", "expected file:PATH"),
        ("preview?width=abc", "width must be a whole number"),
        ("preview?width=10", "outside 64..4096"),
        ("preview?lang=pcl", "lang must be escpos, zpl, tspl or epl"),
        ("preview?cut=yes", "cut must be 1 or 0"),
        ("preview?colour=red", "unknown setting 'colour'"),
        ("preview?width", "name=value"),
        ("preview?media=roll", "media must be gap, mark or continuous"),
        ("cups:", "expected cups:QUEUE"),
        ("cups:My Queue", "expected cups:QUEUE"),
        ("cups:a/b", "expected cups:QUEUE"),
        ("win32:", "expected win32:PRINTER NAME"),
    ],
)
def test_bad_uris_say_what_is_wrong(uri, expected):
    with pytest.raises(PrinterUriError) as info:
        parse_printer_uri(uri)
    assert expected in info.value.user_message
