"""Serial barcode scanners (RS-232, or USB in CDC/"virtual COM port" mode): a reader thread that turns
the bytes of a serial port into scans.

Configured with ``Config.scanner`` = ``"serial:/dev/ttyACM0"`` or ``"serial:COM3"``, optionally with
``?baud=19200`` (default 9600; USB-CDC scanners ignore the rate). ``"wedge"`` (the default) means the
keyboard-wedge scanner only, and no reader runs.

``SerialScanner.start(on_scan, on_problem, on_recovered)`` reads on a daemon thread with a short read
timeout, so ``stop()`` returns within a fraction of a second. Every callback runs on that thread: the
caller hands the values over to its own loop (``packstation.app`` wraps them in a ``LoopHandoff``).

* A scan ends with CR, LF, CRLF or Tab; it is stripped and empty lines are dropped. Bytes are decoded as
  UTF-8 with replacement characters, and a line longer than ``MAX_LINE_CHARS`` is cut there: junk still
  reaches the station, whose scan classifier tells the packer in words what is wrong with it. Bytes
  without a terminator are held until one comes (and dropped when the port goes away), so a half scan
  from a plug event never becomes a scan.
* A port that cannot be opened, or that vanishes (unplugged), is reported once per outage through
  ``on_problem(message)``; the reader keeps reopening it with a back-off up to ``retry_s`` and, when it
  works again, says so through ``on_recovered(message)``. Meanwhile the keyboard wedge keeps working.
"""

from __future__ import annotations

import errno
import logging
import threading
from collections.abc import Callable
from typing import Any

from packstation.domain.setting_grammars import DEFAULT_BAUDRATE, SerialScannerSetting, parse_scanner

log = logging.getLogger(__name__)

MAX_LINE_CHARS = 256
# Bytes kept per line: enough for MAX_LINE_CHARS of 4-byte UTF-8; the rest of an endless line is dropped.
_MAX_LINE_BYTES = MAX_LINE_CHARS * 4
_TERMINATORS = b"\r\n\t"

OnScan = Callable[[str], None]
OnMessage = Callable[[str], None]


# The grammar of the setting is the domain's; kept under its old name for the callers here.
serial_setting_from_config = parse_scanner


class LineFramer:
    """Splits a byte stream into scans: CR, LF, CRLF and Tab end a line; empty lines are dropped."""

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[str]:
        lines: list[str] = []
        start = 0
        for index, byte in enumerate(data):
            if byte in _TERMINATORS:
                self._keep(data[start:index])
                start = index + 1
                line = self._take()
                if line:
                    lines.append(line)
        self._keep(data[start:])
        return lines

    def reset(self) -> None:
        """Forget a partial line (the port went away in the middle of a scan)."""
        self._buffer.clear()

    def _keep(self, chunk: bytes) -> None:
        room = _MAX_LINE_BYTES - len(self._buffer)
        if room > 0:
            self._buffer += chunk[:room]

    def _take(self) -> str:
        text = self._buffer.decode("utf-8", errors="replace").strip()
        self._buffer.clear()
        return text[:MAX_LINE_CHARS]


def open_problem(port: str, exc: BaseException) -> str:
    """What to tell the packer when ``port`` cannot be opened."""
    code = getattr(exc, "errno", None)
    tail = "It reconnects by itself; the keyboard scanner keeps working meanwhile."
    if code in (errno.ENOENT, errno.ENODEV, errno.ENXIO) or "FileNotFound" in str(exc):
        return f"The serial scanner {port} is not plugged in. Plug it in. {tail}"
    if code in (errno.EACCES, errno.EPERM) or "PermissionError" in str(exc):
        return (
            f"No permission to open the serial scanner {port}. Add this user to the 'dialout' group "
            f"(then log in again). {tail}"
        )
    if code == errno.EBUSY:
        return f"The serial scanner {port} is in use by another program. Close that program. {tail}"
    return f"The serial scanner {port} cannot be opened ({exc}). Check its cable. {tail}"


def lost_problem(port: str) -> str:
    return (
        f"The serial scanner {port} was unplugged or stopped answering. Plug it in again; it "
        "reconnects by itself. The keyboard scanner keeps working meanwhile."
    )


def _open_with_pyserial(port: str, baudrate: int, timeout_s: float) -> Any:
    import serial

    return serial.Serial(port=port, baudrate=baudrate, timeout=timeout_s)


