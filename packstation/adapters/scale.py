"""The bench's USB scale through pyusb: find it, read its HID reports, poll it in the background.
(``scale_hid.HidScale`` reads the same scale through hidapi instead; ``scale_from_setting`` picks it
when hidapi is installed.)

``Scale`` opens a USB HID point-of-sale scale (by configured vendor/product id, by known scale vendor, or
by the Scale usage page in its HID report descriptor), detaches the kernel's HID driver from it, claims
the interface and reads the interrupt IN endpoint with a finite timeout, so no call ever hangs. Faults
come out as ``ScaleError`` subclasses whose message says what to do (plug it in, install the udev rule,
install libusb, close the other program). After an unplug the next read opens the scale again, so
re-plugging it is enough. ``Scale.poll(callback)`` reads on a daemon thread and hands each reading to the
callback *on that thread*: the GUI must marshal it to its own thread (a Qt signal does that).

``ManualScale`` is the fallback with the same ``read()``: the packer types the weight.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import glob
import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

import msgspec

from packstation.domain.i18n import t
from packstation.domain.scale import (
    ManualWeightError,
    Reading,
    ScaleReportError,
    declares_scale_usage_page,
    decode_report,
    manual_reading,
)
from packstation.domain.setting_grammars import ScaleKind, parse_scale

log = logging.getLogger(__name__)

HID_CLASS = 3
HID_BOOT_SUBCLASS = 1  # keyboards and mice (the barcode scanner): never touch those
# Vendors whose HID devices are scales (postal and shipping scales).
KNOWN_SCALE_VENDORS = {
    0x0922: "Dymo",
    0x1446: "Stamps.com",
    0x0EB8: "Mettler Toledo",
    0x0B67: "Fairbanks",
    0x2474: "Stamps.com / Royal",
    0x6096: "Brecknell",
}
UDEV_HINT = (
    "install the udev rule resources/udev/60-packstation.rules (sudo cp it to /etc/udev/rules.d/, "
    "then sudo udevadm control --reload-rules && sudo udevadm trigger) and plug the scale in again"
)
SYSFS_HID = "/sys/bus/hid/devices"
_GONE = {errno.ENODEV, errno.ENOENT, errno.ESHUTDOWN, errno.EIO}


class ScaleError(Exception):
    """A scale fault; the message is one plain line for the packer or the installer."""

    def __init__(self, user_message: str) -> None:
        super().__init__(user_message)
        self.user_message = user_message


class ScaleBackendMissingError(ScaleError):
    """pyusb found no libusb on this computer."""


class ScaleNotFoundError(ScaleError):
    """No scale is plugged in (or it is switched off)."""


class ScalePermissionError(ScaleError):
    """The operating system does not let this user open the scale."""


class ScaleBusyError(ScaleError):
    """Another program holds the scale."""


class ScaleDisconnectedError(ScaleError):
    """The scale went away while being read."""


class ScaleTimeoutError(ScaleError):
    """The scale sent no weight in time."""


class ScaleInfo(msgspec.Struct, frozen=True):
    vendor_id: int
    product_id: int
    vendor_name: str
    product: str | None
    matched_by: str  # "id", "vendor" or "usage page"


def _usb_errno(exc: BaseException) -> int | None:
    return getattr(exc, "errno", None) or getattr(exc, "backend_error_code", None)


def _no_backend_error() -> ScaleBackendMissingError:
    return ScaleBackendMissingError(
        t(
            "Cannot use the USB scale: the libusb library is missing. Install libusb-1.0-0 "
            "(sudo apt-get install libusb-1.0-0), or type weights by hand."
        )
    )


def _hid_interface(device: Any) -> Any | None:
    """The device's first non-boot HID interface, or None."""
    try:
        for configuration in device:
            for interface in configuration:
                if (
                    interface.bInterfaceClass == HID_CLASS
                    and interface.bInterfaceSubClass != HID_BOOT_SUBCLASS
                ):
                    return interface
    except Exception:  # descriptors unreadable: not ours to judge
        return None
    return None


