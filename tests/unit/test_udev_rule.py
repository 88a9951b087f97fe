"""The shipped udev rule covers every USB scale vendor the app looks for, as a USB device (libusb) and
as a hidraw node (hidapi), so the scale's "install the udev rule" advice actually helps."""

from __future__ import annotations

import re
from pathlib import Path

from packstation.adapters.scale import KNOWN_SCALE_VENDORS

RULE = Path(__file__).resolve().parents[2] / "resources/udev/60-packstation.rules"


def _vendors(subsystem: str) -> set[int]:
    found = set()
    for line in RULE.read_text().splitlines():
        if line.startswith("#"):
            continue
        match = re.search(rf'SUBSYSTEM=="{subsystem}".*ATTRS\{{idVendor\}}=="([0-9a-f]{{4}})"', line)
        if match and 'TAG+="uaccess"' in line:
            found.add(int(match.group(1), 16))
    return found


def test_every_known_scale_vendor_is_in_the_udev_rule_for_libusb_and_hidraw():
    assert {0x0922, 0x1446, 0x0EB8} <= set(KNOWN_SCALE_VENDORS)
    assert set(KNOWN_SCALE_VENDORS) <= _vendors("usb")
    assert set(KNOWN_SCALE_VENDORS) <= _vendors("hidraw")
