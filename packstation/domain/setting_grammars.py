"""The grammars of the device settings, written once: the printer URI, the scanner and the scale.

Pure text parsing (no device is opened here): the settings model (``domain.settings``) checks values
with these functions, the settings dialog checks its fields with that model, and the adapters open
what the parsed value names. Every mistake raises ``SettingValueError`` whose ``code`` says which rule
failed (the dialog turns some codes into its own translated sentence) and whose message says what is
wrong and what the setting should look like.

Printer URIs::

    usb:VID:PID[?serial=SERIAL]     VID/PID in hex (04b8:0e28 or 0x04b8:0x0e28)
    tcp://HOST[:PORT]               raw TCP, port 9100 by default (IPv4 host or name)
    file:PATH                       append the exact printer bytes to PATH (tests, spooling, debugging)
    cups:QUEUE                      a CUPS queue by name (Linux, macOS): the raw bytes go through lp
    win32:PRINTER NAME              a Windows printer by name: the raw bytes go through the spooler
    preview                         no device: the rendered label is shown on screen

Query parameters for every kind: ``width`` (head width in dots, default 576 = 80 mm at 203 dpi; 832
for 4-inch heads), ``dpi`` (203), ``lang`` (escpos, zpl, tspl or epl), ``cut`` (1 or 0). ``timeout``
(seconds of no progress before a write counts as stalled, default 10) is accepted too, and for the
TSPL/EPL label heads ``media`` (gap, mark or continuous: how the head finds the next label), and for
the document printer ``paper`` (a4 or letter: the page size of the PDF documents it gets).

Scanner: ``wedge`` (or empty: the keyboard-wedge scanner only) or ``serial:PORT[?baud=N]``.
Scale: empty (no scale), ``usb`` (the first USB scale found), ``usb:VID[:PID]`` (hex),
``serial:PORT[?baud=9600&protocol=poll|continuous&command=W]`` (an RS-232 scale head) or ``manual``.
"""

from __future__ import annotations

import re
from enum import StrEnum
from urllib.parse import parse_qs, parse_qsl

import msgspec


