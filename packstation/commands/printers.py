"""`packstation printers`: list the USB printers this station can see, with the URI to configure.

Shows devices with a printer-class interface and devices from known receipt/label printer vendors.
Without libusb it says to install libusb-1.0-0; a device whose name cannot be read is usually one the
user has no permission for yet (the udev rule in resources/udev/ fixes that).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from packstation.commands import UserFacingError

if TYPE_CHECKING:
    from packstation.adapters.printers.discovery import UsbPrinterInfo

USB_BACKEND: Any = None  # tests put a fake pyusb backend here


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Use a listed URI as the printer setting, e.g. packstation --printer usb:04b8:0e28"


def format_printers(printers: Sequence[UsbPrinterInfo]) -> list[str]:
    if not printers:
        return [
            "No USB printers found. Check that the printer is on and plugged in; network printers "
            "are not listed (use tcp://HOST:9100)."
        ]
    lines = []
    for info in printers:
        name = info.description
        kind = "printer class" if info.printer_class else "known printer vendor"
        note = (
            ""
            if info.serial or info.product
            else "  (name unreadable: see resources/udev/60-packstation.rules)"
        )
        lines.append(f"{info.uri:<40} {name} [{info.vendor_name}; {kind}]{note}")
    return lines


def run(args: argparse.Namespace) -> int:
    from packstation.adapters.printers.discovery import find_usb_printers
    from packstation.adapters.printers.errors import PrinterError

    try:
        printers = find_usb_printers(backend=USB_BACKEND)
    except PrinterError as exc:
        raise UserFacingError(exc.user_message) from None
    for line in format_printers(printers):
        print(line)
    return 0
