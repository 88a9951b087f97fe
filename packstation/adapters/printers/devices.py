"""Printers as the print queue sees them: ``send(payload)`` the prepared bytes, ``probe()`` for presence.

USB, TCP and file printers are python-escpos device classes (``Usb`` on pyusb, ``Network``, and a
``File`` that appends instead of truncating); the bytes were produced by python-escpos in the label
pipeline and are written here in chunks, so every chunk has its own timeout (a printer that stops taking
data is a stalled printer, not a slow one) and a fault can say whether the label was half sent.
Every low-level exception is translated into a ``PrinterError`` with a message a packer can act on.

A TCP job is done only when the printer has taken the bytes: ``sendall`` returning means nothing (a
126 KB label fits into the socket buffers of a printer that never reads). On Linux the socket's unsent
queue (``SIOCOUTQ``) is polled until it is empty, within the printer's timeout; elsewhere the wait for
the printer to close is all there is. Then, where the printer answers status queries (ESC/POS
``DLE EOT``, ZPL ``~HS``, TSPL ``<ESC>!?``), a fault it reports (paper out, cover open, offline) fails
the job as "maybe printed": the label sits in the printer and may come out once the fault is fixed,
so it is not resent.
"""

from __future__ import annotations

import errno
import logging
import os
import socket
import struct
import sys
import time
from collections.abc import Callable
from typing import Any, Protocol

from packstation.adapters.labels.encode import ensure_escpos_env, escpos_profile
from packstation.adapters.labels.pipeline import PrintPayload
from packstation.adapters.printers import errors as e
from packstation.adapters.printers import status as st
from packstation.adapters.printers.uri import (
    PrinterKind,
    PrinterSpec,
    label_target,
    parse_printer_uri,
)
from packstation.domain.raster import LabelPreview

log = logging.getLogger(__name__)

CHUNK_BYTES = 4096
STATUS_READ_TIMEOUT_MS = 300
TCP_CLOSE_WAIT_S = 1.0
SIOCOUTQ = 0x5411  # Linux: bytes in a TCP socket's send queue not yet acknowledged by the peer
OUTQ_POLL_S = 0.01
TCP_STATUS_TIMEOUT_S = 0.3  # a printer that answers status queries does so within milliseconds

PreviewSink = Callable[[LabelPreview], None]
# Printers that did not answer a status query: not asked again while the station runs, so a head that
# ignores status queries costs the short status timeout once, not on every label.
_SILENT: set[tuple[object, ...]] = set()


class Printer(Protocol):
    spec: PrinterSpec

    def send(self, payload: PrintPayload) -> None:
        """Deliver the payload or raise PrinterError. Blocking: call it from a worker thread."""
        ...

    def probe(self) -> None:
        """Raise PrinterError if the printer cannot be reached now. Prints nothing."""
        ...


class PreviewPrinter:
    """The ``preview`` printer: hands the rendered label to a sink (the GUI's preview window)."""

    def __init__(self, spec: PrinterSpec, sink: PreviewSink | None = None) -> None:
        self.spec = spec
        self.sink = sink
        self.shown: list[LabelPreview] = []  # the last few previews, for a CLI or a test to look at

    def send(self, payload: PrintPayload) -> None:
        self.shown = [*self.shown[-9:], payload.preview]
        if self.sink is not None:
            self.sink(payload.preview)

    def probe(self) -> None:
        return None


def _append_file_class() -> Any:  # python-escpos has no types: its classes are Any
    ensure_escpos_env()
    from escpos.printer import File

    class AppendFile(File):  # python-escpos has no type information (its classes are Any)
        """escpos File opens with "wb" (truncating); a file printer must keep every label: append."""

        def open(self, raise_not_found: bool = True) -> None:
            if self._device:
                self.close()
            self.device = open(self.devfile, "ab")  # noqa: SIM115 - closed by close()

    return AppendFile


def _closing_network_class() -> Any:
    ensure_escpos_env()
    from escpos.printer import Network

    class ClosingNetwork(Network):  # python-escpos has no type information (its classes are Any)
        """escpos Network leaks its socket when connect() fails (ResourceWarning): close it, then raise."""

        def open(self, raise_not_found: bool = True) -> None:
            if self._device:
                self.close()
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                sock.settimeout(self.timeout)
                sock.connect((self.host, self.port))
            except OSError:
                sock.close()
                raise
            self.device = sock

    return ClosingNetwork


