"""The bench's USB scale through hidapi: the operating system's HID driver keeps the scale, we read it.

On Linux the ``hidraw`` module of the ``hidapi`` package reads ``/dev/hidrawN`` (the kernel's usbhid stays
bound: no claim, no kernel-driver detach, only read permission on the node, which the udev rule in
``resources/udev/`` grants); on Windows and macOS the ``hid`` module uses the system HID driver, so no
driver swap is needed. The scale is found by its configured ids, by a known scale vendor, or by the HID
Scale usage page (0x8D) hidapi reports. Reports are decoded and gated exactly as the libusb ``Scale``
does (``domain.scale.decode_report``); ``HidScale`` is that class with another way to the device, so the
poller, ``read_async`` and the faults stay the same.
"""

from __future__ import annotations

import errno
import logging
import os
import sys
import time
from typing import Any

from packstation.adapters.scale import (
    KNOWN_SCALE_VENDORS,
    UDEV_HINT,
    Scale,
    ScaleBusyError,
    ScaleDisconnectedError,
    ScaleError,
    ScaleInfo,
    ScaleNotFoundError,
    ScalePermissionError,
    ScaleTimeoutError,
    reading_from_report,
)
from packstation.domain.i18n import t
from packstation.domain.scale import Reading

log = logging.getLogger(__name__)

SCALE_USAGE_PAGE = 0x8D
REPORT_SIZE = 64


def load_hid_api() -> Any | None:
    """The hidapi module for this platform (``hidraw`` on Linux, ``hid`` elsewhere), None if missing.
    Plain import statements, so that PyInstaller bundles them."""
    if sys.platform.startswith("linux"):
        try:
            import hidraw  # the kernel's hidraw nodes: usbhid stays bound

            return hidraw
        except ImportError:
            pass
    try:
        import hid

        return hid
    except ImportError:  # the package, or its shared library, is missing
        return None


def find_hid_scales(
    api: Any, vendor_id: int | None = None, product_id: int | None = None
) -> list[tuple[ScaleInfo, Any]]:
    """Scales hidapi sees now, best match first, each with its device path."""
    found: list[tuple[int, ScaleInfo, Any]] = []
    seen: set[Any] = set()
    for entry in api.enumerate():
        vid, pid = int(entry.get("vendor_id", 0)), int(entry.get("product_id", 0))
        path = entry.get("path")
        if path in seen:
            continue
        if vendor_id is not None:
            if vid != vendor_id or (product_id is not None and pid != product_id):
                continue
            matched_by, rank = "id", 0
        elif int(entry.get("usage_page", 0) or 0) == SCALE_USAGE_PAGE:
            matched_by, rank = "usage page", 1
        elif vid in KNOWN_SCALE_VENDORS:
            matched_by, rank = "vendor", 2
        else:
            continue
        seen.add(path)
        product = (entry.get("product_string") or "").strip() or None
        vendor_name = KNOWN_SCALE_VENDORS.get(
            vid, (entry.get("manufacturer_string") or "").strip() or "unknown vendor"
        )
        found.append((rank, ScaleInfo(vid, pid, vendor_name, product, matched_by), path))
    found.sort(key=lambda item: item[0])
    return [(info, path) for _, info, path in found]


class HidScale(Scale):
    """A USB HID scale read through hidapi. Same interface and faults as ``Scale``."""

    def __init__(
        self,
        vendor_id: int | None = None,
        product_id: int | None = None,
        *,
        hid_api: Any,
        timeout_ms: int = 1000,
    ) -> None:
        super().__init__(vendor_id, product_id, timeout_ms=timeout_ms)
        self._api = hid_api

    def open(self) -> ScaleInfo:
        with self._lock:
            if self._device is not None and self.info is not None:
                return self.info
            try:
                matches = find_hid_scales(self._api, self.vendor_id, self.product_id)
            except Exception as exc:  # hidapi fails to enumerate only when the system's HID layer is broken
                raise ScaleError(
                    t("The USB scale failed ({error}). Unplug and replug it, or type the weight.", error=exc)
                ) from None
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
            info, path = matches[0]
            device = self._api.device()
            try:
                device.open_path(path)
            except OSError as exc:
                raise self._open_error(path, exc) from None
            self._device = device
            self.info = info
            log.info(
                "scale opened through hidapi: %04x:%04x %s (%s)",
                info.vendor_id,
                info.product_id,
                info.product,
                info.matched_by,
            )
            return info

    @staticmethod
    def _open_error(path: Any, exc: OSError) -> ScaleError:
        node = path.decode("utf-8", "replace") if isinstance(path, bytes) else str(path)
        if node.startswith("/dev/") and not os.path.exists(node):
            return ScaleDisconnectedError(
                t("The scale was unplugged. Plug it in again; the weight comes back by itself.")
            )
        # hidapi says only "open failed". On Linux that is the hidraw node's permissions (the kernel
        # lets several readers share it); elsewhere another program that opened it exclusively.
        if exc.errno in (errno.EACCES, errno.EPERM) or sys.platform.startswith("linux"):
            return ScalePermissionError(t("No permission to use the USB scale: {hint}.", hint=UDEV_HINT))
        return ScaleBusyError(
            t("The USB scale is in use by another program. Close it (or unplug and replug the scale).")
        )

    def _release(self) -> None:
        device = self._device
        self._device = None
        if device is None:
            return
        try:
            device.close()
        except Exception:  # closing a device that is gone must not hide the real fault
            log.debug("closing the HID scale failed", exc_info=True)

    def _read_usb(self, timeout_ms: int) -> Reading:
        deadline = time.monotonic() + timeout_ms / 1000
        with self._lock:
            self.open()
            while True:
                remaining = max(1, int((deadline - time.monotonic()) * 1000))
                try:
                    data = self._device.read(REPORT_SIZE, remaining)
                except (OSError, ValueError) as exc:  # hidapi: "read error" once the scale is unplugged
                    self._release()
                    self.info = None
                    raise ScaleDisconnectedError(
                        t("The scale was unplugged. Plug it in again; the weight comes back by itself.")
                    ) from exc
                if not data:
                    if self._last is not None:  # many scales report only when the weight changes
                        return self._last
                    raise ScaleTimeoutError(
                        t("The scale sent no weight. Check that it is switched on, or type the weight.")
                    )
                reading = reading_from_report(bytes(data), deadline, self._last)
                if reading is None:
                    continue
                self._last = reading
                return reading