def sysfs_scale_ids(root: str = SYSFS_HID) -> set[tuple[int, int]]:
    """(vendor, product) of HID devices whose report descriptor has the Scale usage page (Linux sysfs).

    sysfs shows report descriptors without detaching the kernel driver, so no other device is disturbed.
    """
    found: set[tuple[int, int]] = set()
    for path in glob.glob(os.path.join(root, "*", "report_descriptor")):
        try:
            with open(path, "rb") as fh:
                descriptor = fh.read()
            # Directory names look like "0003:0922:8003.0004": bus, vendor, product, instance.
            _, vendor, product = os.path.basename(os.path.dirname(path)).split(".")[0].split(":")
            if declares_scale_usage_page(descriptor):
                found.add((int(vendor, 16), int(product, 16)))
        except (OSError, ValueError):
            continue
    return found


def _descriptor_says_scale(device: Any, interface: Any) -> bool:
    """Read the HID report descriptor over USB, only when no kernel driver holds the interface."""
    try:
        if device.is_kernel_driver_active(interface.bInterfaceNumber):
            return False
        descriptor = device.ctrl_transfer(0x81, 6, 0x2200, interface.bInterfaceNumber, 512, timeout=500)
        return declares_scale_usage_page(bytes(descriptor))
    except Exception:  # unreadable, stalled, not permitted: not a scale we can use
        return False
    finally:
        with contextlib.suppress(Exception):
            import usb.util

            usb.util.dispose_resources(device)


def find_scales(
    vendor_id: int | None = None,
    product_id: int | None = None,
    *,
    backend: Any = None,
    sysfs_root: str = SYSFS_HID,
) -> list[tuple[ScaleInfo, Any]]:
    """Scales plugged in now, best match first, with their pyusb devices. Raises ScaleBackendMissingError."""
    import usb.core

    try:
        devices = list(usb.core.find(find_all=True, backend=backend))
    except usb.core.NoBackendError:
        raise _no_backend_error() from None
    sysfs_ids = sysfs_scale_ids(sysfs_root) if vendor_id is None else set()
    found: list[tuple[ScaleInfo, Any]] = []
    for device in devices:
        ids = (device.idVendor, device.idProduct)
        vendor_name = KNOWN_SCALE_VENDORS.get(device.idVendor, "unknown vendor")
        if vendor_id is not None:
            if device.idVendor != vendor_id or (product_id is not None and device.idProduct != product_id):
                continue
            matched_by = "id"
        else:
            interface = _hid_interface(device)
            if interface is None:
                continue
            if device.idVendor in KNOWN_SCALE_VENDORS:
                matched_by = "vendor"
            elif ids in sysfs_ids or _descriptor_says_scale(device, interface):
                matched_by = "usage page"
            else:
                continue
        found.append((ScaleInfo(*ids, vendor_name, _product(device), matched_by), device))
    return found


def _product(device: Any) -> str | None:
    try:
        value = device.product
    except Exception:  # no permission to read strings before the udev rule is installed
        return None
    return value.strip() if isinstance(value, str) and value.strip() else None


def reading_from_report(data: bytes, deadline: float, last: Reading | None) -> Reading | None:
    """One HID report read from a scale: its reading, or None to read on. A report that is no weight
    (status, control, padding) is skipped until ``deadline``; then the last reading still holds, or the
    scale is reported as unreadable. Shared by the libusb and the hidapi scale."""
    try:
        return decode_report(data)
    except ScaleReportError:
        if time.monotonic() < deadline:
            return None
        if last is not None:
            return last
        raise ScaleTimeoutError(
            t("The scale sends reports this station cannot read. Use another scale, or type the weight.")
        ) from None


