"""`packstation printers`: list the printers this station can use, each with the URI to configure.

USB printers (devices with a printer-class interface and devices from known receipt/label printer
vendors), then the operating system's print queues: CUPS queues (``cups:QUEUE``, Linux/macOS) and
Windows printers (``win32:PRINTER NAME``). Each line starts with a ready-to-paste URI; add
``?lang=zpl|tspl|epl&width=…`` for the head the queue leads to.
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
    from packstation.adapters.printers.os_queues import OsQueue

USB_BACKEND: Any = None  # tests put a fake pyusb backend here


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.epilog = "Use a listed URI as the printer setting, e.g. packstation --printer usb:04b8:0e28"


def format_printers(printers: Sequence[UsbPrinterInfo]) -> list[str]:
    if not printers:
        return [
            "No USB printers found. Check that the printer is on and plugged in; network printers "
            "are not listed (use tcp://HOST:9100); OS print queues follow if there are any."
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


def format_os_queues(title: str, queues: Sequence[OsQueue]) -> list[str]:
    if not queues:
        return []
    return [f"{title}:"] + [f"{q.uri:<40} {q.device}" for q in queues]


def run(args: argparse.Namespace) -> int:
    from packstation.adapters.printers.discovery import find_usb_printers
    from packstation.adapters.printers.errors import PrinterError
    from packstation.adapters.printers.os_queues import cups_queues, windows_printers

    usb_error: str | None = None
    try:
        printers = find_usb_printers(backend=USB_BACKEND)
    except PrinterError as exc:
        usb_error, printers = exc.user_message, []
    if usb_error is None:
        for line in format_printers(printers):
            print(line)
    for line in format_os_queues("CUPS queues", cups_queues()) + format_os_queues(
        "Windows printers", windows_printers()
    ):
        print(line)
    if usb_error is not None:  # the OS queues above still work; USB printers need the fix
        raise UserFacingError(usb_error)
    return 0
