"""Printers: the printer URI, python-escpos device printers (USB, TCP, file), the on-screen preview
printer, USB printer discovery and the persisted print queue worker."""

from packstation.adapters.printers.devices import PreviewPrinter, Printer, make_printer
from packstation.adapters.printers.errors import PrinterError
from packstation.adapters.printers.uri import PrinterSpec, parse_printer_uri

__all__ = ["PreviewPrinter", "Printer", "PrinterError", "PrinterSpec", "make_printer", "parse_printer_uri"]