class Scale:
    """A USB HID scale. Thread-safe; every call returns or raises within its timeout."""

    def __init__(
        self,
        vendor_id: int | None = None,
        product_id: int | None = None,
        *,
        backend: Any = None,
        timeout_ms: int = 1000,
        sysfs_root: str = SYSFS_HID,
    ) -> None:
        self.vendor_id = vendor_id
        self.product_id = product_id
        self.timeout_ms = timeout_ms
        self._backend = backend
        self._sysfs_root = sysfs_root
        self._lock = threading.RLock()
        self._device: Any = None
        self._endpoint: Any = None
        self._interface: int | None = None
        self.info: ScaleInfo | None = None
        self._last: Reading | None = None
        self._poller: ScalePoller | None = None

    # -- connection ----------------------------------------------------------------------------------
    def open(self) -> ScaleInfo:
        """Find and claim the scale (done lazily by ``read``). Raises ScaleError subclasses."""
        with self._lock:
            if self._device is not None and self.info is not None:
                return self.info
            matches = find_scales(
                self.vendor_id, self.product_id, backend=self._backend, sysfs_root=self._sysfs_root
            )
            if not matches:
                wanted = (
                    f" {self.vendor_id:04x}:{(self.product_id or 0):04x}"
                    if self.vendor_id is not None
                    else ""
                )
                raise ScaleNotFoundError(
                    t(
                        "No USB scale{wanted} found. Check its cable and that it is switched on, "
                        "or type the weight.",
                        wanted=wanted,
                    )
                )
            info, device = matches[0]
            self._claim(device)
            self.info = info
            log.info(
                "scale opened: %04x:%04x %s (%s)",
                info.vendor_id,
                info.product_id,
                info.product,
                info.matched_by,
            )
            return info

    def _claim(self, device: Any) -> None:
        import usb.core
        import usb.util

        try:
            interface = _hid_interface(device) or device.get_active_configuration()[(0, 0)]
            number = interface.bInterfaceNumber
            with contextlib.suppress(NotImplementedError):
                if device.is_kernel_driver_active(number):
                    device.detach_kernel_driver(number)
            usb.util.claim_interface(device, number)
            endpoint = usb.util.find_descriptor(
                interface,
                custom_match=lambda ep: (
                    usb.util.endpoint_direction(ep.bEndpointAddress) == usb.util.ENDPOINT_IN
                    and usb.util.endpoint_type(ep.bmAttributes) == usb.util.ENDPOINT_TYPE_INTR
                ),
            )
            if endpoint is None:
                raise ScaleError(t("This USB device has no weight endpoint: it is not a HID scale."))
            with contextlib.suppress(usb.core.USBError, NotImplementedError):
                # HID SET_IDLE 100 ms: ask for a report even when the weight stands still (many ignore it).
                device.ctrl_transfer(0x21, 0x0A, (25 << 8) | 0, number, None, timeout=200)
        except usb.core.USBError as exc:
            with contextlib.suppress(Exception):
                usb.util.dispose_resources(device)
            raise self._map_usb_error(exc) from None
        self._device, self._endpoint, self._interface = device, endpoint, number

    def close(self) -> None:
        """Stop polling and give the scale back to the operating system."""
        poller = self._poller
        if poller is not None:
            poller.stop()
        with self._lock:
            self._release()

    def _release(self) -> None:
        device, number = self._device, self._interface
        self._device = self._endpoint = self._interface = None
        if device is None:
            return
        import usb.util

        with contextlib.suppress(Exception):
            usb.util.release_interface(device, number)
        with contextlib.suppress(Exception):
            device.attach_kernel_driver(number)
        with contextlib.suppress(Exception):
            usb.util.dispose_resources(device)

    def __enter__(self) -> Scale:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- reading -------------------------------------------------------------------------------------
    def read(self, timeout_ms: int | None = None) -> Reading:
        """The current weight. While polling, the poller's latest reading (no USB traffic)."""
        poller = self._poller
        if poller is not None and poller.running:
            return poller.latest(timeout_ms if timeout_ms is not None else self.timeout_ms)
        return self._read_usb(timeout_ms if timeout_ms is not None else self.timeout_ms)

    async def read_async(self, timeout_ms: int | None = None) -> Reading:
        """``read`` on a worker thread, for asyncio callers (never blocks the event loop)."""
        return await asyncio.to_thread(self.read, timeout_ms)

    def _read_usb(self, timeout_ms: int) -> Reading:
        import usb.core

        deadline = time.monotonic() + timeout_ms / 1000
        with self._lock:
            self.open()
            while True:
                remaining = max(1, int((deadline - time.monotonic()) * 1000))
                try:
                    data = self._device.read(
                        self._endpoint.bEndpointAddress, self._endpoint.wMaxPacketSize, timeout=remaining
                    )
                except usb.core.USBTimeoutError:
                    # Many scales report only when the weight changes: the last reading still holds.
                    if self._last is not None:
                        return self._last
                    raise ScaleTimeoutError(
                        t("The scale sent no weight. Check that it is switched on, or type the weight.")
                    ) from None
                except usb.core.USBError as exc:
                    self._release()
                    raise self._map_usb_error(exc) from None
                reading = reading_from_report(bytes(data), deadline, self._last)
                if reading is None:
                    continue
                self._last = reading
                return reading

    def _map_usb_error(self, exc: BaseException) -> ScaleError:
        code = _usb_errno(exc)
        if code == errno.EACCES or code == errno.EPERM:
            return ScalePermissionError(t("No permission to use the USB scale: {hint}.", hint=UDEV_HINT))
        if code == errno.EBUSY:
            return ScaleBusyError(
                t("The USB scale is in use by another program. Close it (or unplug and replug the scale).")
            )
        if code in _GONE:
            return ScaleDisconnectedError(
                t("The scale was unplugged. Plug it in again; the weight comes back by itself.")
            )
        return ScaleError(
            t("The USB scale failed ({error}). Unplug and replug it, or type the weight.", error=exc)
        )

    # -- background polling --------------------------------------------------------------------------
    def poll(
        self,
        callback: Callable[[Reading], None],
        on_error: Callable[[ScaleError], None] | None = None,
        *,
        interval_s: float = 0.1,
        retry_s: float = 1.0,
    ) -> ScalePoller:
        """Read continuously on a daemon thread; ``callback(reading)`` when the reading changes.

        Errors go to ``on_error`` once each (not per retry); the poller keeps trying every ``retry_s``, so
        a re-plugged scale comes back by itself. Callbacks run on the poller's thread.
        """
        if self._poller is not None and self._poller.running:
            raise RuntimeError("this scale is already being polled")
        self._poller = ScalePoller(self, callback, on_error, interval_s=interval_s, retry_s=retry_s)
        self._poller.start()
        return self._poller