class SettingValueError(ValueError):
    """A setting's text does not follow its grammar. ``code`` names the rule, the message the fix."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.user_message = message


# -- printer URIs ---------------------------------------------------------------------------------


class PrinterKind(StrEnum):
    USB = "usb"
    TCP = "tcp"
    FILE = "file"
    CUPS = "cups"  # an OS print queue on Linux/macOS, raw bytes through lp
    WIN32 = "win32"  # a Windows printer by name, raw bytes through the spooler
    PREVIEW = "preview"


class PrinterLanguage(StrEnum):
    ESCPOS = "escpos"
    ZPL = "zpl"
    TSPL = "tspl"  # TSC, Xprinter, Munbyn, iDPRT, HPRT label heads: BITMAP raster labels
    EPL = "epl"  # older Zebra LP/TLP heads (EPL2): GW raster labels


class MediaSensing(StrEnum):
    """How a TSPL/EPL label head finds where the next label starts."""

    GAP = "gap"  # die-cut labels with a gap between them (the common 4x6 roll)
    MARK = "mark"  # a black mark on the back of the liner
    CONTINUOUS = "continuous"  # no gaps: the label is as long as the image


class DocumentPaper(StrEnum):
    """The page size of the PDF documents (manifests, packing slips) a document printer gets."""

    A4 = "a4"
    LETTER = "letter"


DEFAULT_WIDTH = 576
DEFAULT_DPI = 203
DEFAULT_TCP_PORT = 9100
DEFAULT_TIMEOUT_S = 10.0
PRINTER_EXAMPLES = (
    "usb:04b8:0e28, tcp://192.168.1.50:9100, cups:QUEUE, win32:PRINTER NAME, file:/tmp/labels.bin or preview"
)
_HEX_ID = r"(?:0x)?([0-9a-fA-F]{1,4})"
_USB = re.compile(rf"^usb:(?://)?{_HEX_ID}:{_HEX_ID}$")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+$")
_KNOWN_PRINTER_PARAMS = frozenset({"width", "dpi", "lang", "cut", "serial", "timeout", "media", "paper"})
_QUEUE_NAME_CUPS = re.compile(r"^[^/#\s\x00-\x1f\x7f]{1,127}$")


class HeadParams(msgspec.Struct, frozen=True):
    """The query parameters every printer URI may carry: what the head is and how patient to be."""

    width: int = DEFAULT_WIDTH
    dpi: int = DEFAULT_DPI
    lang: PrinterLanguage = PrinterLanguage.ESCPOS
    cut: bool = True
    timeout_s: float = DEFAULT_TIMEOUT_S
    media: MediaSensing = MediaSensing.GAP
    paper: DocumentPaper = DocumentPaper.A4


class PrinterSpec(msgspec.Struct, frozen=True):
    """A parsed printer URI: which device and what its head is."""

    kind: PrinterKind
    width: int = DEFAULT_WIDTH
    dpi: int = DEFAULT_DPI
    lang: PrinterLanguage = PrinterLanguage.ESCPOS
    cut: bool = True
    timeout_s: float = DEFAULT_TIMEOUT_S
    vendor_id: int | None = None
    product_id: int | None = None
    serial: str | None = None
    host: str | None = None
    port: int = DEFAULT_TCP_PORT
    path: str | None = None
    queue: str | None = None  # the OS queue or Windows printer name (cups:, win32:)
    media: MediaSensing = MediaSensing.GAP
    paper: DocumentPaper = DocumentPaper.A4  # documents' page size (the document printer)

    @classmethod
    def with_head(
        cls,
        kind: PrinterKind,
        head: HeadParams,
        *,
        vendor_id: int | None = None,
        product_id: int | None = None,
        serial: str | None = None,
        host: str | None = None,
        port: int = DEFAULT_TCP_PORT,
        path: str | None = None,
        queue: str | None = None,
    ) -> PrinterSpec:
        return cls(
            kind,
            width=head.width,
            dpi=head.dpi,
            lang=head.lang,
            cut=head.cut,
            timeout_s=head.timeout_s,
            vendor_id=vendor_id,
            product_id=product_id,
            serial=serial,
            host=host,
            port=port,
            path=path,
            queue=queue,
            media=head.media,
            paper=head.paper,
        )

    def describe(self) -> str:
        """A short name for messages: 'USB printer 04b8:0e28', 'network printer 10.0.0.5:9100', ..."""
        if self.kind is PrinterKind.USB:
            serial = f" (serial {self.serial})" if self.serial else ""
            return f"USB printer {self.vendor_id or 0:04x}:{self.product_id or 0:04x}{serial}"
        if self.kind is PrinterKind.TCP:
            return f"network printer {self.host}:{self.port}"
        if self.kind is PrinterKind.FILE:
            return f"file printer {self.path}"
        if self.kind is PrinterKind.CUPS:
            return f"CUPS queue {self.queue}"
        if self.kind is PrinterKind.WIN32:
            return f"Windows printer {self.queue!r}"
        return "preview"


def usb_uri(vendor_id: int, product_id: int, serial: str | None = None) -> str:
    return f"usb:{vendor_id:04x}:{product_id:04x}" + (f"?serial={serial}" if serial else "")


def parse_printer_uri(uri: str) -> PrinterSpec:
    """Parse a printer URI or raise SettingValueError (code "printer_uri") saying what is wrong."""
    text = (uri or "").strip()
    if not text:
        raise _uri_error(f"no printer is configured; set a printer URI such as {PRINTER_EXAMPLES}")
    base, _, query = text.partition("?")
    params = _parse_query(text, query)
    head = _head_params(text, params)
    scheme = base.split(":", 1)[0].lower()
    if scheme == "usb":
        match = _USB.match(base)
        if not match:
            raise _uri_error(f"bad USB printer URI {text!r}: expected usb:VID:PID in hex, like usb:04b8:0e28")
        vendor, product = int(match.group(1), 16), int(match.group(2), 16)
        serial = params.get("serial") or None
        return PrinterSpec.with_head(
            PrinterKind.USB, head, vendor_id=vendor, product_id=product, serial=serial
        )
    if scheme == "tcp":
        host, port = _tcp_address(text, base)
        return PrinterSpec.with_head(PrinterKind.TCP, head, host=host, port=port)
    if scheme == "file":
        path = base[len("file:") :]
        if path.startswith("//"):
            path = path[2:]  # file:///abs/path -> /abs/path
        if not path:
            raise _uri_error(f"bad file printer URI {text!r}: expected file:PATH")
        return PrinterSpec.with_head(PrinterKind.FILE, head, path=path)
    if scheme == "cups":
        queue = base[len("cups:") :].strip()
        if not _QUEUE_NAME_CUPS.match(queue):
            raise _uri_error(
                f"bad CUPS printer URI {text!r}: expected cups:QUEUE, the queue name as lpstat -p shows it "
                "(no spaces, '/' or '#')"
            )
        return PrinterSpec.with_head(PrinterKind.CUPS, head, queue=queue)
    if scheme == "win32":
        name = base[len("win32:") :].strip()
        if not name or any(ord(c) < 32 for c in name):
            raise _uri_error(
                f"bad Windows printer URI {text!r}: expected win32:PRINTER NAME, the name as Windows' "
                "Printers & scanners shows it"
            )
        return PrinterSpec.with_head(PrinterKind.WIN32, head, queue=name)
    if base.lower() == "preview":
        return PrinterSpec.with_head(PrinterKind.PREVIEW, head)
    raise _uri_error(f"unknown printer URI {text!r}: use {PRINTER_EXAMPLES}")


def _uri_error(message: str) -> SettingValueError:
    return SettingValueError("printer_uri", message)


def _parse_query(text: str, query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise _uri_error(f"bad printer URI {text!r}: the part after '?' must be name=value&...") from None
    params = dict(pairs)
    unknown = sorted(set(params) - _KNOWN_PRINTER_PARAMS)
    if unknown:
        raise _uri_error(
            f"bad printer URI {text!r}: unknown setting {unknown[0]!r} "
            f"(known: {', '.join(sorted(_KNOWN_PRINTER_PARAMS))})"
        )
    return params


def _int_param(text: str, params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise _uri_error(f"bad printer URI {text!r}: {name} must be a whole number, not {raw!r}") from None
    if not low <= value <= high:
        raise _uri_error(f"bad printer URI {text!r}: {name}={value} is outside {low}..{high}")
    return value


def _head_params(text: str, params: dict[str, str]) -> HeadParams:
    width = _int_param(text, params, "width", DEFAULT_WIDTH, 64, 4096)
    dpi = _int_param(text, params, "dpi", DEFAULT_DPI, 100, 600)
    lang_text = params.get("lang", PrinterLanguage.ESCPOS.value).lower()
    try:
        lang = PrinterLanguage(lang_text)
    except ValueError:
        raise _uri_error(
            f"bad printer URI {text!r}: lang must be escpos, zpl, tspl or epl, not {lang_text!r}"
        ) from None
    cut_raw = params.get("cut", "1")
    if cut_raw not in ("0", "1"):
        raise _uri_error(f"bad printer URI {text!r}: cut must be 1 or 0, not {cut_raw!r}")
    timeout = _int_param(text, params, "timeout", int(DEFAULT_TIMEOUT_S), 1, 600)
    media_text = params.get("media", MediaSensing.GAP.value).lower()
    try:
        media = MediaSensing(media_text)
    except ValueError:
        raise _uri_error(
            f"bad printer URI {text!r}: media must be gap, mark or continuous, not {media_text!r}"
        ) from None
    paper_text = params.get("paper", DocumentPaper.A4.value).lower()
    try:
        paper = DocumentPaper(paper_text)
    except ValueError:
        raise _uri_error(
            f"bad printer URI {text!r}: paper must be a4 or letter, not {paper_text!r}"
        ) from None
    return HeadParams(width, dpi, lang, cut_raw == "1", float(timeout), media, paper)


def _tcp_address(text: str, base: str) -> tuple[str, int]:
    rest = base[len("tcp:") :]
    if not rest.startswith("//"):
        raise _uri_error(f"bad network printer URI {text!r}: expected tcp://HOST[:PORT]")
    hostport = rest[2:].rstrip("/")
    host, sep, port_text = hostport.rpartition(":")
    if not sep:
        host, port_text = hostport, ""
    if not host or not _HOST.match(host):
        raise _uri_error(f"bad network printer URI {text!r}: {host or 'the host'!r} is not a host name")
    port = DEFAULT_TCP_PORT
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise _uri_error(f"bad network printer URI {text!r}: port must be 1..65535")
        port = int(port_text)
    return host, port


# -- the scanner ----------------------------------------------------------------------------------


class ScannerKind(StrEnum):
    WEDGE = "wedge"  # a USB scanner that types: no reader runs
    SERIAL = "serial"  # RS-232 or USB-CDC: a reader thread reads the port


DEFAULT_BAUDRATE = 9600
SCANNER_USAGE = "use wedge, serial:/dev/ttyACM0 or serial:COM3 (optionally ?baud=9600)"


class SerialScannerSetting(msgspec.Struct, frozen=True):
    port: str
    baudrate: int = DEFAULT_BAUDRATE


def parse_scanner(setting: str) -> SerialScannerSetting | None:
    """The serial port a ``scanner`` value names; None for the keyboard wedge ("wedge" or "").
    Raises SettingValueError with one clear line for anything else."""
    text = (setting or "").strip()
    if text.lower() in ("", ScannerKind.WEDGE):
        return None
    kind, colon, rest = text.partition(":")
    if kind.lower() != ScannerKind.SERIAL or not colon:
        raise SettingValueError("scanner", f"scanner setting {setting!r}: {SCANNER_USAGE}")
    port, _, query = rest.partition("?")
    port = port.strip()
    if not port:
        raise SettingValueError(
            "scanner_no_port", f"scanner setting {setting!r} names no serial port: {SCANNER_USAGE}"
        )
    baudrate = DEFAULT_BAUDRATE
    if query:
        params = parse_qs(query, keep_blank_values=True)
        unknown = sorted(set(params) - {"baud"})
        if unknown:
            raise SettingValueError(
                "scanner", f"scanner setting {setting!r}: unknown option {unknown[0]!r}; only baud="
            )
        try:
            baudrate = int(params["baud"][-1])
        except ValueError:
            baudrate = 0
        if baudrate <= 0:
            raise SettingValueError(
                "scanner", f"scanner setting {setting!r}: baud is a whole number, like ?baud=9600"
            )
    return SerialScannerSetting(port, baudrate)


# -- the scale ------------------------------------------------------------------------------------


class ScaleKind(StrEnum):
    NONE = ""  # no scale: weights are not asked for
    USB = "usb"  # a USB HID scale
    SERIAL = "serial"  # an RS-232 (or USB-serial) scale head
    MANUAL = "manual"  # no scale, the packer types the weight


class SerialScaleProtocol(StrEnum):
    """How a serial scale head gives its weight."""

    POLL = "poll"  # it answers a "W" (NCI/Avery/CAS) or "S" (Mettler SICS) request
    CONTINUOUS = "continuous"  # it sends a weight line over and over (CAS, Mettler continuous mode)


SCALE_USAGE = (
    "use usb, usb:VID:PID (like usb:0922:8003), serial:PORT[?baud=9600&protocol=poll|continuous"
    "&command=W] or manual"
)
_SCALE_IDS = re.compile(r"^(?:0x)?[0-9a-f]{1,4}(?::(?:0x)?[0-9a-f]{1,4})?$")


class ScaleSetting(msgspec.Struct, frozen=True):
    kind: ScaleKind
    vendor_id: int | None = None  # None: the first USB scale found
    product_id: int | None = None
    port: str | None = None  # serial scales: /dev/ttyUSB0, COM3 or a pyserial URL
    baudrate: int = DEFAULT_BAUDRATE
    protocol: SerialScaleProtocol = SerialScaleProtocol.POLL
    command: str = "W"  # the poll request ("W" NCI/Avery/CAS, "S" or "SI" Mettler SICS)

    @property
    def weight_mode(self) -> str:
        """The station's weight mode (domain ``station_weight``): "", "scale" or "manual"."""
        modes = {
            ScaleKind.NONE: "",
            ScaleKind.USB: "scale",
            ScaleKind.SERIAL: "scale",
            ScaleKind.MANUAL: "manual",
        }
        return modes[self.kind]


