"""A fake pyusb backend: USB printers that the real python-escpos ``Usb`` class opens, claims and writes to.

Each ``FakeUsbPrinter`` is a class-7 (printer) device with bulk OUT 0x01 and bulk IN 0x82; what the host
writes lands in ``received``. Faults are switches on the device: ``unplug_after_bytes`` (writes fail with
ENODEV once that many bytes went through, as when the cable is pulled mid-job), ``busy`` (claim fails with
EBUSY), ``permission_denied`` (open fails with EACCES), ``stall`` (writes time out), ``paper_status``
(the byte answered to DLE EOT 4). ``head`` (a ``status_printer.HeadState``) makes it a printer with a state
that answers every status query of its language (ESC/POS DLE EOT 4/2/1, ZPL ~HS, TSPL <ESC>!?) on the
bulk IN endpoint and can run out of paper mid-job, as the TCP ``StatusPrinter`` does.
``FakeUsbBackend([...])`` is passed as ``usb_args={"backend": ...}``.
"""

from __future__ import annotations

import errno
import threading
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

import usb.core

from tests.support.fake_usb_base import FakeBackendBase

PRINTER_CLASS = 7
BULK = 0x02
PAPER_OK = 0x12  # DLE EOT 4 reply: bits 2/3 (near end) and 5/6 (no paper) clear
PAPER_OUT = 0x72


@dataclass
class FakeUsbPrinter:
    vendor_id: int = 0x04B8
    product_id: int = 0x0E28
    serial: str = "FAKE0001"
    product: str = "Fake Thermal Printer"
    manufacturer: str = "Packstation Test"
    interface_class: int = PRINTER_CLASS
    plugged: bool = True
    busy: bool = False
    permission_denied: bool = False
    stall: bool = False
    unplug_after_bytes: int | None = None
    paper_status: int | None = PAPER_OK  # None: the printer never answers status queries
    head: Any = None  # a HeadState: answers its language's status queries from its state
    pending: bytearray = field(default_factory=bytearray)  # status answer bytes not read yet
    received: bytearray = field(default_factory=bytearray)
    writes: int = 0
    claims: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def strings(self) -> dict[int, str]:
        return {1: self.manufacturer, 2: self.product, 3: self.serial}


class FakeUsbBackend(FakeBackendBase):
    def __init__(self, printers: list[FakeUsbPrinter] | None = None) -> None:
        self.printers = list(printers or [])
        self.bus_addresses = {id(p): i + 1 for i, p in enumerate(self.printers)}
        self.timeouts_seen: list[int] = []

    # -- enumeration and descriptors ---------------------------------------------------------------
    def enumerate_devices(self):
        return [p for p in self.printers if p.plugged]

    def get_device_descriptor(self, dev: FakeUsbPrinter):
        return SimpleNamespace(
            bLength=18, bDescriptorType=1, bcdUSB=0x0200, bDeviceClass=0, bDeviceSubClass=0,
            bDeviceProtocol=0, bMaxPacketSize0=64, idVendor=dev.vendor_id, idProduct=dev.product_id,
            bcdDevice=0x0100, iManufacturer=1, iProduct=2, iSerialNumber=3, bNumConfigurations=1,
            address=self.bus_addresses.get(id(dev), 9), bus=1, port_number=1, port_numbers=(1,), speed=2,
        )  # fmt: skip

    def get_configuration_descriptor(self, dev, config):
        return SimpleNamespace(
            bLength=9, bDescriptorType=2, wTotalLength=32, bNumInterfaces=1, bConfigurationValue=1,
            iConfiguration=0, bmAttributes=0xC0, bMaxPower=50, extra_descriptors=[],
        )  # fmt: skip

    def get_interface_descriptor(self, dev: FakeUsbPrinter, intf, alt, config):
        if intf != 0 or alt != 0:
            raise IndexError("no such interface")
        return SimpleNamespace(
            bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0, bNumEndpoints=2,
            bInterfaceClass=dev.interface_class, bInterfaceSubClass=1, bInterfaceProtocol=2, iInterface=0,
            extra_descriptors=[],
        )  # fmt: skip

    def get_endpoint_descriptor(self, dev, ep, intf, alt, config):
        if ep not in (0, 1):
            raise IndexError("no such endpoint")
        address = 0x01 if ep == 0 else 0x82
        return SimpleNamespace(
            bLength=7, bDescriptorType=5, bEndpointAddress=address, bmAttributes=BULK, wMaxPacketSize=64,
            bInterval=0, bRefresh=0, bSynchAddress=0, extra_descriptors=[],
        )  # fmt: skip

    # -- transfers -----------------------------------------------------------------------------------
    def bulk_write(self, dev_handle: FakeUsbPrinter, ep, intf, data, timeout) -> int:
        self.timeouts_seen.append(timeout)
        self._check_present(dev_handle)
        if dev_handle.stall:
            raise usb.core.USBTimeoutError("Operation timed out", errno.ETIMEDOUT, errno.ETIMEDOUT)
        payload = bytes(data)
        with dev_handle.lock:
            limit = dev_handle.unplug_after_bytes
            if limit is not None and len(dev_handle.received) + len(payload) > limit:
                dev_handle.received += payload[: max(0, limit - len(dev_handle.received))]
                dev_handle.plugged = False
                raise usb.core.USBError(
                    "No such device (it may have been disconnected)", errno.ENODEV, errno.ENODEV
                )
            dev_handle.received += payload
            dev_handle.writes += 1
            if dev_handle.head is not None:
                dev_handle.head.took(len(dev_handle.received))
                for query, reply in dev_handle.head.replies().items():
                    if dev_handle.received.endswith(query):
                        dev_handle.pending += reply
        return len(payload)

    def bulk_read(self, dev_handle: FakeUsbPrinter, ep, intf, buff, timeout) -> int:
        self._check_present(dev_handle)
        if dev_handle.head is not None:
            with dev_handle.lock:
                if not dev_handle.pending:
                    raise usb.core.USBTimeoutError("Operation timed out", errno.ETIMEDOUT, errno.ETIMEDOUT)
                count = min(len(buff), len(dev_handle.pending))
                buff[:count] = type(buff)(buff.typecode, bytes(dev_handle.pending[:count]))
                del dev_handle.pending[:count]
                return count
        if dev_handle.paper_status is None or not dev_handle.received.endswith(b"\x10\x04\x04"):
            raise usb.core.USBTimeoutError("Operation timed out", errno.ETIMEDOUT, errno.ETIMEDOUT)
        buff[0] = dev_handle.paper_status
        return 1

    def ctrl_transfer(
        self, dev_handle: FakeUsbPrinter, bmRequestType, bRequest, wValue, wIndex, data, timeout
    ):
        self._check_present(dev_handle)
        if bRequest == 6 and wValue >> 8 == 3:  # GET_DESCRIPTOR, string
            index = wValue & 0xFF
            if index == 0:
                payload = bytes([4, 3, 0x09, 0x04])
            else:
                text = dev_handle.strings().get(index, "").encode("utf-16-le")
                payload = bytes([2 + len(text), 3]) + text
            count = min(len(payload), len(data))
            data[:count] = type(data)(data.typecode, payload[:count])
            return count
        return 0
