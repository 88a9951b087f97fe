"""Printers behind the operating system's spooler: ``cups:QUEUE`` (Linux, macOS) and ``win32:PRINTER NAME``.

Warehouse IT installs printers as OS queues (Windows cannot open a USB printer through libusb without
replacing its driver), so the same raw bytes the head speaks (ESC/POS, ZPL, TSPL, EPL) go through the
spooler untouched:

- CUPS: ``lp -d QUEUE -o raw`` with the bytes on stdin. python-escpos' ``LP`` class is not used: it adds
  a newline to every job (a line feed on an ESC/POS head) and throws lp's error text away; pycups has no
  wheels (it compiles against libcups). A job is done when CUPS has sent it to the printer: until then
  it waits in the queue (``lpstat``); if it is still there after the printer's timeout the label is
  "maybe printed" (it comes out once the printer is back) and is never resent by itself.
- Windows: python-escpos' own ``Win32Raw`` (pywin32's ``win32print``: OpenPrinter, a RAW document,
  WritePrinter, EndDocPrinter). Not run on Windows here: tests drive it through a fake ``win32print``.
"""

from __future__ import annotations

import logging
import re
import shutil
import subprocess
import sys
import time
from typing import Any

import msgspec

from packstation.adapters.labels.pipeline import PrintPayload
from packstation.adapters.printers import errors as e
from packstation.adapters.printers.uri import PrinterKind, PrinterSpec

log = logging.getLogger(__name__)

JOB_TITLE = "packstation label"
_REQUEST_ID = re.compile(r"request id is (\S+)")
POLL_S = 0.1
LPSTAT_TIMEOUT_S = 10.0


class OsQueue(msgspec.Struct, frozen=True):
    """One print queue the operating system knows: its name and where it goes (device URI or port)."""

    name: str
    device: str
    uri: str  # the ready-to-paste packstation printer URI


def _run(
    argv: list[str], *, stdin: bytes | None = None, timeout: float = LPSTAT_TIMEOUT_S
) -> tuple[int, str, str]:
    try:
        done = subprocess.run(argv, input=stdin, capture_output=True, timeout=timeout, check=False)
    except FileNotFoundError:
        raise e.PrinterNotFoundError(
            f"the CUPS command {argv[0]!r} is missing: install the CUPS client "
            "(sudo apt-get install cups-client cups-bsd)"
        ) from None
    except subprocess.TimeoutExpired:
        raise e.PrinterTimeoutError(
            f"the CUPS command {argv[0]!r} did not answer within {timeout:.0f} s"
        ) from None
    return done.returncode, done.stdout.decode("utf-8", "replace"), done.stderr.decode("utf-8", "replace")


def cups_queues() -> list[OsQueue]:
    """The CUPS queues (``lpstat -v``); empty when CUPS is not installed or not running."""
    if shutil.which("lpstat") is None:
        return []
    try:
        code, out, _ = _run(["lpstat", "-v"])
    except e.PrinterError:
        return []
    if code != 0:
        return []
    queues = []
    for line in out.splitlines():
        # "device for Zebra_ZD420: usb://Zebra/ZD420?serial=..."
        match = re.match(r"^device for (\S+):\s*(.*)$", line.strip())
        if match:
            queues.append(OsQueue(match.group(1), match.group(2), f"cups:{match.group(1)}"))
    return queues