class SerialScanner:
    """Reads scans from one serial port on a daemon thread; ``stop()`` ends it within one read timeout."""

    def __init__(
        self,
        port: str,
        baudrate: int = DEFAULT_BAUDRATE,
        *,
        read_timeout_s: float = 0.2,
        first_retry_s: float = 0.5,
        retry_s: float = 3.0,
        opener: Callable[[str, int, float], Any] = _open_with_pyserial,
    ) -> None:
        self.port = port
        self.baudrate = baudrate
        self.read_timeout_s = read_timeout_s
        self.first_retry_s = first_retry_s
        self.retry_s = retry_s
        self._opener = opener
        self._stop = threading.Event()
        self._connected = threading.Event()
        self._thread: threading.Thread | None = None
        self._on_scan: OnScan = lambda code: None
        self._on_problem: OnMessage | None = None
        self._on_recovered: OnMessage | None = None

    @classmethod
    def from_setting(cls, setting: str, **kwargs: Any) -> SerialScanner | None:
        """The reader a ``Config.scanner`` value asks for, or None (keyboard wedge). ValueError if bad."""
        parsed = serial_setting_from_config(setting)
        return None if parsed is None else cls(parsed.port, parsed.baudrate, **kwargs)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive() and not self._stop.is_set()

    @property
    def connected(self) -> bool:
        return self._connected.is_set()

    def wait_connected(self, timeout_s: float) -> bool:
        """True once the port is open (for diagnostics and tests)."""
        return self._connected.wait(timeout_s)

    def start(
        self,
        on_scan: OnScan,
        on_problem: OnMessage | None = None,
        on_recovered: OnMessage | None = None,
    ) -> None:
        """Start reading. Callbacks run on the reader thread, in the order the scans arrived."""
        if self.running:
            raise RuntimeError(f"the serial scanner {self.port} is already being read")
        self._on_scan, self._on_problem, self._on_recovered = on_scan, on_problem, on_recovered
        self._stop.clear()
        self._thread = threading.Thread(target=self._run, name="packstation-serial-scanner", daemon=True)
        self._thread.start()

    def stop(self, timeout_s: float = 2.0) -> None:
        """Stop reading and close the port; no callback runs after this returns."""
        self._stop.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and threading.current_thread() is not thread:
            thread.join(timeout_s)

    # -- the reader thread -----------------------------------------------------------------------

    def _run(self) -> None:
        framer = LineFramer()
        reported = False  # one message per outage, however many reopen attempts fail
        delay = self.first_retry_s
        while not self._stop.is_set():
            try:
                port = self._opener(self.port, self.baudrate, self.read_timeout_s)
            except (OSError, ValueError) as exc:  # pyserial's SerialException is an OSError
                if not reported:
                    reported = True
                    self._report(open_problem(self.port, exc))
                else:
                    log.debug("serial scanner %s still unavailable: %s", self.port, exc)
                self._stop.wait(delay)
                delay = min(delay * 2, self.retry_s)
                continue
            log.info("serial scanner %s opened at %d baud", self.port, self.baudrate)
            self._connected.set()
            delay = self.first_retry_s
            if reported:
                reported = False
                self._deliver(self._on_recovered, f"The serial scanner {self.port} is connected again.")
            lost = self._read_until_stopped(port, framer)
            self._connected.clear()
            framer.reset()
            try:
                port.close()
            except OSError as exc:  # closing a port that vanished can fail; it is gone either way
                log.debug("closing serial scanner %s: %s", self.port, exc)
            if lost:
                reported = True
                self._report(lost_problem(self.port))
                self._stop.wait(delay)

    def _read_until_stopped(self, port: Any, framer: LineFramer) -> bool:
        """Read and deliver scans until stopped (False) or the port fails (True)."""
        while not self._stop.is_set():
            try:
                data = port.read(1)  # waits up to the read timeout: stop() is seen promptly
                if data:
                    waiting = port.in_waiting
                    if waiting:
                        data += port.read(waiting)
            except (OSError, ValueError) as exc:
                log.debug("serial scanner %s read failed: %s", self.port, exc)
                return True
            for line in framer.feed(data):
                if self._stop.is_set():
                    return False
                self._deliver(self._on_scan, line)
        return False

    def _report(self, message: str) -> None:
        log.warning("serial scanner: %s", message)
        self._deliver(self._on_problem, message)

    @staticmethod
    def _deliver(callback: Callable[[str], None] | None, value: str) -> None:
        if callback is None:
            return
        try:
            callback(value)
        except Exception:  # a broken callback must not kill the reader
            log.exception("serial scanner callback failed")


__all__ = [
    "DEFAULT_BAUDRATE",
    "MAX_LINE_CHARS",
    "LineFramer",
    "SerialScanner",
    "SerialScannerSetting",
    "serial_setting_from_config",
]
