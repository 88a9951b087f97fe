"""Find the USB printers this station can see: devices with a printer-class interface (class 7) plus
devices from vendors known to make ESC/POS or ZPL printers (many receipt printers announce a vendor
class instead of class 7). Each comes with the URI to put in the printer setting."""

from __future__ import annotations

from typing import Any

import msgspec

from packstation.adapters.printers.errors import UsbBackendMissingError
from packstation.adapters.printers.uri import usb_uri

PRINTER_INTERFACE_CLASS = 7
KNOWN_PRINTER_VENDORS: dict[int, str] = {
    0x04B8: "Epson",
    0x0519: "Star Micronics",
    0x1D90: "Citizen",
    0x1504: "Bixolon",
    0x0A5F: "Zebra",
    0x0483: "Xprinter (STMicro)",
    0x1FC9: "Xprinter (NXP)",
    0x0416: "Winbond (generic POS)",
    0x0DD4: "Custom",
    0x154F: "SNBC",
    0x2D37: "Rongta",
    0x0FE6: "ICS / generic POS",
    0x20D1: "Rongta",
    0x1CBE: "Luminary (generic POS)",
    0x0525: "Netchip (generic POS)",
}
ZPL_VENDORS = {0x0A5F}


class UsbPrinterInfo(msgspec.Struct, frozen=True):
    vendor_id: int
    product_id: int
    vendor_name: str
    product: str | None
    manufacturer: str | None
    serial: str | None
    printer_class: bool  # announces a class-7 (printer) interface
    uri: str

    @property
    def description(self) -> str:
        """What to call the printer in a list: its own name when it gives one, else its vendor's."""
        return " ".join(part for part in (self.manufacturer, self.product) if part) or self.vendor_name


def find_usb_printers(backend: Any = None) -> list[UsbPrinterInfo]:
    """List USB printers; raises UsbBackendMissingError when libusb is not installed."""
    import usb.core

    try:
        devices = list(usb.core.find(find_all=True, backend=backend))
    except usb.core.NoBackendError:
        raise UsbBackendMissingError(
            "cannot list USB printers: the libusb library is missing; install libusb-1.0-0 "
            "(sudo apt-get install libusb-1.0-0)"
        ) from None
    found = []
    for device in devices:
        printer_class = _has_printer_interface(device)
        vendor_name = KNOWN_PRINTER_VENDORS.get(device.idVendor)
        if not printer_class and vendor_name is None:
            continue
        serial = _string(device, "serial_number")
        uri = usb_uri(device.idVendor, device.idProduct, serial)
        if device.idVendor in ZPL_VENDORS:
            uri += ("&" if "?" in uri else "?") + "lang=zpl&width=832"
        found.append(
            UsbPrinterInfo(
                device.idVendor,
                device.idProduct,
                vendor_name or "unknown vendor",
                _string(device, "product"),
                _string(device, "manufacturer"),
                serial,
                printer_class,
                uri,
            )
        )
    return found


def _has_printer_interface(device: Any) -> bool:
    try:
        return any(
            interface.bInterfaceClass == PRINTER_INTERFACE_CLASS
            for configuration in device
            for interface in configuration
        )
    except Exception:  # descriptors unreadable (permissions, device gone): decide by vendor id
        return False


def _string(device: Any, name: str) -> str | None:
    """A string descriptor, or None when it cannot be read (commonly: no permission before udev rules)."""
    try:
        value = getattr(device, name)
    except Exception:
        return None
    return value.strip() if isinstance(value, str) and value.strip() else None
