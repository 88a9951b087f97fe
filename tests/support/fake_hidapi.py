"""A fake of the hidapi module (``hidraw`` / ``hid``): USB HID scales as hidapi shows them.

``FakeHidApi([FakeHidScaleDevice(...)])`` has hidapi's ``enumerate()`` (dicts with vendor_id,
product_id, path, usage_page, product_string, manufacturer_string) and ``device()`` whose ``open_path``,
``read(size, timeout_ms)`` and ``close`` behave as hidapi's: ``read`` returns a list of ints, an empty
list when nothing arrived within the timeout, and raises ``OSError`` once the device is unplugged.
Reports are queued with ``put`` or ``set_weight`` (``domain.scale.encode_report``); with ``repeat_last``
the scale repeats its last report as real scales do while the weight stands. ``permission_denied``
makes ``open_path`` fail as hidapi does without access to the node ("open failed", no errno).
"""

from __future__ import annotations

import threading
from collections import deque
from dataclasses import dataclass, field

from packstation.domain.scale import encode_report


@dataclass
class FakeHidScaleDevice:
    vendor_id: int = 0x0922
    product_id: int = 0x8003
    product: str = "M25 25 lb Digital Postal Scale"
    manufacturer: str = "DYMO"
    usage_page: int = 0x8D
    path: bytes = b"fake-hidraw-0"
    repeat_last: bool = True
    permission_denied: bool = False
    plugged: bool = True
    reports: deque[bytes] = field(default_factory=deque)
    last: bytes | None = None
    opened: int = 0
    cond: threading.Condition = field(default_factory=threading.Condition, repr=False)

    def put(self, report: bytes) -> None:
        with self.cond:
            self.reports.append(report)
            self.cond.notify_all()

    def set_weight(self, grams: int, *, status: int = 4) -> None:
        self.put(encode_report(status, 2, 0, grams))  # unit 2 = grams, exponent 0

    def unplug(self) -> None:
        with self.cond:
            self.plugged = False
            self.cond.notify_all()


class _Device:
    def __init__(self, api: FakeHidApi) -> None:
        self._api = api
        self._scale: FakeHidScaleDevice | None = None

    def open_path(self, path: bytes) -> None:
        scale = next((s for s in self._api.scales if s.path == path and s.plugged), None)
        if scale is None or scale.permission_denied:
            raise OSError("open failed")
        scale.opened += 1
        self._scale = scale

    def read(self, size: int, timeout_ms: int = 0) -> list[int]:
        scale = self._scale
        if scale is None:
            raise ValueError("not open")
        with scale.cond:
            if not scale.reports and scale.plugged and not (scale.repeat_last and scale.last is not None):
                scale.cond.wait(timeout_ms / 1000)
            if not scale.plugged:
                raise OSError("read error")
            if scale.reports:
                scale.last = scale.reports.popleft()
            elif not (scale.repeat_last and scale.last is not None):
                return []
            return list(scale.last[:size])

    def close(self) -> None:
        self._scale = None


class FakeHidApi:
    def __init__(
        self, scales: list[FakeHidScaleDevice] | None = None, others: list[dict] | None = None
    ) -> None:
        self.scales = scales or []
        self.others = others or []  # non-scale HID devices (the barcode scanner's keyboard)

    def enumerate(self, vendor_id: int = 0, product_id: int = 0) -> list[dict]:
        found = [
            {
                "vendor_id": s.vendor_id,
                "product_id": s.product_id,
                "path": s.path,
                "usage_page": s.usage_page,
                "product_string": s.product,
                "manufacturer_string": s.manufacturer,
            }
            for s in self.scales
            if s.plugged
        ]
        return found + list(self.others)

    def device(self) -> _Device:
        return _Device(self)
