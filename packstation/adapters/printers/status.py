"""Printer status queries and what their answers mean, for ESC/POS (``DLE EOT n``), ZPL (``~HS``) and
TSPL (``<ESC>!?``). EPL2 heads have no status query that answers over a plain data channel: none is sent.

Only the parsing lives here (no I/O): ``devices`` sends the queries over USB or TCP and hands the
answers in. A printer that does not answer, or answers something that is not a status reply, is taken
as "no status available" (``None``), never as a fault: many printers ignore the queries.
"""

from __future__ import annotations

import re
from collections.abc import Callable

import msgspec

# ESC/POS real-time status (Epson's "Transmit real-time status"): one byte per query; bits 1 and 4 are
# always 1 and bits 0 and 7 always 0, which tells a status byte from stray data.
ESCPOS_PRINTER_STATUS = b"\x10\x04\x01"  # bit 3: offline
ESCPOS_OFFLINE_CAUSE = b"\x10\x04\x02"  # bit 2: cover open, bit 5: stopped at paper end, bit 6: error
ESCPOS_PAPER_STATUS = b"\x10\x04\x04"  # bits 5 and 6: paper end
ESCPOS_QUERIES = (ESCPOS_PAPER_STATUS, ESCPOS_OFFLINE_CAUSE, ESCPOS_PRINTER_STATUS)
ZPL_HOST_STATUS = b"~HS"

_FIXED_MASK, _FIXED_BITS = 0x93, 0x12
NO_PAPER_MASK = 0x60  # python-escpos RT_MASK_NOPAPER is 0x72: the paper-end bits plus the fixed ones


def is_escpos_status_byte(value: int) -> bool:
    return value & _FIXED_MASK == _FIXED_BITS


def escpos_fault(query: bytes, value: int) -> str | None:
    """The fault an ESC/POS status byte reports for ``query``, in words, or None if all is well."""
    if not is_escpos_status_byte(value):
        return None
    if query == ESCPOS_PAPER_STATUS and value & NO_PAPER_MASK == NO_PAPER_MASK:
        return "paper out"
    if query == ESCPOS_OFFLINE_CAUSE:
        if value & 0x04:
            return "cover open"
        if value & 0x20:
            return "paper out"
        if value & 0x40:
            return "error (paper jam or cutter)"
    if query == ESCPOS_PRINTER_STATUS and value & 0x08:
        return "offline"
    return None


_ZPL_FRAME = re.compile(rb"\x02([^\x02\x03]*)\x03")


def zpl_status_complete(data: bytes) -> bool:
    """True once the first two ~HS strings (the ones with the fault flags) have arrived."""
    return len(_ZPL_FRAME.findall(data)) >= 2


def zpl_fault(data: bytes) -> str | None:
    """The fault a ZPL ``~HS`` answer reports, or None (all well, or not a ~HS answer).

    String 1 is ``aaa,b,c,...``: b = paper out, c = pause; string 2 is ``mmm,n,o,p,...``: o = head up
    (print head open), p = ribbon out (Zebra ZPL II programming guide, ~HS)."""
    frames = [f.decode("ascii", "replace").split(",") for f in _ZPL_FRAME.findall(data)]
    if len(frames) < 2 or len(frames[0]) < 3 or len(frames[1]) < 4:
        return None
    first, second = frames[0], frames[1]
    if first[1].strip() == "1":
        return "paper out"
    if second[2].strip() == "1":
        return "print head open"
    if second[3].strip() == "1":
        return "ribbon out"
    if first[2].strip() == "1":
        return "paused"
    return None


TSPL_STATUS = b"\x1b!?"  # TSPL "immediate status": one byte, 0x00 = ready
# Bits of the TSPL status byte (TSC TSPL/TSPL2 manual, <ESC>!?), most urgent first.
_TSPL_BITS = (
    (0x01, "print head open"),
    (0x04, "paper out"),
    (0x02, "paper jam"),
    (0x08, "ribbon out"),
    (0x10, "paused"),
    (0x80, "error"),
)


def tspl_fault(value: int) -> str | None:
    """The fault a TSPL status byte reports, or None (ready, or only busy printing: bit 0x20)."""
    for bit, words in _TSPL_BITS:
        if value & bit:
            return words
    return None


# What a packer does about each fault, in words.
_FIXES = {
    "paper out": "load a new roll",
    "cover open": "close the cover",
    "print head open": "close the print head",
    "paused": "press the pause (or feed) button to resume",
    "offline": "switch it online",
    "ribbon out": "load a new ribbon",
    "paper jam": "open it and clear the jam",
    "error (paper jam or cutter)": "open it and clear the jam or the cutter",
    "error": "check its display and clear the fault",
}


def fix_for(fault: str) -> str:
    return _FIXES.get(fault, "check the printer")


class StatusReading(msgspec.Struct, frozen=True):
    """One status read: ``answered`` is False for a printer that ignores queries; ``fault`` in words."""

    answered: bool
    fault: str | None = None


# ask(query, complete) sends a query and returns what came back until ``complete`` says the answer
# is whole or the short status timeout passed (b"" for no answer). Transport-specific: USB or TCP.
Ask = Callable[[bytes, Callable[[bytes], bool]], bytes]


def _one_byte(data: bytes) -> bool:
    return len(data) >= 1


def read_status(lang: str, ask: Ask) -> StatusReading:
    """Query a head in its own language: ESC/POS DLE EOT 4/2/1, ZPL ~HS, TSPL <ESC>!?; EPL: nothing."""
    if lang == "epl":
        return StatusReading(False)
    if lang == "tspl":
        reply = ask(TSPL_STATUS, _one_byte)
        return StatusReading(bool(reply), tspl_fault(reply[0]) if reply else None)
    if lang == "zpl":
        reply = ask(ZPL_HOST_STATUS, zpl_status_complete)
        return StatusReading(zpl_status_complete(reply), zpl_fault(reply))
    answered = False
    for query in ESCPOS_QUERIES:
        reply = ask(query, _one_byte)
        if not reply or not is_escpos_status_byte(reply[0]):
            break  # does not answer (this query): nothing more to learn
        answered = True
        fault = escpos_fault(query, reply[0])
        if fault is not None:
            return StatusReading(True, fault)
    return StatusReading(answered)
