"""The printer setting: one URI naming the device and describing its head.

    usb:VID:PID[?serial=SERIAL]     VID/PID in hex (04b8:0e28 or 0x04b8:0x0e28)
    tcp://HOST[:PORT]               raw TCP, port 9100 by default (IPv4 host or name)
    file:PATH                       append the exact printer bytes to PATH (tests, spooling, debugging)
    preview                         no device: the rendered label is shown on screen

Query parameters for every kind: ``width`` (head width in dots, default 576 = 80 mm at 203 dpi; 832
for 4-inch heads), ``dpi`` (203), ``lang`` (escpos or zpl), ``cut`` (1 or 0). ``timeout`` (seconds of
no progress before a write counts as stalled, default 10) is accepted too.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qsl

from packstation.adapters.labels.pipeline import LANGUAGES, Target
from packstation.adapters.printers.errors import PrinterUriError

DEFAULT_WIDTH = 576
DEFAULT_DPI = 203
DEFAULT_TCP_PORT = 9100
DEFAULT_TIMEOUT_S = 10.0
_HEX_ID = r"(?:0x)?([0-9a-fA-F]{1,4})"
_USB = re.compile(rf"^usb:(?://)?{_HEX_ID}:{_HEX_ID}$")
_HOST = re.compile(r"^[A-Za-z0-9.\-]+$")
_KNOWN_PARAMS = {"width", "dpi", "lang", "cut", "serial", "timeout"}
EXAMPLES = "usb:04b8:0e28, tcp://192.168.1.50:9100, file:/tmp/labels.bin or preview"


@dataclass(frozen=True)
class PrinterSpec:
    kind: str  # usb | tcp | file | preview
    width: int = DEFAULT_WIDTH
    dpi: int = DEFAULT_DPI
    lang: str = "escpos"
    cut: bool = True
    timeout_s: float = DEFAULT_TIMEOUT_S
    vendor_id: int | None = None
    product_id: int | None = None
    serial: str | None = None
    host: str | None = None
    port: int = DEFAULT_TCP_PORT
    path: str | None = None

    @property
    def target(self) -> Target:
        return Target(self.width, self.dpi, self.lang, self.cut, preview=self.kind == "preview")

    def describe(self) -> str:
        """A short name for messages: 'USB printer 04b8:0e28', 'network printer 10.0.0.5:9100', ..."""
        if self.kind == "usb":
            serial = f" (serial {self.serial})" if self.serial else ""
            return f"USB printer {self.vendor_id:04x}:{self.product_id:04x}{serial}"
        if self.kind == "tcp":
            return f"network printer {self.host}:{self.port}"
        if self.kind == "file":
            return f"file printer {self.path}"
        return "preview"


def usb_uri(vendor_id: int, product_id: int, serial: str | None = None) -> str:
    return f"usb:{vendor_id:04x}:{product_id:04x}" + (f"?serial={serial}" if serial else "")


def parse_printer_uri(uri: str) -> PrinterSpec:
    """Parse a printer URI or raise PrinterUriError with a message that says what is wrong."""
    text = (uri or "").strip()
    if not text:
        raise PrinterUriError(f"no printer is configured; set a printer URI such as {EXAMPLES}")
    base, _, query = text.partition("?")
    params = _parse_query(text, query)
    common = _head_params(text, params)
    scheme = base.split(":", 1)[0].lower()
    if scheme == "usb":
        match = _USB.match(base)
        if not match:
            raise PrinterUriError(
                f"bad USB printer URI {text!r}: expected usb:VID:PID in hex, like usb:04b8:0e28"
            )
        vendor, product = int(match.group(1), 16), int(match.group(2), 16)
        serial = params.get("serial") or None
        return PrinterSpec("usb", vendor_id=vendor, product_id=product, serial=serial, **common)
    if scheme == "tcp":
        return PrinterSpec("tcp", **_tcp_address(text, base), **common)
    if scheme == "file":
        path = base[len("file:") :]
        if path.startswith("//"):
            path = path[2:]  # file:///abs/path -> /abs/path
        if not path:
            raise PrinterUriError(f"bad file printer URI {text!r}: expected file:PATH")
        return PrinterSpec("file", path=path, **common)
    if base.lower() == "preview":
        return PrinterSpec("preview", **common)
    raise PrinterUriError(f"unknown printer URI {text!r}: use {EXAMPLES}")


def _parse_query(text: str, query: str) -> dict[str, str]:
    try:
        pairs = parse_qsl(query, keep_blank_values=True, strict_parsing=bool(query))
    except ValueError:
        raise PrinterUriError(
            f"bad printer URI {text!r}: the part after '?' must be name=value&..."
        ) from None
    params = dict(pairs)
    unknown = sorted(set(params) - _KNOWN_PARAMS)
    if unknown:
        raise PrinterUriError(
            f"bad printer URI {text!r}: unknown setting {unknown[0]!r} "
            f"(known: {', '.join(sorted(_KNOWN_PARAMS))})"
        )
    return params


def _int_param(text: str, params: dict[str, str], name: str, default: int, low: int, high: int) -> int:
    raw = params.get(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise PrinterUriError(
            f"bad printer URI {text!r}: {name} must be a whole number, not {raw!r}"
        ) from None
    if not low <= value <= high:
        raise PrinterUriError(f"bad printer URI {text!r}: {name}={value} is outside {low}..{high}")
    return value


def _head_params(text: str, params: dict[str, str]) -> dict[str, object]:
    width = _int_param(text, params, "width", DEFAULT_WIDTH, 64, 4096)
    dpi = _int_param(text, params, "dpi", DEFAULT_DPI, 100, 600)
    lang = params.get("lang", "escpos").lower()
    if lang not in LANGUAGES:
        raise PrinterUriError(f"bad printer URI {text!r}: lang must be escpos or zpl, not {lang!r}")
    cut_raw = params.get("cut", "1")
    if cut_raw not in ("0", "1"):
        raise PrinterUriError(f"bad printer URI {text!r}: cut must be 1 or 0, not {cut_raw!r}")
    timeout = _int_param(text, params, "timeout", int(DEFAULT_TIMEOUT_S), 1, 600)
    return {"width": width, "dpi": dpi, "lang": lang, "cut": cut_raw == "1", "timeout_s": float(timeout)}


def _tcp_address(text: str, base: str) -> dict[str, object]:
    rest = base[len("tcp:") :]
    if not rest.startswith("//"):
        raise PrinterUriError(f"bad network printer URI {text!r}: expected tcp://HOST[:PORT]")
    hostport = rest[2:].rstrip("/")
    host, sep, port_text = hostport.rpartition(":")
    if not sep:
        host, port_text = hostport, ""
    if not host or not _HOST.match(host):
        raise PrinterUriError(f"bad network printer URI {text!r}: {host or 'the host'!r} is not a host name")
    port = DEFAULT_TCP_PORT
    if port_text:
        if not port_text.isdigit() or not 1 <= int(port_text) <= 65535:
            raise PrinterUriError(f"bad network printer URI {text!r}: port must be 1..65535")
        port = int(port_text)
    return {"host": host, "port": port}
