"""Serial (RS-232 or USB-serial) scale heads through pyserial: the "W" poll or continuous output of
Mettler Toledo, CAS, Avery/NCI heads and their many clones.

``poll``: each read sends the configured request (``W`` + CR for NCI/Avery/CAS, ``S``/``SI`` + CR LF for
Mettler SICS) and reads the answer lines. ``continuous``: the head sends weight lines on its own; each
read takes the newest complete line. Lines are decoded by ``domain.scale.decode_serial_weight``, so the
weight gate is the same as for USB scales. ``SerialScale`` is ``Scale`` with another way to the device:
the poller, ``read_async`` and the faults stay the same; after an unplug the next read reopens the port.
The port may be any pyserial URL (``/dev/ttyUSB0``, ``COM3``, ``socket://HOST:PORT`` for a serial server).
"""

from __future__ import annotations

import logging
import time

from packstation.adapters.scale import (
    Scale,
    ScaleDisconnectedError,
    ScaleError,
    ScaleInfo,
    ScaleNotFoundError,
    ScalePermissionError,
    ScaleTimeoutError,
)
from packstation.domain.i18n import t
from packstation.domain.scale import Reading, ScaleReportError, decode_serial_weight
from packstation.domain.setting_grammars import ScaleSetting, SerialScaleProtocol

log = logging.getLogger(__name__)

LINE_END = b"\n"


class SerialScale(Scale):
    def __init__(self, setting: ScaleSetting, *, timeout_ms: int = 1000) -> None:
        super().__init__(timeout_ms=timeout_ms)
        self.setting = setting
        self._buffer = b""

    def _request(self) -> bytes:
        command = self.setting.command
        # Mettler SICS commands end in CR LF; the NCI/CAS "W" in a bare CR.
        return command.encode("ascii") + (b"\r\n" if command.upper().startswith("S") else b"\r")

    def open(self) -> ScaleInfo:
        import serial

        with self._lock:
            if self._device is not None and self.info is not None:
                return self.info
            port = self.setting.port or ""
            try:
                device = serial.serial_for_url(port, baudrate=self.setting.baudrate, timeout=0.05)
            except serial.SerialException as exc:
                raise self._open_error(port, exc) from None
            self._device, self._buffer = device, b""
            self.info = ScaleInfo(0, 0, "serial", port, self.setting.protocol.value)
            log.info(
                "serial scale opened: %s at %d baud (%s)", port, self.setting.baudrate, self.setting.protocol
            )
            return self.info

    @staticmethod
    def _open_error(port: str, exc: Exception) -> ScaleError:
        text = str(exc)
        if "Permission denied" in text or "Access is denied" in text:
            return ScalePermissionError(
                t(
                    "No permission to use the serial scale {port}: add this user to the dialout group "
                    "(sudo usermod -aG dialout $USER), then log in again.",
                    port=port,
                )
            )
        return ScaleNotFoundError(
            t("The serial scale {port} is not there. Check its cable and the port name.", port=port)
        )

    def _release(self) -> None:
        device = self._device
        self._device = None
        if device is not None:
            try:
                device.close()
            except Exception:  # closing a port that is gone must not hide the real fault
                log.debug("closing the serial scale failed", exc_info=True)

    def _lines(self, deadline: float) -> list[bytes]:
        """Complete lines that arrived until the deadline (at least one, unless it passed first)."""
        import serial

        while True:
            try:
                chunk = self._device.read(256)
            except (serial.SerialException, OSError) as exc:
                self._release()
                self.info = None
                raise ScaleDisconnectedError(
                    t("The scale was unplugged. Plug it in again; the weight comes back by itself.")
                ) from exc
            self._buffer += chunk.replace(b"\r\n", b"\n").replace(b"\r", b"\n").replace(b"\x03", b"\n")
            *lines, self._buffer = self._buffer.split(LINE_END)
            lines = [line for line in lines if line.strip()]
            if lines or time.monotonic() >= deadline:
                return lines

    def _read_usb(self, timeout_ms: int) -> Reading:
        deadline = time.monotonic() + timeout_ms / 1000
        with self._lock:
            self.open()
            if self.setting.protocol is SerialScaleProtocol.POLL:
                self._buffer = b""
                self._device.reset_input_buffer()
                self._device.write(self._request())
            reading: Reading | None = None
            while reading is None:
                lines = self._lines(deadline)
                if not lines:
                    if self.setting.protocol is SerialScaleProtocol.CONTINUOUS and self._last is not None:
                        return self._last
                    raise ScaleTimeoutError(
                        t("The scale sent no weight. Check that it is switched on, or type the weight.")
                    )
                texts = [line.decode("latin-1").strip() for line in lines]
                # Continuous heads: the newest weight counts. NCI: a status line follows the weight.
                for index in range(len(texts) - 1, -1, -1):
                    status = texts[index + 1] if index + 1 < len(texts) else ""
                    try:
                        reading = decode_serial_weight(texts[index], status)
                    except ScaleReportError:
                        continue
                    break
            self._last = reading
            return reading