class ScalePoller:
    """The background reader behind ``Scale.poll``; ``stop()`` ends it within one read timeout."""

    def __init__(
        self,
        scale: Scale,
        callback: Callable[[Reading], None],
        on_error: Callable[[ScaleError], None] | None,
        *,
        interval_s: float,
        retry_s: float,
    ) -> None:
        self._scale = scale
        self._callback = callback
        self._on_error = on_error
        self._interval = interval_s
        self._retry = retry_s
        self._stop = threading.Event()
        self._changed = threading.Condition()
        self._latest: Reading | None = None
        self._error: ScaleError | None = None
        self._thread = threading.Thread(target=self._run, name="packstation-scale", daemon=True)

    @property
    def running(self) -> bool:
        return self._thread.is_alive() and not self._stop.is_set()

    def start(self) -> None:
        self._thread.start()

    def stop(self, timeout_s: float = 5.0) -> None:
        self._stop.set()
        if self._thread.is_alive() and threading.current_thread() is not self._thread:
            self._thread.join(timeout_s)

    def latest(self, timeout_ms: int) -> Reading:
        """The newest reading; waits up to ``timeout_ms`` for the first; raises the current fault."""
        with self._changed:
            self._changed.wait_for(
                lambda: self._latest is not None or self._error is not None, timeout_ms / 1000
            )
            if self._error is not None:
                raise self._error
            if self._latest is None:
                raise ScaleTimeoutError(t("The scale sent no weight yet. Check that it is switched on."))
            return self._latest

    def _run(self) -> None:
        reported: str | None = None
        while not self._stop.is_set():
            try:
                reading = self._scale._read_usb(self._scale.timeout_ms)
            except ScaleError as exc:
                with self._changed:
                    self._latest, self._error = None, exc
                    self._changed.notify_all()
                if exc.user_message != reported:
                    reported = exc.user_message
                    log.warning("scale: %s", exc.user_message)
                    self._deliver(self._on_error, exc)
                self._stop.wait(self._retry)
                continue
            reported = None
            with self._changed:
                changed = reading != self._latest
                self._latest, self._error = reading, None
                self._changed.notify_all()
            if changed:
                self._deliver(self._callback, reading)
            self._stop.wait(self._interval)

    @staticmethod
    def _deliver(callback: Callable[[Any], None] | None, value: Any) -> None:
        if callback is None:
            return
        try:
            callback(value)
        except Exception:  # a broken callback must not kill the reader
            log.exception("scale callback failed")


