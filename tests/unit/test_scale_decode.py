"""Decoding USB HID POS scale reports in the byte layouts real scales send, and the close-box gate."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from packstation.domain.scale import (
    ManualWeightError,
    Reading,
    ScaleReportError,
    ScaleStatus,
    WeightGate,
    decode_report,
    encode_report,
    manual_reading,
    parse_manual_weight,
)

# Reports as captured from scales (hex): report id, status, unit, exponent, weight lo, weight hi.
DYMO_M10_850_G = bytes.fromhex("030402005203")  # 0x0352 = 850 g, stable
DYMO_M25_OZ = bytes.fromhex("03040bff1e01")  # 0x011e = 286 → 28.6 oz, stable
STAMPS_ZERO = bytes.fromhex("030202000000")  # stable at zero
IN_MOTION_G = bytes.fromhex("030302004c04")  # 1100 g, moving
UNDER_ZERO_G = bytes.fromhex("030502001400")  # -20 g
OVERWEIGHT = bytes.fromhex("030602000000")
FAULT = bytes.fromhex("030102000000")
KG_MILLI = bytes.fromhex("030403fde204")  # 0x04e2 = 1250 × 10^-3 kg
KG_CENTI = bytes.fromhex("030403fe7d00")  # 125 × 10^-2 kg
LB_TENTHS = bytes.fromhex("03040cff1900")  # 2.5 lb


def test_stable_grams():
    r = decode_report(DYMO_M10_850_G)
    assert (r.status, r.weight_g, r.stable, r.unit, r.grams) == (ScaleStatus.STABLE, 850.0, True, "g", 850)
    assert r.raw == DYMO_M10_850_G
    assert r.display == "850 g"


def test_kilograms_with_negative_exponents():
    milli = decode_report(KG_MILLI)
    centi = decode_report(KG_CENTI)
    assert milli.weight_g == centi.weight_g == 1250.0
    assert milli.unit == "kg"
    assert milli.display == "1.250 kg"
    assert centi.value == Decimal("1.25")


def test_ounces_and_pounds_converted_to_grams():
    oz = decode_report(DYMO_M25_OZ)
    assert oz.unit == "oz"
    assert oz.weight_g == pytest.approx(28.6 * 28.349523125, abs=0.001)
    assert oz.grams == 811
    lb = decode_report(LB_TENTHS)
    assert lb.weight_g == pytest.approx(2.5 * 453.59237, abs=0.001)
    assert lb.grams == 1134


def test_statuses():
    assert decode_report(IN_MOTION_G).status is ScaleStatus.IN_MOTION
    assert decode_report(IN_MOTION_G).stable is False
    zero = decode_report(STAMPS_ZERO)
    assert zero.status is ScaleStatus.STABLE_ZERO and zero.stable and zero.weight_g == 0
    under = decode_report(UNDER_ZERO_G)
    assert under.status is ScaleStatus.UNDER_ZERO and under.weight_g == -20.0 and not under.stable
    assert decode_report(OVERWEIGHT).status is ScaleStatus.OVER_WEIGHT
    assert decode_report(FAULT).status is ScaleStatus.FAULT


def test_report_without_report_id_and_longer_buffers():
    assert decode_report(DYMO_M10_850_G[1:]).weight_g == 850.0
    # An interrupt read into an 8-byte buffer: trailing padding is ignored.
    assert decode_report(DYMO_M10_850_G + b"\0\0").weight_g == 850.0


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        (b"", "too short"),
        (b"\x03\x04", "too short"),
        (bytes.fromhex("040402000000"), "report id 4"),
        (bytes.fromhex("030902000000"), "unknown scale status 9"),
        (bytes.fromhex("030463000000"), "unknown weight unit 99"),
    ],
)
def test_bad_reports_raise_clear_errors(data, fragment):
    with pytest.raises(ScaleReportError, match=fragment):
        decode_report(data)


@given(
    status=st.sampled_from(list(ScaleStatus)),
    unit=st.integers(1, 12),
    exponent=st.integers(-5, 3),
    weight=st.integers(0, 0xFFFF),
)
def test_encode_decode_round_trip(status, unit, exponent, weight):
    reading = decode_report(encode_report(status, unit, exponent, weight))
    assert reading.status == status
    expected = Decimal(weight).scaleb(exponent)
    assert abs(reading.value) == expected


@given(st.binary(max_size=12))
def test_garbage_never_crashes(data):
    try:
        reading = decode_report(data)
    except ScaleReportError:
        return
    assert isinstance(reading, Reading)


# --- the gate ------------------------------------------------------------------------------------------


def test_gate_allows_stable_positive_weight():
    decision = WeightGate().decide(decode_report(DYMO_M10_850_G))
    assert decision.allowed and decision.weight_g == 850 and decision.message == "850 g"


@pytest.mark.parametrize(
    ("report", "fragment"),
    [
        (STAMPS_ZERO, "shows zero"),
        (IN_MOTION_G, "still moving"),
        (UNDER_ZERO_G, "below zero"),
        (OVERWEIGHT, "heavier than the scale"),
        (FAULT, "fault"),
        (bytes.fromhex("030702000000"), "calibrating"),
        (bytes.fromhex("030802000000"), "re-zeroing"),
        (bytes.fromhex("030401fd0100"), "almost nothing"),  # 0.001 mg: stable but rounds to 0 g
    ],
)
def test_gate_refuses_with_clear_message(report, fragment):
    decision = WeightGate().decide(decode_report(report))
    assert not decision.allowed and decision.weight_g is None
    assert fragment in decision.message


def test_gate_parcel_limit():
    gate = WeightGate(max_g=1000)
    decision = gate.decide(decode_report(KG_MILLI))
    assert not decision.allowed
    assert decision.message == "1.250 kg is over the 1.000 kg limit for one parcel. Split the box."
    assert gate.decide(decode_report(DYMO_M10_850_G)).allowed


# --- manual entry --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "grams"),
    [
        ("1.25 kg", 1250),
        ("1,25 kg", 1250),
        ("1.25kg", 1250),
        ("850 g", 850),
        ("850", 850),
        (" 850g ", 850),
        ("2 KG", 2000),
        ("0.5 kg", 500),
        ("2 lb", 907),
        ("12 oz", 340),
    ],
)
def test_manual_weights(text, grams):
    assert parse_manual_weight(text) == grams


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "Type the weight"),
        ("   ", "Type the weight"),
        ("abc", "is not a weight"),
        ("1.25", "Say the unit"),
        ("12 stone", "Unknown unit 'stone'"),
        ("0", "more than zero"),
        ("-5 g", "more than zero"),
        ("0.0001 kg", "less than one gram"),
        ("99999 kg", "not a parcel weight"),
        ("1.2.3 kg", "is not a weight"),
    ],
)
def test_manual_errors(text, fragment):
    with pytest.raises(ManualWeightError, match=fragment):
        parse_manual_weight(text)


def test_manual_reading_and_gate():
    reading = manual_reading("1.25 kg")
    assert reading.stable and reading.source == "manual" and reading.grams == 1250
    gate = WeightGate(max_g=30_000)
    assert gate.decide(reading).allowed
    assert gate.decide_manual("31 kg").message.startswith("31.000 kg is over the 30.000 kg limit")
    assert gate.decide_manual("1.25").allowed is False


def test_report_descriptor_usage_page():
    from packstation.domain.scale import declares_scale_usage_page

    assert declares_scale_usage_page(bytes.fromhex("058d0920a101c0"))
    assert declares_scale_usage_page(bytes.fromhex("068d000920a101c0"))  # two-byte usage page
    assert not declares_scale_usage_page(bytes.fromhex("05010906a101050719e029e7c0"))  # keyboard
    # 0x8D as the data of another item (a Usage, tag 0x08) is not a usage page.
    assert not declares_scale_usage_page(bytes.fromhex("0501098da101c0"))
    assert not declares_scale_usage_page(b"\xfe")
    assert not declares_scale_usage_page(b"")
