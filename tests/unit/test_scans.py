"""Scan classification: every barcode form the bench meets, and the junk scanners produce."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packstation.domain.gs1 import make_tracking_number
from packstation.domain.scans import (
    MAX_SCAN_LENGTH,
    Command,
    ScanContext,
    ScanKind,
    box_id_from_tag,
    classify,
    format_box_tag,
    normalise,
)

SSCC = make_tracking_number("0333333", 1390)
BAD_CHECK = SSCC[:-1] + str((int(SSCC[-1]) + 1) % 10)


@pytest.mark.parametrize(
    ("raw", "kind", "value"),
    [
        ("CMD:CLOSE-BOX", ScanKind.COMMAND, "CLOSE-BOX"),
        ("cmd:close-box", ScanKind.COMMAND, "CLOSE-BOX"),
        ("CMD:close_box\r\n", ScanKind.COMMAND, "CLOSE-BOX"),
        ("CMD:NEW-BOX", ScanKind.COMMAND, "NEW-BOX"),
        ("CMD:REPRINT\t", ScanKind.COMMAND, "REPRINT"),
        ("CMD:VOID-BOX", ScanKind.COMMAND, "VOID-BOX"),
        ("CMD:PARK", ScanKind.COMMAND, "PARK"),
        ("]C0CMD:CANCEL\r", ScanKind.COMMAND, "CANCEL"),
        ("BOX:M", ScanKind.BOX_TYPE, "M"),
        ("box:xl\n", ScanKind.BOX_TYPE, "XL"),
        ("USER:Anna Berg", ScanKind.USER, "Anna Berg"),
        ("user: Bo ", ScanKind.USER, "Bo"),
        (SSCC, ScanKind.TRACKING, SSCC),
        ("]C1" + SSCC, ScanKind.TRACKING, SSCC),
        (BAD_CHECK, ScanKind.CODE, BAD_CHECK),
        ("BOX-000042", ScanKind.BOX_TAG, "BOX-000042"),
        ("box-42", ScanKind.BOX_TAG, "BOX-000042"),
        ("SKU-123", ScanKind.CODE, "SKU-123"),
        ("  7310865004703\r\n", ScanKind.CODE, "7310865004703"),
        ("]E07310865004703", ScanKind.CODE, "7310865004703"),
        ("ORDER:55", ScanKind.CODE, "ORDER:55"),
        ("Blå kopp", ScanKind.CODE, "Blå kopp"),
    ],
)
def test_classification_table(raw, kind, value):
    scan = classify(raw)
    assert (scan.kind, scan.value, scan.raw) == (kind, value, raw)
    assert scan.problem == ""


@pytest.mark.parametrize(
    ("raw", "words"),
    [
        ("", "Empty scan"),
        ("   \r\n", "Empty scan"),
        ("\t", "Empty scan"),
        ("SKU\x1b[A", "control characters"),
        ("AB\x00CD", "control characters"),
        ("AB\ufffdCD", "control characters"),
        ("A\u200bB", "control characters"),  # zero-width space (format character)
        ("X" * (MAX_SCAN_LENGTH + 1), "too long"),
        ("CMD:EXPLODE", "Unknown command 'CMD:EXPLODE'"),
        ("CMD:", "Unknown command"),
        ("BOX:", "without a box type"),
        ("USER:  ", "Badge without a name"),
    ],
)
def test_garbage_has_a_clear_reason(raw, words):
    scan = classify(raw)
    assert scan.kind is ScanKind.GARBAGE
    assert words in scan.problem
    assert scan.raw == raw


def test_unknown_command_lists_the_real_ones():
    problem = classify("CMD:CLOSE").problem
    assert all(c.barcode in problem for c in Command)


def test_longest_allowed_scan_is_a_code():
    assert classify("X" * MAX_SCAN_LENGTH).kind is ScanKind.CODE


def test_non_sscc_tracking_number_needs_context():
    assert classify("JJD0099").kind is ScanKind.CODE
    scan = classify("JJD0099", context=ScanContext(known_tracking_numbers={"JJD0099"}))
    assert scan.kind is ScanKind.TRACKING


def test_command_property():
    assert classify("CMD:PARK").command is Command.PARK
    assert classify("SKU").command is None


def test_box_tags_round_trip():
    assert format_box_tag(42) == "BOX-000042"
    assert box_id_from_tag(format_box_tag(1234567)) == 1234567
    assert box_id_from_tag("BOX-12\r\n") == 12
    assert box_id_from_tag("BOX:M") is None
    with pytest.raises(ValueError):
        format_box_tag(-1)


def test_normalise_keeps_inner_spaces():
    assert normalise("]Q3 A B \r\n") == "A B"


def test_non_string_is_garbage():
    assert classify(b"SKU").kind is ScanKind.GARBAGE  # type: ignore[arg-type]


@given(st.text(max_size=200))
def test_classify_never_raises_and_value_is_clean(raw):
    scan = classify(raw)
    assert scan.raw == raw
    if scan.kind is ScanKind.GARBAGE:
        assert scan.problem and scan.value == ""
    else:
        assert scan.value and scan.value == scan.value.strip()
        assert len(scan.value) <= MAX_SCAN_LENGTH
        assert all(ch.isprintable() or ch == " " for ch in scan.value)