def scale_from_setting(
    setting: str, *, backend: Any = None, sysfs_root: str = SYSFS_HID, hid_api: Any = None
) -> Scale | None:
    """The scale a ``Config.scale`` setting names: "usb" (the first scale found), "usb:VID:PID" (hex
    ids, as ``lsusb`` shows them) or "serial:PORT?..." (``scale_serial.SerialScale``); None for "" and
    "manual". Raises ValueError with a clear line
    (the grammar is the domain's ``parse_scale``).

    The scale is read through hidapi (``scale_hid.HidScale``: the system's HID driver keeps it, no
    libusb claim) when hidapi is installed or ``hid_api`` is given; a pyusb ``backend`` (or no hidapi)
    selects the libusb ``Scale``."""
    parsed = parse_scale(setting)
    if parsed.kind is ScaleKind.SERIAL:
        from packstation.adapters.scale_serial import SerialScale

        return SerialScale(parsed)
    if parsed.kind is not ScaleKind.USB:
        return None
    if backend is None:
        from packstation.adapters.scale_hid import HidScale, load_hid_api

        api = hid_api if hid_api is not None else load_hid_api()
        if api is not None:
            return HidScale(parsed.vendor_id, parsed.product_id, hid_api=api)
    return Scale(parsed.vendor_id, parsed.product_id, backend=backend, sysfs_root=sysfs_root)


class ManualScale:
    """No scale: the packer types the weight. ``enter(text)`` then ``read()`` like a USB scale."""

    def __init__(self) -> None:
        self._reading: Reading | None = None

    def enter(self, text: str) -> Reading:
        """Parse and keep a typed weight; raises ManualWeightError whose message says what to type."""
        self._reading = manual_reading(text)
        return self._reading

    def clear(self) -> None:
        """Forget the typed weight (after the box closed, so the next box needs its own)."""
        self._reading = None

    def read(self, timeout_ms: int | None = None) -> Reading:
        if self._reading is None:
            raise ScaleError(t("Type the box's weight, for example 850 g or 1.25 kg."))
        return self._reading


__all__ = [
    "KNOWN_SCALE_VENDORS",
    "ManualScale",
    "ManualWeightError",
    "Scale",
    "ScaleBackendMissingError",
    "ScaleBusyError",
    "ScaleDisconnectedError",
    "ScaleError",
    "ScaleInfo",
    "ScaleNotFoundError",
    "ScalePermissionError",
    "ScalePoller",
    "ScaleTimeoutError",
    "find_scales",
    "scale_from_setting",
    "sysfs_scale_ids",
]