class CupsPrinter:
    """A CUPS queue: the raw bytes go through ``lp -o raw``; done when CUPS has handed them over."""

    def __init__(self, spec: PrinterSpec) -> None:
        self.spec = spec

    def send(self, payload: PrintPayload) -> None:
        if not payload.data:
            return
        queue = self.spec.queue or ""
        code, out, err = _run(
            ["lp", "-d", queue, "-t", JOB_TITLE, "-o", "raw", "-"],
            stdin=payload.data,
            timeout=self.spec.timeout_s,
        )
        if code != 0:
            raise self._lp_error(err or out)
        match = _REQUEST_ID.search(out)
        if match is None:  # accepted, but we cannot follow it: the label may print
            log.warning("lp printed no request id for %s: %r", queue, out)
            return
        self._wait_until_sent(match.group(1))

    def print_document(self, pdf: bytes, title: str = "packstation document") -> None:
        """A PDF page for an office printer: CUPS' own filters and the queue's driver render it (no
        ``-o raw``), the way any desktop program prints."""
        code, out, err = _run(
            ["lp", "-d", self.spec.queue or "", "-t", title, "-"], stdin=pdf, timeout=self.spec.timeout_s
        )
        if code != 0:
            raise self._lp_error(err or out)
        match = _REQUEST_ID.search(out)
        if match is not None:
            self._wait_until_sent(match.group(1))

    def probe(self) -> None:
        queue = self.spec.queue or ""
        code, out, err = _run(["lpstat", "-p", queue])
        if code != 0:
            raise self._lp_error(err or out)
        if "disabled" in out:
            raise e.PrinterFaultError(
                f"the {self.spec.describe()} is paused in CUPS: resume it (cupsenable {queue}) "
                "or in the printer settings"
            )

    def _wait_until_sent(self, job_id: str) -> None:
        deadline = time.monotonic() + self.spec.timeout_s
        while True:
            code, out, _ = _run(["lpstat", "-W", "not-completed", "-o", self.spec.queue or ""])
            if code != 0 or not any(line.split()[:1] == [job_id] for line in out.splitlines()):
                return
            if time.monotonic() > deadline:
                raise e.PrinterFaultError(
                    f"the {self.spec.describe()} still holds the label (job {job_id}) after "
                    f"{self.spec.timeout_s:.0f} s: check that the printer is on and has paper; the label "
                    "prints when it is back. Reprint only if it does not come out",
                    maybe_printed=True,
                )
            time.sleep(POLL_S)

    def _lp_error(self, text: str) -> e.PrinterError:
        words = " ".join(text.split())[:200] or "no reason given"
        lowered = words.lower()
        if "does not exist" in lowered or "unknown" in lowered or "invalid destination" in lowered:
            return e.PrinterNotFoundError(
                f"there is no {self.spec.describe()}: pick one from 'packstation printers' "
                "(lpstat -p lists them)"
            )
        if (
            "scheduler is not running" in lowered
            or "unable to connect" in lowered
            or "connection refused" in lowered
        ):
            return e.PrinterConnectionError(
                "the CUPS print service is not running: start it (sudo systemctl start cups)"
            )
        if "not accepting" in lowered:
            return e.PrinterFaultError(
                f"the {self.spec.describe()} is not accepting jobs: run cupsaccept {self.spec.queue}"
            )
        return e.PrinterIOError(f"the {self.spec.describe()} refused the label: {words}")


def _win32raw_class() -> Any:  # python-escpos has no types
    from packstation.adapters.labels.encode import ensure_escpos_env

    ensure_escpos_env()
    from escpos.printer import Win32Raw

    return Win32Raw


def windows_printers(win32print: Any = None) -> list[OsQueue]:
    """The printers Windows knows (local and connected), empty elsewhere or without pywin32."""
    if win32print is None:
        if not sys.platform.startswith("win"):
            return []
        try:
            import win32print as _win32print
        except ImportError:
            return []
        win32print = _win32print
    flags = win32print.PRINTER_ENUM_LOCAL | win32print.PRINTER_ENUM_CONNECTIONS
    found = []
    for info in win32print.EnumPrinters(flags, None, 2):
        name = info["pPrinterName"]
        found.append(OsQueue(name, info.get("pPortName", ""), f"win32:{name}"))
    return found


class Win32Printer:
    """A Windows printer by name, through python-escpos' Win32Raw (a RAW spooler document)."""

    def __init__(self, spec: PrinterSpec) -> None:
        self.spec = spec

    def _device(self) -> Any:
        cls = _win32raw_class()
        if not cls.is_usable():
            raise e.PrinterNotFoundError(
                f"the {self.spec.describe()} needs Windows with pywin32 installed (pip install pywin32)"
            )
        return cls(self.spec.queue)

    def send(self, payload: PrintPayload) -> None:
        if not payload.data:
            return
        device = self._device()
        try:
            device.open(job_name=JOB_TITLE)
        except Exception as exc:
            raise self._not_found(exc) from exc
        try:
            device._raw(payload.data)
        except Exception as exc:
            raise e.PrinterIOError(
                f"the Windows spooler refused the label for the {self.spec.describe()}: {exc}"
            ) from exc
        finally:
            try:
                device.close()  # EndDocPrinter: only now does the spooler release the job
            except Exception:
                log.warning("closing the Windows print job failed", exc_info=True)

    def print_document(self, pdf: bytes, title: str = "packstation document") -> None:
        raise e.PrinterIOError(
            f"printing PDF documents on the {self.spec.describe()} is not supported yet: Windows needs a PDF "
            "renderer for the spooler; use a CUPS queue or print the PDF from a desktop program"
        )

    def probe(self) -> None:
        device = self._device()
        try:
            if self.spec.queue not in device.printers:
                raise e.PrinterNotFoundError(
                    f"there is no {self.spec.describe()}: pick one from 'packstation printers'"
                )
        except e.PrinterError:
            raise
        except Exception as exc:
            raise self._not_found(exc) from exc

    def _not_found(self, exc: BaseException) -> e.PrinterError:
        return e.PrinterNotFoundError(
            f"cannot start a print job on the {self.spec.describe()}: check the name in Printers & scanners "
            f"({type(exc).__name__}: {' '.join(str(exc).split())[:150]})"
        )


def make_os_queue_printer(spec: PrinterSpec) -> CupsPrinter | Win32Printer:
    if spec.kind is PrinterKind.CUPS:
        return CupsPrinter(spec)
    return Win32Printer(spec)