class EscposDevicePrinter:
    """A USB, TCP or file printer driven through a python-escpos device class."""

    def __init__(self, spec: PrinterSpec, *, usb_backend: Any = None) -> None:
        self.spec = spec
        self.usb_backend = usb_backend

    # -- public ------------------------------------------------------------------------------------
    def send(self, payload: PrintPayload) -> None:
        data = payload.data
        if not data:
            return
        sent = 0
        device = self._open()
        try:
            before = self._status(device) if self._status_key() not in _SILENT else st.StatusReading(False)
            if not before.answered:
                _SILENT.add(self._status_key())  # its next jobs do not wait for an answer that never comes
            if before.fault is not None:  # nothing sent yet: the job waits and prints when it is ready
                raise self._fault_before(before.fault)
            for start in range(0, len(data), CHUNK_BYTES):
                chunk = data[start : start + CHUNK_BYTES]
                device._raw(chunk)
                sent += len(chunk)
            if self.spec.kind is PrinterKind.TCP:
                self._wait_until_taken(device.device)
            if before.answered:  # a printer that ignored the first query is not asked again
                after = self._status(device)
                if after.fault is not None:
                    raise e.PrinterHoldsLabelError(
                        f"the {self.spec.describe()} reports {after.fault}: {st.fix_for(after.fault)}; "
                        "the label is in the printer and comes out by itself (do not reprint)",
                        after.fault,
                    )
            if self.spec.kind is PrinterKind.TCP:
                self._finish_tcp(device)
        except e.PrinterError:
            raise
        except Exception as exc:
            raise self._translate(exc, sent, len(data)) from exc
        finally:
            self._close(device)

    def probe(self) -> None:
        """Reach the printer and, where it answers, ask its status: a fault counts as not ready."""
        fault = self.status()
        if fault is not None:
            raise self._fault_before(fault)

    def status(self) -> str | None:
        """The fault the printer reports now, in words; None when it is ready or does not answer.
        Raises PrinterError when it cannot be reached."""
        device = self._open()
        try:
            return self._status(device).fault
        except e.PrinterError:
            raise
        except Exception as exc:
            raise self._translate(exc, 0, 0) from exc
        finally:
            self._close(device)

    def _status_key(self) -> tuple[object, ...]:
        spec = self.spec
        return (spec.kind, spec.lang, spec.host, spec.port, spec.vendor_id, spec.product_id, spec.serial)

    def _fault_before(self, fault: str) -> e.PrinterError:
        name = self.spec.describe()
        if fault == "paper out":
            return e.PrinterOutOfPaperError(
                f"the {name} is out of paper: load a new roll; the label prints when it is back"
            )
        return e.PrinterFaultError(
            f"the {name} reports {fault}: {st.fix_for(fault)}; the label prints when it is ready again"
        )

    # -- status ------------------------------------------------------------------------------------------
    def _status(self, device: Any) -> st.StatusReading:
        if self.spec.kind is PrinterKind.USB:
            return st.read_status(self.spec.lang, self._usb_ask(device))
        if self.spec.kind is PrinterKind.TCP:
            sock = device.device
            sock.settimeout(TCP_STATUS_TIMEOUT_S)
            try:
                return st.read_status(self.spec.lang, self._tcp_ask(sock))
            finally:
                sock.settimeout(self.spec.timeout_s)
        return st.StatusReading(False)

    @staticmethod
    def _usb_ask(device: Any) -> st.Ask:
        import usb.core

        def ask(query: bytes, complete: Callable[[bytes], bool]) -> bytes:
            device._raw(query)
            answer = b""
            while not complete(answer):
                try:
                    chunk = bytes(device.device.read(device.in_ep, 64, STATUS_READ_TIMEOUT_MS))
                except usb.core.USBTimeoutError:
                    break
                except usb.core.USBError as exc:
                    if exc.errno in (errno.ETIMEDOUT, errno.EPIPE, errno.EIO):
                        break  # printers without a status channel stall or time out the read
                    raise
                if not chunk:
                    break
                answer += chunk
            return answer

        return ask

    @staticmethod
    def _tcp_ask(sock: socket.socket) -> st.Ask:
        def ask(query: bytes, complete: Callable[[bytes], bool]) -> bytes:
            sock.sendall(query)
            answer = b""
            deadline = time.monotonic() + TCP_STATUS_TIMEOUT_S
            while not complete(answer) and time.monotonic() < deadline:
                chunk = _recv_or_none(sock)
                if not chunk:
                    break
                answer += chunk
            return answer

        return ask

    # -- device handling -----------------------------------------------------------------------------
    def _make_device(self) -> Any:
        ensure_escpos_env()
        spec = self.spec
        profile = escpos_profile(label_target(spec).head)
        if spec.kind is PrinterKind.USB:
            from escpos.printer import Usb

            usb_args: dict[str, Any] = {}
            if self.usb_backend is not None:
                usb_args["backend"] = (
                    self.usb_backend
                )  # Usb() swallows a backend= keyword; this reaches find()
            if spec.serial:
                wanted = spec.serial
                usb_args["custom_match"] = lambda dev: _serial_of(dev) == wanted
            return Usb(
                spec.vendor_id,
                spec.product_id,
                usb_args=usb_args,
                timeout=int(spec.timeout_s * 1000),
                profile=profile,
            )
        if spec.kind is PrinterKind.TCP:
            return _closing_network_class()(spec.host, spec.port, timeout=spec.timeout_s, profile=profile)
        if spec.kind is PrinterKind.FILE:
            return _append_file_class()(spec.path, profile=profile)
        raise e.PrinterUriError(f"{spec.describe()} is not a device printer")

    def _open(self) -> Any:
        device = self._make_device()
        try:
            device.open()
        except Exception as exc:
            self._close(device)
            raise self._translate(exc, 0, 0) from exc
        return device

    @staticmethod
    def _close(device: Any) -> None:
        try:
            device.close()
        except Exception:  # closing a dead device must not hide the real fault
            log.debug("closing the printer failed", exc_info=True)

    def _finish_tcp(self, device: Any) -> None:
        """Half-close and wait briefly: a printer that reset the connection is caught here, not missed."""
        sock = device.device
        sock.shutdown(socket.SHUT_WR)
        sock.settimeout(TCP_CLOSE_WAIT_S)
        try:
            while sock.recv(4096):
                pass
        except TimeoutError:
            pass  # many printers keep the connection open; everything was handed over

    def _wait_until_taken(self, sock: socket.socket) -> None:
        """Linux: poll the unsent queue until it is empty. It must keep shrinking: no progress for the
        printer's timeout is a stall. Unsent bytes are then thrown away (reset, not a polite close), so
        a label reported as failed cannot still trickle out and print later."""
        if not sys.platform.startswith("linux"):
            return
        timeout = self.spec.timeout_s
        unsent = _unsent_bytes(sock)
        last_progress = time.monotonic()
        while unsent:
            time.sleep(OUTQ_POLL_S)
            # A reset leaves the queue count frozen: the socket's pending error says what happened.
            failure = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
            if failure:
                raise OSError(failure, os.strerror(failure))
            now_unsent = _unsent_bytes(sock)
            if now_unsent < unsent:
                last_progress = time.monotonic()
            unsent = now_unsent
            if unsent and time.monotonic() - last_progress > timeout:
                sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                raise e.PrinterTimeoutError(
                    f"the {self.spec.describe()} did not take the label within {timeout:.0f} s "
                    f"({unsent} bytes not taken): check paper, cover and that it is online; "
                    "the label prints again when it is back"
                )

    # -- error translation ---------------------------------------------------------------------------
    def _translate(self, exc: BaseException, sent: int, total: int) -> e.PrinterError:
        spec = self.spec
        name = spec.describe()
        cause = _root_cause(exc)
        midway = 0 < sent < total
        try:
            import usb.core

            usb_error: type | None = usb.core.USBError
            no_backend: type | None = usb.core.NoBackendError
        except ImportError:
            usb_error = no_backend = None
        if no_backend is not None and isinstance(cause, no_backend):
            return e.UsbBackendMissingError(
                "USB printing needs the libusb library, which is missing: install libusb-1.0-0 "
                "(sudo apt-get install libusb-1.0-0)"
            )
        if spec.kind is PrinterKind.USB:
            code = getattr(cause, "errno", None) if usb_error and isinstance(cause, usb_error) else None
            timed_out = code == errno.ETIMEDOUT or type(cause).__name__ == "USBTimeoutError"
            if code == errno.EACCES:
                if sys.platform.startswith("linux"):
                    return e.PrinterPermissionError(f"no permission to use the {name}: {e.UDEV_INSTALL_HINT}")
                return e.PrinterPermissionError(f"no permission to use the {name}: another driver may own it")
            if code == errno.EBUSY:
                return e.PrinterBusyError(
                    f"the {name} is in use by another program (or the usblp driver): close it and try again"
                )
            if timed_out:
                return e.PrinterTimeoutError(
                    f"the {name} stopped taking data for {spec.timeout_s:.0f} s"
                    f"{' in the middle of a label' if sent else ''}: "
                    "check paper, cover and that it is online"
                )
            gone = code == errno.ENODEV or (midway and usb_error and isinstance(cause, usb_error))
            if gone and sent:
                return e.PrinterDisconnectedError(
                    f"the {name} was disconnected in the middle of a label: plug it back in; "
                    "the label prints again when it is back"
                )
            if sent == 0:
                return e.PrinterNotFoundError(
                    f"{name} not found: check that it is switched on and its USB cable is plugged in"
                )
            return e.PrinterIOError(f"USB error on the {name}: {cause}")
        if spec.kind is PrinterKind.TCP:
            if isinstance(cause, TimeoutError):
                if sent or total:
                    return e.PrinterTimeoutError(
                        f"the {name} stopped taking data for {spec.timeout_s:.0f} s: "
                        "check paper, cover and that it is online"
                    )
                return e.PrinterNotFoundError(f"no answer from the {name} within {spec.timeout_s:.0f} s")
            if isinstance(cause, ConnectionRefusedError):
                return e.PrinterConnectionError(
                    f"the {name} refused the connection: "
                    "check that it is switched on and the address is right"
                )
            # ENOTCONN: the printer's reset arrived before the half-close at the end of a label (the
            # socket was connected, so this is a drop, not a printer that cannot be reached).
            dropped = isinstance(cause, OSError) and cause.errno == errno.ENOTCONN
            if dropped or isinstance(cause, ConnectionResetError | BrokenPipeError | ConnectionAbortedError):
                return e.PrinterConnectionError(
                    f"the {name} dropped the connection"
                    f"{' in the middle of a label' if sent else ''}: the label prints again when it is back"
                )
            if isinstance(cause, socket.gaierror):
                return e.PrinterNotFoundError(f"cannot find the {name}: the host name is unknown")
            if isinstance(cause, OSError):
                return e.PrinterNotFoundError(f"cannot reach the {name}: {cause.strerror or cause}")
            return e.PrinterIOError(f"error talking to the {name}: {cause}")
        if spec.kind is PrinterKind.FILE and isinstance(cause, OSError):
            return e.PrinterIOError(f"cannot write to the {name}: {cause.strerror or cause}")
        return e.PrinterIOError(f"error on the {name}: {type(cause).__name__}: {cause}")


