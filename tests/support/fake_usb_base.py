"""What every fake pyusb backend of the tests shares: opening, configuring, claiming and the "cable
pulled" and "no permission" faults. A device is any object with ``plugged``, ``permission_denied``,
``busy`` and ``claims``; subclasses add descriptors and transfers (bulk: printers; interrupt: scales)."""

from __future__ import annotations

import errno
from typing import Any

import usb.backend
import usb.core


class FakeBackendBase(usb.backend.IBackend):
    def get_parent(self, dev: Any) -> None:
        return None

    # -- device handles ------------------------------------------------------------------------------
    def open_device(self, dev: Any) -> Any:
        self._check_present(dev)
        if dev.permission_denied:
            raise usb.core.USBError("Access denied (insufficient permissions)", errno.EACCES, errno.EACCES)
        return dev

    def close_device(self, dev_handle: Any) -> None:
        pass

    def set_configuration(self, dev_handle: Any, config_value: int) -> None:
        self._check_present(dev_handle)

    def get_configuration(self, dev_handle: Any) -> int:
        self._check_present(dev_handle)
        return 1

    def set_interface_altsetting(self, dev_handle: Any, intf: int, altsetting: int) -> None:
        pass

    def claim_interface(self, dev_handle: Any, intf: int) -> None:
        self._check_present(dev_handle)
        if self._claim_refused(dev_handle):
            raise usb.core.USBError("Resource busy", errno.EBUSY, errno.EBUSY)
        dev_handle.claims += 1

    def release_interface(self, dev_handle: Any, intf: int) -> None:
        pass

    def reset_device(self, dev_handle: Any) -> None:
        self._check_present(dev_handle)

    def clear_halt(self, dev_handle: Any, ep: int) -> None:
        pass

    def is_kernel_driver_active(self, dev_handle: Any, intf: int) -> bool:
        return False

    def detach_kernel_driver(self, dev_handle: Any, intf: int) -> None:
        pass

    def attach_kernel_driver(self, dev_handle: Any, intf: int) -> None:
        pass

    # -- faults --------------------------------------------------------------------------------------
    def _claim_refused(self, dev: Any) -> bool:
        return bool(dev.busy)

    def _check_present(self, dev: Any) -> None:
        if not dev.plugged:
            raise usb.core.USBError(
                "No such device (it may have been disconnected)", errno.ENODEV, errno.ENODEV
            )