def _parse_serial_scale(setting: str, rest: str) -> ScaleSetting:
    port, _, query = rest.partition("?")
    port = port.strip()
    if not port:
        raise SettingValueError("scale", f"scale setting {setting!r} names no serial port: {SCALE_USAGE}")
    params = {key: values[-1] for key, values in parse_qs(query, keep_blank_values=True).items()}
    unknown = sorted(set(params) - {"baud", "protocol", "command"})
    if unknown:
        raise SettingValueError(
            "scale", f"scale setting {setting!r}: unknown option {unknown[0]!r}; use baud, protocol, command"
        )
    baud_text = params.get("baud", str(DEFAULT_BAUDRATE))
    if not baud_text.isdigit() or int(baud_text) <= 0:
        raise SettingValueError(
            "scale", f"scale setting {setting!r}: baud is a whole number, like ?baud=9600"
        )
    try:
        protocol = SerialScaleProtocol(params.get("protocol", "poll").lower())
    except ValueError:
        raise SettingValueError(
            "scale", f"scale setting {setting!r}: protocol must be poll or continuous"
        ) from None
    command = params.get("command", "W")
    if not command or not command.isascii() or not command.isprintable():
        raise SettingValueError("scale", f"scale setting {setting!r}: command is a short text, like W or SI")
    return ScaleSetting(
        ScaleKind.SERIAL, port=port, baudrate=int(baud_text), protocol=protocol, command=command
    )


def parse_scale(setting: str) -> ScaleSetting:
    """What a ``scale`` value names; raises SettingValueError with a clear line for anything else."""
    raw = (setting or "").strip()
    if raw.lower().startswith("serial:"):
        return _parse_serial_scale(setting, raw[len("serial:") :])
    text = raw.lower()
    if text in ("", ScaleKind.MANUAL):
        return ScaleSetting(ScaleKind(text))
    kind, _, ids = text.partition(":")
    if kind != ScaleKind.USB:
        raise SettingValueError("scale", f"scale setting {setting!r}: {SCALE_USAGE}")
    if not ids:
        return ScaleSetting(ScaleKind.USB)
    if not _SCALE_IDS.match(ids):
        raise SettingValueError(
            "scale_ids", f"scale setting {setting!r}: the ids are hex numbers, like usb:0922:8003"
        )
    vendor, _, product = ids.partition(":")
    return ScaleSetting(ScaleKind.USB, int(vendor, 16), int(product, 16) if product else None)
