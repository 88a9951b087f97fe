"""The printer setting as the printing adapters use it: the URI grammar itself is the domain's
(``packstation.domain.setting_grammars``, re-exported here); this module turns its mistakes into the
printer faults the print queue and the commands report, and says what the label pipeline must render
for a head.
"""

from __future__ import annotations

from packstation.adapters.labels.pipeline import Target
from packstation.adapters.printers.errors import PrinterUriError
from packstation.domain import setting_grammars
from packstation.domain.setting_grammars import (
    DEFAULT_DPI,
    DEFAULT_TCP_PORT,
    DEFAULT_TIMEOUT_S,
    DEFAULT_WIDTH,
    PRINTER_EXAMPLES,
    PrinterKind,
    PrinterLanguage,
    PrinterSpec,
    SettingValueError,
    usb_uri,
)

EXAMPLES = PRINTER_EXAMPLES

__all__ = [
    "DEFAULT_DPI",
    "DEFAULT_TCP_PORT",
    "DEFAULT_TIMEOUT_S",
    "DEFAULT_WIDTH",
    "EXAMPLES",
    "PrinterKind",
    "PrinterLanguage",
    "PrinterSpec",
    "label_target",
    "parse_printer_uri",
    "usb_uri",
]


def parse_printer_uri(uri: str) -> PrinterSpec:
    """Parse a printer URI or raise PrinterUriError with a message that says what is wrong."""
    try:
        return setting_grammars.parse_printer_uri(uri)
    except SettingValueError as exc:
        raise PrinterUriError(exc.user_message) from None


def label_target(spec: PrinterSpec) -> Target:
    """What the label pipeline renders for this printer: head size, language, cutter or preview."""
    return Target(
        spec.width, spec.dpi, spec.lang, spec.cut, preview=spec.kind is PrinterKind.PREVIEW, media=spec.media
    )
