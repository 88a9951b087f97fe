"""The scan parser over every product code family: GTIN-8/12/13/14, GS1 element strings with AIM
prefixes and each form of the GS separator, wrong check digits refused as such."""

from __future__ import annotations

from datetime import date

import pytest

from packstation.domain.gs1 import gs1_check_digit
from packstation.domain.item_codes import ItemCode, ItemCodeError, barcode_key, read_item_code
from packstation.domain.scans import ScanContext, ScanKind, classify

EAN13 = "4006381333931"
UPCA = "036000291452"
EAN8 = "96385074"
ITF14 = "10614141000415"
GTIN14 = "09506000134352"  # in a DataMatrix
DM = f"]d201{GTIN14}17270101104A2B\x1d21SER1"


def with_check(body: str) -> str:
    return body + str(gs1_check_digit(body))


def wrong(code: str) -> str:
    return code[:-1] + str((int(code[-1]) + 1) % 10)


@pytest.mark.parametrize(
    ("scan", "gtin14"),
    [(EAN13, "04006381333931"), (UPCA, "00036000291452"), (EAN8, "00000096385074"), (ITF14, ITF14)],
)
def test_every_gtin_length_is_normalised_to_gtin14(scan, gtin14):
    assert read_item_code(scan) == ItemCode(gtin=gtin14)
    assert barcode_key(scan) == gtin14
    result = classify(scan)
    assert result.kind is ScanKind.CODE and result.value == scan and result.item.gtin == gtin14


def test_an_ean13_and_the_gtin14_of_a_datamatrix_have_the_same_key():
    ean = GTIN14[1:]
    assert barcode_key(ean) == classify(DM).value == GTIN14


def test_the_packaging_indicator_of_an_itf14_case_code():
    assert read_item_code(ITF14).packaging_indicator == 1
    assert read_item_code(EAN13).packaging_indicator == 0


@pytest.mark.parametrize("aim", ["]d2", "]C1", "]Q3", "]e0", "]J1"])
def test_gs1_aim_prefixes_give_an_item_with_lot_serial_and_expiry(aim):
    scan = classify(f"{aim}01{GTIN14}17270101104A2B\x1d21SER1")
    assert scan.kind is ScanKind.ITEM and scan.value == GTIN14
    assert (scan.item.lot, scan.item.serial, scan.item.expiry) == ("4A2B", "SER1", date(2027, 1, 1))


def test_a_datamatrix_without_aim_prefix_is_read_by_its_leading_ai_01():
    scan = classify(f"01{GTIN14}10LOT7\x1d21X9")
    assert scan.kind is ScanKind.ITEM and (scan.item.lot, scan.item.serial) == ("LOT7", "X9")


def test_a_leading_fnc1_and_a_trailing_gs_carry_no_data():
    scan = classify(f"]C1\x1d01{GTIN14}10LOT7\x1d")
    assert scan.kind is ScanKind.ITEM and scan.item.lot == "LOT7"


def test_best_before_and_count_with_ai_02():
    scan = classify(f"]C102{GTIN14}15271231\x1d3712")
    assert scan.kind is ScanKind.ITEM and scan.value == GTIN14
    assert scan.item.best_before == date(2027, 12, 31) and scan.item.count == 12


def test_an_sscc_in_a_gs1_128_is_a_logistic_label_not_an_item():
    sscc = with_check("10614141123456789")
    scan = classify(f"]C100{sscc}")
    assert scan.kind is ScanKind.TRACKING and scan.value == "00" + sscc


@pytest.mark.parametrize("form", ["^]", "<GS>", "~"])
def test_the_configured_gs_replacement_is_read_as_gs(form):
    raw = f"]d201{GTIN14}17270101104A2B{form}21SER1"
    scan = classify(raw, context=ScanContext(gs_forms=(form,)))
    assert scan.kind is ScanKind.ITEM and (scan.item.lot, scan.item.serial) == ("4A2B", "SER1")


def test_without_the_setting_a_replacement_text_is_part_of_the_lot():
    scan = classify(f"]d201{GTIN14}104A2B<GS>21SER1")
    assert scan.kind is ScanKind.ITEM and scan.item.lot == "4A2B<GS>21SER1" and scan.item.serial == ""


def test_gs_as_ctrl_bracket_is_taken_as_is():
    assert classify(DM).item.serial == "SER1"


def test_wrong_check_digit_in_a_datamatrix_gtin_is_refused_as_such():
    scan = classify(f"]d201{wrong(GTIN14)}10LOT")
    assert scan.kind is ScanKind.GARBAGE and "wrong check digit" in scan.problem


@pytest.mark.parametrize(("aim", "code"), [("]E0", EAN13), ("]E0", UPCA), ("]E4", EAN8), ("]I1", ITF14)])
def test_wrong_check_digit_of_an_ean_upc_itf_scan_is_refused_as_such(aim, code):
    scan = classify(aim + wrong(code))
    assert scan.kind is ScanKind.GARBAGE and "wrong check digit" in scan.problem


def test_bare_digits_with_a_wrong_check_digit_stay_a_code_they_may_be_an_order_number():
    scan = classify(wrong(EAN13))
    assert scan.kind is ScanKind.CODE and scan.item is None


def test_an_invalid_date_and_an_unknown_ai_are_refused_with_a_reason():
    bad_date = classify(f"]d201{GTIN14}17271301")
    assert bad_date.kind is ScanKind.GARBAGE and "GS1" in bad_date.problem
    assert isinstance(read_item_code("]99x", aim="]C1"), ItemCodeError)


def test_a_gs1_string_without_a_product_number_is_refused():
    scan = classify("]C110LOT1")
    assert scan.kind is ScanKind.GARBAGE and "no product" in scan.problem


def test_plain_codes_and_commands_are_untouched():
    assert classify("SKU-123").kind is ScanKind.CODE and classify("SKU-123").item is None
    assert classify("]E0SKU-9").value == "SKU-9"
    assert classify("CMD:LEARN").kind is ScanKind.COMMAND


def test_gs_in_a_non_gs1_code_is_garbage_not_a_crash():
    scan = classify("]A0ABC\x1dDEF")
    assert scan.kind is ScanKind.GARBAGE and scan.problem
