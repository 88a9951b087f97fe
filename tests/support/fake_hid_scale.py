"""A fake pyusb backend: USB HID point-of-sale scales that the real ``usb.core.find`` and ``Device.read`` use.

Each ``FakeHidScale`` is a HID-class device (interface class 3, subclass 0) with one interrupt IN endpoint
0x81 and a HID report descriptor declaring usage page 0x8D (Scale). Reports queued with ``put(...)`` (or
``set_weight``) are what the host's interrupt reads return; when the queue is empty and ``repeat_last``
is on, the scale repeats its last report as real scales do while the weight stands; otherwise a read
blocks up to its timeout and raises ``USBTimeoutError``. Faults: ``unplug()`` (reads fail with ENODEV,
and a read blocked at that moment wakes and fails too), ``permission_denied`` (open fails with EACCES),
``busy`` (claim fails with EBUSY), ``kernel_driver`` (usbhid holds it until detached).
"""

from __future__ import annotations

import errno
import threading
from collections import deque
from dataclasses import dataclass, field
from types import SimpleNamespace

import usb.core

from packstation.domain.scale import encode_report
from tests.support.fake_usb_base import FakeBackendBase

HID_CLASS = 3
INTERRUPT = 0x03
# Usage Page (Scale 0x8D), Usage (Scale Device 0x20), Collection (Application) ... End Collection.
SCALE_REPORT_DESCRIPTOR = bytes.fromhex(
    "058d0920a101"  # usage page scale, usage scale device, collection application
    "8503093019012509750895017501810279"  # report id 3, status/unit/exponent/weight (shortened)
    "c0"
)
# A keyboard-like HID device: usage page Generic Desktop, usage Keyboard.
KEYBOARD_REPORT_DESCRIPTOR = bytes.fromhex("05010906a101050719e029e7c0")


@dataclass
class FakeHidScale:
    vendor_id: int = 0x0922  # Dymo
    product_id: int = 0x8003  # M10
    serial: str = "SCALE0001"
    product: str = "Fake USB Scale"
    manufacturer: str = "Packstation Test"
    report_descriptor: bytes = SCALE_REPORT_DESCRIPTOR
    interface_subclass: int = 0
    interface_protocol: int = 0
    plugged: bool = True
    permission_denied: bool = False
    busy: bool = False
    kernel_driver: bool = True
    repeat_last: bool = True
    reports: deque[bytes] = field(default_factory=deque)
    last_report: bytes | None = None
    reads: int = 0
    detached: int = 0
    claims: int = 0
    released: int = 0
    timeouts_seen: list[int] = field(default_factory=list)
    cond: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def strings(self) -> dict[int, str]:
        return {1: self.manufacturer, 2: self.product, 3: self.serial}

    def put(self, report: bytes) -> None:
        with self.cond:
            self.reports.append(bytes(report))
            self.cond.notify_all()

    def set_weight(self, status: int, unit: int, exponent: int, weight: int) -> None:
        self.put(encode_report(status, unit, exponent, weight))

    def unplug(self) -> None:
        with self.cond:
            self.plugged = False
            self.cond.notify_all()

    def replug(self) -> None:
        with self.cond:
            self.plugged = True
            self.kernel_driver = True
            self.cond.notify_all()