def _unsent_bytes(sock: socket.socket) -> int:
    import fcntl  # Linux only (the caller checks)

    buf = fcntl.ioctl(sock.fileno(), SIOCOUTQ, b"\0\0\0\0")
    return int(struct.unpack("i", buf)[0])


def _recv_or_none(sock: socket.socket, size: int = 4096) -> bytes | None:
    try:
        return sock.recv(size)
    except TimeoutError:
        return None


def _root_cause(exc: BaseException) -> BaseException:
    """escpos wraps the real error (DeviceNotFoundError raised inside an except): dig that one level out.

    Other exceptions are taken as they are: their ``__context__`` is often an unrelated KeyError that
    pyusb handled on the way (its endpoint cache)."""
    if type(exc).__module__.startswith("escpos"):
        inner = exc.__cause__ or exc.__context__
        if inner is not None and not isinstance(inner, AssertionError):
            return inner
    return exc


def _serial_of(device: Any) -> str | None:
    try:
        serial = device.serial_number  # a USB string read: once
        return None if serial is None else str(serial)
    except Exception:  # no permission to read strings, or no string descriptors
        return None


def make_printer(
    uri: str | PrinterSpec, *, usb_backend: Any = None, preview_sink: PreviewSink | None = None
) -> Printer:
    """The default printer factory: a printer object for a URI (nothing is opened yet)."""
    spec = uri if isinstance(uri, PrinterSpec) else parse_printer_uri(uri)
    if spec.kind is PrinterKind.PREVIEW:
        return PreviewPrinter(spec, preview_sink)
    if spec.kind in (PrinterKind.CUPS, PrinterKind.WIN32):
        from packstation.adapters.printers.os_queues import make_os_queue_printer

        return make_os_queue_printer(spec)
    return EscposDevicePrinter(spec, usb_backend=usb_backend)
