"""The command sheet: every command and box type, each barcode read back as what it says."""

from __future__ import annotations

from packstation.domain.code128 import encode_values
from packstation.domain.commands_sheet import SUPERVISOR_CAPTIONS, command_sheet
from packstation.domain.packing import DEFAULT_BOX_TYPES, BoxType
from packstation.domain.scans import Command, ScanKind, classify


def test_sheet_lists_every_command_then_every_box_type():
    entries = command_sheet()
    packers = [c for c in Command if c not in SUPERVISOR_CAPTIONS]
    assert [e.barcode for e in entries] == [c.barcode for c in packers] + [
        b.barcode for b in DEFAULT_BOX_TYPES
    ]
    everything = command_sheet(supervisor=True)
    assert {e.barcode for e in everything} >= {c.barcode for c in Command}
    assert entries[0].caption == "Close box"
    assert entries[-1].caption == "Close as Large box (L)" and entries[-1].hint == "450 x 350 x 250 mm"
    assert all(e.caption and e.hint for e in entries)


def test_every_sheet_barcode_scans_as_itself_and_encodes_in_code128():
    for entry in command_sheet(  # the supervisor rows scan as themselves too
        (*DEFAULT_BOX_TYPES, BoxType("XL", "Extra large", 600, 400, 400)), packer="Anna", supervisor=True
    ):
        scan = classify(entry.barcode + "\r\n")
        if scan.kind is ScanKind.COMMAND:
            assert f"CMD:{scan.value}" == entry.barcode
        elif scan.kind is ScanKind.BOX_TYPE:
            assert f"BOX:{scan.value}" == entry.barcode
        else:
            assert scan.kind is ScanKind.USER and scan.value == "Anna"
        assert encode_values(entry.barcode)


def test_pairs_and_custom_presets():
    pairs = [(e.barcode, e.caption) for e in command_sheet((BoxType("E", "Envelope", 300, 220, 20),))]
    assert pairs[-1] == ("BOX:E", "Close as Envelope (E)")
    assert len(pairs) == len(Command) - len(SUPERVISOR_CAPTIONS) + 1
    assert all(e.barcode != "USER:" for e in command_sheet(packer="  "))