class FakeHidScaleBackend(FakeBackendBase):
    def __init__(self, devices: list[FakeHidScale] | None = None) -> None:
        self.devices = list(devices or [])

    def enumerate_devices(self):
        return [d for d in self.devices if d.plugged]

    def get_device_descriptor(self, dev: FakeHidScale):
        return SimpleNamespace(
            bLength=18, bDescriptorType=1, bcdUSB=0x0110, bDeviceClass=0, bDeviceSubClass=0,
            bDeviceProtocol=0, bMaxPacketSize0=8, idVendor=dev.vendor_id, idProduct=dev.product_id,
            bcdDevice=0x0100, iManufacturer=1, iProduct=2, iSerialNumber=3, bNumConfigurations=1,
            address=self.devices.index(dev) + 1 if dev in self.devices else 9, bus=1, port_number=1,
            port_numbers=(1,), speed=1,
        )  # fmt: skip

    def get_configuration_descriptor(self, dev, config):
        return SimpleNamespace(
            bLength=9, bDescriptorType=2, wTotalLength=34, bNumInterfaces=1, bConfigurationValue=1,
            iConfiguration=0, bmAttributes=0x80, bMaxPower=50, extra_descriptors=[],
        )  # fmt: skip

    def get_interface_descriptor(self, dev: FakeHidScale, intf, alt, config):
        if intf != 0 or alt != 0:
            raise IndexError("no such interface")
        return SimpleNamespace(
            bLength=9, bDescriptorType=4, bInterfaceNumber=0, bAlternateSetting=0, bNumEndpoints=1,
            bInterfaceClass=HID_CLASS, bInterfaceSubClass=dev.interface_subclass,
            bInterfaceProtocol=dev.interface_protocol, iInterface=0, extra_descriptors=[],
        )  # fmt: skip

    def get_endpoint_descriptor(self, dev, ep, intf, alt, config):
        if ep != 0:
            raise IndexError("no such endpoint")
        return SimpleNamespace(
            bLength=7, bDescriptorType=5, bEndpointAddress=0x81, bmAttributes=INTERRUPT, wMaxPacketSize=8,
            bInterval=10, bRefresh=0, bSynchAddress=0, extra_descriptors=[],
        )  # fmt: skip

    def release_interface(self, dev_handle: FakeHidScale, intf) -> None:
        dev_handle.released += 1

    def _claim_refused(self, dev: FakeHidScale) -> bool:
        return dev.busy or dev.kernel_driver

    def is_kernel_driver_active(self, dev_handle: FakeHidScale, intf) -> bool:
        self._check_present(dev_handle)
        return dev_handle.kernel_driver

    def detach_kernel_driver(self, dev_handle: FakeHidScale, intf) -> None:
        self._check_present(dev_handle)
        dev_handle.kernel_driver = False
        dev_handle.detached += 1

    def attach_kernel_driver(self, dev_handle: FakeHidScale, intf) -> None:
        dev_handle.kernel_driver = True

    def intr_read(self, dev_handle: FakeHidScale, ep, intf, buff, timeout) -> int:
        dev = dev_handle
        dev.timeouts_seen.append(timeout)
        with dev.cond:
            self._check_present(dev)
            if not dev.reports and not (dev.repeat_last and dev.last_report is not None):
                # Block like the kernel does, but wake at once when unplugged or a report arrives.
                dev.cond.wait_for(lambda: dev.reports or not dev.plugged, timeout=timeout / 1000)
                self._check_present(dev)
                if not dev.reports:
                    raise usb.core.USBTimeoutError("Operation timed out", errno.ETIMEDOUT, errno.ETIMEDOUT)
            report = dev.reports.popleft() if dev.reports else dev.last_report
            dev.last_report = report
            dev.reads += 1
        count = min(len(report), len(buff))
        buff[:count] = type(buff)(buff.typecode, report[:count])
        return count

    def ctrl_transfer(self, dev_handle: FakeHidScale, bmRequestType, bRequest, wValue, wIndex, data, timeout):
        self._check_present(dev_handle)
        if bRequest == 6 and wValue >> 8 == 3:  # GET_DESCRIPTOR, string
            index = wValue & 0xFF
            if index == 0:
                payload = bytes([4, 3, 0x09, 0x04])
            else:
                text = dev_handle.strings().get(index, "").encode("utf-16-le")
                payload = bytes([2 + len(text), 3]) + text
        elif bRequest == 6 and wValue >> 8 == 0x22:  # GET_DESCRIPTOR, HID report descriptor
            payload = dev_handle.report_descriptor
        else:
            return 0
        count = min(len(payload), len(data))
        data[:count] = type(data)(data.typecode, payload[:count])
        return count
